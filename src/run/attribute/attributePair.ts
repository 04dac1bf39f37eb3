/**
 * Attributes one pair (fp's solution and the variant's, same prompt) with live backends:
 *
 * 1. both solutions segmented and verified (src/attribute `locateFirstError`; on arith with the gold steps);
 *    the steps aligned; the variant's first error carried into fp's steps;
 * 2. teacher-forced divergence through `score`: forward (fp and the variant scored on fp's solution) and
 *    reverse (both scored on the variant's solution);
 * 3. for a flip, prefix rescue through `generate` with an assistant prefix: the variant continuing fp's
 *    solution cut after step k (first vulnerable step), and the mirror, fp continuing the variant's
 *    (where it became unrecoverable); each continuation graded with the run's grader against the gold
 *    answer. Prefix 0 is the bare prompt, asked again like every other prefix rather than read from the
 *    store: llama.cpp's batched decoding is not bit-identical across batch compositions, so a near-tie the
 *    stored generation broke one way may break the other way now; comparing prefix 0 under the same
 *    conditions as prefix k is what makes "not-reproduced" mean something.
 *
 * Returns what the store keeps (src/store/attribution.ts); nothing here writes.
 */
import { analyzeDivergence, encodePositions, findFirstVulnerableStep, findUnrecoverableStep, locateFirstError, packPosition, toFpSegment } from "../../attribute/index.ts";
import type { DivergenceAnalysis, FirstErrorResult, PrefixRescueResult } from "../../attribute/index.ts";
import type { Backend, ChatMessage, SamplingParams, ScoreResult } from "../../backends/index.ts";
import type { ArithGold } from "../../data/arith/index.ts";
import { gradeOne } from "../../grade/index.ts";
import { alignSteps } from "../../steps/index.ts";
import type { AttributionRecord, DivergenceKind, GenerationVerification, StoredContinuation, StoredDivergence } from "../../store/index.ts";
import type { AttributeSpec } from "../../study/index.ts";
import type { AttributionPair } from "./pairs.ts";

export interface PairInputs {
  pair: AttributionPair;
  prompt: string | ChatMessage[];
  fpText: string;
  variantText: string;
  gold: string;
  arith?: ArithGold;
  /** The generation's sampling (continuations use it too). */
  sampling: SamplingParams;
  settings: AttributeSpec;
  fp: Backend;
  variant: Backend;
  /** fp scored on its own solution: the same for every variant, so callers share it. */
  fpOnFp: () => Promise<ScoreResult>;
  signal?: AbortSignal;
}

export type PairAttribution = Omit<AttributionRecord, "studyHash" | "segmenter" | "verifier" | "settingsHash" | "settings">;

export interface PairOutcome {
  record: PairAttribution;
  verifications: GenerationVerification[];
}

/** What the store keeps of one solution's verification. */
export function storedVerification(key: string, result: FirstErrorResult): GenerationVerification {
  const first = result.first;
  return {
    key,
    segments: result.segments.map((segment) => ({ index: segment.index, kind: segment.kind, ...(segment.label !== undefined ? { label: segment.label } : {}), start: segment.start, end: segment.end })),
    checks: result.steps.steps.map((step) => {
      const refuted = step.claims.find((claim) => claim.status === "refuted");
      return {
        step: step.segment,
        status: step.status,
        claims: step.claims.length,
        ...(refuted
          ? { refuted: { text: refuted.text, start: refuted.start, end: refuted.end, reason: refuted.reason, ...(refuted.expected !== undefined ? { expected: refuted.expected } : {}), ...(refuted.stated !== undefined ? { stated: refuted.stated } : {}) } }
          : {}),
      };
    }),
    firstError: first
      ? {
          step: first.segment, steps: result.segments.length, part: first.part, source: first.source, kind: first.kind, reason: first.reason,
          ...(first.category !== null ? { category: first.category } : {}), ...(first.subtype !== null ? { subtype: first.subtype } : {}),
          certain: first.certain, start: first.start, end: first.end,
        }
      : { steps: result.segments.length },
  };
}

/** The stored form of one direction's divergence: step summaries with mean margins, packed tokens. */
export function storedDivergence(analysis: DivergenceAnalysis, topK: number): StoredDivergence {
  const mean = (values: number[]): number | null => {
    const finite = values.filter(Number.isFinite);
    return finite.length === 0 ? null : finite.reduce((sum, value) => sum + value, 0) / finite.length;
  };
  const tokens = analysis.tokens;
  const steps = analysis.steps.map((step) => {
    const own = tokens.filter((token) => token.segment === step.segment);
    return { ...step, fpMargin: mean(own.map((token) => token.fpMargin)), variantMargin: mean(own.map((token) => token.variantMargin)) };
  });
  const stored: StoredDivergence = {
    direction: analysis.direction,
    minFpMargin: analysis.minFpMargin,
    topK,
    tokens: tokens.length,
    unpaired: analysis.unpaired,
    steps,
    positions: encodePositions(tokens.map(packPosition)),
  };
  if (tokens.length > 0) {
    stored.meanKl = tokens.reduce((sum, token) => sum + token.kl, 0) / tokens.length;
    stored.maxKl = tokens.reduce((max, token) => Math.max(max, token.kl), 0);
    stored.sameTopShare = tokens.filter((token) => token.sameTop).length / tokens.length;
  }
  const first = firstDivergence(analysis);
  if (first) {
    stored.firstStep = first.segment;
    stored.firstPosition = first.position;
    stored.firstWeight = first.weight;
    stored.firstKind = first.kind;
  }
  return stored;
}

