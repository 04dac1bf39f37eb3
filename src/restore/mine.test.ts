import assert from "node:assert/strict";
import { test } from "node:test";
import { allocate, minePairs, type GradeStatus, type PairCandidate, type PairCategory } from "./mine.ts";

let serial = 0;
function candidate(fields: { model?: string; problem: string; question?: string; chosen?: GradeStatus; rejected?: GradeStatus; category?: PairCategory; chosenText?: string; rejectedText?: string }): PairCandidate {
  serial++;
  const question = fields.question ?? `Question ${fields.problem}?`;
  return {
    model: fields.model ?? "m",
    variant: "q2",
    benchmark: "arith",
    problemId: fields.problem,
    question,
    prompt: `${question}\n`,
    chosen: { key: `c${serial}`, text: fields.chosenText ?? `right ${fields.problem}`, status: fields.chosen ?? "correct" },
    rejected: { key: `r${serial}`, text: fields.rejectedText ?? `wrong ${fields.problem}`, status: fields.rejected ?? "wrong" },
    category: fields.category ?? "execution",
    categorySource: "step-verifier",
  };
}

test("mining: only fp-correct / variant-wrong pairs; timeouts undecided", () => {
  const mined = minePairs([
    candidate({ problem: "1" }),
    candidate({ problem: "2", rejected: "no_answer" }),
    candidate({ problem: "3", rejected: "unparsable" }),
    candidate({ problem: "4", chosen: "wrong" }),
    candidate({ problem: "5", rejected: "correct" }),
    candidate({ problem: "6", rejected: "timeout" }),
    candidate({ problem: "7", chosen: "timeout" }),
  ]);
  assert.deepEqual(mined.pairs.map((pair) => pair.problemId).sort(), ["1", "2", "3"]);
  assert.equal(mined.counts.notAFlip, 2);
  assert.equal(mined.counts.undecided, 2);
  const pair = mined.pairs.find((entry) => entry.problemId === "1");
  assert.equal(pair?.chosen, "right 1");
  assert.equal(pair?.rejected, "wrong 1");
  assert.equal(pair?.id, "m/1");
});

test("mining: exact duplicates once, one pair per problem per model, another model keeps its own", () => {
  const mined = minePairs([
    candidate({ problem: "1" }),
    candidate({ problem: "1" }), // same triple
    candidate({ problem: "1b", question: "QUESTION 1?", rejectedText: "other wrong" }), // same question in normal form
    candidate({ problem: "1", model: "big", rejectedText: "big wrong" }),
  ]);
  assert.equal(mined.counts.duplicates, 1);
  assert.equal(mined.counts.sameProblem, 1);
  assert.deepEqual(mined.pairs.map((pair) => pair.model).sort(), ["big", "m"]);
});

test("allocation: largest remainder, balanced refills", () => {
  assert.deepEqual(allocate([50, 30, 20], 10, "proportional"), [5, 3, 2]);
  assert.deepEqual(allocate([5, 3, 2], 20, "proportional"), [5, 3, 2]);
  // 7·4/10 = 2.8, 2·4/10 = 0.8, 1·4/10 = 0.4: floors 2,0,0; remainders .8,.8,.4 → the two left go to the first two.
  assert.deepEqual(allocate([7, 2, 1], 4, "proportional"), [3, 1, 0]);
  assert.deepEqual(allocate([100, 2, 100], 10, "balanced"), [4, 2, 4]);
  assert.deepEqual(allocate([0, 9, 1], 6, "balanced"), [0, 5, 1]);
});

test("mining: stratified by category under the cap, with a category filter for the ablation", () => {
  const candidates = [
    ...Array.from({ length: 60 }, (_, index) => candidate({ problem: `e${index}`, category: "execution" })),
    ...Array.from({ length: 30 }, (_, index) => candidate({ problem: `m${index}`, category: "method" })),
    ...Array.from({ length: 10 }, (_, index) => candidate({ problem: `c${index}`, category: "conceptual" })),
  ];
  const mined = minePairs(candidates, { cap: 20, seed: 1 });
  assert.equal(mined.pairs.length, 20);
  assert.deepEqual(mined.counts.keptByCategory, { execution: 12, method: 6, conceptual: 2 });
  assert.deepEqual(mined.counts.availableByCategory, { execution: 60, method: 30, conceptual: 10 });
  const balanced = minePairs(candidates, { cap: 36, seed: 1, allocation: "balanced" });
  assert.deepEqual(balanced.counts.keptByCategory, { execution: 13, method: 13, conceptual: 10 });
  const methodOnly = minePairs(candidates, { cap: 545, categories: ["method"] });
  assert.equal(methodOnly.pairs.length, 30);
  assert.ok(methodOnly.pairs.every((pair) => pair.category === "method"));
  assert.equal(methodOnly.counts.otherCategories, 70);
  assert.equal(minePairs(candidates).pairs.length, 100, "the default cap (545) keeps all 100");
});

test("mining: cross-scale sampling gives each model size its turn", () => {
  const candidates = [
    ...Array.from({ length: 40 }, (_, index) => candidate({ model: "small", problem: `s${index}` })),
    ...Array.from({ length: 8 }, (_, index) => candidate({ model: "large", problem: `l${index}` })),
  ];
  const mined = minePairs(candidates, { cap: 12, seed: 5 });
  assert.deepEqual(mined.counts.keptByModel, { large: 6, small: 6 });
  const fewLarge = minePairs(candidates, { cap: 20, seed: 5 });
  assert.deepEqual(fewLarge.counts.keptByModel, { large: 8, small: 12 }, "a size that runs out leaves the rest to the others");
});

test("mining: seeded, and independent of the order candidates come in", () => {
  const candidates = Array.from({ length: 80 }, (_, index) => candidate({ problem: `p${index}`, category: index % 3 === 0 ? "method" : "execution" }));
  const first = minePairs(candidates, { cap: 25, seed: 9 });
  const again = minePairs([...candidates].reverse(), { cap: 25, seed: 9 });
  assert.deepEqual(again.pairs.map((pair) => pair.id), first.pairs.map((pair) => pair.id));
  const other = minePairs(candidates, { cap: 25, seed: 10 });
  assert.notDeepEqual(other.pairs.map((pair) => pair.id), first.pairs.map((pair) => pair.id));
  assert.equal(new Set(first.pairs.map((pair) => pair.id)).size, 25);
});
