import assert from "node:assert/strict";
import { test } from "node:test";
import { closestName, editDistance } from "./suggest.ts";

const distances: [string, string, number][] = [
  ["", "", 0],
  ["abc", "", 3],
  ["kitten", "sitting", 3],
  ["stpo", "stop", 1],
  ["temprature", "temperature", 1],
  ["ab", "ba", 1],
  ["abc", "ca", 3],
];
for (const [left, right, expected] of distances) {
  test(`edit distance ${left || "''"} → ${right || "''"} is ${expected}`, () => {
    assert.equal(editDistance(left, right), expected);
    assert.equal(editDistance(right, left), expected);
  });
}

const suggestions: [string, string[], string | undefined][] = [
  ["temprature", ["temperature", "top_p"], "temperature"],
  ["max-tokens", ["max_tokens", "n"], "max_tokens"],
  ["q4km", ["Q8_0", "Q4_K_M"], "Q4_K_M"],
  ["modles", ["models", "benchmarks"], "models"],
  ["colour", ["models", "benchmarks"], undefined],
  ["x", [], undefined],
];
for (const [name, candidates, expected] of suggestions) {
  test(`closest name to '${name}' is ${expected ?? "none"}`, () => assert.equal(closestName(name, candidates), expected));
}
