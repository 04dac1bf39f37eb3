/**
 * Judge configuration: a study's `judges:` block or a `judges.yaml` file (same shape, schema in
 * src/study/schema.ts), resolved into a `PanelSpec` with every default filled in and every path absolute.
 *
 * A judge is an OpenAI-compatible endpoint (base URL, model, and the NAME of the environment variable
 * holding its key; the CLI reads the variable, and keys are never written to disk or logs) or a local
 * model (a GGUF on llama.cpp, a Hugging Face directory on the engine).
 *
 * ```yaml
 * judges:
 *   baseline: r1
 *   members:
 *     - name: r1
 *       endpoint: { base_url: https://api.example.com/v1, model: deepseek-reasoner, api_key_env: DEEPSEEK_API_KEY }
 *       price: { input_per_mtok: 0.55, output_per_mtok: 2.19 }
 *     - name: smol
 *       llamacpp: { gguf: models/smollm2-135m-instruct.gguf }
 *   audit: { rate: 0.02, seed: 7 }
 *   position_bias: { probes: 20 }     # pairs shown in both orders to the baseline judge (0: off)
 * ```
 */
import type { SamplingParams } from "../backends/types.ts";
import type { IssueList } from "../study/issues.ts";
import type { FieldPath } from "../study/locate.ts";
import { resolveEndpoint } from "../study/recipes.ts";
import type { JudgeMemberInput, JudgesInput, SamplingInput } from "../study/schema.ts";
import type { EndpointSpec } from "../study/types.ts";
import { DEFAULT_AUDIT_RATE } from "./audit.ts";
import { DEFAULT_POSITION_PROBES } from "./positionBias.ts";
import type { Price } from "./usage.ts";

export type JudgeSource =
  | { kind: "endpoint"; endpoint: EndpointSpec }
  | { kind: "llamacpp"; gguf: string; contextSize?: number; threads?: number }
  | { kind: "engine"; hf: string; device: "auto" | "cpu" | "cuda"; dtype: "auto" | "bf16" | "fp16" | "fp32" };

export interface JudgeSpec {
  name: string;
  source: JudgeSource;
  /** Send the verdict's JSON Schema as the response format. */
  structured: boolean;
  /** Attempts in all: 1 + retries after invalid replies. */
  maxAttempts: number;
  sampling: SamplingParams;
  price?: Price;
  /** Longest explanation a constrained decoder may write (see ModelJudgeOptions.explanationChars). */
  explanationChars?: number;
}

export interface PanelSpec {
  members: JudgeSpec[];
  baseline: string;
  audit: { rate: number; seed: number };
  /** The deterministic step verifier votes (certain on execution errors). */
  verifier: boolean;
  /** Judge calls in flight at once. */
  concurrency: number;
  /** Pairs of the position-bias check (`position_bias.probes`; 0: off; default DEFAULT_POSITION_PROBES). */
  positionProbes?: number;
}

export const DEFAULT_JUDGE_RETRIES = 2;
/** Judges think before they answer: a larger budget than a solution's, greedy by default. */
export const DEFAULT_JUDGE_SAMPLING: Omit<SamplingParams, "seed"> = { temperature: 0, topP: 1, topK: 0, maxTokens: 2048, stop: [] };

export interface JudgeContext {
  /** Relative paths are resolved against this folder (the study's or the judges file's). */
  directory: string;
  seed: number;
}

export function resolveJudges(input: JudgesInput, at: FieldPath, context: JudgeContext, issues: IssueList): PanelSpec {
  const members = input.members.map((member, index) => resolveMember(member, [...at, "members", index], input, context, issues));
  const seen = new Set<string>();
  input.members.forEach((member, index) => {
    if (seen.has(member.name)) issues.add([...at, "members", index, "name"], `duplicate judge '${member.name}'`);
    seen.add(member.name);
  });
  const baseline = input.baseline ?? (input.members[0]?.name as string);
  if (input.baseline !== undefined && !seen.has(input.baseline)) {
    issues.add([...at, "baseline"], `no judge named '${input.baseline}' (judges: ${[...seen].join(", ")})`);
  }
  return {
    members,
    baseline,
    audit: { rate: input.audit?.rate ?? DEFAULT_AUDIT_RATE, seed: input.audit?.seed ?? context.seed },
    verifier: input.verifier ?? true,
    concurrency: input.concurrency ?? 2,
    positionProbes: input.position_bias?.probes ?? DEFAULT_POSITION_PROBES,
  };
}

