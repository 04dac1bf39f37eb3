/**
 * The Backend spec: what every generation engine (Python engine, embedded llama.cpp, any
 * OpenAI-compatible endpoint) offers qreason. Small on purpose; implementations live in their own folders.
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

export interface GenerateRequest {
  /** A raw prompt, or chat messages the backend renders with the model's chat template. */
  prompt: string | ChatMessage[];
  sampling: SamplingParams;
}

export type FinishReason = "stop" | "length";

export interface GenerateResult {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Options the backend could not honour (e.g. top_k on an endpoint that ignores it). Never thrown. */
  warnings: string[];
}

export interface ScoreRequest {
  /** Raw prompt text; the continuation is teacher-forced after it. */
  prompt: string;
  continuation: string;
  /** How many alternatives to report per position. */
  topK: number;
}

export interface TokenAlternative {
  token: string;
  logprob: number;
}

export interface TokenScore {
  /** The continuation's token at this position. */
  token: string;
  /** Its log-probability under the model. */
  logprob: number;
  /** The top-k tokens at this position, most likely first. */
  top: TokenAlternative[];
  /** Top-1 minus top-2 logit (or log-prob where logits are not exposed). */
  margin: number;
}

export interface ScoreResult {
  promptTokens: number;
  tokens: TokenScore[];
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
