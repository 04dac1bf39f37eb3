/**
 * Regression (issue 12): a failed write to standard output (`> /dev/full`) crashed with a Node stack trace,
 * or — through console.log, which swallows errors — exited 0 having written nothing. Now: a clear
 * E_OUTPUT error and exit code 1. A reader that goes away (`| head`) stays quiet (src/grade/cli.test.ts).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, openSync, closeSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { projectRoot } from "../testing/paths.ts";

async function toDevFull(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const full = openSync("/dev/full", "w");
  try {
    const child = spawn(process.execPath, [path.join(projectRoot, "bin", "qreason.js"), ...args], {
      env: { ...process.env, CI: "1" },
      stdio: ["ignore", full, "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    return { code, stderr };
  } finally {
    closeSync(full);
  }
}

test("stdout on a full disk: a clear error and exit code 1, for console output and for streamed output", { skip: !existsSync("/dev/full") }, async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-stdout-"));
  const input = path.join(directory, "in.jsonl");
  const lines = Array.from({ length: 2000 }, (_, index) => JSON.stringify({ id: `q${index}`, gold: "1", output: "\\boxed{1}" }));
  await writeFile(input, `${lines.join("\n")}\n`);
  for (const args of [["data", "list"], ["--help"], ["grade", "--input", input, "--quiet"]]) {
    const run = await toDevFull(args);
    assert.equal(run.code, 1, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, /qreason: error\[E_OUTPUT\]: <stdout>: cannot write to standard output: ENOSPC/, args.join(" "));
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /, "no stack trace");
  }
});
