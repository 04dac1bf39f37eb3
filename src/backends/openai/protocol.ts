/**
 * Backend requests as OpenAI-compatible request bodies, and their responses (checked, never trusted) as
 * Backend results. Options an endpoint cannot take become warnings on the result, not errors.
 */
import { z } from "zod";
import { QreasonError } from "../../errors.ts";
import { parseScoreResult } from "../scoreResult.ts";
import type { FinishReason, GenerateRequest, GenerateResult, ScoreRequest, ScoreResult } from "../types.ts";

export interface BodyOptions {
  model: string;
  /** Send parameters outside OpenAI's own API (top_k) that vLLM, SGLang, llama.cpp and the engine accept. */
  extensions: boolean;
}

export interface PreparedRequest {
  path: "/completions" | "/chat/completions";
  body: Record<string, unknown>;
  warnings: string[];
}

export function generateBody(request: GenerateRequest, options: BodyOptions): PreparedRequest {
  const { sampling } = request;
  const warnings: string[] = [];
  const body: Record<string, unknown> = {
    model: options.model,
    max_tokens: sampling.maxTokens,
    temperature: sampling.temperature,
    top_p: sampling.topP,
    seed: sampling.seed,
    n: 1,
  };
  if (sampling.stop.length > 0) body.stop = sampling.stop;
  if (sampling.topK > 0) {
    if (options.extensions) body.top_k = sampling.topK;
    else warnings.push(`top_k=${sampling.topK} not sent: this endpoint is configured without extensions`);
  }
  if (typeof request.prompt === "string") return { path: "/completions", body: { ...body, prompt: request.prompt }, warnings };
  const messages = request.prompt.map((message) => ({ role: message.role, content: message.content }));
  return { path: "/chat/completions", body: { ...body, messages }, warnings };
}

export function scoreBody(request: ScoreRequest, model: string): Record<string, unknown> {
  return { model, prompt: request.prompt, continuation: request.continuation, top_k: request.topK };
}

const usageSchema = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }).nullish();

const completionSchema = z.object({
  choices: z.array(z.object({ text: z.string(), finish_reason: z.string().nullish() })).min(1),
  usage: usageSchema,
});

const chatSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullish() }), finish_reason: z.string().nullish() }))
    .min(1),
  usage: usageSchema,
});


const modelsSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new QreasonError("E_BACKEND", `malformed ${what} response: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return result.data;
}

function finishReason(reported: string | null | undefined, warnings: string[]): FinishReason {
  if (reported === "stop" || reported === "length") return reported;
  warnings.push(`finish_reason ${JSON.stringify(reported ?? null)} reported as "stop"`);
  return "stop";
}

export function toGenerateResult(prepared: PreparedRequest, value: unknown): GenerateResult {
  const warnings = [...prepared.warnings];
  const chat = prepared.path === "/chat/completions";
  const response = chat ? parsed(chatSchema, value, "chat completion") : parsed(completionSchema, value, "completion");
  const choice = response.choices[0]!;
  let text: string;
  if ("text" in choice) text = choice.text;
  else if (typeof choice.message.content === "string") text = choice.message.content;
  else if (choice.finish_reason === "length") {
    // The token budget ran out before any content (a reasoning model's hidden thoughts): an empty answer.
    text = "";
    warnings.push("the endpoint sent no message content (finish_reason length): recorded as an empty answer");
  } else {
    // No content and not cut off: a broken answer, retried like a 5xx (never silently graded as "").
    throw new QreasonError("E_BACKEND", "malformed chat completion response: choices.0.message.content: missing");
  }
  if (!response.usage) warnings.push("the endpoint reported no token usage; counts are 0");
  return {
    text,
    finishReason: finishReason(choice.finish_reason, warnings),
    promptTokens: response.usage?.prompt_tokens ?? 0,
    completionTokens: response.usage?.completion_tokens ?? 0,
    warnings,
  };
}

export function toScoreResult(value: unknown): ScoreResult {
  return parseScoreResult(value, "response");
}

export function firstModelId(value: unknown): string {
  const response = parsed(modelsSchema, value, "models");
  const first = response.data[0];
  if (!first) throw new QreasonError("E_BACKEND", "the endpoint lists no models; name one with the model option");
  return first.id;
}
