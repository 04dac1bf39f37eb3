/**
 * Variants: from what the user wrote to a resolved recipe, with the rules that tie a variant to its
 * model's backend and each engine method's own defaults and fields.
 */
import type { BackendKind } from "../backends/types.ts";
import type { IssueList } from "./issues.ts";
import type { FieldPath } from "./locate.ts";
import type { EndpointInput, EngineRecipeInput, VariantInput } from "./schema.ts";
import { ENGINE_DEFAULTS, defaultSymmetric } from "./engineDefaults.ts";
import { didYouMean } from "../suggest.ts";
import type { EndpointSpec, EngineRecipe, KnownNames, ModelSource, VariantRecipe, VariantSpec } from "./types.ts";

export const BASELINE_NAME = "fp";

/** Which backends can run a variant of each kind. */
const BACKENDS_FOR: Record<VariantRecipe["kind"], readonly BackendKind[]> = {
  fp: ["llamacpp", "engine", "openai"],
  llamacpp: ["llamacpp"],
  engine: ["engine"],
  // An existing HF directory runs on the engine, or on llama.cpp after qreason exports it to GGUF.
  hf: ["engine", "llamacpp"],
  gguf: ["llamacpp"],
  endpoint: ["openai"],
};

const NEEDS_CALIBRATION = new Set(["gptq", "awq", "smoothquant"]);
const METHOD_FIELDS: Record<string, readonly (keyof EngineRecipeInput)[]> = {
  gptq: ["damp", "act_order", "block_size"],
  awq: ["clip", "grid"],
  smoothquant: ["alpha"],
};

/** Plausible llama.cpp type names, for when no registry of them was given to the loader. */
const LLAMACPP_TYPE_PATTERN = /^(I?Q[1-8](_[0-9A-Z]+)*|F16|BF16|F32)$/;

export interface VariantContext {
  directory: string;
  modelName: string;
  backend: BackendKind;
  source: ModelSource;
  studySeed: number;
  known: KnownNames;
  /** Default API for endpoint variants (follows the prompt style). */
  defaultApi: EndpointSpec["api"];
}

export function resolveEndpoint(input: EndpointInput, at: FieldPath, defaultApi: EndpointSpec["api"], issues: IssueList): EndpointSpec {
  if (input.base_url !== undefined && input.base_urls !== undefined) {
    issues.add([...at, "base_urls"], "give either base_url or base_urls, not both");
  }
  const baseUrls = input.base_urls ?? (input.base_url !== undefined ? [input.base_url] : []);
  if (baseUrls.length === 0) issues.add(at, "an endpoint needs base_url (or base_urls to fan out across several servers)");
  const endpoint: EndpointSpec = { baseUrls: baseUrls.map((url) => url.replace(/\/+$/, "")), model: input.model, api: input.api ?? defaultApi };
  if (input.api_key_env !== undefined) endpoint.apiKeyEnv = input.api_key_env;
  return endpoint;
}

export function resolveVariant(input: VariantInput, at: FieldPath, context: VariantContext, issues: IssueList): VariantSpec | undefined {
  const sources = (["llamacpp", "engine", "hf", "gguf", "endpoint"] as const).filter((key) => input[key] !== undefined);
  if (sources.length > 1) {
    issues.add([...at, sources[1] as string], `a variant has one source; this one has ${sources.join(" and ")}`);
    return undefined;
  }
  const recipe = variantRecipe(input, at, context, issues);
  if (recipe === undefined) return undefined;

  const allowed = BACKENDS_FOR[recipe.kind];
  if (!allowed.includes(context.backend)) {
    const where = sources[0] ? [...at, sources[0]] : at;
    issues.add(where, `${describeKind(recipe.kind)} cannot run on the model's '${context.backend}' backend (needs ${allowed.join(" or ")})`);
    return undefined;
  }
  if (input.kv_cache !== undefined && context.backend !== "llamacpp") {
    issues.add([...at, "kv_cache"], "kv_cache sets llama.cpp's KV-cache type; on the engine use an engine recipe with kv_bits");
  }
  if (recipe.kind === "engine" && context.source.kind === "local" && context.source.hf === undefined) {
    issues.add([...at, "engine"], "engine recipes quantize a Hugging Face directory: give the model an 'hf' path");
  }

  if (context.known.variantFit !== undefined && context.source.kind === "local") {
    for (const problem of context.known.variantFit({ name: context.modelName, source: context.source }, recipe)) {
      issues.add([...at, ...problem.field], problem.message);
    }
  }

  const explicitName = input.name;
  if (explicitName === BASELINE_NAME && recipe.kind !== "fp") {
    issues.add([...at, "name"], "the name 'fp' is reserved for the unquantized baseline");
  }
  if (explicitName === undefined && (recipe.kind === "hf" || recipe.kind === "gguf" || recipe.kind === "endpoint")) {
    issues.add(at, `a ${recipe.kind} variant needs a name (it cannot be derived from a recipe)`);
    return undefined;
  }
  return { name: explicitName ?? defaultVariantName(recipe), recipe };
}

