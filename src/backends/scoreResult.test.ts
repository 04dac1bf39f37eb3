import assert from "node:assert/strict";
import { test } from "node:test";
import { QreasonError } from "../errors.ts";
import { parseScoreResult } from "./scoreResult.ts";

test("a score result becomes the Backend's ScoreResult, alternatives in order", () => {
  const result = parseScoreResult(
    { prompt_tokens: 3, tokens: [{ token: "7", logprob: -0.1, margin: 2.5, top: [{ token: "7", logprob: -0.1 }, { token: "1", logprob: -2.6 }], rank: 0 }] },
    "from the engine",
  );
  assert.deepEqual(result, {
    promptTokens: 3,
    tokens: [{ token: "7", logprob: -0.1, margin: 2.5, top: [{ token: "7", logprob: -0.1 }, { token: "1", logprob: -2.6 }] }],
  });
});

for (const [name, value, pointer] of [
  ["no prompt_tokens", { tokens: [] }, "prompt_tokens"],
  ["a token without margin", { prompt_tokens: 1, tokens: [{ token: "a", logprob: -1, top: [] }] }, "tokens.0.margin"],
  ["not an object", "oops", ""],
] as const) {
  test(`a malformed score result (${name}) is an E_BACKEND error naming the field`, () => {
    assert.throws(
      () => parseScoreResult(value, "response"),
      (error: unknown) => error instanceof QreasonError && error.code === "E_BACKEND" && error.message.includes(`malformed score result response: ${pointer}`),
    );
  });
}
