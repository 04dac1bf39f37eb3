/**
 * From the validated YAML shape to a `Study`: defaults applied, study-level settings merged with model-
 * and benchmark-level overrides, paths made absolute, names derived and checked for uniqueness, and
 * every cross-field rule checked. Problems are collected, not thrown, so the loader reports them all.
 */
import path from "node:path";
import type { BackendKind } from "../backends/types.ts";
import { nameFrom, resolveStudyPath, type IssueList } from "./issues.ts";
import type { FieldPath } from "./locate.ts";
import { resolveJudges } from "../judge/config.ts";
import { resolveRestore, restoreTargets } from "../restore/config.ts";
import { BASELINE_NAME, resolveEndpoint, resolveVariant } from "./recipes.ts";
import type { AttributeInput, BenchmarkInput, ModelInput, PromptInput, RuntimeInput, SamplingInput, StudyInput } from "./schema.ts";
import { didYouMean } from "../suggest.ts";
import { PROMPT_TEMPLATES, templateNames } from "./templates.ts";
import {
  DEFAULT_ATTRIBUTE,
  STUDY_FILE_VERSION,
  type AttributeSpec,
  type BenchmarkSpec,
  type EndpointSpec,
  type KnownNames,
  type ModelSource,
  type ModelSpec,
  type PromptSpec,
  type RuntimeOptions,
  type SamplingSpec,
  type Study,
  type VariantSpec,
} from "./types.ts";

export const DEFAULT_RUNTIME: RuntimeOptions = { batchSize: 8, concurrency: 4, timeoutSeconds: 600, retries: 3, device: "auto", dtype: "auto" };
export const DEFAULT_TEMPLATE = "step-by-step";

/** A setting given at two levels: the narrower one wins field by field. */
interface Layer<T> {
  value: T | undefined;
  at: FieldPath;
}

export function resolveStudy(input: StudyInput, file: string, known: KnownNames, issues: IssueList): Study {
  const directory = path.dirname(file);
  const seed = input.seed ?? 0;
  const studyPrompt: Layer<PromptInput> = { value: input.prompt, at: ["prompt"] };
  const studyRuntime = input.runtime;

  const models = input.models.map((model, index) =>
    resolveModel(model, ["models", index], { directory, seed, known, studyPrompt, studyRuntime }, issues),
  );
  checkUnique(models.map((model, index) => ({ name: model.name, at: ["models", index, ...(input.models[index]?.name ? ["name"] : [])] })), "model", issues);

  const studySampling: Layer<SamplingInput> = { value: input.sampling, at: ["sampling"] };
  const benchmarks = input.benchmarks.map((benchmark, index) =>
    resolveBenchmark(benchmark, ["benchmarks", index], { directory, seed, known, studySampling }, issues),
  );
  checkUnique(
    benchmarks.map((benchmark, index) => ({ name: benchmark.label, at: ["benchmarks", index, ...(input.benchmarks[index]?.label ? ["label"] : [])] })),
    "benchmark label",
    issues,
  );

  const study: Study = {
    version: STUDY_FILE_VERSION,
    name: input.name ?? nameFrom(file),
    file,
    directory,
    seed,
    models,
    benchmarks,
  };
  if (input.description !== undefined) study.description = input.description;
  if (input.output !== undefined) study.output = resolveStudyPath(directory, input.output);
  if (input.judges !== undefined) study.judges = resolveJudges(input.judges, ["judges"], { directory, seed }, issues);
  if (input.attribute !== undefined) study.attribute = resolveAttribute(input.attribute, seed);
  if (input.restore !== undefined) {
    study.restore = resolveRestore(input.restore, ["restore"], { seed, benchmarks: benchmarks.map((benchmark) => benchmark.label) }, issues);
    const targets = restoreTargets(study.restore, models);
    if (typeof targets === "string") issues.add(["restore", "variants"], targets.replace(/^restore\.variants: /, ""));
  }
  return study;
}

function checkUnique(entries: { name: string; at: FieldPath }[], what: string, issues: IssueList): void {
  const seen = new Set<string>();
  for (const { name, at } of entries) {
    if (seen.has(name)) issues.add(at, `duplicate ${what} '${name}'${at[at.length - 1] === "name" || at[at.length - 1] === "label" ? "" : " (give it a name)"}`);
    seen.add(name);
  }
}

