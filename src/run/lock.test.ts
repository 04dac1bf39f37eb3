/**
 * Regression (issue 12): two `qreason run --out D` at once generated the same keys and the second crashed
 * renaming the other's `.partial` file. The run directory's lock: who holds it, stale locks (dead or
 * recycled pids, empty files), other hosts, re-entrance; then the real CLI, two runs and a report at once.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { isQreasonError } from "../errors.ts";
import { projectRoot } from "../testing/paths.ts";
import { acquireRunLock, LOCK_FILE, type LockHolder } from "./index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-lock-"));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});
const folder = (): string => mkdtempSync(path.join(scratch, "d-"));

function startTick(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}

function writeLock(directory: string, holder: Partial<LockHolder>): void {
  writeFileSync(path.join(directory, LOCK_FILE), JSON.stringify({ host: os.hostname(), startedAt: "2026-12-03T10:00:00.000Z", command: "qreason run", ...holder }));
}

async function sleeper(): Promise<ChildProcess> {
  const child = spawn("sleep", ["300"], { stdio: "ignore" });
  children.push(child);
  await once(child, "spawn");
  return child;
}

test("the lock names its holder; a live holder makes the next taker fail with E_BUSY saying who", async () => {
  const directory = folder();
  const child = await sleeper();
  writeLock(directory, { pid: child.pid!, processStart: startTick(child.pid!) });
  assert.throws(() => acquireRunLock(directory), (error) => {
    assert.ok(isQreasonError(error));
    assert.equal(error.code, "E_BUSY");
    assert.match(error.message, new RegExp(`another qreason process is using this run directory: pid ${child.pid} \\(qreason run\\), since 2026-12-03T10:00:00.000Z; wait for it to finish or stop it`));
    return true;
  });
  child.kill("SIGKILL");
  await once(child, "exit");
  // Its process is gone: the lock is stale and taken over.
  const lock = acquireRunLock(directory, "qreason report");
  const holder = JSON.parse(readFileSync(lock.file, "utf8")) as LockHolder;
  assert.deepEqual([holder.pid, holder.host, holder.command], [process.pid, os.hostname(), "qreason report"]);
  lock.release();
  assert.equal(existsSync(lock.file), false);
});

test("a recycled pid (same pid, another start tick) and an old empty lock file are stale", async () => {
  const directory = folder();
  const child = await sleeper();
  writeLock(directory, { pid: child.pid!, processStart: String(Number(startTick(child.pid!)) + 12345) });
  acquireRunLock(directory).release();
  writeFileSync(path.join(directory, LOCK_FILE), "");
  const old = new Date(Date.now() - 60_000);
  utimesSync(path.join(directory, LOCK_FILE), old, old);
  acquireRunLock(directory).release();
  assert.deepEqual(readdirSync(directory), [], "no lock and no set-aside file left");
});

test("another host's lock cannot be checked from here: E_BUSY, with the file to delete if it is stale", () => {
  const directory = folder();
  writeLock(directory, { pid: 4242, host: "gpu-box-7" });
  assert.throws(() => acquireRunLock(directory), /pid 4242 on host gpu-box-7 .*if nothing runs there any more, delete .*qreason\.lock/);
});

test("the process holding the lock may take it again; it is released when the last taker releases", () => {
  const directory = folder();
  const outer = acquireRunLock(directory, "qreason run");
  const inner = acquireRunLock(directory, "qreason report");
  inner.release();
  assert.ok(existsSync(outer.file), "still held by the outer taker");
  outer.release();
  outer.release(); // twice is harmless
  assert.equal(existsSync(outer.file), false);
  assert.throws(() => acquireRunLock(path.join(directory, "missing")), (error) => isQreasonError(error) && error.code === "E_NOT_FOUND");
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qreason(args: string[]): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [path.join(projectRoot, "bin", "qreason.js"), ...args], {
    cwd: scratch,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "1" },
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const finished = new Promise<Finished>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, finished };
}

test("two `qreason run --out D` at once: the second fails fast naming the first; the first finishes; report and grade wait for it", { timeout: 180_000 }, async () => {
  const loopback = await startLoopback({ delayMs: 40 });
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    writeSumsBenchmark(benchmarkFile, 40);
    const studyFile = path.join(scratch, "study.yaml");
    // timeout_s with four decimals: rounded to whole milliseconds (it was a RangeError in every request).
    writeFileSync(studyFile, sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"], concurrency: 1 }).replace("timeout_s: 30", "timeout_s: 12.3456"));
    const runDirectory = path.join(scratch, "run");
    const first = qreason(["run", studyFile, "--out", runDirectory]);
    while (loopback.received < 3) await new Promise((resolve) => setTimeout(resolve, 20));

    const second = await qreason(["run", studyFile, "--out", runDirectory]).finished;
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`error\\[E_BUSY\\]: ${runDirectory.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: another qreason process is using this run directory: pid ${first.child.pid} \\(qreason run\\)`));
    // The single-stage commands on a run directory take the same lock (both at once: the run is still going).
    const [report, grade] = await Promise.all([qreason(["report", runDirectory]).finished, qreason(["grade", runDirectory]).finished]);
    for (const refused of [report, grade]) {
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /error\[E_BUSY\].*pid \d+ \(qreason run\)/);
    }

    const done = await first.finished;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(loopback.received, 80, "every generation asked exactly once");
    assert.equal(existsSync(path.join(runDirectory, LOCK_FILE)), false, "released at the end");
    const again = await qreason(["report", runDirectory, "--quiet"]).finished;
    assert.equal(again.code, 0, again.stderr);
  } finally {
    await loopback.close();
  }
});