function describeKind(kind: VariantRecipe["kind"]): string {
  const descriptions: Record<VariantRecipe["kind"], string> = {
    fp: "the fp baseline",
    llamacpp: "a llama.cpp quantization type",
    engine: "an engine recipe",
    hf: "an existing HF directory",
    gguf: "an existing GGUF file",
    endpoint: "an endpoint variant",
  };
  return descriptions[kind];
}

function variantRecipe(input: VariantInput, at: FieldPath, context: VariantContext, issues: IssueList): VariantRecipe | undefined {
  const kvCache = input.kv_cache;
  const withKv = <T extends object>(recipe: T): T & { kvCache?: typeof kvCache } => (kvCache === undefined ? recipe : { ...recipe, kvCache });
  if (input.llamacpp !== undefined) {
    const type = llamacppType(input.llamacpp.type, input.llamacpp.imatrix !== undefined, [...at, "llamacpp"], context.known, issues);
    const imatrix = input.llamacpp.imatrix === undefined ? {} : { imatrix: issues.inputPath([...at, "llamacpp", "imatrix"], context.directory, input.llamacpp.imatrix, "file") };
    const pure = input.llamacpp.pure === true ? { pure: true } : {};
    // A permission, not a different recipe: only its presence enters the hash (so studies without it keep theirs).
    const allowFallback = input.llamacpp.allow_fallback === true ? { allowFallback: true } : {};
    return withKv({ kind: "llamacpp" as const, type, ...imatrix, ...pure, ...allowFallback });
  }
  if (input.engine !== undefined) {
    return { kind: "engine", recipe: engineRecipe(input.engine, [...at, "engine"], context, issues) };
  }
  if (input.hf !== undefined) return withKv({ kind: "hf" as const, path: issues.inputPath([...at, "hf"], context.directory, input.hf, "directory") });
  if (input.gguf !== undefined) return withKv({ kind: "gguf" as const, path: issues.inputPath([...at, "gguf"], context.directory, input.gguf, "file") });
  if (input.endpoint !== undefined) {
    return { kind: "endpoint", endpoint: resolveEndpoint(input.endpoint, [...at, "endpoint"], context.defaultApi, issues) };
  }
  return withKv({ kind: "fp" as const });
}

function llamacppType(written: string, hasImatrix: boolean, at: FieldPath, known: KnownNames, issues: IssueList): string {
  const type = written.trim().toUpperCase();
  if (known.llamacppTypes === undefined) {
    if (!LLAMACPP_TYPE_PATTERN.test(type)) issues.add([...at, "type"], `'${written}' is not a llama.cpp quantization type (e.g. Q8_0, Q4_K_M, IQ3_XXS)`);
    return type;
  }
  const entry = known.llamacppTypes.find((candidate) => candidate.name.toUpperCase() === type);
  if (entry === undefined) {
    const names = known.llamacppTypes.map((candidate) => candidate.name);
    issues.add([...at, "type"], `unknown llama.cpp type '${written}'${didYouMean(written, names)} (known: ${names.join(", ")})`);
    return type;
  }
  if (entry.imatrix === "required" && !hasImatrix) {
    issues.add([...at, "type"], `${entry.name} needs an importance matrix: write { type: ${entry.name}, imatrix: path/to/imatrix.dat }`);
  }
  return entry.name;
}

