/**
 * `quantizeGguf`: one GGUF in float -> one GGUF of a llama.cpp quantization type, through llama.cpp's own
 * quantizer (llama_model_quantize in node-llama-cpp's libllama), plus its `qreason-quant.json`.
 *
 * Everything a user can get wrong is checked here, in TypeScript, before C sees a byte: the file is a GGUF
 * (magic, header), its weights are still float, their rows fit the type's block, an imatrix is present where
 * the type needs one and covers every weight with finite values of the right length. The C call then runs
 * in a child process (quantizeChild.ts) writing to `<out>.partial`, renamed into place only on success.
 */
import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { readGguf, type GgufFile } from "../gguf/index.ts";
import { resolveOutputTarget } from "../io/index.ts";
import { findAlreadyQuantized, findImatrixProblems, findRowMismatches, summarizeNames } from "./compatibility.ts";
import type { KvOverrideValue } from "./ffi.ts";
import { readImatrix, type Imatrix } from "./imatrix.ts";
import { findLlamaLibrary } from "./libraryPath.ts";
import { IMATRIX_METADATA_KEYS } from "./llamaHeader.ts";
import {
  MANIFEST_SCHEMA,
  countTensorTypes,
  sha256File,
  tensorTypeFacts,
  writeManifest,
  type QuantManifest,
} from "./manifest.ts";
import type { ChildEvent, QuantizeJob } from "./quantizeChild.ts";
import { findQuantType, type QuantType } from "./types.ts";

export interface QuantizeProgress {
  /** Tensors written so far and the model's tensor count. */
  tensorsDone: number;
  tensorsTotal: number;
  tensor: string;
}

export interface QuantizeGgufOptions {
  /** Input GGUF in F32, F16 or BF16. */
  model: string;
  /** llama.cpp type name, e.g. "Q4_K_M". */
  type: string;
  /** Output GGUF path. */
  out: string;
  /** llama.cpp imatrix (GGUF or legacy .dat); required by the IQ types. */
  imatrix?: string;
  /**
   * Quantize every tensor to the type itself (llama-quantize --pure). By default llama.cpp mixes types: the
   * output head, attention-v and ffn-down get more bits in the _M/_S/Q2_K mixtures.
   */
  pure?: boolean;
  /** Quantization threads (default: every core). */
  threads?: number;
  /** Accept tensors stored in another type when their rows do not fit the block (recorded in the manifest). */
  allowFallback?: boolean;
  /** Replace an existing output file. */
  overwrite?: boolean;
  onProgress?: (progress: QuantizeProgress) => void;
  signal?: AbortSignal;
}

export interface QuantizeGgufResult {
  output: string;
  manifestPath: string;
  manifest: QuantManifest;
  /** llama.cpp warnings worth showing (fallbacks and the like). */
  warnings: string[];
}

function checkImatrixNeed(type: QuantType, imatrix: string | undefined): void {
  if (type.imatrix === "required" && imatrix === undefined) {
    throw new QreasonError(
      "E_QUANT",
      `${type.name} needs an importance matrix: pass --imatrix <file> (from llama.cpp's llama-imatrix, GGUF or .dat)`,
      { field: "imatrix" },
    );
  }
}

function checkTensors(model: GgufFile, type: QuantType, allowFallback: boolean): ReturnType<typeof findRowMismatches> {
  const quantized = findAlreadyQuantized(model.tensors);
  if (quantized.length > 0) {
    const example = quantized[0]!;
    throw new QreasonError(
      "E_QUANT",
      `the model is already quantized (${example.name} is ${example.typeName}); quantize from the F32/F16/BF16 GGUF ` +
        "instead — re-quantizing compounds rounding error",
      { file: model.path },
    );
  }
  const mismatches = findRowMismatches(model.tensors, type);
  if (mismatches.length > 0 && !allowFallback) {
    const example = mismatches[0]!;
    throw new QreasonError(
      "E_QUANT",
      `${type.name} packs ${type.blockSize} weights per block, but ${mismatches.length} weight tensor(s) have rows ` +
        `that are not a multiple of ${type.blockSize} (${summarizeNames(mismatches.map((item) => item.name))}; ` +
        `e.g. ${example.name} has rows of ${example.rowLength}). llama.cpp would silently store those in another ` +
        `type, so the file would not really be ${type.name}. Pick a type with 32-weight blocks (Q8_0, Q5_0, Q4_0), ` +
        "or pass --allow-fallback to accept the substitution (recorded in the manifest)",
      { file: model.path },
    );
  }
  return mismatches;
}

