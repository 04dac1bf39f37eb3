/** Run the real `qreason` CLI in a child process (the same Node, `bin/qreason.js`), for end-to-end tests. */
import { execFile } from "node:child_process";
import path from "node:path";
import { projectRoot } from "./paths.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment (CI=1 is always set, so no progress bars draw). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function runQreason(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(projectRoot, "bin", "qreason.js"), ...args],
      {
        env: { ...process.env, CI: "1", ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
