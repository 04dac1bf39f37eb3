/**
 * Cross-scale pair mining, as the restore stage does it for a study with two model sizes that share a
 * variant name: which models are pooled (`crossScaleGroup`, on a loaded two-model study), then the stage's
 * own pieces on a real run store — real arith training problems (loaded and leakage-checked as the stage
 * loads them), each size's fp and variant solutions stored and graded by the real grader, candidates read
 * back per model with categories from the real step verifier (`pairCandidates`), and the pooled mining.
 * No engine: the solutions are written here (fp = the gold solution; the variant gets an arithmetic slip in
 * its first step or only its final answer wrong), so which problem is a flip for which size is known.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { benchmarkNames, type Problem } from "../data/index.ts";
import { arithGold, renderSolution } from "../data/arith/index.ts";
import { gradeOne } from "../grade/index.ts";
import { QUANT_TYPES } from "../quantize/index.ts";
import { crossScaleGroup, minePairs, restoreTargets, type PairCandidate } from "../restore/index.ts";
import { generationKey, openRunStore, type GenerationRecord, type RunStore } from "../store/index.ts";
import { expandPlan, loadStudy, type Study } from "../study/index.ts";
import { projectRoot, sharedDataDir } from "../testing/paths.ts";
import type { GenerationTask } from "./generate.ts";
import { loadTrainingProblems, pairCandidates, trainingJob } from "./restoreData.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-restore-cross-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function studyText(crossScale: boolean): string {
  return `name: cross-scale
seed: 0
models:
  - name: small
    hf: ${JSON.stringify(path.join(projectRoot, "models", "reference", "hf"))}
    backend: engine
    variants:
      - { name: w2, engine: { method: rtn, w_bits: 2, group_size: 64 } }
  - name: large
    gguf: ${JSON.stringify(path.join(projectRoot, "models", "reference", "model.gguf"))}
    variants:
      - { name: w2, llamacpp: { type: Q2_K, pure: true } }
      - Q4_K_M
benchmarks:
  - name: arith
    split: test
    size: 20
prompt:
  template: testbed
restore:
  variants: [large/w2]
  train: [{ name: arith, split: train, size: 40 }]
  pairs: 12
  cross_scale: ${crossScale}
`;
}

async function load(crossScale: boolean): Promise<Study> {
  const file = path.join(scratch, `study-${crossScale}.yaml`);
  writeFileSync(file, studyText(crossScale));
  return loadStudy(file, { known: { benchmarks: benchmarkNames(), llamacppTypes: QUANT_TYPES } });
}

/** The gold solution with the first step's result off by one (an execution slip the verifier refutes). */
function slipped(problem: Problem): string {
  const gold = arithGold(problem);
  const [first, ...rest] = gold.steps;
  assert.ok(first !== undefined);
  const wrong = first.result + 1;
  return renderSolution([{ ...first, result: wrong }, ...rest], gold.answer === first.result ? wrong : gold.answer + 1);
}

/** Stores one generation per problem for a model's variant, graded by the real grader; returns the tasks. */
function storeSolutions(store: RunStore, study: Study, modelName: string, variantName: string, problems: readonly Problem[], text: (problem: Problem, index: number) => string): GenerationTask[] {
  const plan = expandPlan(study);
  const model = study.models.find((entry) => entry.name === modelName);
  const variant = plan.variants.find((entry) => entry.model === modelName && entry.variant === variantName);
  const benchmark = study.benchmarks[0];
  assert.ok(model !== undefined && variant !== undefined && benchmark !== undefined);
  const set = { benchmark: "arith", split: "train", size: problems.length, label: "arith/train", subset: { benchmark: "arith", split: "train", size: problems.length, seed: 0 } };
  const job = trainingJob(model, variant, benchmark, set as unknown as Parameters<typeof trainingJob>[3]);
  const tasks: GenerationTask[] = problems.map((problem) => {
    const prompt = `${problem.question}\n`;
    const key = generationKey({ modelIdentity: `model:${modelName}`, variantHash: variant.recipeHash, backendKind: variant.backend, backendVersion: "test", prompt, sampling: job.sampling, sampleIndex: 0 });
    return { key, job, problem, prompt };
  });
  const records: GenerationRecord[] = tasks.map((task, index) => ({
    key: task.key, model: modelName, variant: variantName, variantHash: variant.recipeHash, benchmark: task.problem.benchmark, problemId: task.problem.id, sampleIndex: 0,
    backendKind: variant.backend, backendVersion: "test", prompt: task.prompt, sampling: job.sampling,
    outcome: { status: "ok", result: { text: text(task.problem, index), finishReason: "stop", promptTokens: 10, completionTokens: 50, warnings: [] } },
  }));
  store.putGenerations(records);
  store.putGrades(tasks.map((task, index) => {
    const graded = gradeOne({ gold: task.problem.answer ?? "", output: text(task.problem, index) });
    return { generationKey: task.key, grader: "test-grader/v1", status: graded.status, extracted: graded.extracted ?? null };
  }));
  return tasks;
}

