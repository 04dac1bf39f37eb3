/**
 * The `llamacpp` Backend: GGUF models run in-process through node-llama-cpp. Generation and scoring use a
 * pool of context sequences; node-llama-cpp evaluates the sequences that are busy at the same moment in one
 * batch. Prompts follow the Python engine's conventions (raw text gets the tokenizer's BOS; chat messages
 * are rendered with the GGUF's own template and carry their own special tokens; special tokens are left out
 * of completion text), so the two backends are comparable.
 */
import os from "node:os";
import { LlamaGrammarEvaluationState, type LlamaContext, type LlamaContextSequence, type LlamaGrammar, type LlamaModel, type Token } from "node-llama-cpp";
import { QreasonError } from "../../errors.ts";
import { metadataString, readGguf } from "../../gguf/reader.ts";
import { renderChat } from "../chatTemplate.ts";
import { tokenOffsets } from "../offsets.ts";
import type {
  Backend,
  ChatMessage,
  FullDistributions,
  GenerateRequest,
  GenerateResult,
  JsonSchemaFormat,
  PositionLogits,
  ScoreRequest,
  ScoreResult,
  TokenScore,
} from "../types.ts";
import { prepareJsonSchema } from "./jsonGrammar.ts";
import { scorePosition } from "./logprobs.ts";
import { defaultModelCache, type GpuMode, type ModelCache, type ModelLease } from "./modelCache.ts";
import { findStop, tailTokenWindow } from "./stopStrings.ts";

export const KV_CACHE_TYPES = ["F16", "Q8_0", "Q4_0"] as const;

/** What node-llama-cpp's JSON-schema grammar puts after the value (then it stops generating). */
const JSON_GRAMMAR_END = "\n\n\n\n";
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

export interface LlamaCppBackendOptions {
  /** Path of the GGUF file. */
  model: string;
  /** Element type of the KV cache, keys and values (a runtime quantization variant). Default F16. */
  kvCacheType?: KvCacheType;
  /** Sequences evaluated together in one batch (default 4). */
  parallel?: number;
  /** Tokens per sequence, prompt plus completion (default: the model's training context, at most 4096). */
  contextSize?: number;
  /** Evaluation threads (default: one per sequence, leaving one core to Node; see defaultThreads). */
  threads?: number;
  /** "auto" offloads every layer to a GPU when there is one; false stays on the CPU. Default "auto". */
  gpu?: GpuMode;
  /** A llama.cpp LoRA adapter GGUF applied over the model (`qreason gguf lora` / exportLoraGguf writes one). */
  lora?: string;
  /** The adapter's scale (default 1: the adapter as trained). */
  loraScale?: number;
  /** Identity recorded in provenance (default: the GGUF's path plus the KV-cache type and any adapter). */
  modelId?: string;
  cache?: ModelCache;
}

/**
 * One thread per sequence, but never all cores: ggml's worker threads spin while they wait, and Node's own
 * thread (sampling, batching) must keep a core, or every token waits on the scheduler. Measured on a
 * 2-core machine: 2 threads gave 32 tokens/s where 1 gave 1,020 on the same tiny model (docs/benchmarks.md).
 */
export function defaultThreads(parallel: number, cores: number): number {
  return Math.max(1, Math.min(parallel, cores - 1));
}

/** A pool of context sequences; callers wait for a free one. */
class SequencePool {
  private readonly free: LlamaContextSequence[];
  private readonly waiting: Array<(sequence: LlamaContextSequence) => void> = [];

  constructor(sequences: LlamaContextSequence[]) {
    this.free = [...sequences];
  }

  /** A free sequence with an empty history; give it back with `release`. */
  async acquire(): Promise<{ sequence: LlamaContextSequence; release: () => void }> {
    const sequence = this.free.pop() ?? (await new Promise<LlamaContextSequence>((resolve) => this.waiting.push(resolve)));
    const release = (): void => {
      const next = this.waiting.shift();
      if (next) next(sequence);
      else this.free.push(sequence);
    };
    try {
      await sequence.clearHistory();
    } catch (error) {
      release();
      throw error;
    }
    return { sequence, release };
  }