/** The first divergence: where fp was confident, else the first top-1 departure, else the largest log-prob drop. */
export function firstDivergence(analysis: DivergenceAnalysis): { segment: number; position: number; weight: number; kind: DivergenceKind } | undefined {
  if (analysis.firstDivergence) return { ...analysis.firstDivergence, kind: "confident" };
  if (analysis.firstDeparture) return { ...analysis.firstDeparture, kind: "departure" };
  if (analysis.maxDrop) return { segment: analysis.maxDrop.segment, position: analysis.maxDrop.position, weight: analysis.maxDrop.weight, kind: "max-drop" };
  return undefined;
}

export async function attributePair(inputs: PairInputs): Promise<PairOutcome> {
  const started = performance.now();
  const { pair, prompt, fpText, variantText, settings, signal } = inputs;
  const arith = inputs.arith ? { arith: inputs.arith } : {};
  const fpVerification = locateFirstError(fpText, arith);
  const variantVerification = locateFirstError(variantText, arith);
  const fpSegments = fpVerification.segments;
  const variantSegments = variantVerification.segments;
  const alignment = alignSteps(fpSegments, variantSegments);
  const warnings: string[] = [];

  const score = (backend: Backend, continuation: string): Promise<ScoreResult> =>
    backend.score([{ prompt, continuation, topK: settings.topK }], signal).then(([result]) => result as ScoreResult);
  const [fpOnFp, variantOnFp, fpOnVariant, variantOnVariant] = await Promise.all([
    inputs.fpOnFp(), score(inputs.variant, fpText), score(inputs.fp, variantText), score(inputs.variant, variantText),
  ]);
  for (const result of [fpOnFp, variantOnFp, fpOnVariant, variantOnVariant]) warnings.push(...result.warnings);
  const forward = analyzeDivergence({ text: fpText, segments: fpSegments, fp: fpOnFp.tokens, variant: variantOnFp.tokens, direction: "forward", minFpMargin: settings.marginThreshold });
  const reverse = analyzeDivergence({ text: variantText, segments: variantSegments, fp: fpOnVariant.tokens, variant: variantOnVariant.tokens, direction: "reverse", minFpMargin: settings.marginThreshold });
  for (const analysis of [forward, reverse]) {
    if (analysis.unpaired > 0) warnings.push(`${analysis.direction}: ${analysis.unpaired} token(s) tokenized differently by the two models were not compared`);
  }

  const continuations: StoredContinuation[] = [];
  let rescue: PrefixRescueResult | undefined;
  let mirror: PrefixRescueResult | undefined;
  if (pair.role === "flip") {
    const continueWith = (backend: Backend, side: StoredContinuation["side"]) =>
      async (prefix: string, k: number): Promise<boolean> => {
        const [result] = await backend.generate([{ prompt, assistantPrefix: prefix, sampling: inputs.sampling }], signal);
        if (result === undefined) throw new Error("the backend returned no result for a continuation");
        warnings.push(...result.warnings.map((warning) => `${side} k=${k}: ${warning}`));
        const graded = gradeOne({ gold: inputs.gold, output: prefix + result.text, finishReason: result.finishReason });
        continuations.push({ side, k, prefixEnd: prefix.length, status: graded.status, extracted: graded.extracted, finishReason: result.finishReason, text: result.text });
        return graded.status === "correct";
      };
    const strategy = settings.rescue === "bisect" ? "bisect" : "linear";
    rescue = await findFirstVulnerableStep({
      fpText, fpSegments, strategy,
      variantContinues: continueWith(inputs.variant, "rescue"),
    });
    if (settings.mirror) {
      mirror = await findUnrecoverableStep({
        variantText, variantSegments, strategy,
        fpContinues: continueWith(inputs.fp, "mirror"),
      });
    }
  }

  const forwardFirst = firstDivergence(forward);
  const reverseFirst = firstDivergence(reverse);
  const firstError = variantVerification.first?.segment;
  const firstErrorFp = firstError === undefined ? undefined : toFpSegment(alignment, firstError, fpSegments.length);
  const record: PairAttribution = {
    model: pair.model, benchmark: pair.benchmark, baseline: pair.baseline, variant: pair.variant, problemId: pair.problemId,
    baselineKey: pair.baselineKey, variantKey: pair.variantKey, role: pair.role,
    fpSteps: fpSegments.length, variantSteps: variantSegments.length,
    alignment: alignment.pairs.map((entry) => [entry.fp ?? null, entry.variant ?? null]),
    ...(firstError !== undefined ? { firstErrorVariantStep: firstError } : {}),
    ...(firstErrorFp !== undefined ? { firstErrorFpStep: firstErrorFp } : {}),
    ...(forwardFirst ? { firstDivergenceFpStep: forwardFirst.segment } : {}),
    ...(reverseFirst ? { reverseDivergenceVariantStep: reverseFirst.segment } : {}),
    ...(rescue ? { rescueOutcome: rescue.outcome, ...(rescue.segment !== undefined ? { firstVulnerableFpStep: rescue.segment } : {}) } : {}),
    ...(mirror ? { mirrorOutcome: mirror.outcome, ...(mirror.segment !== undefined ? { unrecoverableVariantStep: mirror.segment } : {}) } : {}),
    warnings: [...new Set(warnings)],
    ms: performance.now() - started,
    divergences: [storedDivergence(forward, settings.topK), storedDivergence(reverse, settings.topK)],
    continuations,
  };
  return {
    record,
    verifications: [storedVerification(pair.baselineKey, fpVerification), storedVerification(pair.variantKey, variantVerification)],
  };
}
