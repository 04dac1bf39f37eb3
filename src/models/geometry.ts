/**
 * A model's weight shapes, read without loading it: from a GGUF's header (the tensors as llama.cpp will see
 * them) or from a Hugging Face config.json (the tensors qreason's exporter writes, and the Linear layers
 * the engine quantizes). What the plan-time checks in fit.ts need to say "this block or group size does
 * not fit this model" before anything is quantized or generated.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { isQreasonError, QreasonError } from "../errors.ts";
import { expectedTensors, metadataNumber, metadataString, readGguf, readHyperparameters, resolveArchitecture } from "../gguf/index.ts";
import type { TensorDescription } from "../quantize/index.ts";

export interface LinearLayer {
  /** As the engine names it: `model.layers.0.self_attn.q_proj`. */
  name: string;
  inFeatures: number;
}

export interface ModelGeometry {
  /** The weights llama.cpp quantizes, as it names and shapes them; undefined when neither source can tell. */
  tensors?: TensorDescription[];
  /** Where `tensors` was read: a GGUF, or the config.json the exporter would follow. */
  tensorsFrom?: string;
  /** Decoder-layer Linear modules (from config.json); undefined without a readable HF config. */
  linears?: LinearLayer[];
  linearsFrom?: string;
  /** Width of one attention head (for KV-cache blocks and groups). */
  headDim?: number;
}

type JsonObject = Record<string, unknown>;

async function readConfig(file: string): Promise<JsonObject> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new QreasonError("E_INPUT", `cannot read config.json: ${(error as Error).message}`, { file });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new QreasonError("E_INPUT", "config.json is not a JSON object", { file });
  return parsed as JsonObject;
}

/** Shapes from config.json: the exporter's tensor list (GGUF names) and the engine's Linear layers. */
async function fromConfig(directory: string): Promise<Pick<ModelGeometry, "tensors" | "linears" | "headDim">> {
  const file = path.join(directory, "config.json");
  const config = await readConfig(file);
  const spec = resolveArchitecture(config, file);
  const hp = readHyperparameters(config, file);
  const tensors: TensorDescription[] = [];
  const linears: LinearLayer[] = [];
  for (const [hfName, mapping] of expectedTensors(spec, hp, hp.tieWordEmbeddings)) {
    tensors.push({ name: mapping.ggufName, shape: mapping.shape, typeName: "F32" });
    if (hfName.startsWith("model.layers.") && hfName.endsWith("_proj.weight") && mapping.shape.length === 2) {
      linears.push({ name: hfName.slice(0, -".weight".length), inFeatures: mapping.shape[1] as number });
    }
  }
  return { tensors, linears, headDim: hp.headDim };
}

async function fromGguf(file: string): Promise<Pick<ModelGeometry, "tensors" | "headDim">> {
  const gguf = await readGguf(file);
  const arch = metadataString(gguf, "general.architecture") ?? "";
  const keyLength = metadataNumber(gguf, `${arch}.attention.key_length`);
  const width = metadataNumber(gguf, `${arch}.embedding_length`);
  const heads = metadataNumber(gguf, `${arch}.attention.head_count`);
  const headDim = keyLength ?? (width !== undefined && heads !== undefined && heads > 0 ? width / heads : undefined);
  const tensors = gguf.tensors.map(({ name, shape, typeName }) => ({ name, shape, typeName }));
  return headDim === undefined ? { tensors } : { tensors, headDim };
}

/**
 * What can be known of a local model's shapes. A source qreason cannot read for this (an architecture the
 * exporter does not know, say) leaves its fields undefined: the checks then stay silent and the step that
 * needs the file reports the problem itself.
 */
export async function readModelGeometry(source: { hf?: string; gguf?: string }): Promise<ModelGeometry> {
  const geometry: ModelGeometry = {};
  const quietly = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (isQreasonError(error)) return undefined;
      throw error;
    }
  };
  if (source.hf !== undefined) {
    const config = await quietly(() => fromConfig(source.hf as string));
    if (config !== undefined) {
      Object.assign(geometry, config, { tensorsFrom: path.join(source.hf, "config.json"), linearsFrom: path.join(source.hf, "config.json") });
    }
  }
  if (source.gguf !== undefined) {
    // llama.cpp variants quantize the model's own GGUF when it has one: its header is the truth for them.
    const header = await quietly(() => fromGguf(source.gguf as string));
    if (header !== undefined) {
      geometry.tensors = header.tensors;
      geometry.tensorsFrom = source.gguf;
      geometry.headDim ??= header.headDim;
    }
  }
  return geometry;
}