function engineRecipe(input: EngineRecipeInput, at: FieldPath, context: VariantContext, issues: IssueList): EngineRecipe {
  const { method } = input;
  for (const [owner, fields] of Object.entries(METHOD_FIELDS)) {
    if (owner === method) continue;
    for (const field of fields) {
      if (input[field] !== undefined) issues.add([...at, field], `'${field}' is a ${owner} setting; this recipe's method is ${method}`);
    }
  }
  const recipe: EngineRecipe = { method, exclude: input.exclude ?? ["lm_head"] };
  if (input.include !== undefined) recipe.include = input.include;

  if (method === "none") {
    for (const field of ["w_bits", "group_size", "sym"] as const) {
      if (input[field] !== undefined) issues.add([...at, field], `method 'none' leaves the weights alone; remove '${field}'`);
    }
    if (input.a_bits === undefined && input.kv_bits === undefined) {
      issues.add([...at, "method"], "method 'none' needs a runtime scheme: a_bits or kv_bits");
    }
  } else if (method === "smoothquant") {
    if (input.w_bits !== undefined && input.w_bits !== 8) issues.add([...at, "w_bits"], "smoothquant is W8A8: w_bits must be 8");
    if (input.group_size !== undefined && input.group_size !== -1) {
      issues.add([...at, "group_size"], "smoothquant quantizes weights per output channel: group_size must be -1");
    }
    const smooth = ENGINE_DEFAULTS.smoothquant;
    Object.assign(recipe, { w_bits: smooth.wBits, group_size: smooth.groupSize, sym: input.sym ?? defaultSymmetric(method), a_bits: smooth.aBits, alpha: input.alpha ?? smooth.alpha });
  } else {
    if (input.w_bits === undefined) issues.add([...at, "w_bits"], `${method} needs w_bits (2, 3, 4 or 8)`);
    Object.assign(recipe, {
      w_bits: input.w_bits ?? 4,
      group_size: input.group_size ?? ENGINE_DEFAULTS.groupSize,
      sym: input.sym ?? defaultSymmetric(method),
    });
    if (input.a_bits !== undefined) recipe.a_bits = input.a_bits;
    const { gptq, awq } = ENGINE_DEFAULTS;
    if (method === "gptq") {
      Object.assign(recipe, { damp: input.damp ?? gptq.damp, act_order: input.act_order ?? gptq.actOrder, block_size: input.block_size ?? gptq.blockSize });
      const group = recipe.group_size ?? -1;
      if (group !== -1 && (recipe.block_size ?? gptq.blockSize) % group !== 0) {
        issues.add([...at, input.block_size !== undefined ? "block_size" : "group_size"], `GPTQ processes columns in blocks of ${recipe.block_size}, which group_size ${group} must divide`);
      }
    }
    if (method === "awq") Object.assign(recipe, { clip: input.clip ?? awq.clip, grid: input.grid ?? awq.grid });
  }
  if (input.kv_bits !== undefined) recipe.kv_bits = input.kv_bits;
  if (input.kv_group_size !== undefined) {
    if (input.kv_bits === undefined || input.kv_bits === "fp8_e4m3") {
      issues.add([...at, "kv_group_size"], "kv_group_size applies to integer kv_bits (8 or 4)");
    }
    recipe.kv_group_size = input.kv_group_size;
  }

  const calibration = input.calibration;
  if (NEEDS_CALIBRATION.has(method)) {
    if (calibration === undefined) {
      issues.add(at, `${method} needs calibration data: calibration: { benchmark: gsm8k, split: train } or { file: calib.txt }`);
    } else {
      if ((calibration.benchmark === undefined) === (calibration.file === undefined)) {
        issues.add([...at, "calibration"], "calibration takes either a benchmark (with split) or a file");
      }
      if (calibration.split !== undefined && calibration.benchmark === undefined) {
        issues.add([...at, "calibration", "split"], "split belongs with a calibration benchmark");
      }
      recipe.calibration = {
        ...(calibration.benchmark !== undefined ? { benchmark: calibration.benchmark, split: calibration.split ?? "train" } : {}),
        ...(calibration.file !== undefined ? { file: issues.inputPath([...at, "calibration", "file"], context.directory, calibration.file, "file") } : {}),
        samples: calibration.samples ?? ENGINE_DEFAULTS.calibration.samples,
        seq_len: calibration.seq_len ?? ENGINE_DEFAULTS.calibration.seqLen,
        seed: calibration.seed ?? context.studySeed,
      };
    }
  } else if (calibration !== undefined) {
    issues.add([...at, "calibration"], `${method} uses no calibration data; remove 'calibration'`);
  }
  return recipe;
}

/** `Q4_K_M`, `Q4_K_M-imatrix`, `Q2_K-pure`, `gptq-w4-g128`, `smoothquant-w8a8`, `rtn-w4-g128-kv8`, `fp-kv-q8_0`. */
export function defaultVariantName(recipe: VariantRecipe): string {
  const kv = "kvCache" in recipe && recipe.kvCache !== undefined ? `-kv-${recipe.kvCache.toLowerCase()}` : "";
  switch (recipe.kind) {
    case "fp":
      return `${BASELINE_NAME}${kv}`;
    case "llamacpp":
      return `${recipe.type}${recipe.pure === true ? "-pure" : ""}${recipe.imatrix !== undefined ? "-imatrix" : ""}${kv}`;
    case "engine": {
      const engine = recipe.recipe;
      const parts: string[] = [engine.method];
      if (engine.method === "smoothquant") parts.push("w8a8");
      else if (engine.w_bits !== undefined) {
        parts.push(`w${engine.w_bits}${engine.a_bits !== undefined ? `a${engine.a_bits}` : ""}`);
        parts.push(engine.group_size === -1 ? "channel" : `g${engine.group_size}`);
      } else if (engine.a_bits !== undefined) parts.push(`a${engine.a_bits}`);
      if (engine.kv_bits !== undefined) parts.push(engine.kv_bits === "fp8_e4m3" ? "kvfp8" : `kv${engine.kv_bits}`);
      return parts.join("-");
    }
    default:
      // hf, gguf and endpoint variants must be named by the user.
      return recipe.kind;
  }
}
