/**
 * `qreason gguf export`: a Hugging Face llama-family checkpoint directory -> one GGUF v3 file that
 * llama.cpp loads. Reads config.json, the safetensors weights (streamed, shard by shard) and the tokenizer;
 * checks every tensor's presence, shape and dtype before writing anything.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { resolveOutputTarget } from "../io/index.ts";
import {
  architectureMetadata,
  expectedTensors,
  isIgnoredTensor,
  llama3RopeFactors,
  permutedRowSource,
  readHyperparameters,
  resolveArchitecture,
  type TensorMapping,
} from "./architectures.ts";
import { GGML_TYPES, LLAMA_FILE_TYPE } from "./constants.ts";
import { BYTES_PER_ELEMENT, convertFloats, type FloatDtype } from "./float.ts";
import { str, u32, type GgufMetadata } from "./metadata.ts";
import { readCheckpointIndex, readTensorRange, type SafetensorsTensor } from "./safetensors.ts";
import { exportTokenizer, type TokenizerExport } from "./tokenizer.ts";
import { writeGguf, type GgufTensorSource } from "./writer.ts";

export const EXPORT_TYPES = ["auto", "f32", "f16", "bf16"] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

export interface ExportOptions {
  /**
   * Float type of the 2-D weights. "auto" (the default) keeps the checkpoint's own type, so the export is
   * lossless: an f32 checkpoint stays f32, a bf16 one bf16. Norms and biases are always f32.
   */
  type?: ExportType;
  /** general.name (default: the directory's name). */
  name?: string;
  /** Replace an existing output file (default: refuse). */
  overwrite?: boolean;
  /** Called after each tensor is written. */
  onProgress?: (written: number, total: number) => void;
}

export interface ExportResult {
  outPath: string;
  hfArchitecture: string;
  ggufArchitecture: string;
  type: FloatDtype;
  tensorCount: number;
  bytes: number;
  tokenizer: TokenizerExport["summary"];
  warnings: string[];
}

const SOURCE_DTYPES: Record<string, FloatDtype> = { F32: "f32", F16: "f16", BF16: "bf16" };
const GGML_TYPE_ID: Record<FloatDtype, number> = {
  f32: GGML_TYPES.find((type) => type.name === "F32")!.id,
  f16: GGML_TYPES.find((type) => type.name === "F16")!.id,
  bf16: GGML_TYPES.find((type) => type.name === "BF16")!.id,
};
const FILE_TYPE: Record<FloatDtype, number> = { f32: LLAMA_FILE_TYPE.F32, f16: LLAMA_FILE_TYPE.F16, bf16: LLAMA_FILE_TYPE.BF16 };

/** Bytes of source data read per step when streaming a tensor. */
const CHUNK_BYTES = 16 * 1024 * 1024;

/** The widest float type among the 2-D weights: what "auto" exports to, so no value is rounded. */
export function losslessType(dtypes: Iterable<FloatDtype>): FloatDtype {
  const seen = new Set(dtypes);
  if (seen.has("f32") || (seen.has("f16") && seen.has("bf16"))) return "f32";
  if (seen.has("bf16")) return "bf16";
  if (seen.has("f16")) return "f16";
  return "f32";
}

async function readConfig(modelDir: string): Promise<Record<string, unknown>> {
  if (!existsSync(modelDir)) throw new QreasonError("E_NOT_FOUND", "model directory does not exist", { file: modelDir });
  if (!statSync(modelDir).isDirectory()) {
    throw new QreasonError("E_INPUT", "not a directory: expected a Hugging Face model directory", { file: modelDir });
  }
  const configPath = path.join(modelDir, "config.json");
  if (!existsSync(configPath)) {
    throw new QreasonError("E_NOT_FOUND", "missing config.json: not a Hugging Face model directory", { file: modelDir });
  }
  if (!statSync(configPath).isFile()) throw new QreasonError("E_INPUT", "not a file: expected the model's JSON configuration", { file: configPath });
  let config: unknown;
  try {
    config = JSON.parse(await readFile(configPath, "utf8"));
  } catch (error) {
    throw new QreasonError("E_INPUT", `not valid JSON: ${(error as Error).message}`, { file: configPath });
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new QreasonError("E_INPUT", "expected a JSON object", { file: configPath });
  }
  return config as Record<string, unknown>;
}

function checkSource(source: SafetensorsTensor | undefined, hfName: string, mapping: TensorMapping, modelDir: string): FloatDtype {
  if (!source) {
    throw new QreasonError("E_INPUT", `missing tensor ${hfName} (needed for ${mapping.ggufName})`, { file: modelDir, field: hfName });
  }
  const dtype = SOURCE_DTYPES[source.dtype];
  if (!dtype) {
    throw new QreasonError(
      "E_INPUT",
      `tensor ${hfName} has dtype ${source.dtype}; export reads F32, F16 and BF16 (dequantize the checkpoint first)`,
      { file: source.file, field: hfName },
    );
  }
  if (source.shape.join(",") !== mapping.shape.join(",")) {
    throw new QreasonError(
      "E_INPUT",
      `tensor ${hfName} has shape [${source.shape.join(", ")}], config.json implies [${mapping.shape.join(", ")}]`,
      { file: source.file, field: hfName },
    );
  }
  return dtype;
}

