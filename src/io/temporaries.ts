/**
 * Temporary files that must not outlive the process: a half-written output, a spooled copy of a pipe.
 * They are removed at exit however the process ends through Node (a normal end, process.exit, or an
 * interrupt that src/cli turns into an exit). A SIGKILL leaves them: their names say what they were.
 */
import { rmSync } from "node:fs";

const tracked = new Set<string>();
let hooked = false;

/** Removes `file` (or folder) at exit unless the returned function is called first (the file was kept). */
export function removeAtExit(file: string): () => void {
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const path of tracked) rmSync(path, { recursive: true, force: true });
      tracked.clear();
    });
  }
  tracked.add(file);
  return () => {
    tracked.delete(file);
  };
}
