/**
 * attribute: for every flip (baseline right, variant wrong) and a seeded sample of controls (both right)
 * of each planned comparison, where the variant first went wrong — by the step verifier, by teacher-forced
 * divergence, and causally by prefix rescue (run/attribute/attributePair.ts) — stored per pair in the run
 * store (schema v3) under the segmenter version, the derived verifier version and the settings hash.
 * Pending: the pairs not stored under the current ones. The baseline's backend stays open while each
 * variant's opens in turn; a pair is stored as soon as it is done, so an interrupted stage resumes with
 * the rest. Wanted when the study has an `attribute:` block; `qreason attribute <run-dir>` runs it on any
 * run (defaults).
 */
import type { ScoreResult } from "../../backends/index.ts";
import { arithGold } from "../../data/arith/index.ts";
import type { Problem } from "../../data/index.ts";
import { QreasonError } from "../../errors.ts";
import { currentPlan, runRecordOf, type RunStore } from "../../store/index.ts";
import type { PlannedVariant } from "../../study/index.ts";
import { attributeSettings, currentAttributeVersion, settingsHash } from "../attributeVersion.ts";
import { attributePair } from "../attribute/attributePair.ts";
import { attributionPairs, pairKey, type AttributionPair } from "../attribute/pairs.ts";
import { updateKldSummaries } from "../attribute/summaries.ts";
import type { OpenedVariant, Stage, StageContext, StageOutcome } from "./types.ts";

/** Pairs left to attribute, with everything needed to tell them from the store. */
function pendingPairs(store: RunStore): { left: AttributionPair[]; total: number; studyHash: string; asked: boolean } | undefined {
  const current = currentPlan(store);
  const record = runRecordOf(store);
  if (current === undefined || record === undefined || record.grader === null) return undefined;
  const settings = attributeSettings(current.study);
  const version = currentAttributeVersion();
  const pairs = attributionPairs(store, current.studyHash, record.comparisons, record.grader, settings);
  const done = store.attribution.done(current.studyHash, version.segmenter, version.verifier, settingsHash(settings));
  return { left: pairs.filter((pair) => !done.has(pairKey(pair))), total: pairs.length, studyHash: current.studyHash, asked: current.study.attribute !== undefined };
}

/** Runs `work` over `items` with at most `limit` in flight; stops taking new items once `signal` aborts. */
async function pool<T>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function plannedVariant(context: StageContext, model: string, variant: string): PlannedVariant {
  const planned = context.plan.variants.find((entry) => entry.model === model && entry.variant === variant);
  if (planned === undefined) throw new QreasonError("E_INTERNAL", `the plan has no variant ${model}/${variant}`);
  return planned;
}

