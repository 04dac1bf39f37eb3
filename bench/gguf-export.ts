/**
 * `npm run bench:gguf-export`: GGUF export throughput. Builds (once, cached in the OS temp dir) a random
 * Llama-shaped checkpoint of ~190M parameters through the engine, exports it to f32 (copy + Q/K
 * re-interleave), f16 and bf16 (conversion), and prints seconds and MB/s of source read. Asserts nothing.
 * BENCH_GGUF_DTYPE=bf16 builds the checkpoint in bf16 instead of f32.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { exportGguf, type ExportType } from "../src/gguf/index.ts";
import { enginePython, projectRoot } from "../src/testing/paths.ts";

const sourceDtype = process.env.BENCH_GGUF_DTYPE === "bf16" ? "bfloat16" : "float32";
const shape = { hidden: 2048, layers: 4, heads: 16, kv_heads: 8, intermediate: 5632 };
const modelDir = path.join(os.tmpdir(), "qreason-bench-models", `llama-${Object.values(shape).join("x")}-${sourceDtype}`);

if (!existsSync(path.join(modelDir, "config.json"))) {
  console.log(`building ${modelDir} ...`);
  const call =
    `import torch; from qreason_engine.tiny import make_tiny_model; ` +
    `make_tiny_model("llama", ${JSON.stringify(modelDir)}, dtype=torch.${sourceDtype}, ` +
    Object.entries(shape).map(([key, value]) => `${key}=${value}`).join(", ") + ")";
  await promisify(execFile)(enginePython, ["-c", call], { cwd: projectRoot, timeout: 600_000 });
}
const sourceBytes = (await stat(path.join(modelDir, "model.safetensors"))).size;
const scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-bench-gguf-"));
console.log(`source: ${(sourceBytes / 2 ** 20).toFixed(0)} MiB ${sourceDtype} safetensors; node ${process.version}; ${os.cpus().length} cpus\n`);
console.log("type   seconds   source MB/s   output MiB");
try {
  for (const type of ["auto", "f32", "f16", "bf16"] as ExportType[]) {
    const out = path.join(scratch, `${type}.gguf`);
    const started = performance.now();
    const result = await exportGguf(modelDir, out, { type });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${`${type}${type === "auto" ? `(${result.type})` : ""}`.padEnd(10)} ${seconds.toFixed(2).padStart(7)}   ` +
        `${(sourceBytes / 1e6 / seconds).toFixed(0).padStart(11)}   ${(result.bytes / 2 ** 20).toFixed(0).padStart(10)}`,
    );
    await rm(out);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
