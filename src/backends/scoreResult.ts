/**
 * The engine's score result (its `score` method over stdio, and the JSONL `score` command) as the Backend's
 * ScoreResult: checked, never trusted, with the engine's code-point offsets turned into JavaScript string
 * indices of the continuation.
 */
import { z } from "zod";
import { QreasonError } from "../errors.ts";
import { codePointsToUtf16 } from "./offsets.ts";
import type { ScoreResult } from "./types.ts";

const alternativeSchema = z.object({ token: z.string(), token_id: z.number().int().nullish(), logprob: z.number() });

const scoreResultSchema = z.object({
  prompt_tokens: z.number().int(),
  tokens: z.array(
    z.object({
      token: z.string(),
      token_id: z.number().int().nullish(),
      offset: z.tuple([z.number().int(), z.number().int()]),
      logprob: z.number(),
      rank: z.number().int().nullish(),
      margin: z.number(),
      top: z.array(alternativeSchema),
    }),
  ),
  warnings: z.array(z.string()).optional(),
});

/** Parse a score result for `continuation`; `source` names where it came from for the error ("from the engine"). */
export function parseScoreResult(value: unknown, source: string, continuation: string): ScoreResult {
  const parsed = scoreResultSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new QreasonError("E_BACKEND", `malformed score result ${source}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const toUtf16 = codePointsToUtf16(continuation);
  return {
    promptTokens: parsed.data.prompt_tokens,
    tokens: parsed.data.tokens.map((token) => ({
      id: token.token_id ?? null,
      token: token.token,
      offset: [toUtf16(token.offset[0]), toUtf16(token.offset[1])],
      logprob: token.logprob,
      rank: token.rank ?? null,
      top: token.top.map((alternative) => ({ id: alternative.token_id ?? null, token: alternative.token, logprob: alternative.logprob })),
      margin: token.margin,
    })),
    warnings: parsed.data.warnings ?? [],
  };
}
