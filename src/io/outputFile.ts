/**
 * Writing a user-named output file whole or not at all: the bytes go to a temporary file beside the real
 * target and are renamed over it at the end. "The real target" matters: renaming over a symlink replaces
 * the link itself, and renaming over a FIFO or a device node replaces the node. So a symlink is followed to
 * the file it names (the link stays, pointing at the new content), an existing file keeps its permission
 * bits, and anything that is not a regular file (a directory, FIFO, device, socket) is refused up front.
 */
import { createWriteStream, mkdirSync, rmSync, type Stats, type WriteStream } from "node:fs";
import { chmod, lstat, readlink, realpath, rename, rm, stat } from "node:fs/promises";
import { once } from "node:events";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { removeAtExit } from "./temporaries.ts";

/** Symlink hops followed before giving up (the kernel's own limit is 40). */
const MAX_LINKS = 40;

function kindOf(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

export interface OutputTarget {
  /** The path the user gave (for messages). */
  requested: string;
  /** The regular file that will be written: `requested` with every symlink followed. */
  real: string;
  /** Permission bits of the file being replaced, if there is one. */
  mode?: number;
}

/**
 * Where writing `file` really goes. Refuses a directory, FIFO, device or socket (E_USAGE) and an output
 * folder that does not exist (E_NOT_FOUND). A dangling symlink is followed to the file it will create.
 */
export async function resolveOutputTarget(file: string, flag = "output", options: { stdoutByDefault?: boolean } = {}): Promise<OutputTarget> {
  const requested = path.resolve(file);
  let existing: Stats | undefined;
  try {
    existing = await stat(requested);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") throw new QreasonError("E_USAGE", `cannot write the ${flag} (${code})`, { file: requested });
  }
  if (existing !== undefined) {
    const kind = kindOf(existing);
    if (kind !== undefined) {
      const hint =
        kind === "a directory" ? "give a file path" : `give a regular file${options.stdoutByDefault ? " (leave the option out to write to standard output)" : ""}`;
      throw new QreasonError("E_USAGE", `the ${flag} is ${kind}; ${hint}`, { file: requested });
    }
    return { requested, real: await realpath(requested), mode: existing.mode & 0o7777 };
  }
  // Nothing there yet, or a symlink that points at nothing yet: follow links to the path to create.
  let real = requested;
  for (let hop = 0; ; hop++) {
    let link: Stats;
    try {
      link = await lstat(real);
    } catch {
      break;
    }
    if (!link.isSymbolicLink()) break;
    if (hop >= MAX_LINKS) throw new QreasonError("E_USAGE", `cannot write the ${flag}: too many symbolic links`, { file: requested });
    real = path.resolve(path.dirname(real), await readlink(real));
  }
  const folder = path.dirname(real);
  let folderStats: Stats;
  try {
    folderStats = await stat(folder);
  } catch {
    throw new QreasonError("E_NOT_FOUND", `the ${flag}'s folder does not exist: ${folder}`, { file: requested });
  }
  if (!folderStats.isDirectory()) throw new QreasonError("E_USAGE", `the ${flag}'s folder is not a directory: ${folder}`, { file: requested });
  return { requested, real: path.join(await realpath(folder), path.basename(real)) };
}

/**
 * Makes the output folder `folder` (and its parents) for `flag`: a path through a file (ENOTDIR), onto a
 * file (EEXIST), unwritable (EACCES, EROFS) or out of space is a usage or output error naming it, not a stack.
 */
export function makeOutputDirectory(folder: string, flag = "output directory"): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOTDIR") throw new QreasonError("E_USAGE", `the ${flag} is a file, or lies inside one; give a directory`, { file: folder });
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") throw new QreasonError("E_OUTPUT", `cannot create the ${flag}: permission denied (${code})`, { file: folder });
    throw new QreasonError("E_OUTPUT", `cannot create the ${flag}: ${(error as Error).message}`, { file: folder });
  }
}

export interface AtomicOutput {
  target: OutputTarget;
  /** Write here; nothing is visible at the target until `commit`. */
  stream: WriteStream;
  /** Writes `text`, waiting while the stream is full; a failed write is an E_OUTPUT error naming the file. */
  write(text: string): Promise<void>;
  /** Flushes, closes and renames the temporary file over the real target. */
  commit(): Promise<void>;
  /** Closes and removes the temporary file, synchronously (safe in a signal handler); the target is left as it was. */
  abort(): void;
}

/** Opens a temporary file beside the real target of `file` (see resolveOutputTarget). */
export async function openAtomicOutput(file: string, flag = "output", options: { stdoutByDefault?: boolean } = {}): Promise<AtomicOutput> {
  const target = await resolveOutputTarget(file, flag, options);
  const temporary = path.join(path.dirname(target.real), `.${path.basename(target.real)}.partial-${process.pid}-${Date.now().toString(36)}`);
  const stream = createWriteStream(temporary, { flags: "wx" });
  const keep = removeAtExit(temporary); // an interrupted command leaves no half-written file
  try {
    await once(stream, "open");
  } catch (error) {
    throw new QreasonError("E_USAGE", `cannot write the ${flag}: ${(error as Error).message}`, { file: target.requested });
  }
  const failure = new Promise<never>((_, reject) =>
    stream.once("error", (error) => reject(new QreasonError("E_OUTPUT", `cannot write the ${flag}: ${error.message}`, { file: target.requested }))),
  );
  failure.catch(() => undefined); // surfaced by commit
  let settled = false;
  const close = async (): Promise<void> => {
    if (stream.closed) return;
    await Promise.race([new Promise<void>((resolve) => stream.end(() => resolve())), failure]);
  };
  return {
    target,
    stream,
    async write(text) {
      if (stream.errored) await failure;
      if (!stream.write(text)) await Promise.race([once(stream, "drain"), failure]);
    },
    async commit() {
      if (settled) return;
      settled = true;
      try {
        await close();
        if (target.mode !== undefined) await chmod(temporary, target.mode);
        await rename(temporary, target.real);
        keep();
      } catch (error) {
        await rm(temporary, { force: true });
        keep();
        if (error instanceof QreasonError) throw error;
        throw new QreasonError("E_OUTPUT", `cannot write the ${flag}: ${(error as Error).message}`, { file: target.requested });
      }
    },
    abort() {
      if (settled) return;
      settled = true;
      stream.destroy();
      rmSync(temporary, { force: true });
      keep();
    },
  };
}