  async use<T>(work: (sequence: LlamaContextSequence) => Promise<T>): Promise<T> {
    const { sequence, release } = await this.acquire();
    try {
      return await work(sequence);
    } finally {
      release();
    }
  }
}

/**
 * A LoRA path that is missing, not a GGUF, or a GGUF that is not a llama.cpp LoRA adapter is the user's
 * mistake: say so (naming the file, field `lora`) before llama.cpp tries to apply it.
 */
async function checkLoraAdapter(loraPath: string): Promise<void> {
  const file = await readGguf(loraPath);
  const type = metadataString(file, "general.type");
  const adapterType = metadataString(file, "adapter.type");
  if (type !== "adapter" || adapterType !== "lora") {
    throw new QreasonError(
      "E_INPUT",
      `not a llama.cpp LoRA adapter GGUF (general.type ${type ?? "unset"}, adapter.type ${adapterType ?? "unset"}); \`qreason gguf lora\` writes one from a PEFT adapter`,
      { file: loraPath, field: "lora" },
    );
  }
}

/** Per-head key and value sizes from the GGUF metadata (`<arch>.attention.key_length`, or hidden / heads). */
export function headSizes(metadata: Record<string, unknown>): { key: number; value: number } | undefined {
  const architecture = (metadata.general as { architecture?: string } | undefined)?.architecture;
  const section = architecture === undefined ? undefined : (metadata[architecture] as Record<string, unknown> | undefined);
  const attention = section?.attention as { key_length?: number; value_length?: number; head_count?: number } | undefined;
  const hidden = section?.embedding_length as number | undefined;
  const fallback = hidden !== undefined && attention?.head_count ? hidden / attention.head_count : undefined;
  const key = attention?.key_length ?? fallback;
  const value = attention?.value_length ?? fallback;
  return key === undefined || value === undefined ? undefined : { key, value };
}

