/**
 * Paths the tests share. Tests read benchmark files from ../shared/data beside the checkout (never the
 * network); QREASON_TEST_DATA overrides it.
 */
import path from "node:path";

export const projectRoot = path.resolve(import.meta.dirname, "..", "..");
export const sharedDataDir = process.env.QREASON_TEST_DATA ?? path.resolve(projectRoot, "..", "shared", "data");
export const enginePython = process.env.QREASON_PYTHON ?? path.join(projectRoot, "engine", ".venv", "bin", "python");
