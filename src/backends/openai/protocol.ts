/**
 * Backend requests as OpenAI-compatible request bodies, and their responses (checked, never trusted) as
 * Backend results. Options an endpoint cannot take become warnings on the result, not errors.
 *
 * Scoring is OpenAI's legacy form, which vLLM and SGLang (and the engine's server) speak: /completions with
 * the prompt and continuation as one text, `echo: true`, `logprobs: k` and one generated token; the echoed
 * tokens are mapped back to the continuation by their `text_offset`s (see scoreFromEcho).
 */
import { z } from "zod";
import { QreasonError } from "../../errors.ts";
import { renderChat } from "../chatTemplate.ts";
import { codePointsToUtf16 } from "../offsets.ts";
import type { ChatMessage, FinishReason, GenerateRequest, GenerateResult, ScoreRequest, ScoreResult, TokenScore } from "../types.ts";

/** The served model's chat template, for prompts qreason renders itself (scoring chat, continuing a reply). */
export interface ChatTemplate {
  template: string;
  bosToken?: string | null;
  eosToken?: string | null;
}

export interface BodyOptions {
  model: string;
  /** Send parameters outside OpenAI's own API (top_k, add_special_tokens, continue_final_message) that vLLM,
   * SGLang and the engine accept. */
  extensions: boolean;
  chatTemplate?: ChatTemplate;
}

/** A chat prompt rendered the way the server would (template + generation prompt); needs the template. */
function renderedChat(messages: readonly ChatMessage[], options: BodyOptions, purpose: string): string {
  if (options.chatTemplate === undefined) {
    throw new QreasonError(
      "E_USAGE",
      `${purpose} over an OpenAI-compatible endpoint needs the model's chat template (the openai backend's chatTemplate option)`,
      { field: "chatTemplate" },
    );
  }
  const { template, bosToken, eosToken } = options.chatTemplate;
  return renderChat(template, messages, { bos: bosToken ?? null, eos: eosToken ?? null });
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
  if (request.responseFormat) {
    const { name, schema } = request.responseFormat;
    body.response_format = { type: "json_schema", json_schema: { name, schema, strict: true } };
  }
  const prefix = request.assistantPrefix ?? "";
  if (typeof request.prompt === "string") {
    return { path: "/completions", body: { ...body, prompt: request.prompt + prefix }, warnings };
  }
  const messages = request.prompt.map((message) => ({ role: message.role, content: message.content }));
  if (!prefix) return { path: "/chat/completions", body: { ...body, messages }, warnings };
  if (options.chatTemplate !== undefined) {
    // Rendered here exactly as the engine does it: the template with the generation prompt, then the prefix.
    const prompt = renderedChat(request.prompt, options, "continuing an assistant prefix") + prefix;
    return { path: "/completions", body: { ...body, prompt, ...specialTokens(options, warnings) }, warnings };
  }
  if (!options.extensions) {
    throw new QreasonError(
      "E_USAGE",
      "continuing an assistant prefix of a chat needs the model's chat template (chatTemplate) or an endpoint with extensions (vLLM's continue_final_message)",
      { field: "assistantPrefix" },
    );
  }
  return {
    path: "/chat/completions",
    body: { ...body, messages: [...messages, { role: "assistant", content: prefix }], continue_final_message: true, add_generation_prompt: false },
    warnings,
  };
}

/** A rendered chat prompt carries its own special tokens: ask the server not to add a second BOS. */
function specialTokens(options: BodyOptions, warnings: string[]): Record<string, unknown> {
  if (options.extensions) return { add_special_tokens: false };
  warnings.push("a rendered chat prompt was sent without add_special_tokens: false (no extensions): a server that adds BOS adds a second one");
  return {};
}

export interface PreparedScore {
  body: Record<string, unknown>;
  /** The prompt text as sent (a chat prompt rendered), which the echoed text starts with. */
  promptText: string;
  /** How many alternatives were asked for (at least 2, for the margin). */
  asked: number;
  warnings: string[];
}

export function scoreBody(request: ScoreRequest, options: BodyOptions): PreparedScore {
  const warnings: string[] = [];
  const chat = typeof request.prompt !== "string";
  const promptText = typeof request.prompt === "string" ? request.prompt : renderedChat(request.prompt, options, "scoring a chat prompt");
  const asked = Math.max(request.topK, 2);
  const body: Record<string, unknown> = {
    model: options.model,
    prompt: promptText + request.continuation,
    echo: true,
    logprobs: asked,
    // One generated token: every echo server accepts 1 (not all accept 0); it is dropped.
    max_tokens: 1,
    temperature: 0,
    ...(chat ? specialTokens(options, warnings) : {}),
  };
  return { body, promptText, asked, warnings };
}
const usageSchema = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }).nullish();

// The engine's server lists options it did not honour in `qreason_warnings`; other servers send none.
const qreasonWarnings = z.array(z.string()).optional();

const completionSchema = z.object({
  choices: z.array(z.object({ text: z.string(), finish_reason: z.string().nullish(), qreason_warnings: qreasonWarnings })).min(1),
  usage: usageSchema,
});

const chatSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish() }),
        finish_reason: z.string().nullish(),
        qreason_warnings: qreasonWarnings,
      }),
    )
    .min(1),
  usage: usageSchema,
});

