/**
 * The worker pool: order, hard per-item budgets (a worker really terminated and replaced), and that a
 * cut-off item costs only itself.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GradePool } from "./pool.ts";

void test("batches come back in their own order, across workers", async () => {
  const pool = new GradePool({ workers: 2 });
  try {
    const batches = Array.from({ length: 6 }, (_, batch) =>
      Array.from({ length: 20 }, (_, index) => ({ gold: String(batch * 100 + index), output: `\\boxed{${batch * 100 + index}}` })),
    );
    const results = await Promise.all(batches.map((items) => pool.grade(items)));
    results.forEach((batch, batchIndex) =>
      batch.forEach((result, index) => {
        assert.equal(result.status, "correct");
        assert.equal(result.extracted, String(batchIndex * 100 + index));
      }),
    );
  } finally {
    await pool.close();
  }
});

void test("an item that never ends is cut off: its worker is terminated, the rest of the batch is graded", async () => {
  const pool = new GradePool({ workers: 1, timeBudgetMs: 300, spinMarker: "SPIN FOREVER" });
  try {
    const started = performance.now();
    const results = await pool.grade([
      { gold: "1", output: "\\boxed{1}" },
      { gold: "2", output: "SPIN FOREVER" },
      { gold: "3", output: "\\boxed{4}" },
    ]);
    const elapsed = performance.now() - started;
    assert.deepEqual(
      results.map((result) => result.status),
      ["correct", "timeout", "wrong"],
    );
    assert.match(results[1]!.reason, /wall-clock guard: cut off after 300 ms \(worker terminated/);
    assert.equal(results[1]!.guard, "wall");
    assert.deepEqual(pool.stats, { timeouts: 1, restarts: 1 });
    assert.ok(elapsed >= 300, `returned after ${elapsed} ms, before the budget ran out`);
    // The replacement worker grades as before.
    const [after] = await pool.grade([{ gold: "5", output: "\\boxed{5}" }]);
    assert.equal(after!.status, "correct");
  } finally {
    await pool.close();
  }
});

void test("real grading work past the wall-clock guard is cut off too (three exact binomials of 100,000 take ~1.5 s)", async () => {
  // The work budget is lifted so that only the wall clock can stop the heavy item.
  const pool = new GradePool({ workers: 1, timeBudgetMs: 400, workBudget: 100_000_000 });
  try {
    const results = await pool.grade([
      { gold: "7", output: "\\boxed{7}" },
      { gold: "5", output: "\\boxed{\\binom{100000}{50000}+\\binom{100000}{49999}+\\binom{100000}{49998}}" },
    ]);
    assert.equal(results[0]!.status, "correct");
    assert.equal(results[1]!.status, "timeout");
    // Cut off by the watchdog or by the worker's own cooperative guard, whichever reads the clock first.
    assert.equal(results[1]!.guard, "wall");
    assert.match(results[1]!.reason, /wall-clock guard/);
  } finally {
    await pool.close();
  }
});

void test("two runaway items in one batch are both cut off, in order", async () => {
  const pool = new GradePool({ workers: 1, timeBudgetMs: 200, spinMarker: "LOOP" });
  try {
    const results = await pool.grade([
      { gold: "1", output: "LOOP" },
      { gold: "2", output: "\\boxed{2}" },
      { gold: "3", output: "LOOP" },
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ["timeout", "correct", "timeout"],
    );
    assert.equal(pool.stats.timeouts, 2);
  } finally {
    await pool.close();
  }
});

void test("a closed pool refuses work", async () => {
  const pool = new GradePool({ workers: 1 });
  await pool.close();
  await assert.rejects(pool.grade([{ gold: "1", output: "1" }]), /closed/);
});