function resolveMember(input: JudgeMemberInput, at: FieldPath, panel: JudgesInput, context: JudgeContext, issues: IssueList): JudgeSpec {
  const sources = (["endpoint", "llamacpp", "engine"] as const).filter((key) => input[key] !== undefined);
  if (sources.length === 0) issues.add(at, "a judge needs endpoint (an OpenAI-compatible server), llamacpp (a GGUF) or engine (a Hugging Face directory)");
  if (sources.length > 1) issues.add([...at, sources[1] as string], `a judge has one source; this one has ${sources.join(" and ")}`);
  let source: JudgeSource;
  if (input.endpoint !== undefined) {
    source = { kind: "endpoint", endpoint: resolveEndpoint(input.endpoint, [...at, "endpoint"], "chat", issues) };
    if (source.endpoint.api !== "chat") issues.add([...at, "endpoint", "api"], "judges talk in chat messages: use api: chat (or leave it out)");
  } else if (input.llamacpp !== undefined) {
    source = { kind: "llamacpp", gguf: issues.inputPath([...at, "llamacpp", "gguf"], context.directory, input.llamacpp.gguf, "file") };
    if (input.llamacpp.context_size !== undefined) source.contextSize = input.llamacpp.context_size;
    if (input.llamacpp.threads !== undefined) source.threads = input.llamacpp.threads;
  } else {
    const engine = input.engine ?? { hf: "" };
    source = {
      kind: "engine",
      hf: issues.inputPath([...at, "engine", "hf"], context.directory, engine.hf, "directory"),
      device: engine.device ?? "auto",
      dtype: engine.dtype ?? "auto",
    };
  }
  const spec: JudgeSpec = {
    name: input.name,
    source,
    structured: input.structured ?? true,
    maxAttempts: 1 + (input.retries ?? panel.retries ?? DEFAULT_JUDGE_RETRIES),
    sampling: resolveSampling([panel.sampling, input.sampling], context.seed, [...at, "sampling"], issues),
  };
  const explanationChars = input.explanation_chars ?? panel.explanation_chars;
  if (explanationChars !== undefined) spec.explanationChars = explanationChars;
  if (input.price !== undefined) spec.price = { inputPerMTok: input.price.input_per_mtok, outputPerMTok: input.price.output_per_mtok };
  return spec;
}

function resolveSampling(layers: (SamplingInput | undefined)[], seed: number, at: FieldPath, issues: IssueList): SamplingParams {
  const sampling: SamplingParams = { ...DEFAULT_JUDGE_SAMPLING, stop: [], seed };
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (layer.temperature !== undefined) sampling.temperature = layer.temperature;
    if (layer.top_p !== undefined) sampling.topP = layer.top_p;
    if (layer.top_k !== undefined) sampling.topK = layer.top_k;
    if (layer.max_tokens !== undefined) sampling.maxTokens = layer.max_tokens;
    if (layer.seed !== undefined) sampling.seed = layer.seed;
    if (layer.stop !== undefined) sampling.stop = typeof layer.stop === "string" ? [layer.stop] : layer.stop;
    if (layer.n !== undefined && layer.n !== 1) issues.add([...at, "n"], "a judge gives one verdict per call: leave n out");
  }
  return sampling;
}

/** Environment variables the panel's endpoints need (the CLI checks them before any call). */
export function requiredKeyVariables(panel: PanelSpec): string[] {
  return [...new Set(panel.members.flatMap((member) => (member.source.kind === "endpoint" && member.source.endpoint.apiKeyEnv ? [member.source.endpoint.apiKeyEnv] : [])))];
}
