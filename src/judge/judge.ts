/**
 * The Judge spec and the one implementation every model judge shares: prompt → model → parse → (retry
 * with the problem fed back) → outcome. A model is any function from chat messages (+ optional JSON
 * Schema response format) to a reply with token counts: an OpenAI-compatible endpoint, the engine or
 * llama.cpp through the Backend spec, or a recorded transcript in tests.
 *
 * Outcomes are data: a verdict; an invalid verdict (its reason counted, never scored as a verdict); or a
 * backend error (the call failed after the backend's own retries). Aborts and bugs still throw.
 */
import type { ChatMessage, FinishReason, SamplingParams } from "../backends/types.ts";
import { isQreasonError } from "../errors.ts";
import { parsePairVerdict, parseVerdict, type InvalidReason, type PairVerdict, type Parsed } from "./parse.ts";
import { JUDGE_PROMPT_VERSION, PAIR_PROMPT_VERSION, judgeMessages, pairMessages, promptId, retryMessage, type JudgeInput, type PairInput } from "./prompt.ts";
import { addUsage, NO_USAGE, type TokenUsage } from "./usage.ts";
import { ERROR_CATEGORIES, subtypesOf } from "../taxonomy/index.ts";
import { NO_ERROR, verdictJsonSchema, verdictResponseFormat, type Verdict } from "./verdict.ts";

export interface ResponseFormat {
  type: "json_schema";
  name: string;
  schema: Record<string, unknown>;
}

export interface JudgeCall {
  messages: ChatMessage[];
  /** Sent when the judge is configured for structured output; a backend that cannot honour it warns. */
  responseFormat?: ResponseFormat;
  sampling: SamplingParams;
}

export interface JudgeReply {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  warnings: string[];
}

export type JudgeModel = (call: JudgeCall, signal?: AbortSignal) => Promise<JudgeReply>;

interface OutcomeBase {
  /** Model calls made for this outcome (1 + retries used). */
  attempts: number;
  usage: TokenUsage;
  /** Every reply's text, in order (what was parsed, for audit and replay). */
  replies: string[];
  /** Backend warnings (ignored options), deduplicated. */
  warnings: string[];
}

export type Outcome<Value> =
  | (OutcomeBase & { status: "verdict"; value: Value })
  | (OutcomeBase & { status: "invalid"; reason: InvalidReason; message: string })
  | (OutcomeBase & { status: "error"; code: string; message: string });

export type JudgeOutcome = Outcome<Verdict>;
export type PairOutcome = Outcome<PairVerdict>;
export type OutcomeStatus = JudgeOutcome["status"];

/** What every judge offers. `identity` (model identity + prompt id) is recorded with each verdict. */
export interface Judge {
  readonly name: string;
  readonly identity: string;
  judge(input: JudgeInput, signal?: AbortSignal): Promise<JudgeOutcome>;
}

export interface ModelJudgeOptions {
  name: string;
  /** Identity of the model behind `model` (backend model id or `endpoint:model`), recorded. */
  modelId: string;
  model: JudgeModel;
  sampling: SamplingParams;
  /** Attempts in all (first call + retries after invalid replies); default 3. */
  maxAttempts?: number;
  /** Send the verdict's JSON Schema as the response format (default true). */
  structured?: boolean;
  /**
   * Longest explanation a constrained decoder may write (the schema's `maxLength`): a small local model
   * greedy-decoding an unbounded string tends to repeat itself to the token limit. Unset: no bound.
   */
  explanationChars?: number;
}

export interface ModelJudge extends Judge {
  /** Model identity + the pairwise prompt's id, recorded with each pair verdict. */
  readonly pairIdentity: string;
  /** Two solutions in one prompt (first shown as A): the position-bias check's probe. */
  judgePair(input: PairInput, signal?: AbortSignal): Promise<PairOutcome>;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

/** Longest previous reply quoted back in a retry (its end, where the JSON usually is). */
const QUOTED_REPLY_CHARS = 1500;

export function createModelJudge(options: ModelJudgeOptions): ModelJudge {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  const structured = options.structured ?? true;
  return {
    name: options.name,
    identity: `${options.modelId}|${promptId(JUDGE_PROMPT_VERSION)}`,
    pairIdentity: `${options.modelId}|${promptId(PAIR_PROMPT_VERSION)}`,
    judge(input, signal) {
      const stepCount = input.steps.length;
      return ask({
        model: options.model,
        messages: judgeMessages(input),
        ...(structured ? { responseFormat: forDecoding(verdictResponseFormat(stepCount), options.explanationChars) } : {}),
        parse: (text) => parseVerdict(text, stepCount),
        rangeHint: `0 to ${stepCount - 1}`,
        sampling: options.sampling,
        maxAttempts,
        signal,
      });
    },
    judgePair(input, signal) {
      const [first, second] = [input.first.length, input.second.length];
      return ask({
        model: options.model,
        messages: pairMessages(input),
        ...(structured ? { responseFormat: forDecoding(pairResponseFormat(first, second), options.explanationChars) } : {}),
        parse: (text) => parsePairVerdict(text, first, second),
        rangeHint: `0 to ${first - 1} for solution A and 0 to ${second - 1} for solution B`,
        sampling: options.sampling,
        maxAttempts,
        signal,
      });
    },
  };
}

/**
 * The response format as a decoder enforces it best: the step index as an enum of its allowed values
 * (llama.cpp's grammar and most servers ignore integer bounds, enums they enforce), and the explanation
 * bounded when asked. The validator still checks everything: this only narrows what can be decoded.
 */
export function forDecoding(format: ResponseFormat, explanationChars?: number): ResponseFormat {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== "object") return node;
    const record = node as Record<string, unknown>;
    const properties = record.properties as Record<string, Record<string, unknown>> | undefined;
    if (properties?.first_error_step !== undefined && properties.category !== undefined && properties.subtype !== undefined) return verdictAlternatives(record, explanationChars);
    return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, name === "properties" && value !== null && typeof value === "object"
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([property, schema]) => [property, visit(schema)]))
      : visit(value)]));
  };
  return { ...format, schema: visit(format.schema) as Record<string, unknown> };
}

