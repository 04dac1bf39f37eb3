/**
 * The splits are fixed and versioned. The digests below are a regression pin: if one changes, the
 * generator changed what it makes for an existing (split, seed, index). If that was intended, bump
 * ARITH_VERSION and record the new digests under the new version; never edit an old version's row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ARITH_VERSION, TEST_SIZE, generateArithSplit, isTestSideQuestion } from "./splits.ts";

const PINNED: Record<number, { first: number; train: string; test: string; testFull: string }> = {
  1: {
    first: 100,
    train: "d57567d1a5bdff66ff4522d70267b9582b7621151cd5577ff103e81bf9ef9c84",
    test: "5b3faa97d4a990f3c3ff234bf240fbd4ed589aad66c8994ccde58b00a5460eb7",
    testFull: "b89331a85e23c2235afe1caaced13c9837d3f699ceb6e20a8acd548ce09b5a57",
  },
};

const sha256 = (value: unknown): string => createHash("sha256").update(JSON.stringify(value)).digest("hex");

const test1000 = generateArithSplit("test", { size: TEST_SIZE });
const train5000 = generateArithSplit("train", { size: 5000 });

void test(`version ${ARITH_VERSION}: the first problems of each split and the whole test split are byte-for-byte pinned`, () => {
  const pin = PINNED[ARITH_VERSION];
  assert.ok(pin, `ARITH_VERSION ${ARITH_VERSION} has pinned digests`);
  assert.equal(sha256(train5000.slice(0, pin.first)), pin.train, "train");
  assert.equal(sha256(test1000.slice(0, pin.first)), pin.test, "test");
  assert.equal(sha256(test1000), pin.testFull, "test, all 1000");
  assert.equal(TEST_SIZE, 1000);
});

void test("a split of any size is a prefix of a larger one", () => {
  assert.deepEqual(generateArithSplit("train", { size: 40 }), train5000.slice(0, 40));
  assert.deepEqual(generateArithSplit("test", { size: 7 }), test1000.slice(0, 7));
});

void test("train and test never share a question; neither repeats one", () => {
  const testQuestions = new Set(test1000.map((problem) => problem.question));
  assert.equal(testQuestions.size, test1000.length);
  const trainQuestions = new Set(train5000.map((problem) => problem.question));
  assert.equal(trainQuestions.size, train5000.length);
  for (const question of trainQuestions) assert.ok(!testQuestions.has(question), question);
  // Disjoint by construction, whatever the sizes: each split keeps only its side of the question hash.
  assert.ok(test1000.every((problem) => isTestSideQuestion(problem.question)));
  assert.ok(train5000.every((problem) => !isTestSideQuestion(problem.question)));
});

void test("levels cycle 1..5, ids name split, seed and index, and every problem is complete", () => {
  test1000.forEach((problem, index) => {
    assert.equal(problem.level, (index % 5) + 1);
    assert.equal(problem.id, `arith/test/0-${index}`);
    assert.equal(problem.benchmark, "arith");
    assert.equal(problem.meta.version, ARITH_VERSION);
    assert.match(problem.answer, /^\d+$/);
  });
  for (const level of [1, 2, 3, 4, 5]) assert.equal(test1000.filter((problem) => problem.level === level).length, 200);
});

void test("another seed gives other problems, reproducibly", () => {
  const seeded = generateArithSplit("test", { size: 20, seed: 3 });
  assert.deepEqual(generateArithSplit("test", { size: 20, seed: 3 }), seeded);
  assert.equal(seeded[0]?.id, "arith/test/3-0");
  const canonical = new Set(test1000.slice(0, 20).map((problem) => problem.question));
  assert.ok(seeded.filter((problem) => canonical.has(problem.question)).length < 3);
});

void test("an aborted signal stops generation", () => {
  const controller = new AbortController();
  controller.abort();
  assert.throws(() => generateArithSplit("train", { size: 10, signal: controller.signal }), { name: "AbortError" });
});