async function loadCheckedImatrix(imatrixPath: string, model: GgufFile): Promise<Imatrix> {
  const imatrix = await readImatrix(imatrixPath);
  const problems = findImatrixProblems(model.tensors, imatrix.entries);
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new QreasonError(
      "E_INPUT",
      `imatrix does not fit ${path.basename(model.path)}: ${first.name}: ${first.problem}` +
        (problems.length > 1 ? ` (and ${problems.length - 1} more problem(s)); was it computed for this model?` : ""),
      { file: imatrixPath, field: first.name },
    );
  }
  return imatrix;
}

/** The file the output really is (a symlink followed; a directory, FIFO or device refused even with --force). */
async function checkOutputPath(model: string, out: string, overwrite: boolean): Promise<string> {
  const target = await resolveOutputTarget(out, "--out");
  if (existsSync(model) && target.real === realpathSync(model)) {
    throw new QreasonError("E_USAGE", "--out must differ from --model (the input would be overwritten)", { field: "out" });
  }
  if (existsSync(target.real) && !overwrite) {
    throw new QreasonError("E_USAGE", `${out} exists; pass --force to replace it`, { field: "out" });
  }
  return target.real;
}

function imatrixMetadata(imatrixPath: string, imatrix: Imatrix): KvOverrideValue[] {
  const items: KvOverrideValue[] = [
    { key: IMATRIX_METADATA_KEYS.file, text: path.basename(imatrixPath) },
    { key: IMATRIX_METADATA_KEYS.entries, int: imatrix.entries.size },
  ];
  if (imatrix.datasets[0] !== undefined) items.push({ key: IMATRIX_METADATA_KEYS.dataset, text: imatrix.datasets[0] });
  if (imatrix.chunkCount > 0) items.push({ key: IMATRIX_METADATA_KEYS.chunks, int: imatrix.chunkCount });
  return items;
}

interface ChildOutcome {
  version: string;
  warnings: string[];
}

/** Runs quantizeChild.ts on `job`; resolves when llama.cpp reports success. */
function runChild(job: QuantizeJob, options: Pick<QuantizeGgufOptions, "onProgress" | "signal">): Promise<ChildOutcome> {
  const childScript = path.join(import.meta.dirname, "quantizeChild.ts");
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new QreasonError("E_QUANT", "quantization cancelled"));
      return;
    }
    const child = spawn(process.execPath, [childScript, JSON.stringify(job)], { stdio: ["ignore", "pipe", "pipe"] });
    const logs: string[] = [];
    let stderrTail = "";
    let version = "";
    let finished: ChildEvent | undefined;
    let pending = "";
    const onAbort = (): void => {
      child.kill("SIGKILL");
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const event = parseEvent(line);
        if (event.event === "tensor") {
          options.onProgress?.({ tensorsDone: event.index, tensorsTotal: event.total, tensor: event.name });
        } else if (event.event === "log") {
          logs.push(event.text);
        } else if (event.event === "start") {
          version = event.version;
        } else {
          finished = event;
        }
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
    });
    child.on("error", (error) => reject(new QreasonError("E_QUANT", `cannot start the quantizer: ${error.message}`)));
    child.on("close", (code, signalName) => {
      options.signal?.removeEventListener("abort", onAbort);
      const logText = logs.join("").trim();
      if (options.signal?.aborted) {
        reject(new QreasonError("E_QUANT", "quantization cancelled"));
      } else if (finished?.event === "done" && finished.status === 0) {
        resolve({ version, warnings: logs.map((line) => line.trim()).filter(Boolean) });
      } else if (finished?.event === "done") {
        // ggml's row validation reports NaN/inf weights on stderr, not through the log callback.
        const details = lastLines(`${logText}\n${stderrTail}`) || `status ${finished.status}`;
        reject(new QreasonError("E_QUANT", `llama.cpp could not quantize: ${details}`));
      } else if (finished?.event === "failed") {
        reject(new QreasonError("E_QUANT", finished.message));
      } else {
        const how = signalName ? `was killed by ${signalName}` : `exited with code ${code}`;
        reject(new QreasonError("E_QUANT", `the llama.cpp quantizer ${how}: ${lastLines(`${logText}\n${stderrTail}`)}`));
      }
    });
  });
}

