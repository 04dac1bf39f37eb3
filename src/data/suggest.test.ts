import { test } from "node:test";
import assert from "node:assert/strict";
import { closestName, editDistance } from "./suggest.ts";

const distances: [string, string, number][] = [
  ["", "", 0],
  ["abc", "", 3],
  ["kitten", "sitting", 3],
  ["tset", "test", 1],
  ["gsm8k", "gsm8k", 0],
  ["math-500", "math500", 1],
];
for (const [left, right, expected] of distances) {
  void test(`editDistance(${left}, ${right}) = ${expected}`, () => {
    assert.equal(editDistance(left, right), expected);
    assert.equal(editDistance(right, left), expected);
  });
}

const known = ["gsm8k", "math500", "math", "aime24", "aime25", "amc23", "minerva_math", "olympiadbench"];
const suggestions: [string, string | undefined][] = [
  ["gsm9k", "gsm8k"],
  ["GSM8K", "gsm8k"],
  ["math-500", "math500"],
  ["aime2024", "aime24"],
  ["olympiad_bench", "olympiadbench"],
  ["minerva", "minerva_math"],
  ["aim", undefined], // a prefix of two names: no single suggestion
  ["foo", undefined],
];
for (const [name, expected] of suggestions) {
  void test(`closestName(${name}) = ${expected}`, () => {
    assert.equal(closestName(name, known), expected);
  });
}