/** Q8_0/Q4_0 caches store 32 values per block: llama.cpp refuses heads whose size 32 does not divide. */
function checkKvCacheFits(model: LlamaModel, kvCacheType: KvCacheType, file: string): void {
  if (kvCacheType === "F16") return;
  const sizes = headSizes(model.fileInfo.metadata as unknown as Record<string, unknown>);
  if (sizes !== undefined && (sizes.key % 32 !== 0 || sizes.value % 32 !== 0)) {
    throw new QreasonError(
      "E_USAGE",
      `a ${kvCacheType} KV cache packs 32 values per block, but this model's attention heads hold ` +
        `${sizes.key} (keys) and ${sizes.value} (values); use an F16 cache for it`,
      { file, field: "kvCacheType" },
    );
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QreasonError("E_BACKEND", "cancelled", {}, { cause: signal.reason });
}

/** A score request as token ids: the rendered prompt, the continuation, and the continuation's text. */
interface EncodedScore {
  prompt: Token[];
  continuation: Token[];
  text: string;
  /** Leading continuation tokens moved into the prompt (1 when an empty prompt has no BOS to start from). */
  skipped: number;
  topK: number;
}

export class LlamaCppBackend implements Backend, FullDistributions {
  readonly kind = "llamacpp" as const;
  readonly modelId: string;
  readonly version: string;
  readonly contextSize: number;
  private readonly lease: ModelLease;
  private readonly context: LlamaContext;
  private readonly pool: SequencePool;
  private readonly grammars = new Map<string, Promise<{ grammar: LlamaGrammar; unenforced: string[] }>>();
  private closed = false;

  private constructor(lease: ModelLease, context: LlamaContext, modelId: string, version: string) {
    this.lease = lease;
    this.context = context;
    this.modelId = modelId;
    this.version = version;
    this.contextSize = context.contextSize;
    const sequences = Array.from({ length: context.totalSequences }, () => context.getSequence());
    this.pool = new SequencePool(sequences);
  }

  static async create(options: LlamaCppBackendOptions): Promise<LlamaCppBackend> {
    const parallel = options.parallel ?? 4;
    if (!Number.isInteger(parallel) || parallel < 1) {
      throw new QreasonError("E_USAGE", "parallel must be a positive integer", { field: "parallel" });
    }
    const kvCacheType = options.kvCacheType ?? "F16";
    if (!KV_CACHE_TYPES.includes(kvCacheType)) {
      throw new QreasonError("E_USAGE", `KV-cache type must be one of ${KV_CACHE_TYPES.join(", ")}`, { field: "kvCacheType" });
    }
    if (options.lora) await checkLoraAdapter(options.lora);
    const lease = await (options.cache ?? defaultModelCache).acquire(options.model, options.gpu ?? "auto");
    try {
      checkKvCacheFits(lease.model, kvCacheType, options.model);
      const contextSize = options.contextSize ?? Math.min(lease.model.trainContextSize, 4096);
      const context = await lease.model.createContext({
        sequences: parallel,
        contextSize,
        threads: options.threads ?? defaultThreads(parallel, os.availableParallelism()),
        experimentalKvCacheKeyType: kvCacheType,
        experimentalKvCacheValueType: kvCacheType,
        // llama.cpp needs flash attention to keep V quantized; F16 keeps its default path.
        flashAttention: kvCacheType !== "F16",
        failedCreationRemedy: false,
        ...(options.lora ? { lora: { adapters: [{ filePath: options.lora, scale: options.loraScale ?? 1 }] } } : {}),
      });
      const adapterId = options.lora ? `;lora=${options.lora}${options.loraScale === undefined ? "" : `*${options.loraScale}`}` : "";
      const modelId = options.modelId ?? `gguf:${options.model}${kvCacheType === "F16" ? "" : `;kv=${kvCacheType}`}${adapterId}`;
      const version = `llama.cpp ${lease.llama.llamaCppRelease.release} via node-llama-cpp`;
      return new LlamaCppBackend(lease, context, modelId, version);
    } catch (error) {
      await lease.release();
      if (error instanceof QreasonError) throw error;
      throw new QreasonError("E_BACKEND", `cannot create a llama.cpp context: ${(error as Error).message}`, {
        file: options.model,
      });
    }
  }

  get model(): LlamaModel {
    return this.lease.model;
  }

  /** Token ids of a raw prompt: BOS where the tokenizer adds one, special-token text parsed as special. */
  tokenizePrompt(prompt: string): Token[] {
    const tokens = this.model.tokenize(prompt, true);
    const bos = this.model.tokens.bos;
    return this.model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos ? [bos, ...tokens] : tokens;
  }

  /** Token ids of a continuation (no BOS). */
  tokenizeContinuation(text: string): Token[] {
    return this.model.tokenize(text, true);
  }

  /** The GGUF's chat template, if it has one. */
  get chatTemplate(): string | undefined {
    const tokenizer = (this.model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer;
    return typeof tokenizer?.chat_template === "string" ? tokenizer.chat_template : undefined;
  }

  /** The text a chat prompt becomes (the template rendered with add_generation_prompt). */
  renderChat(messages: readonly ChatMessage[]): string {
    const template = this.chatTemplate;
    if (template === undefined) {
      throw new QreasonError("E_INPUT", "chat messages given but this GGUF has no chat template; give a raw prompt", {
        file: this.model.filename,
        field: "prompt",
      });
    }
    return renderChat(template, messages, { bos: this.model.tokens.bosString, eos: this.model.tokens.eosString });
  }

  /** Token ids of a generation prompt: raw text as tokenizePrompt, chat messages through the template. */
  encodePrompt(prompt: string | readonly ChatMessage[]): Token[] {
    // A rendered chat template already holds its special tokens (BOS included): no second BOS.
    return typeof prompt === "string" ? this.tokenizePrompt(prompt) : this.model.tokenize(this.renderChat(prompt), true);
  }

  /** Ids generation starts from: the prompt, then the assistant prefix tokenized on its own (as a continuation is). */
  encodeGeneration(request: GenerateRequest): Token[] {
    const prompt = this.encodePrompt(request.prompt);
    return request.assistantPrefix ? [...prompt, ...this.tokenizeContinuation(request.assistantPrefix)] : prompt;
  }

  /** The llama.cpp grammar for a JSON schema (compiled once per schema). */
  private jsonGrammar(format: JsonSchemaFormat): Promise<{ grammar: LlamaGrammar; unenforced: string[] }> {
    const key = JSON.stringify(format.schema);
    let pending = this.grammars.get(key);
    if (pending === undefined) {
      const { schema, unenforced } = prepareJsonSchema(format.schema);
      pending = this.lease.llama
        .createGrammarForJsonSchema(schema as never)
        .then((grammar) => ({ grammar: grammar as LlamaGrammar, unenforced }))
        .catch((error: unknown) => {
          this.grammars.delete(key);
          throw new QreasonError("E_INPUT", `llama.cpp cannot make a grammar of this JSON schema: ${(error as Error).message}`, {
            field: "responseFormat.schema",
          });
        });
      this.grammars.set(key, pending);
    }
    return pending;
  }

  async generate(requests: GenerateRequest[], signal?: AbortSignal): Promise<GenerateResult[]> {
    const results = await this.generateWithTokens(requests, signal);
    return results.map(({ tokens: _tokens, ...result }) => result);
  }

  /**
   * `generate`, plus the generated token ids (up to and including the token that completed a stop string).
   * Re-tokenizing a completion's text does not always give its tokens back (a completion cut mid-character
   * decodes to U+FFFD), so whoever teacher-forces a model on its own output should use these.
   */
  async generateWithTokens(requests: GenerateRequest[], signal?: AbortSignal): Promise<Array<GenerateResult & { tokens: Token[] }>> {
    this.ensureOpen();
    const prompts = requests.map((request) => this.encodeGeneration(request)); // fail before any work
    await Promise.all(requests.map((request) => (request.responseFormat ? this.jsonGrammar(request.responseFormat) : undefined)));
    return Promise.all(
      requests.map((request, index) => this.pool.use((sequence) => this.generateOne(sequence, request, prompts[index]!, signal))),
    );
  }

  private async generateOne(
    sequence: LlamaContextSequence,
    request: GenerateRequest,
    prompt: Token[],
    signal: AbortSignal | undefined,
  ): Promise<GenerateResult & { tokens: Token[] }> {
    throwIfAborted(signal);
    const { sampling } = request;
    const warnings: string[] = [];
    const room = this.contextSize - prompt.length;
    if (room < 1) {
      warnings.push(`the prompt (${prompt.length} tokens) does not fit the context (${this.contextSize}); nothing generated`);
      return { text: "", finishReason: "length", promptTokens: prompt.length, completionTokens: 0, warnings, tokens: [] };
    }
    const maxTokens = Math.min(sampling.maxTokens, room);
    if (maxTokens < sampling.maxTokens) warnings.push(`maxTokens cut to ${maxTokens} by the context size ${this.contextSize}`);
    let grammarEvaluationState: LlamaGrammarEvaluationState | undefined;
    const stops = sampling.stop.filter((stop) => stop.length > 0);
    if (request.responseFormat) {
      const { grammar, unenforced } = await this.jsonGrammar(request.responseFormat);
      grammarEvaluationState = new LlamaGrammarEvaluationState({ model: this.model, grammar });
      // node-llama-cpp's JSON grammar ends the value with four line breaks and stops there (its
      // stopGenerationTriggers, which only its chat/completion wrappers apply): a stop string here.
      stops.push(JSON_GRAMMAR_END);
      if (unenforced.length > 0) {
        warnings.push(`responseFormat: not enforced by llama.cpp's JSON-schema grammar: ${unenforced.join(", ")}; validate the output`);
      }
    }
    const window = tailTokenWindow(stops);

    const generated: Token[] = [];
    let finishReason: GenerateResult["finishReason"] = "length";
    let stopAt = -1;
    if (maxTokens > 0) {
      finishReason = "stop"; // the iterator ends by itself only on an end-of-generation token
      const tokens = sequence.evaluate(prompt, {
        temperature: sampling.temperature,
        topK: sampling.topK,
        topP: sampling.topP,
        minP: 0,
        seed: sampling.seed >>> 0,
        grammarEvaluationState,
      });
      for await (const token of tokens) {
        throwIfAborted(signal);
        generated.push(token);
        if (stops.length > 0) {
          const tail = this.model.detokenize(generated.slice(-window), false);
          if (findStop(tail, stops) >= 0) {
            stopAt = findStop(this.model.detokenize(generated, false), stops);
            break;
          }
        }
        if (generated.length >= maxTokens) {
          finishReason = "length";
          break;
        }
      }
    }
    let text = this.model.detokenize(generated, false);
    if (stopAt >= 0) {
      text = text.slice(0, stopAt);
      finishReason = "stop";
    }
    if (grammarEvaluationState !== undefined) text = text.trimEnd();
    return { text, finishReason, promptTokens: prompt.length, completionTokens: generated.length, warnings, tokens: generated };
  }

  /**
   * Token ids of a score request: the prompt as generation renders it, the continuation tokenized on its own
   * (or the given ids). An empty prompt with no BOS to start from makes the first continuation token context.
   */
  private encodeScore(request: ScoreRequest & { continuationIds?: readonly number[] }, where: { field: string }): EncodedScore {
    let prompt = this.encodePrompt(request.prompt);
    let continuation = request.continuationIds?.map((id) => id as Token) ?? this.tokenizeContinuation(request.continuation);
    if (continuation.length === 0) throw new QreasonError("E_INPUT", "the continuation encodes to zero tokens", where);
    let skipped = 0;
    if (prompt.length === 0) {
      if (continuation.length < 2) throw new QreasonError("E_INPUT", "the prompt encodes to zero tokens (this tokenizer adds no BOS)", where);
      [prompt, continuation, skipped] = [continuation.slice(0, 1), continuation.slice(1), 1];
    }
    if (prompt.length + continuation.length > this.contextSize) {
      throw new QreasonError(
        "E_INPUT",
        `prompt + continuation (${prompt.length + continuation.length} tokens) exceed the context (${this.contextSize})`,
        where,
      );
    }
    return { prompt, continuation, text: request.continuation, skipped, topK: request.topK };
  }

  async score(requests: ScoreRequest[], signal?: AbortSignal): Promise<ScoreResult[]> {
    this.ensureOpen();
    const encoded = requests.map((request, index) => this.encodeScore(request, { field: `requests[${index}]` }));
    return Promise.all(
      encoded.map((item) =>
        this.pool.use(async (sequence) => {
          throwIfAborted(signal);
          const { offsets, exact } = this.offsets(item);
          const scored = await this.scoreOne(sequence, item);
          const tokens = scored.map((token, index) => ({ ...token, offset: offsets[index]! }));
          const warnings = exact ? [] : ["the continuation's tokens do not decode back to its text: offsets are approximate"];
          return { promptTokens: item.prompt.length, tokens, warnings };
        }),
      ),
    );
  }

  /** Offsets of the scored tokens in the continuation's text (after a context-only first token). */
  private offsets(item: EncodedScore): { offsets: Array<[number, number]>; exact: boolean } {
    const ids = item.skipped > 0 ? [...item.prompt.slice(-item.skipped), ...item.continuation] : item.continuation;
    const { offsets, exact } = tokenOffsets((part) => this.model.detokenize(part as Token[], true), ids, item.text);
    return { offsets: offsets.slice(item.skipped), exact };
  }

  private async scoreOne(sequence: LlamaContextSequence, item: EncodedScore): Promise<Array<Omit<TokenScore, "offset">>> {
    const { prompt, continuation, topK } = item;
    // Position i of the input predicts input i + 1: ask for logits where the next token is a continuation
    // token. The last continuation token predicts nothing we need, so it is not evaluated.
    const input = [...prompt, ...continuation.slice(0, -1)];
    const firstPredicting = prompt.length - 1;
    const includeTop = Math.max(topK, 2);
    const items = input.map((token, index) => {
      if (index < firstPredicting) return token;
      const target = continuation[index - firstPredicting]!;
      return [
        token,
        {
          generateNext: {
            logits: { filter: { tokens: [target], includeTop } },
            totalLogitWeight: true,
          },
        },
      ] as [Token, { generateNext: { logits: { filter: { tokens: Token[]; includeTop: number } }; totalLogitWeight: true } }];
    });
    const outputs = await sequence.controlledEvaluate(items);
    const text = (token: number): string => this.model.detokenize([token as Token], true);
    return continuation.map((target, offset) => {
      const next = outputs[firstPredicting + offset]?.next;
      if (next?.logits === undefined || next.totalLogitWeight === undefined) {
        throw new QreasonError("E_BACKEND", `llama.cpp returned no logits at continuation position ${offset}`);
      }
      return scorePosition({ logits: next.logits, totalLogitWeight: next.totalLogitWeight }, target, { topK, included: includeTop }, text);
    });
  }

  tokenText(id: number): string {
    return this.model.detokenize([id as Token], true);
  }

  /** FullDistributions: every continuation position's full next-token logits, `chunkSize` positions at a time. */
  async *scoreDistributions(
    request: ScoreRequest & { continuationIds?: readonly number[] },
    options: { chunkSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<PositionLogits[]> {
    const item = this.encodeScore(request, { field: "continuation" });
    const tokens = [...item.prompt, ...item.continuation];
    const first = item.prompt.length - 1;
    // The last token predicts nothing inside the text: it is not evaluated.
    for await (const chunk of this.logitChunks(tokens.slice(0, -1), { firstPosition: first, chunkSize: options.chunkSize, signal: options.signal })) {
      yield chunk.map(({ position, logits }) => ({ index: position - first, id: tokens[position + 1]!, logits }));
    }
  }

  /**
   * Teacher-forces `tokens`, yielding the full next-token logits of every position from `firstPosition` on,
   * `chunkSize` positions at a time, so only one chunk of vocabulary-sized arrays is alive at once. Logits
   * at position i predict token i + 1. Holds one sequence until the iteration ends. (Used by src/kld.)
   */
  async *logitChunks(
    tokens: readonly Token[],
    options: { firstPosition: number; chunkSize?: number; signal?: AbortSignal },
  ): AsyncGenerator<Array<{ position: number; logits: Float32Array }>> {
    this.ensureOpen();
    const chunkSize = options.chunkSize ?? 32;
    if (tokens.length > this.contextSize) {
      throw new QreasonError("E_INPUT", `the text (${tokens.length} tokens) exceeds the context (${this.contextSize})`);
    }
    const { sequence, release } = await this.pool.acquire();
    try {
      for (let start = 0; start < tokens.length; start += chunkSize) {
        throwIfAborted(options.signal);
        const chunk = tokens.slice(start, start + chunkSize).map((token, offset) =>
          start + offset >= options.firstPosition
            ? ([token, { generateNext: { logits: true } }] as [Token, { generateNext: { logits: true } }])
            : token,
        );
        const outputs = await sequence.controlledEvaluate(chunk);
        const positions: Array<{ position: number; logits: Float32Array }> = [];
        outputs.forEach((output, offset) => {
          const logits = output?.next.logits;
          if (logits === undefined) return;
          // llama.cpp returns one logit per vocabulary entry: the map's size is the vocabulary.
          const dense = new Float32Array(logits.size);
          for (const [token, value] of logits) {
            if (token >= dense.length) throw new QreasonError("E_BACKEND", `token id ${token} outside the vocabulary`);
            dense[token] = value;
          }
          positions.push({ position: start + offset, logits: dense });
        });
        if (positions.length > 0) yield positions;
      }
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.dispose();
    await this.lease.release();
  }

  private ensureOpen(): void {
    if (this.closed) throw new QreasonError("E_BACKEND", "this llama.cpp backend is closed");
  }
}

export function createLlamaCppBackend(options: LlamaCppBackendOptions): Promise<LlamaCppBackend> {
  return LlamaCppBackend.create(options);
}