interface ModelContext {
  directory: string;
  seed: number;
  known: KnownNames;
  studyPrompt: Layer<PromptInput>;
  studyRuntime: RuntimeInput | undefined;
}

function resolveModel(input: ModelInput, at: FieldPath, context: ModelContext, issues: IssueList): ModelSpec {
  const prompt = resolvePrompt([context.studyPrompt, { value: input.prompt, at: [...at, "prompt"] }], issues);
  const defaultApi: EndpointSpec["api"] = prompt.style === "chat" ? "chat" : "completions";

  let source: ModelSource;
  if (input.endpoint !== undefined) {
    if (input.hf !== undefined || input.gguf !== undefined || input.fetched !== undefined) {
      issues.add([...at, "endpoint"], "a model is either local files (hf/gguf/fetched) or an endpoint, not both");
    }
    source = { kind: "endpoint", endpoint: resolveEndpoint(input.endpoint, [...at, "endpoint"], defaultApi, issues) };
  } else {
    if (input.hf === undefined && input.gguf === undefined && input.fetched === undefined) {
      issues.add(at, "a model needs hf (a Hugging Face directory), gguf (a file), fetched (a model `qreason models fetch` got) or endpoint");
    }
    source = { kind: "local" };
    if (input.fetched !== undefined) {
      if (input.hf !== undefined) issues.add([...at, "hf"], "give either fetched or hf: a fetched model is its Hugging Face directory");
      const hf = fetchedModelDirectory(input.fetched, [...at, "fetched"], context.known, issues);
      if (hf !== undefined) source.hf = issues.inputPath([...at, "fetched"], context.directory, hf, "directory");
    }
    if (input.hf !== undefined) source.hf = issues.inputPath([...at, "hf"], context.directory, input.hf, "directory");
    if (input.gguf !== undefined) source.gguf = issues.inputPath([...at, "gguf"], context.directory, input.gguf, "file");
  }

  const backend = input.backend ?? defaultBackend(source);
  const hasSource = source.kind === "endpoint" || source.hf !== undefined || source.gguf !== undefined;
  if (hasSource) checkBackendFitsSource(backend, source, [...at, "backend"], issues);

  const name =
    input.name ??
    (source.kind === "endpoint" ? nameFrom(source.endpoint.model) : nameFrom(input.fetched ?? source.gguf ?? source.hf ?? "model"));

  const variantContext = { directory: context.directory, modelName: name, backend, source, studySeed: context.seed, known: context.known, defaultApi };
  const variantInputs = input.variants ?? [{ name: BASELINE_NAME }];
  const variants: VariantSpec[] = [];
  const variantPaths: FieldPath[] = [];
  variantInputs.forEach((variantInput, index) => {
    const variantAt = [...at, "variants", index];
    const variant = resolveVariant(variantInput, variantAt, variantContext, issues);
    if (variant !== undefined) {
      variants.push(variant);
      variantPaths.push(variantInput.name !== undefined ? [...variantAt, "name"] : variantAt);
    }
  });
  checkUnique(variants.map((variant, index) => ({ name: variant.name, at: variantPaths[index] ?? at })), "variant", issues);

  const baseline = input.baseline ?? BASELINE_NAME;
  const baselineIndex = variants.findIndex((variant) => variant.name === baseline);
  if (baselineIndex === -1) {
    if (input.baseline === undefined) {
      variants.unshift({ name: BASELINE_NAME, recipe: { kind: "fp" } });
    } else {
      const names = variants.map((variant) => variant.name);
      issues.add([...at, "baseline"], `no variant named '${baseline}'${didYouMean(baseline, names)} (variants: ${names.join(", ")})`);
    }
  } else if (baselineIndex > 0) {
    variants.unshift(...variants.splice(baselineIndex, 1));
  }
  return { name, source, backend, baseline, variants, runtime: resolveRuntime(context.studyRuntime, input.runtime), prompt };
}

/** The HF directory of `fetched: <name>`, through the lookup the caller injected. */
function fetchedModelDirectory(name: string, at: FieldPath, known: KnownNames, issues: IssueList): string | undefined {
  if (known.fetchedModel === undefined) {
    issues.add(at, "this qreason cannot look up fetched models here; give the model's hf directory instead");
    return undefined;
  }
  const found = known.fetchedModel(name);
  if ("problem" in found) {
    issues.add(at, found.problem);
    return undefined;
  }
  return found.hf;
}

