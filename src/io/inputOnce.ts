/**
 * An input that a command reads more than once (validate everything, then do the work) must be a file
 * that can be opened twice. A pipe cannot: `--input /dev/stdin` or a process substitution gives its bytes
 * to the first reader and nothing to the second, and a FIFO's second open waits for a writer that never
 * comes. Such inputs are read exactly once, into a temporary file, and the passes read that.
 */
import { createReadStream, createWriteStream, rmSync } from "node:fs";
import { mkdtemp, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { QreasonError } from "../errors.ts";
import { removeAtExit } from "./temporaries.ts";

export interface RereadableInput {
  /** The path the user gave (for messages). */
  requested: string;
  /** A regular file with the same bytes: `requested` itself, or a spooled copy. */
  path: string;
  /** Whether `path` is a temporary copy. */
  spooled: boolean;
  /** Removes the copy (harmless for a regular file; also done at process exit). */
  dispose(): void;
}

/** `file` as something that can be read several times; refuses a directory or a missing file. */
export async function openRereadable(file: string, flag = "input", stdin: NodeJS.ReadableStream = process.stdin): Promise<RereadableInput> {
  // Standard input is read from the stream itself: a socket (what Node's spawn gives a child) cannot be
  // opened again by name (ENXIO), and a pipe opened again would compete with whoever holds it.
  if (STDIN_NAMES.has(file)) return spool(stdin, file, flag);
  const requested = path.resolve(file);
  let stats;
  try {
    stats = await stat(requested);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new QreasonError(code === "ENOENT" ? "E_NOT_FOUND" : "E_INPUT", code === "ENOENT" ? `the ${flag} does not exist` : `cannot read the ${flag} (${code})`, {
      file: requested,
    });
  }
  if (stats.isDirectory()) throw new QreasonError("E_USAGE", `the ${flag} is a directory; give a file`, { file: requested });
  if (stats.isFile()) return { requested, path: requested, spooled: false, dispose: () => undefined };
  return spool(createReadStream(requested), requested, flag);
}

const STDIN_NAMES = new Set(["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]);

async function spool(source: NodeJS.ReadableStream, requested: string, flag: string): Promise<RereadableInput> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "qreason-input-"));
  const keep = removeAtExit(folder);
  const dispose = (): void => {
    rmSync(folder, { recursive: true, force: true });
    keep();
  };
  const copy = path.join(folder, "input");
  try {
    await pipeline(source, createWriteStream(copy));
  } catch (error) {
    dispose();
    throw new QreasonError("E_INPUT", `cannot read the ${flag}: ${(error as Error).message}`, { file: requested });
  }
  return { requested, path: copy, spooled: true, dispose };
}