/** Streams one tensor: whole rows (whole heads when permuting), re-interleaved if needed, then converted. */
function tensorChunks(source: SafetensorsTensor, from: FloatDtype, to: FloatDtype, mapping: TensorMapping): () => AsyncIterable<Uint8Array> {
  const rows = source.shape[0] ?? 1;
  const columns = source.shape.length > 1 ? source.shape.slice(1).reduce((product, size) => product * size, 1) : 1;
  const rowBytes = columns * BYTES_PER_ELEMENT[from];
  const rowsPerHead = mapping.permuteHeads ? rows / mapping.permuteHeads : 1;
  const rowsPerChunk = Math.max(rowsPerHead, Math.floor(CHUNK_BYTES / rowBytes / rowsPerHead) * rowsPerHead);
  return async function* () {
    for (let firstRow = 0; firstRow < rows; firstRow += rowsPerChunk) {
      const chunkRows = Math.min(rowsPerChunk, rows - firstRow);
      let bytes = await readTensorRange(source, firstRow * rowBytes, chunkRows * rowBytes);
      if (mapping.permuteHeads) {
        const permuted = new Uint8Array(bytes.length);
        for (let row = 0; row < chunkRows; row += 1) {
          const from = permutedRowSource(row, rowsPerHead);
          permuted.set(bytes.subarray(from * rowBytes, (from + 1) * rowBytes), row * rowBytes);
        }
        bytes = permuted;
      }
      yield convertFloats(bytes, from, to);
    }
  };
}

export async function exportGguf(modelDir: string, outPath: string, options: ExportOptions = {}): Promise<ExportResult> {
  if (os.endianness() !== "LE") throw new QreasonError("E_INTERNAL", "GGUF export needs a little-endian machine");
  const requested = options.type ?? "auto";
  if (!(EXPORT_TYPES as readonly string[]).includes(requested)) {
    throw new QreasonError("E_USAGE", `unknown type ${requested}; choose one of ${EXPORT_TYPES.join(", ")}`, { field: "type" });
  }
  const config = await readConfig(modelDir);
  const configPath = path.join(modelDir, "config.json");
  const spec = resolveArchitecture(config, configPath);
  const hp = readHyperparameters(config, configPath);
  // The file a symlink names (the link stays); a directory, FIFO or device is refused even with --force.
  const target = await resolveOutputTarget(outPath, "output GGUF");
  if (existsSync(target.real) && !options.overwrite) {
    throw new QreasonError("E_USAGE", "output file exists; pass --force to replace it", { file: outPath });
  }

  const sources = await readCheckpointIndex(modelDir);
  const tied = hp.tieWordEmbeddings;
  const expected = expectedTensors(spec, hp, tied);
  const unexpected = [...sources.keys()].filter(
    (name) => !expected.has(name) && !isIgnoredTensor(name) && !(tied && name === "lm_head.weight"),
  );
  if (unexpected.length > 0) {
    throw new QreasonError(
      "E_INPUT",
      `tensors this ${spec.hfArchitectures[0]} exporter does not know: ${unexpected.slice(0, 5).join(", ")}` +
        (unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : ""),
      { file: modelDir, field: unexpected[0] },
    );
  }
  const sourceTypes = new Map<string, FloatDtype>();
  for (const [hfName, mapping] of expected) sourceTypes.set(hfName, checkSource(sources.get(hfName), hfName, mapping, modelDir));
  const type =
    requested === "auto"
      ? losslessType([...expected].filter(([, mapping]) => mapping.shape.length === 2).map(([hfName]) => sourceTypes.get(hfName)!))
      : requested;

  const tokenizer = await exportTokenizer(modelDir, hp.vocabSize, config);
  const metadata: GgufMetadata = new Map([
    ["general.architecture", str(spec.ggufArchitecture)],
    ["general.name", str(options.name ?? path.basename(path.resolve(modelDir)))],
    ["general.file_type", u32(FILE_TYPE[type])],
    ...architectureMetadata(spec, hp),
    ...tokenizer.metadata,
  ]);

  const tensors: GgufTensorSource[] = [];
  for (const [hfName, mapping] of expected) {
    const source = sources.get(hfName)!;
    const target: FloatDtype = mapping.shape.length === 1 ? "f32" : type;
    const elements = mapping.shape.reduce((product, size) => product * size, 1);
    tensors.push({
      name: mapping.ggufName,
      shape: mapping.shape,
      ggmlType: GGML_TYPE_ID[target],
      byteLength: elements * BYTES_PER_ELEMENT[target],
      chunks: tensorChunks(source, sourceTypes.get(hfName)!, target, mapping),
    });
  }
  const ropeFactors = llama3RopeFactors(hp);
  if (ropeFactors) {
    tensors.push({
      name: "rope_freqs.weight",
      shape: [ropeFactors.length],
      ggmlType: GGML_TYPE_ID.f32,
      byteLength: ropeFactors.byteLength,
      chunks: async function* () {
        yield new Uint8Array(ropeFactors.buffer);
      },
    });
  }
  const { bytes } = await writeGguf(target.real, metadata, tensors, { onTensorWritten: options.onProgress });
  return {
    outPath,
    hfArchitecture: spec.hfArchitectures[0]!,
    ggufArchitecture: spec.ggufArchitecture,
    type,
    tensorCount: tensors.length,
    bytes,
    tokenizer: tokenizer.summary,
    warnings: tokenizer.warnings,
  };
}
