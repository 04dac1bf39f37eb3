import assert from "node:assert/strict";
import { test } from "node:test";
import { closestName, didYouMean, editDistance } from "./suggest.ts";

const distances: [string, string, number][] = [
  ["", "", 0],
  ["abc", "", 3],
  ["kitten", "sitting", 3],
  ["stpo", "stop", 1],
  ["tset", "test", 1],
  ["temprature", "temperature", 1],
  ["math-500", "math500", 1],
  ["ab", "ba", 1],
  ["abc", "ca", 3],
];
for (const [left, right, expected] of distances) {
  test(`edit distance ${left || "''"} → ${right || "''"} is ${expected}`, () => {
    assert.equal(editDistance(left, right), expected);
    assert.equal(editDistance(right, left), expected);
  });
}

const benchmarks = ["gsm8k", "math500", "math", "aime24", "aime25", "amc23", "minerva_math", "olympiadbench"];
const runOptions = ["out", "limit", "max-tokens", "batch-size", "model", "variants", "benchmarks", "dry-run", "quiet", "json"];
const suggestions: [string, readonly string[], string | undefined][] = [
  ["temprature", ["temperature", "top_p"], "temperature"],
  ["max-tokens", ["max_tokens", "n"], "max_tokens"],
  ["q4km", ["Q8_0", "Q4_K_M"], "Q4_K_M"],
  ["modles", ["models", "benchmarks"], "models"],
  ["colour", ["models", "benchmarks"], undefined],
  ["x", [], undefined],
  ["gsm9k", benchmarks, "gsm8k"],
  ["GSM8K", benchmarks, "gsm8k"],
  ["math-500", benchmarks, "math500"],
  ["aime2024", benchmarks, "aime24"],
  ["olympiad_bench", benchmarks, "olympiadbench"],
  ["minerva", benchmarks, "minerva_math"], // the one name that extends what was typed
  ["aim", benchmarks, undefined], // a prefix of two names: no guess between them
  ["foo", benchmarks, undefined],
  ["output", runOptions, "out"], // what was typed extends one name
  ["limits", runOptions, "limit"],
  ["benchmark-list", runOptions, "benchmarks"],
  ["mod", ["model", "models"], undefined],
  ["li", ["limit"], undefined], // fewer than 3 characters: no prefix guesses
];
for (const [name, candidates, expected] of suggestions) {
  test(`closest name to '${name}' is ${expected ?? "none"}`, () => assert.equal(closestName(name, candidates), expected));
}

test("didYouMean is a clause only when there is a suggestion", () => {
  assert.equal(didYouMean("temprature", ["temperature"]), "; did you mean 'temperature'?");
  assert.equal(didYouMean("colour", ["models"]), "");
});
