/**
 * Test support: a tiny random Llama whose hidden and feed-forward sizes are multiples of 256, exported to
 * GGUF by qreason's own exporter. K- and IQ-quants pack 256 weights per block, so the default tiny model
 * (hidden 64) cannot take them without llama.cpp substituting another type. Built once per content hash of
 * its inputs under the OS temp folder and shared by concurrent test files (build in private, rename).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { exportGguf } from "../gguf/index.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";

const execFileAsync = promisify(execFile);

/** The shape: every quantized row (hidden 256, feed-forward 512) fits a 256-weight block. */
export const BLOCK_FRIENDLY_SHAPE = { hidden: 256, intermediate: 512, layers: 2, heads: 4, kv_heads: 2 } as const;

function inputsHash(): string {
  const digest = createHash("sha256");
  const ggufDir = path.join(projectRoot, "src", "gguf");
  const files = [
    path.join(projectRoot, "engine", "qreason_engine", "tiny.py"),
    ...readdirSync(ggufDir)
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
      .sort()
      .map((name) => path.join(ggufDir, name)),
  ];
  for (const file of files) digest.update(readFileSync(file));
  digest.update(JSON.stringify(BLOCK_FRIENDLY_SHAPE));
  return digest.digest("hex").slice(0, 16);
}

let pending: Promise<string> | undefined;

/** Path of the F32 GGUF of the block-friendly tiny Llama (seed 0). */
export function blockFriendlyGguf(): Promise<string> {
  pending ??= build();
  return pending;
}

async function build(): Promise<string> {
  const target = path.join(os.tmpdir(), "qreason-test-models", `llama256-${inputsHash()}`);
  const gguf = path.join(target, "model.gguf");
  if (existsSync(gguf)) return gguf;
  await mkdir(path.dirname(target), { recursive: true });
  const staging = await mkdtemp(`${target}.building-`);
  try {
    const hfDir = path.join(staging, "hf");
    const shape = Object.entries(BLOCK_FRIENDLY_SHAPE)
      .map(([key, value]) => `${key}=${value}`)
      .join(", ");
    await execFileAsync(
      enginePython,
      ["-c", `from qreason_engine.tiny import make_tiny_model; make_tiny_model("llama", ${JSON.stringify(hfDir)}, seed=0, ${shape})`],
      { cwd: projectRoot, timeout: 180_000 },
    );
    await exportGguf(hfDir, path.join(staging, "model.gguf"), { type: "f32", name: "tiny-llama-256" });
    await rm(hfDir, { recursive: true, force: true });
    try {
      await rename(staging, target);
    } catch (error) {
      if (!existsSync(gguf)) throw error; // another test file built it first
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return gguf;
}
