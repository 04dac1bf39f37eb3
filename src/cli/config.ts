/**
 * Configuration read from the environment, once, at the edge. Modules below the CLI receive these
 * values as arguments and never read process.env themselves.
 */
import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { QreasonError } from "../errors.ts";

export interface CliConfig {
  /** Root of the benchmark files ($QREASON_DATA, default ~/.cache/qreason/data). */
  dataDir: string;
  /** Whether downloads are allowed ($QREASON_OFFLINE=1, true, yes or on forbids them). */
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

/** `QREASON_OFFLINE`: 1/true/yes/on is offline, 0/false/no/off or unset online; anything else is a usage error. */
function offline(value: string | undefined): boolean {
  const word = (value ?? "").trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(word)) return true;
  if (["", "0", "false", "no", "off"].includes(word)) return false;
  throw new QreasonError("E_USAGE", `QREASON_OFFLINE is '${value}'; set it to 1 (never download) or 0 (download missing benchmark files)`);
}

/** A folder named by the environment: an existing file there is a usage error now, not "missing" later. */
function folderFrom(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const folder = path.resolve(env[name] || fallback);
  let isFile = false;
  try {
    isFile = !statSync(folder).isDirectory();
  } catch {
    // Not there yet: made or reported by whoever needs it.
  }
  if (isFile) throw new QreasonError("E_USAGE", `$${name} names a file; give a directory`, { file: folder });
  return folder;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const projectRoot = path.resolve(import.meta.dirname, "..", "..");
  return {
    dataDir: folderFrom(env, "QREASON_DATA", path.join(os.homedir(), ".cache", "qreason", "data")),
    allowDownload: !offline(env.QREASON_OFFLINE),
    interactive: Boolean(process.stderr.isTTY) && !env.CI,
    python: env.QREASON_PYTHON ?? path.join(projectRoot, "engine", ".venv", "bin", "python"),
    projectRoot,
    modelsDir: folderFrom(env, "QREASON_MODELS", path.join(os.homedir(), ".cache", "qreason", "models")),
  };
}
