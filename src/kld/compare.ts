/**
 * Teacher-forces a base and a variant model on the same token sequences and compares their next-token
 * distributions position by position, chunk by chunk: at most one chunk of logits per model is in memory,
 * where llama.cpp's own `perplexity --kl-divergence` first stores every base logit on disk.
 *
 * The two models are evaluated one after the other for each chunk (not concurrently), so they never
 * compete for the same cores.
 */
import type { Token } from "node-llama-cpp";
import type { LlamaCppBackend } from "../backends/llamacpp/index.ts";
import { QreasonError } from "../errors.ts";
import { comparePosition, type PositionComparison } from "./math.ts";
import { KldAccumulator, type KldSummary } from "./summary.ts";
import type { KldText } from "./texts.ts";

/** One compared position, as streamed to `onPosition` (and written to a positions JSONL). */
export interface PositionRecord extends PositionComparison {
  textId: string;
  /** Index of the predicted token within the compared part (0 = first continuation token). */
  index: number;
  /** The text's actual token at this position. */
  token: string;
}

export interface CompareOptions {
  base: LlamaCppBackend;
  variant: LlamaCppBackend;
  texts: readonly KldText[];
  /** Positions evaluated per step (default 32): bounds memory at chunk x vocabulary floats per model. */
  chunkSize?: number;
  onPosition?: (record: PositionRecord) => void | Promise<void>;
  onText?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

interface Encoded {
  tokens: Token[];
  /** First position whose prediction is compared. */
  firstPosition: number;
}

function encode(backend: LlamaCppBackend, text: KldText): Encoded {
  if ("text" in text) return { tokens: backend.tokenizePrompt(text.text), firstPosition: 0 };
  const prompt = backend.encodePrompt(text.prompt);
  const continuation = text.continuationTokens?.map((token) => token as Token) ?? backend.tokenizeContinuation(text.continuation);
  return { tokens: [...prompt, ...continuation], firstPosition: prompt.length - 1 };
}

const sameTokens = (left: readonly Token[], right: readonly Token[]): boolean =>
  left.length === right.length && left.every((token, index) => token === right[index]);

/** Compares `variant` with `base` on every text; returns the summary over all compared positions. */
export async function compareModels(options: CompareOptions): Promise<KldSummary> {
  const { base, variant, texts } = options;
  if (base === variant) {
    // Each model holds one of its sequences while a text streams; one backend would wait on itself.
    throw new QreasonError("E_USAGE", "base and variant must be two backends (they may load the same GGUF)");
  }
  const accumulator = new KldAccumulator();
  for (const [textIndex, text] of texts.entries()) {
    const encoded = encode(base, text);
    if (!sameTokens(encoded.tokens, encode(variant, text).tokens)) {
      throw new QreasonError(
        "E_INPUT",
        `base and variant tokenize text '${text.id}' differently; KL divergence needs models with the same tokenizer`,
        { field: "variant" },
      );
    }
    // The last token predicts nothing inside the text: it is not evaluated.
    const evaluated = encoded.tokens.slice(0, -1);
    if (evaluated.length <= encoded.firstPosition) continue; // nothing to predict (one-token text)
    accumulator.addText();
    const chunkOptions = { firstPosition: Math.max(0, encoded.firstPosition), chunkSize: options.chunkSize, signal: options.signal };
    const baseChunks = base.logitChunks(evaluated, chunkOptions);
    const variantChunks = variant.logitChunks(evaluated, chunkOptions);
    try {
      for (;;) {
        const baseChunk = await baseChunks.next();
        const variantChunk = await variantChunks.next();
        if (baseChunk.done || variantChunk.done) {
          if (baseChunk.done !== variantChunk.done) throw new QreasonError("E_INTERNAL", "the models returned different chunk counts");
          break;
        }
        for (const [offset, basePosition] of baseChunk.value.entries()) {
          const variantPosition = variantChunk.value[offset];
          if (variantPosition?.position !== basePosition.position) {
            throw new QreasonError("E_INTERNAL", `position mismatch at ${basePosition.position}`);
          }
          const target = encoded.tokens[basePosition.position + 1]!;
          let comparison: PositionComparison;
          try {
            comparison = comparePosition(basePosition.logits, variantPosition.logits, target);
          } catch (error) {
            throw new QreasonError("E_INPUT", `${(error as Error).message}: the models do not share a vocabulary`, { field: "variant" });
          }
          accumulator.add(comparison);
          await options.onPosition?.({
            ...comparison,
            textId: text.id,
            index: basePosition.position - encoded.firstPosition,
            token: base.model.detokenize([target], true),
          });
        }
      }
    } finally {
      await baseChunks.return(undefined);
      await variantChunks.return(undefined);
    }
    options.onText?.(textIndex + 1, texts.length);
  }
  return accumulator.summary();
}