export const attributeStage: Stage = {
  name: "attribute",
  summary: "locate where each flip first went wrong: step verifier, teacher-forced divergence, prefix rescue (and controls)",
  offline: false,
  requires: ["compare"],
  wanted(study) {
    return study.attribute !== undefined;
  },
  pending(store) {
    const pending = pendingPairs(store);
    if (pending === undefined) return { count: 0, unit: "pairs", detail: "nothing graded yet" };
    const flips = pending.left.filter((pair) => pair.role === "flip").length;
    // A study without an `attribute:` block has nothing pending here; `qreason attribute` runs the stage anyway.
    if (!pending.asked) {
      return { count: 0, unit: "pairs", detail: `not asked by the study; \`qreason attribute <run-dir>\` would attribute ${flips} flip(s) and ${pending.left.length - flips} control(s)` };
    }
    return {
      count: pending.left.length,
      unit: "pairs",
      detail: `${flips} flip(s) and ${pending.left.length - flips} control(s) left; ${pending.total - pending.left.length} of ${pending.total} attributed under ${currentAttributeVersion().verifier}`,
    };
  },
  async run(context): Promise<StageOutcome> {
    const { store, signal } = context;
    const pending = pendingPairs(store);
    if (pending === undefined) return { status: "done", counts: { attributed: 0 } };
    const settings = attributeSettings(context.study);
    const version = currentAttributeVersion();
    const hash = settingsHash(settings);
    const problems = new Map<string, Map<string, Problem>>();
    const problemOf = (benchmark: string, id: string): Problem => {
      let byId = problems.get(benchmark);
      if (byId === undefined) {
        byId = new Map(store.problems(benchmark).map((problem) => [problem.id, problem]));
        problems.set(benchmark, byId);
      }
      const problem = byId.get(id);
      if (problem === undefined) throw new QreasonError("E_STORE", `problem ${id} of ${benchmark} is not in the run store`, { file: store.file });
      return problem;
    };
    const counts = { attributed: 0, flips: 0, controls: 0, failed: 0, located: 0 };
    const byModel = new Map<string, AttributionPair[]>();
    for (const pair of pending.left) byModel.set(`${pair.model}\0${pair.baseline}`, [...(byModel.get(`${pair.model}\0${pair.baseline}`) ?? []), pair]);
    if (pending.left.length > 0) context.emit({ type: "stage", message: `attributing ${pending.left.length} pair(s)` });

    for (const pairs of byModel.values()) {
      if (signal.aborted) break;
      const first = pairs[0] as AttributionPair;
      const fp: OpenedVariant = await context.backends.open(plannedVariant(context, first.model, first.baseline));
      const fpScores = new Map<string, Promise<ScoreResult>>();
      try {
        const variants = [...new Set(pairs.map((pair) => pair.variant))];
        for (const variantName of variants) {
          if (signal.aborted) break;
          const own = pairs.filter((pair) => pair.variant === variantName);
          const variant = await context.backends.open(plannedVariant(context, first.model, variantName));
          try {
            const flips = own.filter((pair) => pair.role === "flip").length;
            context.emit({ type: "attribute-start", model: first.model, variant: variantName, flips, controls: own.length - flips });
            let done = 0;
            const inFlight = Math.max(1, variant.model.runtime.batchSize);
            await pool(own, inFlight, signal, async (pair) => {
              const [fpGeneration, variantGeneration] = store.generations([pair.baselineKey, pair.variantKey]);
              const prompt = store.promptOf(pair.variantKey);
              if (fpGeneration === undefined || variantGeneration === undefined || prompt === undefined) {
                throw new QreasonError("E_STORE", `the generations of ${pair.problemId} (${pair.baseline}, ${pair.variant}) are not in the run store`, { file: store.file });
              }
              const problem = problemOf(pair.benchmarkName, pair.problemId);
              const job = context.plan.jobs.find((entry) => entry.model === pair.model && entry.variant === pair.variant && entry.benchmark === pair.benchmark && entry.sampleIndex === 0);
              if (job === undefined) throw new QreasonError("E_INTERNAL", `the plan has no job for ${pair.model}/${pair.variant} on ${pair.benchmark}`);
              let fpOnFp = fpScores.get(pair.baselineKey);
              if (fpOnFp === undefined) {
                fpOnFp = fp.backend.score([{ prompt, continuation: fpGeneration.text, topK: settings.topK }], signal).then(([result]) => result as ScoreResult);
                fpScores.set(pair.baselineKey, fpOnFp);
              }
              const scored = fpOnFp;
              let outcome;
              try {
                outcome = await attributePair({
                  pair, prompt, fpText: fpGeneration.text, variantText: variantGeneration.text, gold: problem.answer,
                  ...(pair.benchmarkName === "arith" ? { arith: arithGold(problem) } : {}),
                  sampling: job.sampling, settings, fp: fp.backend, variant: variant.backend, fpOnFp: () => scored, signal,
                });
              } catch (error) {
                if (signal.aborted) return;
                counts.failed++;
                context.emit({ type: "warning", message: `attributing ${pair.problemId} (${pair.variant}) failed: ${(error as Error).message}` });
                return;
              }
              store.transaction(() => {
                for (const verification of outcome.verifications) store.attribution.putVerification(verification, version.segmenter, version.verifier);
                store.attribution.put({ ...outcome.record, studyHash: pending.studyHash, segmenter: version.segmenter, verifier: version.verifier, settingsHash: hash, settings });
              });
              counts.attributed++;
              counts[pair.role === "flip" ? "flips" : "controls"]++;
              if (outcome.record.rescueOutcome === "located") counts.located++;
              done++;
              context.emit({ type: "attributed", model: pair.model, variant: pair.variant, role: pair.role, done, total: own.length });
            });
          } finally {
            await variant.backend.close();
          }
        }
      } finally {
        await fp.backend.close();
      }
    }
    const summaries = updateKldSummaries(store, pending.studyHash, version, hash);
    const interrupted = signal.aborted;
    return {
      status: interrupted ? "interrupted" : "done",
      counts: { ...counts, summaries },
      message: `attributed ${counts.flips} flip(s) and ${counts.controls} control(s); prefix rescue located a first vulnerable step in ${counts.located}${counts.failed > 0 ? `; ${counts.failed} failed (pending again)` : ""}`,
    };
  },
};
