/**
 * The Backend spec: what every generation engine (Python engine, embedded llama.cpp, any
 * OpenAI-compatible endpoint) offers qreason. Small on purpose; implementations live in their own folders.
 * `conformance.test.ts` checks every backend against it; what each backend does at the edges (tokenization
 * at the prompt/continuation boundary, options it cannot honour) is in README.md beside this file.
 */

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface SamplingParams {
  /** 0 means greedy. */
  temperature: number;
  topP: number;
  /** 0 means no top-k truncation. */
  topK: number;
  maxTokens: number;
  seed: number;
  stop: string[];
}

/** Constrain the output to one JSON value that validates against `schema` (OpenAI's `json_schema` format). */
export interface JsonSchemaFormat {
  type: "json_schema";
  /** A name for the schema (OpenAI requires one; `[A-Za-z0-9_-]{1,64}`). */
  name: string;
  schema: Record<string, unknown>;
}

export interface GenerateRequest {
  /** A raw prompt, or chat messages the backend renders with the model's chat template (+ generation prompt). */
  prompt: string | ChatMessage[];
  /**
   * Continue this assistant reply instead of starting one: the model sees the prompt (for chat, the template
   * rendered with the generation prompt) followed by this text, and the result's `text` excludes it.
   * Used to let a variant continue the baseline's solution cut after step k.
   */
  assistantPrefix?: string;
  /** Output JSON that validates against a schema; a backend that cannot enforce it says so in `warnings`. */
  responseFormat?: JsonSchemaFormat;
  sampling: SamplingParams;
}

export type FinishReason = "stop" | "length";

export interface GenerateResult {
  /** The generated text (without `assistantPrefix`, without the stop string that ended it). */
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Every option the backend could not honour (e.g. top_k on an endpoint that ignores it). Never thrown. */
  warnings: string[];
}

export interface ScoreRequest {
  /**
   * What the continuation is teacher-forced after: raw text (with the tokenizer's BOS where it adds one), or
   * chat messages rendered with the model's chat template and the generation prompt, so `continuation` is
   * the assistant's reply. An empty raw prompt scores the continuation from BOS; with a tokenizer that adds
   * no BOS the continuation's first token is context only, and `tokens` starts at its second token.
   */
  prompt: string | ChatMessage[];
  continuation: string;
  /** How many alternatives to report per position (0 is allowed; margins are computed regardless). */
  topK: number;
}

export interface TokenAlternative {
  /** Token id where the backend exposes ids (null over the OpenAI API, which names tokens by text). */
  id: number | null;
  token: string;
  logprob: number;
}

export interface TokenScore {
  /** The continuation's token at this position: its id (null where the backend hides ids) and text. */
  id: number | null;
  token: string;
  /**
   * [start, end) offsets of this token in `continuation` (UTF-16 code units, i.e. JavaScript string indices).
   * Consecutive tokens' offsets are contiguous; a token that ends inside a character (byte-level BPE splits
   * some characters over several tokens) has an empty span, and the token that completes the character owns it.
   */
  offset: [number, number];
  /** Its log-probability under the model (≤ 0). */
  logprob: number;
  /** 0 = the model's own top-1; null when the backend cannot tell (the token is outside the top-k it reports). */
  rank: number | null;
  /** The top-k tokens at this position, most likely first (exactly k unless the vocabulary is smaller). */
  top: TokenAlternative[];
  /** Top-1 minus top-2 logit (equal to the log-prob difference: softmax shifts every logit alike). */
  margin: number;
}

export interface ScoreResult {
  /** Tokens of the rendered prompt (and of a first context-only continuation token, see ScoreRequest). */
  promptTokens: number;
  tokens: TokenScore[];
  /** What the backend could not do exactly (e.g. a token that straddles the prompt/continuation boundary). */
  warnings: string[];
}

/** One teacher-forced position's full next-token distribution: logits over the whole vocabulary. */
export interface PositionLogits {
  /** Index of the predicted continuation token (0 = the first). */
  index: number;
  /** Id of the continuation's token at this position. */
  id: number;
  logits: Float32Array;
}

/**
 * Optional capability: the full next-token logits at every continuation position, a chunk of positions at
 * a time (vocabulary-sized arrays; only one chunk alive at once). With it, KL divergence is exact; without
 * it, `qreason kld` approximates KL from the top-k that `score` returns. llama.cpp has it.
 */
export interface FullDistributions {
  scoreDistributions(
    request: ScoreRequest & {
      /** Teacher-force these ids instead of re-tokenizing `continuation` (a model's own generated tokens). */
      continuationIds?: readonly number[];
    },
    options?: { chunkSize?: number; signal?: AbortSignal },
  ): AsyncGenerator<PositionLogits[]>;
  /** The text of a token id (special tokens as their text). */
  tokenText(id: number): string;
}

export type BackendKind = "engine" | "llamacpp" | "openai";

export interface Backend {
  readonly kind: BackendKind;
  /** Identity of the served model (content hash where the backend can compute one). */
  readonly modelId: string;
  /** Backend name and version, recorded in every generation's provenance. */
  readonly version: string;
  generate(requests: GenerateRequest[], signal?: AbortSignal): Promise<GenerateResult[]>;
  score(requests: ScoreRequest[], signal?: AbortSignal): Promise<ScoreResult[]>;
  close(): Promise<void>;
}

/** Whether `backend` offers full next-token distributions (exact KL). */
export function hasFullDistributions(backend: Backend): backend is Backend & FullDistributions {
  return typeof (backend as Partial<FullDistributions>).scoreDistributions === "function";
}
