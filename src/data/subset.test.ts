import { test } from "node:test";
import assert from "node:assert/strict";
import { filterProblems, selectSubset, subjectKey, subjectsOf } from "./subset.ts";
import type { Problem } from "./types.ts";

function problem(id: string, level?: number, subject?: string): Problem {
  return { id, benchmark: "b", question: `q ${id}`, answer: "1", ...(level ? { level } : {}), ...(subject ? { subject } : {}), meta: {} };
}

const pool = Array.from({ length: 200 }, (_, index) =>
  problem(`b/test/${index}`, (index % 5) + 1, ["Algebra", "Counting & Probability", "Number Theory"][index % 3]));

/** A deterministic shuffle, so "independent of file order" is tested on a real reordering. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  let state = 12345;
  for (let index = copy.length - 1; index > 0; index--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const other = state % (index + 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

const ids = (problems: Problem[]) => problems.map((item) => item.id);

void test("same seed, same ids, whatever order the source lists the problems in", () => {
  const first = selectSubset(pool, { size: 20, seed: 7 });
  assert.equal(first.length, 20);
  assert.deepEqual(ids(selectSubset(shuffled(pool), { size: 20, seed: 7 })), ids(first));
  assert.deepEqual(ids(selectSubset([...pool].reverse(), { size: 20, seed: 7 })), ids(first));
});

void test("different seeds pick different subsets", () => {
  const seven = new Set(ids(selectSubset(pool, { size: 20, seed: 7 })));
  const eight = ids(selectSubset(pool, { size: 20, seed: 8 }));
  assert.ok(eight.filter((id) => seven.has(id)).length < 15);
});

void test("growing K only adds problems (the K subset is a prefix of the K+n subset)", () => {
  const small = ids(selectSubset(pool, { size: 10, seed: 3 }));
  const large = ids(selectSubset(pool, { size: 50, seed: 3 }));
  assert.deepEqual(large.slice(0, 10), small);
});

void test("a subset is not just the first K problems of the file", () => {
  const picked = ids(selectSubset(pool, { size: 20, seed: 0 }));
  assert.notDeepEqual(picked, ids(pool.slice(0, 20)));
  assert.ok(picked.some((id) => Number(id.split("/")[2]) >= 100), "draws from the whole range");
});

void test("asking for more than there are returns all of them; a negative size is an error", () => {
  assert.equal(selectSubset(pool.slice(0, 5), { size: 10, seed: 1 }).length, 5);
  assert.throws(() => selectSubset(pool, { size: -1, seed: 1 }), RangeError);
  assert.throws(() => selectSubset(pool, { size: 1.5, seed: 1 }), RangeError);
});

const keys: [string, string][] = [
  ["Counting & Probability", "counting_and_probability"],
  ["counting_and_probability", "counting_and_probability"],
  ["Intermediate Algebra", "intermediate_algebra"],
  ["  Number Theory ", "number_theory"],
];
for (const [subject, expected] of keys) {
  void test(`subjectKey(${JSON.stringify(subject)}) = ${expected}`, () => assert.equal(subjectKey(subject), expected));
}

void test("filterProblems keeps matching levels and subjects (by key) and drops problems lacking the field", () => {
  const withUnleveled = [...pool, problem("b/test/x")];
  const hard = filterProblems(withUnleveled, { levels: [4, 5] });
  assert.equal(hard.length, 80);
  assert.ok(hard.every((item) => item.level === 4 || item.level === 5));
  const counting = filterProblems(pool, { subjects: ["counting_and_probability"] });
  assert.ok(counting.length > 0 && counting.every((item) => item.subject === "Counting & Probability"));
  const both = filterProblems(pool, { levels: [1], subjects: ["Algebra", "number theory"] });
  assert.ok(both.every((item) => item.level === 1 && item.subject !== "Counting & Probability"));
  assert.equal(filterProblems(withUnleveled, {}).length, withUnleveled.length);
  assert.deepEqual(subjectsOf(pool), ["Algebra", "Counting & Probability", "Number Theory"]);
});
