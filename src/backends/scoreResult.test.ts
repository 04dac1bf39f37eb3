import assert from "node:assert/strict";
import { test } from "node:test";
import { QreasonError } from "../errors.ts";
import { parseScoreResult } from "./scoreResult.ts";

test("a score result becomes the Backend's ScoreResult, alternatives in order, offsets as string indices", () => {
  // "𝑥" is one code point and two UTF-16 units: the engine's offset 1 is the JavaScript index 2.
  const result = parseScoreResult(
    {
      prompt_tokens: 3,
      tokens: [
        { token: "𝑥", token_id: 9, offset: [0, 1], logprob: -0.5, rank: 1, margin: 0.2, top: [{ token: "y", token_id: 4, logprob: -0.3 }] },
        { token: "7", token_id: 7, offset: [1, 2], logprob: -0.1, rank: 0, margin: 2.5, top: [{ token: "7", token_id: 7, logprob: -0.1 }, { token: "1", token_id: 1, logprob: -2.6 }] },
      ],
      warnings: ["w"],
    },
    "from the engine",
    "𝑥7",
  );
  assert.deepEqual(result, {
    promptTokens: 3,
    tokens: [
      { id: 9, token: "𝑥", offset: [0, 2], logprob: -0.5, rank: 1, margin: 0.2, top: [{ id: 4, token: "y", logprob: -0.3 }] },
      { id: 7, token: "7", offset: [2, 3], logprob: -0.1, rank: 0, margin: 2.5, top: [{ id: 7, token: "7", logprob: -0.1 }, { id: 1, token: "1", logprob: -2.6 }] },
    ],
    warnings: ["w"],
  });
});

for (const [name, value, pointer] of [
  ["no prompt_tokens", { tokens: [] }, "prompt_tokens"],
  ["a token without margin", { prompt_tokens: 1, tokens: [{ token: "a", offset: [0, 1], logprob: -1, top: [] }] }, "tokens.0.margin"],
  ["a token without offset", { prompt_tokens: 1, tokens: [{ token: "a", logprob: -1, margin: 1, top: [] }] }, "tokens.0.offset"],
  ["not an object", "oops", ""],
] as const) {
  test(`a malformed score result (${name}) is an E_BACKEND error naming the field`, () => {
    assert.throws(
      () => parseScoreResult(value, "response", "a"),
      (error: unknown) => error instanceof QreasonError && error.code === "E_BACKEND" && error.message.includes(`malformed score result response: ${pointer}`),
    );
  });
}
