/**
 * The scoring result shape is qreason's own (the engine's `score` method over stdio and its `/v1/score`
 * HTTP extension return the same JSON), so both transports parse it here, once.
 */
import { z } from "zod";
import { QreasonError } from "../errors.ts";
import type { ScoreResult } from "./types.ts";

const scoreResultSchema = z.object({
  prompt_tokens: z.number().int(),
  tokens: z.array(
    z.object({
      token: z.string(),
      logprob: z.number(),
      margin: z.number(),
      top: z.array(z.object({ token: z.string(), logprob: z.number() })),
    }),
  ),
});

/** Parse a score result; `source` names where it came from for the error ("from the engine", "response"). */
export function parseScoreResult(value: unknown, source: string): ScoreResult {
  const parsed = scoreResultSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new QreasonError("E_BACKEND", `malformed score result ${source}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return {
    promptTokens: parsed.data.prompt_tokens,
    tokens: parsed.data.tokens.map((token) => ({
      token: token.token,
      logprob: token.logprob,
      top: token.top.map((alternative) => ({ token: alternative.token, logprob: alternative.logprob })),
      margin: token.margin,
    })),
  };
}
