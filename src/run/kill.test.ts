/**
 * A real `kill -9` of `qreason run` mid-generation, then `qreason run` again: the store keeps every
 * committed generation intact, the second run asks the backend for exactly the generations that were not
 * stored (no finished one twice), and the run ends with each generation stored once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, test } from "node:test";
import { openRunStore, RUN_STORE_FILE } from "../store/index.ts";
import { projectRoot } from "../testing/paths.ts";
import { readRunRecord } from "./index.ts";
import { answer, startLoopback, sumsStudy, writeSumsBenchmark } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-run-kill-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const CLI = path.join(projectRoot, "bin", "qreason.js");
const PROBLEMS = 100;
const VARIANTS = ["fp", "q4"];
const TOTAL = PROBLEMS * VARIANTS.length;

function qreasonRun(args: string[]): { done: Promise<{ code: number | null; signal: string | null; stderr: string }>; kill: () => void } {
  const child = spawn(process.execPath, [CLI, "run", ...args], { cwd: scratch, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  child.stdout.resume();
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 120_000); // never hang the suite
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, stderr });
    }),
  );
  return { done, kill: () => child.kill("SIGKILL") };
}

interface StoredRow {
  variant: string;
  problem_id: string;
  sample_index: number;
  text: string;
}

function storedRows(runDirectory: string): StoredRow[] {
  const database = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE), { readOnly: true });
  try {
    return database.prepare("SELECT variant, problem_id, sample_index, text FROM generations WHERE status = 'ok'").all() as unknown as StoredRow[];
  } finally {
    database.close();
  }
}

test("kill -9 mid-generation, then run again: nothing lost, nothing asked twice", { timeout: 180_000 }, async (t) => {
  const loopback = await startLoopback({ delayMs: 8 });
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    writeSumsBenchmark(benchmarkFile, PROBLEMS);
    const studyFile = path.join(scratch, "study.yaml");
    writeFileSync(studyFile, sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"], concurrency: 2 }));
    const runDirectory = path.join(scratch, "run");

    const first = qreasonRun([studyFile, "--out", runDirectory, "--quiet"]);
    const killed = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (loopback.answered >= 70) {
          clearInterval(poll);
          first.kill();
          resolve();
        }
      }, 2);
    });
    await killed;
    const outcome = await first.done;
    assert.equal(outcome.signal, "SIGKILL", `the run ended by itself: ${outcome.stderr}`);
    // The killed process's last requests may still be answered (to nobody): count once the server is idle.
    await loopback.settled();
    const askedByFirst = loopback.received;

    // What the killed run left: intact (SQLite's own check), and the work still to do.
    const store = openRunStore(runDirectory);
    assert.deepEqual(store.integrityCheck(), ["ok"]);
    store.close();
    const stored = storedRows(runDirectory).length;
    assert.ok(stored > 0 && stored < TOTAL, `killed mid-run: ${stored} of ${TOTAL} stored`);
    assert.ok(stored <= askedByFirst);

    t.diagnostic(`killed after ${askedByFirst} requests, ${stored} stored; ${TOTAL - stored} left`);
    const second = qreasonRun([studyFile, "--out", runDirectory, "--quiet"]);
    const result = await second.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(loopback.received - askedByFirst, TOTAL - stored, "the second run asked for exactly what was not stored");

    const rows = storedRows(runDirectory);
    assert.equal(rows.length, TOTAL);
    const cells = new Set(rows.map((row) => `${row.variant}\0${row.problem_id}\0${row.sample_index}`));
    assert.equal(cells.size, TOTAL, "each (variant, problem, sample) is stored once");
    const record = readRunRecord(runDirectory);
    const reopened = openRunStore(runDirectory, { readOnly: true });
    try {
      const keys = record.cells.flatMap((cell) => cell.keys);
      assert.equal(keys.length, TOTAL);
      assert.deepEqual(reopened.pending(keys), []);
      const questions = new Map(reopened.problems(reopened.generations(keys)[0]?.benchmark ?? "").map((problem) => [problem.id, problem.question]));
      for (const row of rows) {
        const model = row.variant === "fp" ? "reference" : row.variant;
        assert.equal(row.text, answer(model, `Question: ${questions.get(row.problem_id)}\nAnswer:`), `${row.variant} ${row.problem_id} is intact`);
      }
    } finally {
      reopened.close();
    }
  } finally {
    await loopback.close();
  }
});
