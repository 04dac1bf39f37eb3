/**
 * Tiny random Hugging Face models of each supported family, built by the Python engine
 * (`python -m qreason_engine.tiny`), and their GGUF exports — for tests that need a real model on disk.
 *
 * Both are cached under the OS temp directory, keyed by a hash of what produces them (tiny.py for the HF
 * model; tiny.py plus the exporter's sources for the GGUF), so a change to either rebuilds and concurrent
 * test files share one build: each build happens in a private directory and is renamed into place.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { exportGguf, type ExportType } from "../gguf/index.ts";
import { enginePython, projectRoot } from "./paths.ts";

const execFileAsync = promisify(execFile);

export const TINY_FAMILIES = ["llama", "qwen2", "qwen3", "mistral"] as const;
export type TinyFamily = (typeof TINY_FAMILIES)[number];

export interface TinyModelOptions {
  /** Weight seed passed to the engine (default 0). */
  seed?: number;
  /** Cache root (default: $TMPDIR/qreason-test-models). */
  cacheDir?: string;
}

export interface TinyGgufOptions extends TinyModelOptions {
  /** Export type (default "auto": the checkpoint's f32, lossless). */
  type?: ExportType;
}

const defaultCacheDir = path.join(os.tmpdir(), "qreason-test-models");

function hashFiles(files: string[]): string {
  const digest = createHash("sha256");
  for (const file of files) {
    digest.update(path.relative(projectRoot, file) + "\0");
    digest.update(readFileSync(file));
  }
  return digest.digest("hex").slice(0, 16);
}

function tinySourceHash(): string {
  return hashFiles([path.join(projectRoot, "engine", "qreason_engine", "tiny.py")]);
}

function exporterSourceHash(): string {
  const ggufDir = path.join(projectRoot, "src", "gguf");
  const sources = readdirSync(ggufDir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .sort()
    .map((name) => path.join(ggufDir, name));
  return hashFiles([path.join(projectRoot, "engine", "qreason_engine", "tiny.py"), ...sources]);
}

/** Builds in flight in this process, so parallel callers wait for one build rather than racing. */
const inFlight = new Map<string, Promise<string>>();

/** Builds `target` with `build(privateDir)` unless it exists; safe against concurrent builders. */
function buildOnce(target: string, build: (directory: string) => Promise<void>): Promise<string> {
  let pending = inFlight.get(target);
  if (!pending) {
    pending = buildUnlessPresent(target, build).finally(() => inFlight.delete(target));
    inFlight.set(target, pending);
  }
  return pending;
}

async function buildUnlessPresent(target: string, build: (directory: string) => Promise<void>): Promise<string> {
  if (existsSync(target)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  const staging = await mkdtemp(`${target}.building-`);
  try {
    await build(staging);
    try {
      await rename(staging, target);
    } catch (error) {
      // Another process finished first; its copy is identical (same inputs, same seed).
      if (!existsSync(target)) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

/** Directory of a tiny random HF model of `family` (config.json, model.safetensors, tokenizer files). */
export async function tinyHfModel(family: TinyFamily, options: TinyModelOptions = {}): Promise<string> {
  const seed = options.seed ?? 0;
  const target = path.join(options.cacheDir ?? defaultCacheDir, `hf-${tinySourceHash()}`, `${family}-seed${seed}`);
  return buildOnce(target, async (directory) => {
    await execFileAsync(
      enginePython,
      ["-m", "qreason_engine.tiny", "--family", family, "--out", directory, "--seed", String(seed)],
      { cwd: projectRoot, timeout: 180_000, env: { ...process.env, OMP_NUM_THREADS: "1" } },
    );
  });
}

/** Path of a GGUF export of the tiny `family` model (`<dir>/model.gguf`). */
export async function tinyGgufModel(family: TinyFamily, options: TinyGgufOptions = {}): Promise<string> {
  const seed = options.seed ?? 0;
  const type = options.type ?? "auto";
  const hfDir = await tinyHfModel(family, options);
  const target = path.join(options.cacheDir ?? defaultCacheDir, `gguf-${exporterSourceHash()}`, `${family}-seed${seed}-${type}`);
  const directory = await buildOnce(target, async (staging) => {
    await exportGguf(hfDir, path.join(staging, "model.gguf"), { type, name: `tiny-${family}` });
  });
  return path.join(directory, "model.gguf");
}
