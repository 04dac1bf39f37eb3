/**
 * Configuration read from the environment, once, at the edge. Modules below the CLI receive these
 * values as arguments and never read process.env themselves.
 */
import os from "node:os";
import path from "node:path";

export interface CliConfig {
  /** Root of the benchmark files ($QREASON_DATA, default ~/.cache/qreason/data). */
  dataDir: string;
  /** Whether downloads are allowed ($QREASON_OFFLINE=1 forbids them). */
  allowDownload: boolean;
  /** Whether progress bars may draw. */
  interactive: boolean;
  /** Path of the Python interpreter for the engine ($QREASON_PYTHON, default engine/.venv/bin/python). */
  python: string;
  /** Root of the qreason checkout (where engine/, examples/ and models/ live). */
  projectRoot: string;
  /** Root of the real-model cache `qreason models fetch` fills ($QREASON_MODELS, default ~/.cache/qreason/models). */
  modelsDir: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const projectRoot = path.resolve(import.meta.dirname, "..", "..");
  return {
    dataDir: path.resolve(env.QREASON_DATA ?? path.join(os.homedir(), ".cache", "qreason", "data")),
    allowDownload: env.QREASON_OFFLINE !== "1",
    interactive: Boolean(process.stderr.isTTY) && !env.CI,
    python: env.QREASON_PYTHON ?? path.join(projectRoot, "engine", ".venv", "bin", "python"),
    projectRoot,
    modelsDir: path.resolve(env.QREASON_MODELS ?? path.join(os.homedir(), ".cache", "qreason", "models")),
  };
}
