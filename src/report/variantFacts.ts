/**
 * Per-variant facts a newcomer needs beside accuracy, from the store and the quantizer's manifest alone:
 * what the file really is (bits per weight over every tensor, tensor counts by type, tensors stored in
 * another type than asked, and whether two variants are the same file — K-quants that fell back can be
 * byte-identical), how much was graded of what was planned (an interrupted run shows that, not a zero),
 * how often generation stopped at max_tokens, how often the final answer differs from the baseline's on
 * the same problem and sample, the mean KL divergence from the baseline where the attribute stage measured
 * it, and why the variant failed, if it did.
 */
import type { CellSamples } from "../compare/index.ts";
import type { AttributionResults } from "./attribution.ts";
import type { VariantInfo } from "./results.ts";

export interface VariantFacts {
  model: string;
  variant: string;
  isBaseline: boolean;
  /** From the quantizer's manifest (null: qreason did not quantize it, or it was never made). */
  bitsPerWeight: number | null;
  quantizedBitsPerWeight: number | null;
  tensorTypes: Record<string, number> | null;
  /** Tensors llama.cpp stored in another type than asked (allow_fallback). */
  fallbacks: number | null;
  fileSha256: string | null;
  /** Other variants of the same model whose file is byte-identical (same sha256). */
  sameFileAs: string[];
  planned: number;
  generated: number;
  graded: number;
  /** Graded generations that stopped at max_tokens (finish reason "length"). */
  truncated: number;
  /** truncated / graded (null when nothing is graded). */
  truncationRate: number | null;
  /** (problem, sample) pairs graded in both this variant and the baseline, and those whose final answers differ. */
  answersCompared: number;
  answersDiffer: number;
  answerDifferRate: number | null;
  /** Mean KL(baseline ‖ variant) per token over the positions the attribute stage scored (null: not measured). */
  meanKl: number | null;
  klPositions: number;
  /** Why the variant failed ("failed in quantize: …"), if it did. */
  failed: string | null;
}

const objectField = (value: unknown, key: string): unknown => (value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined);
const numberOrNull = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** The final answer as compared: trimmed text, null when there is none. */
const answerOf = (extracted: string | null): string | null => (extracted === null ? null : extracted.trim());

export function variantFacts(
  variants: readonly VariantInfo[],
  cells: readonly { model: string; variant: string; benchmark: string; planned: number; generated: number }[],
  cellData: ReadonlyMap<string, CellSamples>,
  attribution: AttributionResults | null,
): VariantFacts[] {
  const cellKey = (model: string, variant: string, benchmark: string): string => `${model}\0${variant}\0${benchmark}`;
  const shaOf = (variant: VariantInfo): string | null => {
    const sha = objectField(objectField(variant.manifest, "output"), "sha256");
    return typeof sha === "string" ? sha : null;
  };
  return variants.map((variant): VariantFacts => {
    const output = objectField(variant.manifest, "output");
    const types = objectField(output, "tensorTypes");
    const fallbacks = objectField(variant.manifest, "fallbacks");
    const sha = shaOf(variant);
    const baseline = variants.find((candidate) => candidate.model === variant.model && candidate.isBaseline);
    let planned = 0;
    let generated = 0;
    let graded = 0;
    let truncated = 0;
    let answersCompared = 0;
    let answersDiffer = 0;
    for (const cell of cells.filter((entry) => entry.model === variant.model && entry.variant === variant.variant)) {
      planned += cell.planned;
      generated += cell.generated;
      const samples = cellData.get(cellKey(cell.model, cell.variant, cell.benchmark))?.samples ?? [];
      graded += samples.length;
      truncated += samples.filter((sample) => sample.finishReason === "length").length;
      if (baseline === undefined || variant.isBaseline) continue;
      const base = new Map((cellData.get(cellKey(cell.model, baseline.variant, cell.benchmark))?.samples ?? []).map((sample) => [`${sample.problemId}\0${sample.sampleIndex}`, sample]));
      for (const sample of samples) {
        const other = base.get(`${sample.problemId}\0${sample.sampleIndex}`);
        if (other === undefined) continue;
        answersCompared++;
        if (answerOf(sample.extracted) !== answerOf(other.extracted)) answersDiffer++;
      }
    }
    // Forward KL (baseline ‖ variant), averaged over every scored position of every benchmark.
    let klSum = 0;
    let klPositions = 0;
    for (const entry of attribution?.variants ?? []) {
      const forward = entry.kld.forward;
      if (entry.model !== variant.model || entry.variant !== variant.variant || forward === null || forward.meanKl === null) continue;
      klSum += forward.meanKl * forward.positions;
      klPositions += forward.positions;
    }
    const stopped = variant.status?.stopped;
    return {
      model: variant.model,
      variant: variant.variant,
      isBaseline: variant.isBaseline,
      bitsPerWeight: numberOrNull(objectField(output, "bitsPerWeight")),
      quantizedBitsPerWeight: numberOrNull(objectField(output, "quantizedBitsPerWeight")),
      tensorTypes: types !== null && typeof types === "object" ? (types as Record<string, number>) : null,
      fallbacks: Array.isArray(fallbacks) ? fallbacks.length : null,
      fileSha256: sha,
      sameFileAs: sha === null ? [] : variants.filter((other) => other !== variant && other.model === variant.model && shaOf(other) === sha).map((other) => other.variant),
      planned,
      generated,
      graded,
      truncated,
      truncationRate: graded === 0 ? null : truncated / graded,
      answersCompared,
      answersDiffer,
      answerDifferRate: answersCompared === 0 ? null : answersDiffer / answersCompared,
      meanKl: klPositions === 0 ? null : klSum / klPositions,
      klPositions,
      failed: stopped !== undefined && stopped.startsWith("failed in ") ? stopped : null,
    };
  });
}

/** "Q5_0 × 166, Q8_0 × 15, …", most tensors first. */
export function tensorTypesText(types: Record<string, number> | null): string {
  if (types === null) return "—";
  return Object.entries(types)
    .sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]))
    .map(([type, count]) => `${type} × ${count}`)
    .join(", ");
}

const pct = (fraction: number | null): string => (fraction === null ? "—" : `${(100 * fraction).toFixed(1)}%`);

/** The figures as table cells (markdown and HTML show the same), header first. */
export function variantFactsRows(facts: readonly VariantFacts[], label: (model: string, variant: string) => string): { header: string[]; rows: string[][] } {
  const header = ["variant", "bits/weight", "tensor types", "graded / planned", "stopped at max_tokens", "answer ≠ baseline", "mean KL", "status"];
  const rows = facts.map((entry) => [
    label(entry.model, entry.variant),
    entry.bitsPerWeight === null ? "—" : entry.bitsPerWeight.toFixed(2),
    `${tensorTypesText(entry.tensorTypes)}${entry.fallbacks ? ` (${entry.fallbacks} fell back)` : ""}${entry.sameFileAs.length > 0 ? ` — same file as ${entry.sameFileAs.join(", ")}` : ""}`,
    `${entry.graded}/${entry.planned}`,
    entry.graded === 0 ? "—" : `${entry.truncated} (${pct(entry.truncationRate)})`,
    entry.isBaseline ? "" : entry.answersCompared === 0 ? "—" : `${entry.answersDiffer} of ${entry.answersCompared} (${pct(entry.answerDifferRate)})`,
    entry.meanKl === null ? "—" : entry.meanKl.toFixed(4),
    entry.failed ?? (entry.graded < entry.planned ? "incomplete" : "ok"),
  ]);
  return { header, rows };
}
