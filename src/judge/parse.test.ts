/** Reading verdicts out of judge replies: a corpus of reply shapes, each with the outcome it must get. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { REPLY_CASES } from "./__fixtures__/replies.ts";
import { findJsonObjects, parsePairVerdict, parseVerdict } from "./parse.ts";

describe("parseVerdict on the reply corpus", () => {
  for (const testCase of REPLY_CASES) {
    it(testCase.name, () => {
      const result = parseVerdict(testCase.text, testCase.stepCount);
      const expected = testCase.expected;
      if (expected.ok) {
        assert.ok(result.ok, result.ok ? "" : `expected a verdict, got ${result.reason}: ${result.message}`);
        assert.equal(result.value.firstErrorStep, expected.step);
        assert.equal(result.value.subtype, expected.subtype);
        assert.equal(result.skipped, expected.skipped ?? 0);
      } else {
        assert.ok(!result.ok, "expected an invalid verdict");
        assert.equal(result.reason, expected.reason, result.message);
        if (expected.mentions) assert.ok(result.message.includes(expected.mentions), `message: ${result.message}`);
      }
    });
  }
});

describe("findJsonObjects", () => {
  it("skips LaTeX groups and braces inside strings, and orders candidates by where they end", () => {
    const text = 'Since \\frac{1}{2} {x} then {"a": "}{", "b": {"c": 1}} done';
    const { candidates, unclosedAt } = findJsonObjects(text);
    assert.equal(unclosedAt, undefined);
    assert.deepEqual(candidates.map((candidate) => text.slice(candidate.start, candidate.end)), ['{"c": 1}', '{"a": "}{", "b": {"c": 1}}']);
    assert.deepEqual(candidates[1]?.value, { a: "}{", b: { c: 1 } });
  });

  it("handles escaped quotes and backslashes inside strings", () => {
    const text = String.raw`{"s": "a \"quoted\" } and a backslash \\", "n": 2}`;
    const { candidates } = findJsonObjects(text);
    assert.equal(candidates.length, 1);
    assert.deepEqual(candidates[0]?.value, { s: 'a "quoted" } and a backslash \\', n: 2 });
  });

  it("reports where an object opens that never closes", () => {
    assert.equal(findJsonObjects('ok {"a": 1} then {"b": [1, 2').unclosedAt, 17);
  });

  it("does not take a bracket closed by the wrong kind for an object", () => {
    const { candidates, unclosedAt } = findJsonObjects('{"a": 1]');
    assert.deepEqual([candidates.length, unclosedAt], [0, undefined]);
  });
});

describe("parsePairVerdict", () => {
  const one = { explanation: "fine", first_error_step: -1, category: "no_error", subtype: "no_error", confidence: 0.8 };
  const two = { explanation: "7 * 8 is not 54", first_error_step: 1, category: "execution", subtype: "computational_error", confidence: 0.9 };

  it("reads both verdicts, each checked against its own step count", () => {
    const result = parsePairVerdict(`Here: ${JSON.stringify({ solution_a: one, solution_b: two })}`, 2, 3);
    assert.ok(result.ok);
    assert.equal(result.value.first.firstErrorStep, -1);
    assert.equal(result.value.second.subtype, "computational_error");
  });

  it("names the solution whose verdict is wrong", () => {
    const result = parsePairVerdict(JSON.stringify({ solution_a: one, solution_b: two }), 2, 1);
    assert.ok(!result.ok);
    assert.equal(result.reason, "schema");
    assert.match(result.message, /solution_b: 'first_error_step' must be -1 or a step index from 0 to 0/);
  });

  it("does not accept a single verdict as a pair", () => {
    const result = parsePairVerdict(JSON.stringify(two), 3, 3);
    assert.ok(!result.ok);
    assert.match(result.message, /missing field 'solution_a'/);
  });
});
