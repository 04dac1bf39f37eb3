/**
 * What each variant runs on: the file, folder or endpoint a backend loads, made when missing.
 *
 * - llama.cpp types: the model's float GGUF (exported from its HF folder when it has only that) through
 *   llama.cpp's quantizer (src/quantize), into `<run>/artifacts/<model>/`.
 * - engine recipes: `qreason-engine quantize` on the model's HF folder, into a variant folder there.
 * - existing GGUF files / HF folders and endpoints: used as they are.
 *
 * Made artifacts are cached by recipe hash and checked against the stamps (size, mtime) of what they were
 * made from, recorded in a sidecar: a changed source makes them again; a half-written one never counts
 * (each maker writes to a temporary name and renames at the end).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { exportGguf } from "../gguf/index.ts";
import { QreasonError } from "../errors.ts";
import { quantizeGguf } from "../quantize/index.ts";
import type { EndpointSpec, KvCacheType, ModelSpec, PlannedVariant } from "../study/index.ts";
import { toEngineRecipe, type CalibrationFile } from "./engineRecipe.ts";
import { fingerprint, stampsOf } from "./fingerprint.ts";

export type Artifact =
  | { kind: "gguf"; path: string }
  | { kind: "hf"; path: string }
  | { kind: "endpoint"; endpoint: EndpointSpec };

export interface PreparedVariant {
  artifact: Artifact;
  kvCache?: KvCacheType;
  /** The quantizer's manifest (qreason-quant.json), when qreason made the artifact. */
  manifest?: unknown;
  /** True when this run made the artifact (false: cached or given). */
  made: boolean;
}

export interface ArtifactOptions {
  runDirectory: string;
  /** Python interpreter of the engine. */
  python: string;
  /** Working folder for engine processes. */
  projectRoot: string;
  /** Makes the calibration file an engine recipe names (from a benchmark split or a user file). */
  calibrationFile: (variant: PlannedVariant) => Promise<CalibrationFile | undefined>;
  onProgress?: (message: string, done?: number, total?: number) => void;
  signal?: AbortSignal;
}

interface Sidecar {
  schema: "qreason-artifact/v1";
  recipeHash: string;
  sourceFingerprint: string;
}

const shortHash = (hash: string): string => hash.slice(hash.lastIndexOf(":") + 1, hash.lastIndexOf(":") + 13);
const sidecarPath = (artifact: string): string => `${artifact}.qreason-source.json`;

function artifactFolder(options: ArtifactOptions, model: ModelSpec): string {
  return path.join(options.runDirectory, "artifacts", model.name);
}

/** A made artifact is reusable when it exists and its sidecar names the same recipe and source stamps. */
function reusable(artifact: string, recipeHash: string, sourceFingerprint: string): boolean {
  if (!existsSync(artifact) || !existsSync(sidecarPath(artifact))) return false;
  try {
    const sidecar = JSON.parse(readFileSync(sidecarPath(artifact), "utf8")) as Sidecar;
    return sidecar.recipeHash === recipeHash && sidecar.sourceFingerprint === sourceFingerprint;
  } catch {
    return false;
  }
}

