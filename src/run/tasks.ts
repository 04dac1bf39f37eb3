/**
 * The questions a run asks: problems per benchmark, prompts per model, and each variant's generation
 * tasks with their content-hashed keys (src/store keys.ts). Keys need the backend's facts (model identity
 * and version), which is why tasks are built per variant once those are known.
 */
import type { ChatMessage } from "../backends/index.ts";
import type { Problem } from "../data/index.ts";
import { generationKey } from "../store/index.ts";
import type { BenchmarkSpec, FewShotExample, ModelSpec, Plan, PlannedVariant, Study } from "../study/index.ts";
import { renderPrompt, variantHash } from "../study/index.ts";
import type { BackendFacts } from "./fingerprint.ts";
import type { GenerationTask } from "./generate.ts";
import { fewShotExamples, resolveProblems, type ProblemSourceOptions } from "./problems.ts";

export class TaskBook {
  private readonly study: Study;
  private readonly plan: Plan;
  private readonly source: ProblemSourceOptions;
  /** Problems per benchmark label. */
  readonly problems = new Map<string, Problem[]>();
  private readonly examples = new Map<string, FewShotExample[]>();
  private readonly prompts = new Map<string, (string | ChatMessage[])[]>();

  constructor(study: Study, plan: Plan, source: ProblemSourceOptions) {
    this.study = study;
    this.plan = plan;
    this.source = source;
  }

  /**
   * Loads every benchmark's problems and every model's few-shot examples. A problem whose question repeats
   * an earlier one is dropped (with a warning): its prompt, and so its generation key, would be the same,
   * and one generation cannot be graded against two problems.
   */
  async load(warn: (message: string) => void = () => undefined): Promise<void> {
    for (const benchmark of this.study.benchmarks) {
      const seen = new Map<string, string>();
      const unique = (await resolveProblems(benchmark.subset, this.source)).filter((problem) => {
        const first = seen.get(problem.question);
        if (first === undefined) {
          seen.set(problem.question, problem.id);
          return true;
        }
        warn(`${benchmark.label}: problem ${problem.id} asks the same question as ${first}; it is left out`);
        return false;
      });
      this.problems.set(benchmark.label, unique);
      for (const model of this.study.models) {
        this.examples.set(`${model.name}\0${benchmark.label}`, await fewShotExamples(benchmark.subset, model.prompt, this.source));
      }
    }
  }

  allProblems(): Problem[] {
    return [...this.problems.values()].flat();
  }

  benchmark(label: string): BenchmarkSpec {
    const benchmark = this.study.benchmarks.find((candidate) => candidate.label === label);
    if (benchmark === undefined) throw new Error(`no benchmark labelled ${label}`);
    return benchmark;
  }

  private promptsFor(model: ModelSpec, label: string): (string | ChatMessage[])[] {
    const cacheKey = `${model.name}\0${label}`;
    let prompts = this.prompts.get(cacheKey);
    if (prompts === undefined) {
      const examples = this.examples.get(cacheKey) ?? [];
      prompts = (this.problems.get(label) ?? []).map((problem) => renderPrompt(model.prompt, problem.question, examples));
      this.prompts.set(cacheKey, prompts);
    }
    return prompts;
  }

  /**
   * The recipe hash a generation key holds. An endpoint variant's recipe lists its base URLs; the key leaves
   * them out (the model name stays), so moving a server or adding one to fan out to asks nothing again.
   */
  static keyVariantHash(variant: PlannedVariant): string {
    const recipe = variant.recipe;
    if (recipe.kind !== "endpoint") return variant.recipeHash;
    const { baseUrls: _urls, apiKeyEnv: _key, ...endpoint } = recipe.endpoint;
    return variantHash({ kind: "endpoint", endpoint: { ...endpoint, baseUrls: [] } });
  }

  /** Tasks of one variant, in plan order (benchmark, sample, problem), keyed with `facts`. */
  tasksFor(model: ModelSpec, variant: PlannedVariant, facts: BackendFacts): GenerationTask[] {
    const tasks: GenerationTask[] = [];
    const keyHash = TaskBook.keyVariantHash(variant);
    for (const job of this.plan.jobs) {
      if (job.model !== variant.model || job.variant !== variant.variant) continue;
      const problems = this.problems.get(job.benchmark) ?? [];
      const prompts = this.promptsFor(model, job.benchmark);
      problems.forEach((problem, index) => {
        const prompt = prompts[index] as string | ChatMessage[];
        const key = generationKey({
          modelIdentity: facts.modelIdentity,
          variantHash: keyHash,
          backendKind: variant.backend,
          backendVersion: facts.backendVersion,
          prompt,
          sampling: job.sampling,
          sampleIndex: job.sampleIndex,
        });
        tasks.push({ key, job, problem, prompt });
      });
    }
    return tasks;
  }
}
