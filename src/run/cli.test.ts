/**
 * The commands as a user runs them (`bin/qreason.js` in a child process): Ctrl-C stops `qreason run`
 * cleanly (exit 130, nothing stored as failed) and the same command resumes; `--json`; `qreason report`;
 * and the errors a user meets (no study file, not a run directory, no reference model for the demo).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { referenceModel, REFERENCE_GGUF } from "../cli/commands/demo.ts";
import { runQreason } from "../testing/cli.ts";
import { isQreasonError } from "../errors.ts";
import { openRunStore } from "../store/index.ts";
import { projectRoot } from "../testing/paths.ts";
import { readRunRecord } from "./index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-run-cli-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const CLI = path.join(projectRoot, "bin", "qreason.js");

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qreason(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Finished> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: scratch, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
    onStderr?.(stderr, child);
  });
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(watchdog);
      resolve({ code, stdout, stderr });
    }),
  );
}

test("Ctrl-C stops qreason run cleanly; the same command resumes; --json; qreason report", { timeout: 120_000 }, async () => {
  const loopback = await startLoopback({ delayMs: 10 });
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    writeSumsBenchmark(benchmarkFile, 60);
    const studyFile = path.join(scratch, "study.yaml");
    writeFileSync(studyFile, sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"], concurrency: 2 }));
    const runDirectory = path.join(scratch, "run");

    let interrupted = false;
    const stopped = await qreason(["run", studyFile, "--out", runDirectory], (stderr, child) => {
      if (!interrupted && loopback.answered >= 30 && stderr.includes("to generate")) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /interrupted; \d+ new generation\(s\) stored in .*Run the same command again to resume/);
    assert.doesNotMatch(stopped.stderr, /internal error|at .*\.ts:\d+/);
    const record = readRunRecord(runDirectory);
    assert.equal(record.interrupted, true);
    const store = openRunStore(runDirectory, { readOnly: true });
    const keys = record.cells.flatMap((cell) => cell.keys);
    const stored = store.generations(keys).length;
    assert.equal(store.failures().length, 0, "nothing interrupted was stored as a failure");
    store.close();
    assert.ok(stored > 0 && stored < 120, `${stored} stored before Ctrl-C`);

    await loopback.settled();
    const askedBefore = loopback.received;
    const resumed = await qreason(["run", studyFile, "--out", runDirectory, "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(loopback.received - askedBefore, 120 - stored);
    const line = JSON.parse(resumed.stdout) as { runDirectory: string; report: { html: string }; summary: { interrupted: boolean; variants: { generated: number; cached: number }[] } };
    assert.equal(line.runDirectory, runDirectory);
    assert.equal(line.report.html, path.join(runDirectory, "report.html"));
    assert.equal(line.summary.interrupted, false);
    assert.equal(line.summary.variants.reduce((sum, variant) => sum + variant.generated + variant.cached, 0), 120);

    const report = await qreason(["report", runDirectory]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^benchmark +variant +accuracy/m);
    assert.match(report.stdout, /^sums +q4 +\d+\.\d%/m);
    assert.ok(report.stdout.trim().endsWith(`report: ${path.join(runDirectory, "report.html")}`));
  } finally {
    await loopback.close();
  }
});

test("user mistakes are one-line errors naming the file", async () => {
  const missing = await qreason(["run", path.join(scratch, "nope.yaml")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^qreason: error\[E_NOT_FOUND\]: .*nope\.yaml: no such study file\n$/);

  const notARun = path.join(scratch, "empty");
  mkdirSync(notARun);
  const report = await qreason(["report", notARun]);
  assert.equal(report.code, 1);
  assert.match(report.stderr, /error\[E_NOT_FOUND\]: .*: not a run directory \(no qreason\.sqlite\)/);
});

test("the demo names the reference model it needs when it is missing", () => {
  const root = mkdtempSync(path.join(scratch, "root-"));
  assert.throws(
    () => referenceModel(root),
    (error: unknown) => isQreasonError(error) && error.code === "E_NOT_FOUND" && error.location.file === path.join(root, REFERENCE_GGUF) && /reference model is missing/.test(error.message),
  );
  mkdirSync(path.dirname(path.join(root, REFERENCE_GGUF)), { recursive: true });
  writeFileSync(path.join(root, REFERENCE_GGUF), "GGUF");
  assert.equal(referenceModel(root), path.join(root, REFERENCE_GGUF));
});

test("the demo without the engine's Python says how to get it or go without the restoration, before running anything", async () => {
  const out = path.join(scratch, "demo-no-python");
  const missing = path.join(scratch, "no-such-python");
  const demo = await runQreason(["demo", "--out", out], { env: { QREASON_PYTHON: missing } });
  assert.equal(demo.code, 1);
  assert.match(demo.stderr, /error\[E_NOT_FOUND\]: .*the engine's Python is missing .*scripts\/setup\.sh.*qreason demo --no-restore/s);
  assert.ok(!existsSync(out), "nothing was started");
});