async function writeSidecar(artifact: string, recipeHash: string, sourceFingerprint: string): Promise<void> {
  const sidecar: Sidecar = { schema: "qreason-artifact/v1", recipeHash, sourceFingerprint };
  await writeFile(sidecarPath(artifact), `${JSON.stringify(sidecar, null, 2)}\n`);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** The model's float GGUF: its own, or an export of its HF folder (cached in the run directory). */
async function floatGguf(model: ModelSpec, options: ArtifactOptions): Promise<{ path: string; made: boolean }> {
  if (model.source.kind !== "local") throw new QreasonError("E_INTERNAL", `model ${model.name} has no local files`);
  if (model.source.gguf !== undefined) return { path: model.source.gguf, made: false };
  if (model.source.hf === undefined) throw new QreasonError("E_INPUT", `model ${model.name} needs a gguf or hf path`, { field: "models" });
  return exportedGguf(model.source.hf, "model", options, model);
}

async function exportedGguf(hfDirectory: string, label: string, options: ArtifactOptions, model: ModelSpec): Promise<{ path: string; made: boolean }> {
  const folder = artifactFolder(options, model);
  const target = path.join(folder, `${label}-export.gguf`);
  const source = fingerprint(stampsOf(hfDirectory));
  if (reusable(target, "export", source)) return { path: target, made: false };
  await mkdir(folder, { recursive: true });
  options.onProgress?.(`exporting ${hfDirectory} to GGUF`);
  const partial = `${target}.partial`;
  await rm(partial, { force: true });
  await exportGguf(hfDirectory, partial, { overwrite: true, onProgress: (done, total) => options.onProgress?.("exporting to GGUF", done, total) });
  await rename(partial, target);
  await writeSidecar(target, "export", source);
  return { path: target, made: true };
}

/** Prepares the artifact of one variant, making it if it is missing. */
export async function prepareVariant(model: ModelSpec, variant: PlannedVariant, options: ArtifactOptions): Promise<PreparedVariant> {
  const recipe = variant.recipe;
  const kv = "kvCache" in recipe && recipe.kvCache !== undefined ? { kvCache: recipe.kvCache } : {};
  switch (recipe.kind) {
    case "endpoint":
      return { artifact: { kind: "endpoint", endpoint: recipe.endpoint }, made: false };
    case "gguf":
      return { artifact: { kind: "gguf", path: recipe.path }, ...kv, made: false };
    case "hf":
      if (model.backend === "llamacpp") {
        const exported = await exportedGguf(recipe.path, `${variant.variant}-${shortHash(variant.recipeHash)}`, options, model);
        return { artifact: { kind: "gguf", path: exported.path }, ...kv, made: exported.made };
      }
      return { artifact: { kind: "hf", path: recipe.path }, made: false };
    case "fp": {
      if (model.source.kind === "endpoint") return { artifact: { kind: "endpoint", endpoint: model.source.endpoint }, made: false };
      if (model.backend === "llamacpp") {
        const base = await floatGguf(model, options);
        return { artifact: { kind: "gguf", path: base.path }, ...kv, made: base.made };
      }
      if (model.source.hf === undefined) throw new QreasonError("E_INPUT", `model ${model.name} needs an hf folder for the engine`, { field: "models" });
      return { artifact: { kind: "hf", path: model.source.hf }, made: false };
    }
    case "llamacpp":
      return { ...(await llamacppVariant(model, variant, recipe, options)), ...kv };
    case "engine":
      return engineVariant(model, variant, options);
  }
}

async function llamacppVariant(
  model: ModelSpec,
  variant: PlannedVariant,
  recipe: { type: string; imatrix?: string; pure?: boolean; allowFallback?: boolean },
  options: ArtifactOptions,
): Promise<PreparedVariant> {
  const base = await floatGguf(model, options);
  const folder = artifactFolder(options, model);
  const target = path.join(folder, `${recipe.type}-${shortHash(variant.recipeHash)}.gguf`);
  const source = fingerprint({ model: stampsOf(base.path), imatrix: recipe.imatrix === undefined ? null : stampsOf(recipe.imatrix) });
  const manifestFile = target.replace(/\.gguf$/, ".qreason-quant.json");
  if (reusable(target, variant.recipeHash, source)) {
    return { artifact: { kind: "gguf", path: target }, manifest: readJson(manifestFile), made: false };
  }
  await mkdir(folder, { recursive: true });
  options.onProgress?.(`quantizing ${model.name} to ${recipe.type} with llama.cpp`);
  const result = await quantizeGguf({
    model: base.path,
    type: recipe.type,
    out: target,
    overwrite: true,
    ...(recipe.imatrix !== undefined ? { imatrix: recipe.imatrix } : {}),
    ...(recipe.pure === true ? { pure: true } : {}),
    ...(recipe.allowFallback === true ? { allowFallback: true } : {}),
    ...(model.runtime.threads !== undefined ? { threads: model.runtime.threads } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: ({ tensorsDone, tensorsTotal }) => options.onProgress?.(`quantizing ${recipe.type}`, tensorsDone, tensorsTotal),
  });
  await writeSidecar(target, variant.recipeHash, source);
  return { artifact: { kind: "gguf", path: result.output }, manifest: result.manifest, made: true };
}

async function engineVariant(model: ModelSpec, variant: PlannedVariant, options: ArtifactOptions): Promise<PreparedVariant> {
  if (variant.recipe.kind !== "engine") throw new QreasonError("E_INTERNAL", "engineVariant on another recipe kind");
  if (model.source.kind !== "local" || model.source.hf === undefined) {
    throw new QreasonError("E_INPUT", `engine recipes quantize a Hugging Face folder; model ${model.name} has none`, { field: "models" });
  }
  const folder = artifactFolder(options, model);
  const target = path.join(folder, `${variant.variant}-${shortHash(variant.recipeHash)}`);
  const calibration = await options.calibrationFile(variant);
  const source = fingerprint({ model: stampsOf(model.source.hf), calibration: calibration ? stampsOf(calibration.path) : null });
  const manifestFile = path.join(target, "qreason-quant.json");
  if (reusable(target, variant.recipeHash, source) && existsSync(manifestFile)) {
    return { artifact: { kind: "hf", path: target }, manifest: readJson(manifestFile), made: false };
  }
  await mkdir(folder, { recursive: true });
  await rm(target, { recursive: true, force: true });
  const recipeFile = `${target}.recipe.json`;
  await writeFile(recipeFile, `${JSON.stringify(toEngineRecipe(variant.recipe.recipe, calibration), null, 2)}\n`);
  options.onProgress?.(`quantizing ${model.name} as ${variant.variant} with the Python engine`);
  const args = ["-m", "qreason_engine.cli", "quantize", "--model", model.source.hf, "--recipe", recipeFile, "--out", target, "--device", model.runtime.device];
  if (model.runtime.dtype !== "auto") args.push("--dtype", model.runtime.dtype);
  await runEngineQuantize(options, args, (line) => options.onProgress?.(line));
  await writeSidecar(target, variant.recipeHash, source);
  return { artifact: { kind: "hf", path: target }, manifest: readJson(manifestFile), made: true };
}

/** Runs `qreason-engine quantize`; progress lines from its stderr go to `onLine`; Ctrl-C reaches it as SIGINT. */
function runEngineQuantize(options: ArtifactOptions, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new QreasonError("E_QUANT", "quantization cancelled"));
      return;
    }
    const child = spawn(options.python, args, { cwd: options.projectRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stderrTail = "";
    let partialLine = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
      partialLine += chunk;
      const lines = partialLine.split("\n");
      partialLine = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") onLine(line.trim());
    });
    const onAbort = (): void => void child.kill("SIGINT");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => reject(new QreasonError("E_QUANT", `cannot start the Python engine (${options.python}): ${error.message}; set QREASON_PYTHON`)));
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (options.signal?.aborted) reject(new QreasonError("E_QUANT", "quantization cancelled"));
      else if (code === 0) resolve();
      else {
        const tail = stderrTail.trim().split("\n").slice(-8).join("\n");
        reject(new QreasonError("E_QUANT", `qreason-engine quantize failed (exit ${code}):\n${tail}`));
      }
    });
  });
}
