/**
 * Teacher-forces a base and a variant model on the same texts and compares their next-token distributions
 * position by position, through the Backend spec, so any two backends can be compared:
 *
 * - **exact**, when both backends offer full distributions (`FullDistributions`, llama.cpp): full-vocabulary
 *   logits a chunk of positions at a time (at most one chunk per model in memory, where llama.cpp's own
 *   `perplexity --kl-divergence` first stores every base logit on disk);
 * - **top-k**, otherwise: both backends `score` the texts with `topK` alternatives, and KL is taken between
 *   the two distributions coarse-grained to the tokens known on both sides (the text's own token and the
 *   tokens in both top-k lists) plus one bucket holding all remaining probability mass (topk.ts). Merging
 *   outcomes never increases KL (log-sum inequality), so this is a lower bound of the exact KL; same-top-1,
 *   Δp and margins are exact either way.
 *
 * The two models are evaluated one after the other for each chunk or text (not concurrently), so they never
 * compete for the same cores.
 */
import type { Backend, FullDistributions, ScoreRequest } from "../backends/types.ts";
import { hasFullDistributions } from "../backends/types.ts";
import { QreasonError } from "../errors.ts";
import { comparePosition } from "./math.ts";
import { KldAccumulator, type KldSummary, type PositionStatistics } from "./summary.ts";
import type { KldText } from "./texts.ts";
import { compareTopK } from "./topk.ts";

/** One compared position, as streamed to `onPosition` (and written to a positions JSONL). */
export interface PositionRecord extends PositionStatistics {
  textId: string;
  /** Index of the predicted token within the compared part (0 = first continuation token). */
  index: number;
  /** The text's actual token at this position. */
  token: string;
  /** Each model's top-1 token (text). */
  baseTop: string;
  variantTop: string;
}

export type KldMode = "exact" | "top-k";

export interface CompareOptions {
  base: Backend;
  variant: Backend;
  texts: readonly KldText[];
  /** "exact" needs both backends to offer full distributions; default: exact where both do, else top-k. */
  mode?: KldMode;
  /** Alternatives per position in top-k mode (default 20). */
  topK?: number;
  /** Positions evaluated per step in exact mode (default 32): memory is chunk x vocabulary floats per model. */
  chunkSize?: number;
  onPosition?: (record: PositionRecord) => void | Promise<void>;
  onText?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface KldResult extends KldSummary {
  mode: KldMode;
  /** Alternatives per position in top-k mode; null when exact. */
  topK: number | null;
}

function scoreRequest(text: KldText, topK: number): ScoreRequest & { continuationIds?: number[] } {
  if ("text" in text) return { prompt: "", continuation: text.text, topK };
  return { prompt: text.prompt, continuation: text.continuation, topK, continuationIds: text.continuationTokens };
}

const differently = (text: KldText): QreasonError =>
  new QreasonError("E_INPUT", `base and variant tokenize text '${text.id}' differently; KL divergence needs models with the same tokenizer`, {
    field: "variant",
  });

/** Which comparison two backends allow, given what was asked for. */
export function kldMode(base: Backend, variant: Backend, wanted?: KldMode): KldMode {
  const exact = hasFullDistributions(base) && hasFullDistributions(variant);
  if (wanted === "exact" && !exact) {
    const missing = [base, variant].filter((backend) => !hasFullDistributions(backend)).map((backend) => backend.kind);
    throw new QreasonError("E_USAGE", `exact KL needs full next-token distributions, which the ${missing.join(" and ")} backend does not give; use top-k`);
  }
  return wanted ?? (exact ? "exact" : "top-k");
}

/** Compares `variant` with `base` on every text; returns the summary over all compared positions. */
export async function compareModels(options: CompareOptions): Promise<KldResult> {
  const { base, variant, texts } = options;
  if (base === variant) {
    // Each model holds one of its sequences while a text streams; one backend would wait on itself.
    throw new QreasonError("E_USAGE", "base and variant must be two backends (they may load the same model)");
  }
  const mode = kldMode(base, variant, options.mode);
  const topK = options.topK ?? 20;
  const accumulator = new KldAccumulator();
  for (const [textIndex, text] of texts.entries()) {
    if (mode === "exact") await compareExact(base as Backend & FullDistributions, variant as Backend & FullDistributions, text, accumulator, options);
    else await compareByScores(text, topK, accumulator, options);
    options.onText?.(textIndex + 1, texts.length);
  }
  return { ...accumulator.summary(), mode, topK: mode === "exact" ? null : topK };
}

async function compareExact(
  base: Backend & FullDistributions,
  variant: Backend & FullDistributions,
  text: KldText,
  accumulator: KldAccumulator,
  options: CompareOptions,
): Promise<void> {
  const request = scoreRequest(text, 0);
  const chunkOptions = { chunkSize: options.chunkSize, signal: options.signal };
  const baseChunks = base.scoreDistributions(request, chunkOptions);
  const variantChunks = variant.scoreDistributions(request, chunkOptions);
  let counted = false;
  try {
    for (;;) {
      const baseChunk = await baseChunks.next();
      const variantChunk = await variantChunks.next();
      if (baseChunk.done || variantChunk.done) {
        if (baseChunk.done !== variantChunk.done) throw differently(text);
        break;
      }
      if (!counted) accumulator.addText();
      counted = true;
      for (const [offset, basePosition] of baseChunk.value.entries()) {
        const variantPosition = variantChunk.value[offset];
        if (variantPosition?.index !== basePosition.index || variantPosition.id !== basePosition.id) throw differently(text);
        let comparison;
        try {
          comparison = comparePosition(basePosition.logits, variantPosition.logits, basePosition.id);
        } catch (error) {
          throw new QreasonError("E_INPUT", `${(error as Error).message}: the models do not share a vocabulary`, { field: "variant" });
        }
        const statistics = { ...comparison, sameTop: comparison.baseTop === comparison.variantTop };
        accumulator.add(statistics);
        await options.onPosition?.({
          ...statistics,
          textId: text.id,
          index: basePosition.index,
          token: base.tokenText(basePosition.id),
          baseTop: base.tokenText(comparison.baseTop),
          variantTop: base.tokenText(comparison.variantTop),
        });
      }
    }
  } finally {
    await baseChunks.return(undefined);
    await variantChunks.return(undefined);
  }
}

async function compareByScores(text: KldText, topK: number, accumulator: KldAccumulator, options: CompareOptions): Promise<void> {
  const request = scoreRequest(text, topK);
  const [baseScore] = await options.base.score([request], options.signal);
  const [variantScore] = await options.variant.score([request], options.signal);
  const left = baseScore!.tokens;
  const right = variantScore!.tokens;
  if (left.length !== right.length) throw differently(text);
  if (left.length > 0) accumulator.addText();
  for (const [index, basePosition] of left.entries()) {
    const variantPosition = right[index]!;
    if (basePosition.token !== variantPosition.token || basePosition.offset[0] !== variantPosition.offset[0]) throw differently(text);
    const statistics = compareTopK(basePosition, variantPosition);
    accumulator.add(statistics);
    await options.onPosition?.({
      ...statistics,
      textId: text.id,
      index,
      token: basePosition.token,
      baseTop: basePosition.top[0]?.token ?? "",
      variantTop: variantPosition.top[0]?.token ?? "",
    });
  }
}
