/** The transition search against synthetic outcome oracles, monotone and not. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { searchTransition, type SearchStrategy } from "./search.ts";

function oracle(outcomes: readonly boolean[]): { outcome: (k: number) => Promise<boolean>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    outcome: async (k) => {
      calls.push(k);
      await new Promise((resolve) => setImmediate(resolve));
      return outcomes[k] as boolean;
    },
  };
}

const monotone = (n: number, transition: number): boolean[] => Array.from({ length: n + 1 }, (_, k) => k >= transition);

void test("monotone outcomes: every strategy finds the transition, bisection in about log2(n) + 2 calls", async () => {
  for (let n = 0; n <= 20; n++) {
    for (let transition = 0; transition <= n + 1; transition++) {
      const expected = transition <= n ? transition : undefined;
      for (const strategy of ["bisect", "linear", "exhaustive"] as SearchStrategy[]) {
        for (const probesPerRound of [1, 3]) {
          const { outcome, calls } = oracle(monotone(n, transition));
          const result = await searchTransition(n, outcome, { strategy, probesPerRound });
          const label = `${strategy}/${probesPerRound} n=${n} k*=${transition}`;
          assert.equal(result.k, expected, label);
          assert.equal(result.verified, expected !== undefined, label);
          assert.equal(result.violations, 0, label);
          assert.equal(new Set(calls).size, calls.length, `${label}: no k evaluated twice`);
          if (strategy === "bisect" && probesPerRound === 1) assert.ok(calls.length <= Math.ceil(Math.log2(n + 1)) + 2, `${label}: ${calls.length} calls`);
          if (strategy === "linear") assert.equal(calls.length, expected === undefined ? n + 1 : expected + 1, label);
          if (strategy === "exhaustive") assert.equal(calls.length, n + 1, label);
        }
      }
    }
  }
});

void test("non-monotone outcomes: bisection returns a real transition, linear the smallest yes, exhaustive counts the reversals", async () => {
  const outcomes = [false, true, false, false, true, true];
  const bisect = await searchTransition(5, oracle(outcomes).outcome);
  assert.equal(bisect.k, 4, "a transition (3 no, 4 yes), not the smallest yes");
  assert.equal(bisect.verified, true);
  assert.equal(bisect.violations, 0, "bisection's evaluated points are monotone by construction, so it cannot see the reversal");
  const linear = await searchTransition(5, oracle(outcomes).outcome, { strategy: "linear" });
  assert.deepEqual([linear.k, linear.evaluations.length], [1, 2]);
  const exhaustive = await searchTransition(5, oracle(outcomes).outcome, { strategy: "exhaustive" });
  assert.deepEqual([exhaustive.k, exhaustive.violations], [1, 2]);
  // A yes in the middle but no at the end: bisection answers none.
  const hidden = [false, false, true, false];
  assert.equal((await searchTransition(3, oracle(hidden).outcome)).k, undefined);
  assert.deepEqual([(await searchTransition(3, oracle(hidden).outcome, { strategy: "exhaustive" })).k, (await searchTransition(3, oracle(hidden).outcome, { strategy: "exhaustive" })).violations], [2, 1]);
});

void test("probes per round run concurrently; a failing continuation rejects the search", async () => {
  let inFlight = 0;
  let most = 0;
  const outcome = async (k: number): Promise<boolean> => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight--;
    return k >= 13;
  };
  const result = await searchTransition(40, outcome, { probesPerRound: 4 });
  assert.equal(result.k, 13);
  assert.ok(most >= 2, `at most ${most} in flight`);
  await assert.rejects(searchTransition(5, async () => {
    throw new Error("backend down");
  }), /backend down/);
  await assert.rejects(searchTransition(-1, async () => true), RangeError);
});