/** A child's stdout line; anything that is not one of our events (C code printing to stdout) is a log line. */
function parseEvent(line: string): ChildEvent {
  try {
    const parsed = JSON.parse(line) as ChildEvent;
    if (typeof parsed === "object" && parsed !== null && "event" in parsed) return parsed;
  } catch {
    // fall through
  }
  return { event: "log", level: 2, text: `${line}\n` };
}

const lastLines = (text: string, count = 6): string => text.trim().split("\n").slice(-count).join("\n");

/** Quantizes `options.model` to `options.type`; writes the GGUF and its manifest. */
export async function quantizeGguf(options: QuantizeGgufOptions): Promise<QuantizeGgufResult> {
  const type = findQuantType(options.type);
  checkImatrixNeed(type, options.imatrix);
  const realOut = await checkOutputPath(options.model, options.out, options.overwrite ?? false);
  const model = await readGguf(options.model);
  const mismatches = checkTensors(model, type, options.allowFallback ?? false);
  const imatrix = options.imatrix === undefined ? undefined : await loadCheckedImatrix(options.imatrix, model);
  const library = await findLlamaLibrary();
  const threads = options.threads ?? os.availableParallelism();
  const partial = `${realOut}.partial`; // beside the real file, renamed onto it (a symlink at --out stays)
  const job: QuantizeJob = {
    library: library.path,
    release: library.release,
    input: path.resolve(options.model),
    output: path.resolve(partial),
    ftype: type.ftype,
    threads,
    imatrixPath: options.imatrix === undefined ? undefined : path.resolve(options.imatrix),
    metadata: options.imatrix === undefined || imatrix === undefined ? [] : imatrixMetadata(options.imatrix, imatrix),
    pure: options.pure ?? false,
  };
  const started = performance.now();
  // The event loop is free while the child works: hash the source meanwhile.
  const sourceHash = sha256File(options.model);
  let outcome: ChildOutcome;
  try {
    outcome = await runChild(job, options);
  } catch (error) {
    await rm(partial, { force: true });
    await sourceHash.catch(() => undefined);
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  await rename(partial, realOut);
  const written = await readGguf(options.out);
  const storedAs = new Map(written.tensors.map((tensor) => [tensor.name, tensor.typeName]));
  const manifest: QuantManifest = {
    schema: MANIFEST_SCHEMA,
    engine: "llama.cpp",
    type: type.name,
    ftype: type.ftype,
    pure: options.pure ?? false,
    source: {
      path: path.resolve(options.model),
      sha256: await sourceHash,
      bytes: model.fileBytes,
      tensorTypes: countTensorTypes(model.tensors),
    },
    output: {
      path: path.resolve(options.out),
      sha256: await sha256File(options.out),
      bytes: (await stat(options.out)).size,
      ...tensorTypeFacts(written.tensors),
    },
    imatrix:
      options.imatrix === undefined || imatrix === undefined
        ? null
        : {
            path: path.resolve(options.imatrix),
            sha256: await sha256File(options.imatrix),
            bytes: (await stat(options.imatrix)).size,
            format: imatrix.format,
            entries: imatrix.entries.size,
            chunks: imatrix.chunkCount,
            datasets: imatrix.datasets,
          },
    fallbacks: mismatches.map((item) => ({
      name: item.name,
      rowLength: item.rowLength,
      storedAs: storedAs.get(item.name) ?? "missing",
    })),
    threads,
    seconds,
    createdAt: new Date().toISOString(),
    llamaCpp: { release: library.release, version: outcome.version, library: library.packageName },
  };
  const manifestPath = await writeManifest(options.out, manifest);
  return { output: options.out, manifestPath, manifest, warnings: outcome.warnings };
}
