/**
 * Standard output can fail: a full disk (`> /dev/full`), a closed terminal, a reader that went away
 * (`| head`). An unhandled 'error' event on process.stdout is a crash with a stack trace, and console.log
 * swallows the error so the command would exit 0 having written nothing. `watchStdout` records the first
 * failure instead; main.ts reports it once the command is done (EPIPE quietly: `| head` is not a failure).
 */
import { QreasonError } from "../errors.ts";

let failure: NodeJS.ErrnoException | undefined;
let watching = false;

/** Start recording stdout write failures (idempotent). */
export function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    failure ??= error;
    process.stdout.destroy(); // later writes are dropped, not retried against a dead descriptor
  });
}

/** The first failure, if stdout failed. */
export function stdoutFailure(): NodeJS.ErrnoException | undefined {
  return failure ?? (process.stdout.errored as NodeJS.ErrnoException | null | undefined) ?? undefined;
}

/** Whether stdout failed because its reader went away (`| head`): the quiet case. */
export function stdoutReaderGone(): boolean {
  return stdoutFailure()?.code === "EPIPE";
}

/** Waits until writes already made have reached the descriptor (or failed). */
export async function flushStdout(): Promise<void> {
  if (!process.stdout.destroyed && process.stdout.writable) {
    await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  }
  await new Promise<void>((resolve) => setImmediate(resolve)); // let a pending 'error' event arrive
}

/** The error to report for a stdout failure other than EPIPE, or undefined. */
export function stdoutError(): QreasonError | undefined {
  const error = stdoutFailure();
  if (error === undefined || error.code === "EPIPE") return undefined;
  return new QreasonError("E_OUTPUT", `cannot write to standard output: ${error.message}`, { file: "<stdout>" });
}
