/**
 * The models cache: one folder per fetched model under a root (`$QREASON_MODELS`, default
 * `~/.cache/qreason/models`), holding the published GGUF as downloaded (`model.gguf`), the Hugging Face
 * directory qreason made from it (`hf/`), and `qreason-model.json`, the provenance of both. A model counts
 * as fetched only when its manifest is there and every file it lists has the size it records (the manifest
 * is written last, so an interrupted fetch is never taken for a finished one).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { KNOWN_MODELS, type KnownModel, type WheelSource } from "./registry.ts";

export const MODEL_MANIFEST = "qreason-model.json";
export const MODEL_MANIFEST_SCHEMA = "qreason-model/v1";

export interface FileFacts {
  bytes: number;
  sha256: string;
}

export interface ModelManifest {
  schema: typeof MODEL_MANIFEST_SCHEMA;
  name: string;
  id: string;
  title: string;
  homepage: string;
  license: string;
  source: WheelSource & { fetchedWith: string };
  gguf: FileFacts & { file: string; tensorTypes: Record<string, number> };
  hf: {
    directory: string;
    dtype: "float32";
    /** What the weights were dequantized from: their values keep that rounding. */
    dequantizedFrom: string;
    parameters: number;
    preTokenizer: string;
    files: Record<string, FileFacts>;
  };
  converter: { command: string; versions: Record<string, string> };
  fetchedAt: string;
}

export type CacheState = "fetched" | "absent" | "incomplete";

export interface CachedModel {
  model: KnownModel;
  directory: string;
  /** The Hugging Face directory (exists when state is "fetched"). */
  hf: string;
  /** The published GGUF, as downloaded. */
  gguf: string;
  state: CacheState;
  /** Why an incomplete model is not usable. */
  problem?: string;
  manifest?: ModelManifest;
}

export function modelDirectory(root: string, model: KnownModel): string {
  return path.join(root, model.id);
}

function readManifest(file: string): ModelManifest | string {
  try {
    const manifest = JSON.parse(readFileSync(file, "utf8")) as ModelManifest;
    if (manifest.schema !== MODEL_MANIFEST_SCHEMA) return `${MODEL_MANIFEST} has schema ${String(manifest.schema)}, expected ${MODEL_MANIFEST_SCHEMA}`;
    return manifest;
  } catch (error) {
    return `${MODEL_MANIFEST} is unreadable: ${(error as Error).message}`;
  }
}

const sizeOf = (file: string): number | undefined => {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
};

/** Where `model` is in the cache under `root`, and whether it is complete (sizes checked, not hashes). */
export function inspectCachedModel(root: string, model: KnownModel): CachedModel {
  const directory = modelDirectory(root, model);
  const entry: CachedModel = { model, directory, hf: path.join(directory, "hf"), gguf: path.join(directory, "model.gguf"), state: "absent" };
  const manifestFile = path.join(directory, MODEL_MANIFEST);
  if (!existsSync(manifestFile)) {
    if (existsSync(directory)) Object.assign(entry, { state: "incomplete", problem: `no ${MODEL_MANIFEST} (an interrupted fetch?)` });
    return entry;
  }
  const manifest = readManifest(manifestFile);
  if (typeof manifest === "string") return { ...entry, state: "incomplete", problem: manifest };
  const expected: [string, number][] = [
    [entry.gguf, manifest.gguf.bytes],
    ...Object.entries(manifest.hf.files).map(([name, facts]): [string, number] => [path.join(entry.hf, name), facts.bytes]),
  ];
  for (const [file, bytes] of expected) {
    const size = sizeOf(file);
    if (size !== bytes) {
      return { ...entry, manifest, state: "incomplete", problem: `${file} ${size === undefined ? "is missing" : `has ${size} bytes, the manifest says ${bytes}`}` };
    }
  }
  if (manifest.source.wheelSha256 !== model.source.wheelSha256) {
    return { ...entry, manifest, state: "incomplete", problem: `fetched from ${manifest.source.wheel}, but this qreason pins ${model.source.wheel}` };
  }
  return { ...entry, manifest, state: "fetched" };
}

/** Every known model with its cache state. */
export function listCachedModels(root: string): CachedModel[] {
  return KNOWN_MODELS.map((model) => inspectCachedModel(root, model));
}

/** Resolves `fetched: <name>` in a study against the cache under `root` (what study loading is given). */
export function fetchedModelLookup(root: string): (name: string) => { hf: string } | { problem: string } {
  return (name) => {
    const model = KNOWN_MODELS.find((candidate) => candidate.name === name || candidate.id === name);
    if (model === undefined) {
      return { problem: `unknown fetched model '${name}'; qreason can fetch: ${KNOWN_MODELS.map((candidate) => candidate.name).join(", ")} (qreason models list)` };
    }
    const entry = inspectCachedModel(root, model);
    if (entry.state === "fetched") return { hf: entry.hf };
    const why = entry.state === "absent" ? "is not fetched yet" : `is not usable (${entry.problem ?? "incomplete"})`;
    return { problem: `${model.name} ${why} in ${root}: run \`npx qreason models fetch ${model.name}\` first (QREASON_MODELS moves the cache)` };
  };
}
