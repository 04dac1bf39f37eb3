/**
 * Crash safety with a real process kill: a child writes batches of generations in a loop and is killed
 * with SIGKILL mid-run. The database must pass SQLite's integrity check, hold exactly the batches that
 * were committed (whole batches, each row intact, no gaps), and a resumed writer must continue from there.
 *
 * Batches are large (about 4 MB, over SQLite's 2 MB page cache), so a transaction spills uncommitted
 * pages into the WAL file long before it commits. The test reads the WAL file after each kill and goes
 * on until at least one kill has left such uncommitted frames on disk: the case recovery must discard.
 * Kills are timed from the writer's own `writing`/`committed` reports to land inside a transaction.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { DatabaseSync } from "node:sqlite";
import { openRunStore, RUN_STORE_FILE } from "./runStore.ts";
import { fakeKey, fakePrompt, fakeText } from "./testdata/fakeGenerations.ts";

const WRITER = path.join(import.meta.dirname, "testdata", "killableWriter.ts");
const BATCH = 3000;
const LIMIT = 200_000;

interface KillRound {
  resumedAt: number;
  lastReported: number;
  signal: string | null;
}

/**
 * Starts the writer, lets `commits` transactions complete (timing them), then kills it with SIGKILL
 * `fraction` of a transaction's duration after the next one starts: inside it, when fraction < 1.
 */
async function writeThenKill(runDirectory: string, commits: number, fraction: number): Promise<KillRound> {
  const child = spawn(process.execPath, [WRITER, runDirectory, String(BATCH), String(LIMIT)], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const round: KillRound = { resumedAt: -1, lastReported: -1, signal: null };
  let committed = 0;
  let started = 0;
  let duration = 0;
  let buffer = "";
  const exited = new Promise<string | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000); // never hang the test run
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      const [word, count] = line.split(" ");
      if (word === "resumed") round.resumedAt = Number(count);
      if (word === "writing") {
        started = performance.now();
        if (committed === commits) setTimeout(() => child.kill("SIGKILL"), fraction * duration);
      }
      if (word === "committed") {
        round.lastReported = Number(count);
        duration = performance.now() - started;
        committed++;
      }
    }
  });
  round.signal = await exited;
  clearTimeout(watchdog);
  assert.ok(committed >= commits, `writer exited after ${committed} commits: ${stderr}`);
  return round;
}

/**
 * Frames in the WAL after its last commit frame (reading valid frames only: those carrying the header's
 * salts, as SQLite's recovery does). Non-zero means the process died inside a transaction that had
 * already written pages to disk.
 */
function uncommittedWalFrames(walFile: string): number {
  if (!existsSync(walFile)) return 0;
  const wal = readFileSync(walFile);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let frames = 0;
  let lastCommit = 0;
  for (let offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) {
    if (wal.readUInt32BE(offset + 8) !== salt1 || wal.readUInt32BE(offset + 12) !== salt2) break;
    frames++;
    if (wal.readUInt32BE(offset + 4) !== 0) lastCommit = frames;
  }
  return frames - lastCommit;
}

test("a writer killed with SIGKILL leaves whole committed batches, intact rows, and resumes after them", async (context) => {
  const runDirectory = mkdtempSync(path.join(os.tmpdir(), "qreason-kill-"));
  try {
    let expectedStart = 0;
    let killsInsideSpilledTransaction = 0;
    // At least three kill-and-resume rounds, and more (up to 10) until one kill lands mid-transaction.
    for (let round = 0; round < 10 && (round < 3 || killsInsideSpilledTransaction === 0); round++) {
      const { resumedAt, lastReported, signal } = await writeThenKill(runDirectory, 1 + (round % 2), [0.8, 0.3, 0.95][round % 3] as number);
      assert.equal(signal, "SIGKILL");
      if (uncommittedWalFrames(path.join(runDirectory, `${RUN_STORE_FILE}-wal`)) > 0) killsInsideSpilledTransaction++;
      assert.equal(resumedAt, expectedStart, "the writer resumes at the first missing record");

      // Read with plain SQLite, not the store's own code, so its checks do not vouch for themselves.
      const database = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
      try {
        assert.deepEqual(database.prepare("PRAGMA integrity_check").all().map((row) => row.integrity_check), ["ok"]);
        const rows = database.prepare("SELECT key, problem_id, status, text, completion_tokens, prompt_hash FROM generations ORDER BY CAST(problem_id AS INTEGER)").all() as {
          key: string;
          problem_id: string;
          status: string;
          text: string;
          completion_tokens: number;
        }[];
        const count = rows.length;
        // Everything reported committed is there; at most the one batch committed after the last report is extra.
        assert.ok(count >= lastReported && count <= lastReported + BATCH, `count ${count}, last reported ${lastReported}`);
        assert.equal(count % BATCH, 0, "only whole batches are stored");
        rows.forEach((row, index) => {
          assert.equal(Number(row.problem_id), index, "no gaps");
          assert.equal(row.status, "ok");
          assert.equal(row.key, fakeKey(index));
          assert.equal(row.text, fakeText(index));
          assert.equal(row.completion_tokens, index % 997);
        });
        const orphans = database.prepare("SELECT count(*) AS count FROM generations g LEFT JOIN prompts p ON p.hash = g.prompt_hash WHERE p.hash IS NULL").get() as { count: number };
        assert.equal(orphans.count, 0, "every generation's prompt is stored");
        expectedStart = count;
      } finally {
        database.close();
      }
    }

    context.diagnostic(`${killsInsideSpilledTransaction} kill(s) left uncommitted WAL frames; ${expectedStart} generations stored`);
    assert.ok(killsInsideSpilledTransaction > 0, "no kill landed inside a transaction with uncommitted pages on disk");

    // The store itself agrees: nothing pending up to what was stored, everything after it pending.
    const store = openRunStore(runDirectory);
    try {
      const keys = Array.from({ length: expectedStart + 300 }, (_, index) => fakeKey(index));
      assert.deepEqual(store.pending(keys), keys.slice(expectedStart));
      const [first] = store.generations([fakeKey(0)]);
      assert.equal(first?.text, fakeText(0));
      assert.deepEqual(store.promptOf(fakeKey(0)), fakePrompt(0));
    } finally {
      store.close();
    }
  } finally {
    rmSync(runDirectory, { recursive: true, force: true });
  }
});