function statuses(store: RunStore, tasks: readonly GenerationTask[]): Map<string, "correct" | "wrong" | "no_answer" | "unparsable" | "timeout"> {
  return new Map(store.gradeStatuses(tasks.map((task) => task.key), "test-grader/v1").map((row) => [row.key, row.status]));
}

test("cross-scale: every size with the target's variant name is pooled; without it, the target's model alone", async () => {
  const pooled = await load(true);
  assert.ok(pooled.restore !== undefined);
  const targets = restoreTargets(pooled.restore, pooled.models);
  assert.deepEqual(targets, [{ model: "large", variant: "w2" }]);
  const target = (targets as { model: string; variant: string }[])[0] as { model: string; variant: string };
  assert.deepEqual(crossScaleGroup(pooled.restore, pooled.models, target).map((model) => model.name), ["small", "large"]);
  assert.deepEqual(crossScaleGroup(pooled.restore, pooled.models, { model: "large", variant: "Q4_K_M" }).map((model) => model.name), ["large"], "a variant only one size has pools nothing");
  const alone = await load(false);
  assert.ok(alone.restore !== undefined);
  assert.deepEqual(crossScaleGroup(alone.restore, alone.models, target).map((model) => model.name), ["large"]);
});

test("cross-scale: two sizes' flips on real training problems are mined together, each size taking turns", async () => {
  const study = await load(true);
  assert.ok(study.restore !== undefined);
  const training = await loadTrainingProblems(study, study.restore, { dataDir: sharedDataDir });
  const problems = training.sets.flatMap((entry) => entry.problems);
  assert.equal(problems.length, 40);
  assert.equal(training.leakage.leaked.length, 0, "arith's train split is disjoint from its test split");
  const store = openRunStore(path.join(scratch, "run"));
  try {
    store.putProblems(problems);
    const candidates: PairCandidate[] = [];
    // The small size's variant slips on every problem; the large one's only on every fourth, and there it
    // states a wrong final answer after correct steps (a different error than the small one's).
    const plan: Record<string, (problem: Problem, index: number) => string> = {
      small: (problem) => slipped(problem),
      large: (problem, index) => {
        const gold = arithGold(problem);
        return index % 4 === 0 ? renderSolution(gold.steps, gold.answer).replace(`\\boxed{${gold.answer}}`, `\\boxed{${gold.answer + 3}}`) : renderSolution(gold.steps, gold.answer);
      },
    };
    for (const member of crossScaleGroup(study.restore, study.models, { model: "large", variant: "w2" })) {
      const fpTasks = storeSolutions(store, study, member.name, member.baseline, problems, (problem) => renderSolution(arithGold(problem).steps, arithGold(problem).answer));
      const variantTasks = storeSolutions(store, study, member.name, "w2", problems, plan[member.name] as (problem: Problem, index: number) => string);
      candidates.push(...pairCandidates(store, member.name, "w2", fpTasks, variantTasks, statuses(store, fpTasks), statuses(store, variantTasks)));
    }
    assert.equal(candidates.length, 80, "40 problems, two sizes");
    const smallFlips = candidates.filter((candidate) => candidate.model === "small" && candidate.rejected.status !== "correct");
    const largeFlips = candidates.filter((candidate) => candidate.model === "large" && candidate.rejected.status !== "correct");
    assert.deepEqual([smallFlips.length, largeFlips.length], [40, 10]);
    assert.ok(smallFlips.every((candidate) => candidate.category === "execution" && candidate.categorySource === "step-verifier"), JSON.stringify(smallFlips.map((candidate) => candidate.category)));

    const mined = minePairs(candidates, { cap: study.restore.pairs, seed: study.restore.seed, allocation: "balanced" });
    assert.equal(mined.counts.available, 50, "the same problem is a pair for each size that missed it");
    assert.deepEqual(mined.counts.availableByModel, { small: 40, large: 10 });
    assert.equal(mined.pairs.length, 12);
    assert.ok(mined.pairs.every((pair) => pair.id === `${pair.model}/${pair.problemId}` && pair.variant === "w2"));
    // Within a category the sizes take turns, so the size with fewer flips is not drowned out: 6 and 6 of
    // 12, though the small one has four times the pairs; once the large one runs out the small one fills up.
    assert.deepEqual(mined.counts.keptByModel, { large: 6, small: 6 });
    assert.deepEqual(minePairs(candidates, { cap: 30, seed: 0 }).counts.keptByModel, { large: 10, small: 20 });
    // The same problem missed by both sizes is two pairs, one per size (one pair per problem per model).
    const both = mined.pairs.filter((pair) => pair.model === "large").map((pair) => pair.problemId);
    const all = minePairs(candidates, { cap: 545, seed: 0 });
    assert.equal(all.pairs.length, 50);
    for (const problem of both) assert.equal(all.pairs.filter((pair) => pair.problemId === problem).length, 2);
    // Pooling is only the union: each size's share under the cap is what its own candidates allow.
    const largeOnly = minePairs(candidates.filter((candidate) => candidate.model === "large"), { cap: 12, seed: 0 });
    assert.deepEqual(largeOnly.counts.keptByModel, { large: 10 });
  } finally {
    store.close();
  }
});