function defaultBackend(source: ModelSource): BackendKind {
  if (source.kind === "endpoint") return "openai";
  return source.gguf !== undefined ? "llamacpp" : "engine";
}

function checkBackendFitsSource(backend: BackendKind, source: ModelSource, at: FieldPath, issues: IssueList): void {
  if (backend === "openai" && source.kind !== "endpoint") issues.add(at, "the openai backend talks to an endpoint: give the model an 'endpoint'");
  if (backend !== "openai" && source.kind === "endpoint") issues.add(at, `an endpoint model runs on the openai backend, not '${backend}'`);
  if (backend === "engine" && source.kind === "local" && source.hf === undefined) {
    issues.add(at, "the engine backend loads a Hugging Face directory: give the model an 'hf' path");
  }
}

function resolveRuntime(study: RuntimeInput | undefined, model: RuntimeInput | undefined): RuntimeOptions {
  const merged = { ...study, ...model };
  const runtime: RuntimeOptions = {
    batchSize: merged.batch_size ?? DEFAULT_RUNTIME.batchSize,
    concurrency: merged.concurrency ?? DEFAULT_RUNTIME.concurrency,
    timeoutSeconds: merged.timeout_s ?? DEFAULT_RUNTIME.timeoutSeconds,
    retries: merged.retries ?? DEFAULT_RUNTIME.retries,
    device: merged.device ?? DEFAULT_RUNTIME.device,
    dtype: merged.dtype ?? DEFAULT_RUNTIME.dtype,
  };
  if (merged.threads !== undefined) runtime.threads = merged.threads;
  if (merged.context_size !== undefined) runtime.contextSize = merged.context_size;
  return runtime;
}

/** Template defaults, then each layer's overrides; the narrowest layer naming a template picks it. */
function resolvePrompt(layers: Layer<PromptInput>[], issues: IssueList): PromptSpec {
  let templateName = DEFAULT_TEMPLATE;
  for (const layer of layers) {
    const name = layer.value?.template;
    if (name === undefined) continue;
    if (PROMPT_TEMPLATES[name] === undefined) {
      issues.add([...layer.at, "template"], `unknown prompt template '${name}'${didYouMean(name, templateNames())} (built-in: ${templateNames().join(", ")})`);
    } else {
      templateName = name;
    }
  }
  const template = PROMPT_TEMPLATES[templateName] ?? PROMPT_TEMPLATES[DEFAULT_TEMPLATE];
  if (template === undefined) throw new Error(`the default prompt template '${DEFAULT_TEMPLATE}' is missing`);
  const prompt: PromptSpec = {
    template: templateName,
    style: template.style,
    instruction: template.instruction,
    user: template.user,
    fewShot: 0,
    fewShotSplit: "train",
    ...(template.stop !== undefined ? { stop: [...template.stop] } : {}),
  };
  let system: string | null | undefined = template.system;
  for (const { value, at } of layers) {
    if (value === undefined) continue;
    if (value.style !== undefined) prompt.style = value.style;
    if (value.system !== undefined) system = value.system;
    if (value.instruction !== undefined) prompt.instruction = value.instruction;
    if (value.user !== undefined) {
      if (!value.user.includes("{question}")) issues.add([...at, "user"], "the user format must contain {question}");
      prompt.user = value.user;
    }
    if (value.few_shot !== undefined) prompt.fewShot = value.few_shot;
    if (value.few_shot_split !== undefined) prompt.fewShotSplit = value.few_shot_split;
    if (value.examples !== undefined) prompt.examples = value.examples;
    if (value.stop !== undefined) prompt.stop = typeof value.stop === "string" ? [value.stop] : [...value.stop];
  }
  if (system !== undefined && system !== null && system !== "") prompt.system = system;
  return prompt;
}

interface BenchmarkContext {
  directory: string;
  seed: number;
  known: KnownNames;
  studySampling: Layer<SamplingInput>;
}

const JSONL_PREFIX = "jsonl:";