const echoSchema = z.object({
  choices: z
    .array(
      z.object({
        text: z.string(),
        logprobs: z
          .object({
            tokens: z.array(z.string()),
            token_logprobs: z.array(z.number().nullable()),
            top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).nullish(),
            text_offset: z.array(z.number().int()),
          })
          .nullish(),
      }),
    )
    .min(1),
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
  warnings.push(...(choice.qreason_warnings ?? []));
  return {
    text,
    finishReason: finishReason(choice.finish_reason, warnings),
    promptTokens: response.usage?.prompt_tokens ?? 0,
    completionTokens: response.usage?.completion_tokens ?? 0,
    warnings,
  };
}

/**
 * The continuation's tokens out of an echoed completion. The echo holds every token of prompt + continuation
 * (+ the generated one) with `text_offset`s in code points of the echoed text; tokens from the prompt's end
 * up to the continuation's end are the continuation's. The server tokenizes the two as one text, so where it
 * merges the prompt's last characters with the continuation's first into one token (a BPE merge across the
 * boundary), that token is kept as the first continuation token, clipped to start at 0, with a warning.
 * Token ids are not in this format (null); ranks are known only inside the top-k (null outside); a token
 * whose log-prob is null (the first token of the text) is context only, as for an empty prompt without BOS.
 */
export function scoreFromEcho(value: unknown, prepared: PreparedScore, request: ScoreRequest): ScoreResult {
  const choice = parsed(echoSchema, value, "echo completion").choices[0]!;
  const warnings = [...prepared.warnings];
  const { promptText } = prepared;
  const { continuation, topK } = request;
  const full = promptText + continuation;
  const logprobs = choice.logprobs;
  const noEcho = (why: string): QreasonError =>
    new QreasonError(
      "E_BACKEND",
      `the endpoint did not echo the prompt's log-probs (${why}); scoring needs /completions with echo and logprobs ` +
        "(vLLM, SGLang; llama.cpp's server does not implement it: use the llamacpp backend)",
    );
  if (!choice.text.startsWith(full)) throw noEcho("the echoed text does not start with the prompt");
  if (!logprobs) throw noEcho("no logprobs");
  const count = logprobs.tokens.length;
  if (logprobs.token_logprobs.length !== count || logprobs.text_offset.length !== count) throw noEcho("logprob arrays of different lengths");
  const toUtf16 = codePointsToUtf16(choice.text);
  const starts = logprobs.text_offset.map(toUtf16);
  if (count === 0 || starts[0] !== 0) throw noEcho("the log-probs do not start at the prompt's first token");
  const ends = starts.map((_, index) => (index + 1 < count ? starts[index + 1]! : choice.text.length));
  const boundary = promptText.length;
  const inContinuation = (index: number): boolean => (ends[index]! > boundary || starts[index]! >= boundary) && starts[index]! < full.length;
  let first = starts.findIndex((_, index) => inContinuation(index));
  if (first < 0) throw noEcho("no echoed token lies in the continuation");
  if (logprobs.token_logprobs[first] === null) first += 1; // the text's first token: context only
  if (starts[first]! < boundary && first < count) {
    warnings.push(
      `the endpoint's tokenizer merged the prompt's end with the continuation's start into one token ` +
        `(${JSON.stringify(full.slice(starts[first], ends[first]))}): it is scored as the continuation's first token`,
    );
  }
  const tokens: TokenScore[] = [];
  let mismatched = 0;
  let collapsed = 0;
  for (let index = first; index < count && inContinuation(index); index += 1) {
    const logprob = logprobs.token_logprobs[index];
    if (logprob === null || logprob === undefined) throw noEcho(`no log-prob for echoed token ${index}`);
    const token = logprobs.tokens[index]!;
    const start = Math.max(0, starts[index]! - boundary);
    const end = Math.min(ends[index]!, full.length) - boundary;
    if (!token.includes("�") && continuation.slice(start, end) !== token) mismatched += 1;
    const ranked = Object.entries(logprobs.top_logprobs?.[index] ?? {}).sort((a, b) => b[1] - a[1]);
    const asked = ranked.slice(0, prepared.asked);
    const place = asked.findIndex(([text]) => text === token);
    // The format keys alternatives by text: tokens that decode alike (partial UTF-8 bytes, shown as U+FFFD)
    // collapse into one key. Where that may have happened the list can be short, and a rank past 0 cannot be
    // told from "outside the top-k" (k entries may be k-1 alternatives and the token itself).
    const short = ranked.length < prepared.asked + (place < 0 ? 1 : 0) || ranked.some(([text]) => text.includes("\uFFFD"));
    if (short) collapsed += 1;
    tokens.push({
      id: null,
      token,
      offset: [start, end],
      logprob,
      rank: place < 0 || (short && place > 0) ? null : asked.filter(([, value]) => value > logprob).length,
      top: ranked.slice(0, topK).map(([text, value]) => ({ id: null, token: text, logprob: value })),
      margin: asked.length >= 2 ? asked[0]![1] - asked[1]![1] : Number.POSITIVE_INFINITY,
    });
  }
  if (tokens.length === 0) throw noEcho("no scored token in the continuation");
  if (mismatched > 0) warnings.push(`${mismatched} echoed token(s) do not match the text at their text_offset: offsets may be off`);
  if (collapsed > 0) {
    warnings.push(
      `${collapsed} position(s): alternatives with the same text may have collapsed into one (the format keys them by text): ` +
        "there the top-k is short, the margin may be off and a rank past 0 is unknown (null)",
    );
  }
  return { promptTokens: first, tokens, warnings };
}

export function firstModelId(value: unknown): string {
  const response = parsed(modelsSchema, value, "models");
  const first = response.data[0];
  if (!first) throw new QreasonError("E_BACKEND", "the endpoint lists no models; name one with the model option");
  return first.id;
}
