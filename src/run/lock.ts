/**
 * One qreason process at a time per run directory. Two `qreason run --out D` at once computed the same
 * keys, asked for the same generations and crashed renaming each other's `.partial` artifacts; any stage
 * that writes the store or the reports (run, and the stages that re-run alone) takes this lock first.
 *
 * The lock is a file, `qreason.lock`, created exclusively (O_EXCL) and holding who took it: pid, host,
 * start time, command, and on Linux the process's own start tick (so a recycled pid is not mistaken for
 * the holder). A lock whose holder is gone (same host, pid dead or recycled) is stale and taken over; one
 * held by a live process, or by another host (which cannot be checked from here), is an E_BUSY error that
 * says who holds it. A process may take the lock it already holds (nested stages); it is released when the
 * last taker releases it, and at exit in any case.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { QreasonError } from "../errors.ts";

export const LOCK_FILE = "qreason.lock";

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** /proc/<pid>/stat start time in clock ticks since boot (Linux only). */
  processStart?: string;
}

export interface RunLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Gives the lock back (once; later calls do nothing). */
  release(): void;
}

interface Held {
  holder: LockHolder;
  takers: number;
}

/** Locks this process holds, by lock file. */
const held = new Map<string, Held>();
let exitHookInstalled = false;

/** Takes the run directory's lock or throws E_BUSY naming the holder (E_NOT_FOUND without the directory). */
export function acquireRunLock(directory: string, command = "qreason"): RunLock {
  const file = path.join(path.resolve(directory), LOCK_FILE);
  const mine = held.get(file);
  if (mine !== undefined) {
    mine.takers += 1;
    return handle(file, mine);
  }
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command,
    ...processStartField(process.pid),
  };
  // A few rounds: each either takes the lock, fails on a live holder, or clears a stale lock and retries.
  for (let round = 0; round < 5; round++) {
    if (create(file, holder)) {
      const entry: Held = { holder, takers: 1 };
      held.set(file, entry);
      installExitHook();
      return handle(file, entry);
    }
    const current = readHolder(file);
    if (current === "missing") continue; // released between our try and our read
    if (current === "unreadable") {
      // Being written this instant, or left empty by a crash between create and write.
      if (ageMs(file) < 2_000) {
        sleepMs(50);
        continue;
      }
    } else if (holderAlive(current)) {
      throw busy(file, current);
    }
    takeOverStale(file, current);
  }
  throw new QreasonError("E_BUSY", "could not take the run directory's lock (it kept changing hands); try again", { file });
}

function handle(file: string, entry: Held): RunLock {
  let released = false;
  return {
    file,
    holder: entry.holder,
    release() {
      if (released) return;
      released = true;
      entry.takers -= 1;
      if (entry.takers > 0) return;
      held.delete(file);
      removeIfOurs(file, entry.holder);
    },
  };
}

/** Creates the lock file with `holder` in it; false when it exists. */
function create(file: string, holder: LockHolder): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(file, "wx", 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "ENOENT") throw new QreasonError("E_NOT_FOUND", "the run directory does not exist", { file: path.dirname(file) });
    throw new QreasonError("E_STORE", `cannot create the run directory's lock: ${code ?? (error as Error).message}`, { file });
  }
  try {
    writeSync(descriptor, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(descriptor);
  }
  return true;
}

function readHolder(file: string): LockHolder | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable";
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === "number" && typeof value.host === "string" && typeof value.startedAt === "string") {
      return { command: "", ...value } as LockHolder;
    }
  } catch {
    // fall through
  }
  return "unreadable";
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

/** Whether the holder may still be running: always, for another host (it cannot be checked from here). */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: a process of another user has that pid; fall through to the start-time check.
  }
  if (holder.processStart === undefined) return true;
  const now = processStartField(holder.pid).processStart;
  return now === undefined || now === holder.processStart; // a different start tick: the pid was recycled
}

/**
 * Moves a stale lock aside and deletes it. Renaming (not unlinking) makes this safe against another process
 * doing the same: only one rename of the stale file succeeds, and if what we moved turns out to be a fresh
 * lock someone just took, it is linked back (link never replaces a file that appeared meanwhile).
 */
function takeOverStale(file: string, stale: LockHolder | "unreadable"): void {
  const aside = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // gone already: someone else cleared it
  }
  const moved = readHolder(aside);
  const isTheStaleOne = stale === "unreadable" ? moved === "unreadable" : moved !== "missing" && moved !== "unreadable" && sameHolder(moved, stale);
  if (!isTheStaleOne) {
    try {
      linkSync(aside, file);
    } catch {
      // the name was taken again meanwhile; that process holds the lock now
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

function removeIfOurs(file: string, holder: LockHolder): void {
  const current = readHolder(file);
  if (current === "missing" || current === "unreadable" || !sameHolder(current, holder)) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A second Ctrl-C exits at once (process.exit); the lock goes with the process.
  process.on("exit", () => {
    for (const [file, entry] of held) removeIfOurs(file, entry.holder);
    held.clear();
  });
}

function busy(file: string, holder: LockHolder): QreasonError {
  const where = holder.host === os.hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
  const what = holder.command ? ` (${holder.command})` : "";
  const remedy =
    holder.host === os.hostname()
      ? "wait for it to finish or stop it"
      : `wait for it to finish; if nothing runs there any more, delete ${file}`;
  return new QreasonError("E_BUSY", `another qreason process is using this run directory: ${where}${what}, since ${holder.startedAt}; ${remedy}`, {
    file: path.dirname(file),
  });
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** `{ processStart }` from /proc/<pid>/stat (field 22, after the parenthesised command), or nothing. */
function processStartField(pid: number): { processStart?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = fields[19];
    return start === undefined || start === "" ? {} : { processStart: start };
  } catch {
    return {};
  }
}