function resolveBenchmark(input: BenchmarkInput, at: FieldPath, context: BenchmarkContext, issues: IssueList): BenchmarkSpec {
  let name = input.name;
  let file = input.file;
  if (name?.startsWith(JSONL_PREFIX)) {
    file = name.slice(JSONL_PREFIX.length);
    name = undefined;
    if (input.file !== undefined) issues.add([...at, "file"], "give either name: jsonl:<path> or file, not both");
  }
  if (name !== undefined && file !== undefined) issues.add([...at, "file"], "a benchmark is either a registered name or a JSONL file, not both");
  if (name === undefined && file === undefined) issues.add(at, "a benchmark needs a name (e.g. gsm8k) or a file (a JSONL of problems)");
  if (name !== undefined && context.known.benchmarks !== undefined && !context.known.benchmarks.includes(name)) {
    const names = context.known.benchmarks;
    issues.add([...at, "name"], `unknown benchmark '${name}'${didYouMean(name, names)} (known: ${names.join(", ")}, or a file)`);
  }
  if (input.mapping !== undefined && file === undefined) issues.add([...at, "mapping"], "mapping names the fields of a JSONL file; this benchmark has no file");

  const fileAt = input.file !== undefined ? [...at, "file"] : [...at, "name"];
  const benchmark = file !== undefined ? `${JSONL_PREFIX}${issues.inputPath(fileAt, context.directory, file, "file")}` : (name ?? "");
  const subset: BenchmarkSpec["subset"] = { benchmark, seed: input.seed ?? context.seed };
  if (input.split !== undefined) subset.split = input.split;
  if (input.size !== undefined) subset.size = input.size;
  if (input.levels !== undefined) subset.levels = [...new Set(input.levels)].sort((left, right) => left - right);
  if (input.subjects !== undefined) subset.subjects = input.subjects;
  if (input.mapping !== undefined) {
    const { question, answer, id, solution } = input.mapping;
    subset.mapping = {
      ...(question !== undefined ? { questionField: question } : {}),
      ...(answer !== undefined ? { answerField: answer } : {}),
      ...(id !== undefined ? { idField: id } : {}),
      ...(solution !== undefined ? { solutionField: solution } : {}),
    };
  }
  const sampling = resolveSampling([context.studySampling, { value: input.sampling, at: [...at, "sampling"] }], context.seed, issues);
  return { label: input.label ?? (file !== undefined ? nameFrom(file) : (name ?? "benchmark")), subset, sampling };
}

export const DEFAULT_SAMPLING: Omit<SamplingSpec, "seed"> = { temperature: 0, topP: 1, topK: 0, maxTokens: 1024, n: 1, stop: [] };

function resolveSampling(layers: Layer<SamplingInput>[], seed: number, issues: IssueList): SamplingSpec {
  const sampling: SamplingSpec = { ...DEFAULT_SAMPLING, stop: [], seed };
  let nAt: FieldPath | undefined;
  for (const { value, at } of layers) {
    if (value === undefined) continue;
    if (value.temperature !== undefined) sampling.temperature = value.temperature;
    if (value.top_p !== undefined) sampling.topP = value.top_p;
    if (value.top_k !== undefined) sampling.topK = value.top_k;
    if (value.max_tokens !== undefined) sampling.maxTokens = value.max_tokens;
    if (value.n !== undefined) {
      sampling.n = value.n;
      nAt = [...at, "n"];
    }
    if (value.seed !== undefined) sampling.seed = value.seed;
    if (value.stop !== undefined) sampling.stop = typeof value.stop === "string" ? [value.stop] : value.stop;
  }
  if (sampling.n > 1 && sampling.temperature === 0 && nAt !== undefined) {
    issues.add(nAt, `n: ${sampling.n} samples at temperature 0 are ${sampling.n} copies of the greedy answer; set temperature > 0 (e.g. 0.6)`);
  }
  return sampling;
}

function resolveAttribute(input: AttributeInput, seed: number): AttributeSpec {
  return {
    controls: input.controls ?? DEFAULT_ATTRIBUTE.controls,
    topK: input.top_k ?? DEFAULT_ATTRIBUTE.topK,
    marginThreshold: input.margin_threshold ?? DEFAULT_ATTRIBUTE.marginThreshold,
    rescue: input.rescue ?? DEFAULT_ATTRIBUTE.rescue,
    mirror: input.mirror ?? DEFAULT_ATTRIBUTE.mirror,
    ...(input.max_flips !== undefined ? { maxFlips: input.max_flips } : {}),
    seed,
  };
}
