/**
 * The engine's stdio protocol as seen from TypeScript: message schemas (the engine is another program, so
 * its output is checked, not trusted) and conversions between the Backend types and the wire format.
 * The protocol itself is documented in engine/README.md.
 */
import { z } from "zod";
import { QreasonError } from "../../errors.ts";
import { parseScoreResult } from "../scoreResult.ts";
import type { ChatMessage, GenerateRequest, GenerateResult, JsonSchemaFormat, ScoreRequest, ScoreResult } from "../types.ts";

export const PROTOCOL_VERSION = 1;

export const engineInfoSchema = z.object({
  protocol: z.number().int(),
  engine: z.object({ name: z.string(), version: z.string() }),
  model: z.object({
    name: z.string(),
    path: z.string(),
    identity: z.string(),
    architecture: z.string(),
    dtype: z.string(),
    device: z.string(),
    vocab_size: z.number().int(),
    max_context: z.number().int().nullable(),
    chat_template: z.boolean(),
    quantization: z.record(z.string(), z.unknown()).nullable(),
    /** The LoRA adapter loaded with --adapter (absent from engines older than it). */
    adapter: z
      .object({ path: z.string(), identity: z.string(), trained_on: z.string().nullable(), base_identity: z.string() })
      .nullable()
      .optional(),
  }),
  versions: z.object({ python: z.string(), torch: z.string(), transformers: z.string() }),
  limits: z.record(z.string(), z.unknown()),
});
export type EngineInfo = z.infer<typeof engineInfoSchema>;

export const engineErrorSchema = z.object({ code: z.string(), message: z.string(), field: z.string().optional() });
export type EngineErrorBody = z.infer<typeof engineErrorSchema>;

/** An event line: the hello every engine starts with, or the fatal error it stops with. */
export const engineEventSchema = z.union([
  z.looseObject({ event: z.literal("hello") }),
  z.object({ event: z.literal("fatal"), error: engineErrorSchema }),
]);

/** The response to a request: its id with a result or an error. */
export const engineResponseSchema = z.union([
  z.object({ id: z.union([z.string(), z.number(), z.null()]), error: engineErrorSchema }),
  z.object({ id: z.union([z.string(), z.number(), z.null()]), result: z.unknown() }),
]);

const generateResultSchema = z.object({
  prompt_tokens: z.number().int(),
  choices: z
    .array(
      z.object({
        text: z.string(),
        finish_reason: z.enum(["stop", "length"]),
        completion_tokens: z.number().int(),
        warnings: z.array(z.string()).optional(),
      }),
    )
    .min(1),
});


/** The prompt as the engine takes it: `prompt` (text) or `messages` (chat). */
function promptParams(prompt: string | readonly ChatMessage[]): Record<string, unknown> {
  return typeof prompt === "string" ? { prompt } : { messages: prompt.map(({ role, content }) => ({ role, content })) };
}

export function generateParams(request: GenerateRequest): Record<string, unknown> {
  const { sampling } = request;
  const params: Record<string, unknown> = {
    ...promptParams(request.prompt),
    max_tokens: sampling.maxTokens,
    temperature: sampling.temperature,
    top_p: sampling.topP,
    top_k: sampling.topK,
    seed: sampling.seed,
    stop: sampling.stop,
    n: 1,
  };
  if (request.assistantPrefix) params.assistant_prefix = request.assistantPrefix;
  if (request.responseFormat) params.response_format = openAiResponseFormat(request.responseFormat);
  return params;
}

/** OpenAI's `response_format` shape, which the engine takes on both of its doors. */
export function openAiResponseFormat(format: JsonSchemaFormat): Record<string, unknown> {
  return { type: "json_schema", json_schema: { name: format.name, schema: format.schema } };
}

export function scoreParams(request: ScoreRequest): Record<string, unknown> {
  return { ...promptParams(request.prompt), continuation: request.continuation, top_k: request.topK };
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new QreasonError("E_BACKEND", `malformed ${what} from the engine: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return result.data;
}

export function toGenerateResult(value: unknown): GenerateResult {
  const result = parsed(generateResultSchema, value, "generate result");
  const choice = result.choices[0]!;
  return {
    text: choice.text,
    finishReason: choice.finish_reason,
    promptTokens: result.prompt_tokens,
    completionTokens: choice.completion_tokens,
    warnings: choice.warnings ?? [],
  };
}

export function toScoreResult(value: unknown, request: ScoreRequest): ScoreResult {
  return parseScoreResult(value, "from the engine", request.continuation);
}

export function toEngineInfo(value: unknown): EngineInfo {
  const info = parsed(engineInfoSchema, value, "hello");
  if (info.protocol !== PROTOCOL_VERSION) {
    throw new QreasonError(
      "E_BACKEND",
      `the engine speaks protocol ${info.protocol}; this qreason speaks ${PROTOCOL_VERSION}: update one of them`,
    );
  }
  return info;
}

/** An engine error response as the one error type: E_BACKEND, naming the engine's own code and field. */
export function engineError(error: EngineErrorBody, context: string): QreasonError {
  return new QreasonError("E_BACKEND", `${context}: ${error.code}: ${error.message}`, error.field ? { field: error.field } : {});
}