/**
 * One verdict object as alternatives a grammar can enforce: "no error" with step -1, or one category with
 * a step index and only that category's subtypes, and a confidence in steps of 0.05. (As a single object,
 * a decoder could pair a subtype with another category's name, write -1 with an error, or a confidence of
 * 5454: the validator would reject all three.)
 */
/** Confidence as decoders can enforce it: grammars ignore number bounds, so steps of 0.05 from 0 to 1. */
const CONFIDENCE_STEPS = Array.from({ length: 21 }, (_, index) => index / 20);

function verdictAlternatives(schema: Record<string, unknown>, explanationChars: number | undefined): Record<string, unknown> {
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const step = properties.first_error_step as { minimum: number; maximum: number; description?: string };
  const explanation = explanationChars === undefined ? properties.explanation : { ...properties.explanation, maxLength: explanationChars };
  const steps = Array.from({ length: Math.max(0, step.maximum + 1) }, (_, index) => index);
  const alternative = (stepEnum: number[], category: string, subtypes: string[]) => ({
    ...schema,
    properties: { ...properties, explanation, first_error_step: { enum: stepEnum }, category: { enum: [category] }, subtype: { enum: subtypes }, confidence: { enum: CONFIDENCE_STEPS } },
  });
  const alternatives = [alternative([-1], NO_ERROR, [NO_ERROR])];
  if (steps.length > 0) for (const category of ERROR_CATEGORIES) alternatives.push(alternative(steps, category, subtypesOf(category)));
  return { anyOf: alternatives };
}

export function pairResponseFormat(firstSteps: number, secondSteps: number): ResponseFormat {
  return {
    type: "json_schema",
    name: "qreason_verdict_pair",
    schema: {
      type: "object",
      properties: { solution_a: verdictJsonSchema(firstSteps), solution_b: verdictJsonSchema(secondSteps) },
      required: ["solution_a", "solution_b"],
      additionalProperties: false,
    },
  };
}

interface AskOptions<Value> {
  model: JudgeModel;
  messages: ChatMessage[];
  responseFormat?: ResponseFormat;
  parse: (text: string) => Parsed<Value>;
  rangeHint: string;
  sampling: SamplingParams;
  maxAttempts: number;
  signal: AbortSignal | undefined;
}

/** The loop: call, parse, and on an invalid reply call again with the problem stated, up to maxAttempts. */
async function ask<Value>(options: AskOptions<Value>): Promise<Outcome<Value>> {
  let messages = options.messages;
  let usage: TokenUsage = { ...NO_USAGE };
  const replies: string[] = [];
  const warnings = new Set<string>();
  let last: Parsed<Value> | undefined;
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    let reply: JudgeReply;
    try {
      reply = await options.model(
        {
          messages,
          ...(options.responseFormat ? { responseFormat: options.responseFormat } : {}),
          // A new seed per attempt: with sampling, a retry is a fresh draw, not the same reply again.
          sampling: { ...options.sampling, seed: options.sampling.seed + attempt - 1 },
        },
        options.signal,
      );
    } catch (error) {
      if (options.signal?.aborted || !isQreasonError(error)) throw error;
      return { status: "error", code: error.code, message: error.message, attempts: attempt, usage, replies, warnings: [...warnings] };
    }
    usage = addUsage(usage, { calls: 1, promptTokens: reply.promptTokens, completionTokens: reply.completionTokens });
    replies.push(reply.text);
    for (const warning of reply.warnings) warnings.add(warning);
    last = options.parse(reply.text);
    const base = { attempts: attempt, usage, replies, warnings: [...warnings] };
    if (last.ok) return { status: "verdict", value: last.value, ...base };
    if (attempt === options.maxAttempts) return { status: "invalid", reason: last.reason, message: last.message, ...base };
    const problem = reply.finishReason === "length" ? `${last.message}; the reply hit the token limit, so keep the explanation short` : last.message;
    messages = [
      ...options.messages,
      { role: "assistant", content: quoteTail(reply.text) },
      { role: "user", content: retryMessage(problem, options.rangeHint) },
    ];
  }
  throw new Error("unreachable: the attempt loop always returns");
}

function quoteTail(text: string): string {
  return text.length <= QUOTED_REPLY_CHARS ? text : `[…] ${text.slice(-QUOTED_REPLY_CHARS)}`;
}
