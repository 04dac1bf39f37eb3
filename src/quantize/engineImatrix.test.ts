/**
 * End to end: the Python engine computes an importance matrix for the bundled reference model from arith
 * text (`qreason-engine imatrix`), the TypeScript reader accepts it for the reference GGUF (a name and a
 * length for every weight llama.cpp quantizes with one), and llama.cpp quantizes that GGUF to IQ2_XS with it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { generateArithProblem, renderPrompt } from "../data/arith/index.ts";
import { metadataNumber, metadataString, readGguf } from "../gguf/index.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { isQuantizedByLlamaCpp } from "./compatibility.ts";
import { readImatrix, type Imatrix } from "./imatrix.ts";
import { quantizeGguf } from "./llamaQuantize.ts";

const execFileAsync = promisify(execFile);

const referenceHf = path.join(projectRoot, "models", "reference", "hf");
const referenceGguf = path.join(projectRoot, "models", "reference", "model.gguf");
/** The console script installed beside the engine's Python (engine/.venv/bin/qreason-engine). */
const engineCommand = path.join(path.dirname(enginePython), "qreason-engine");

const SAMPLES = 16;
const SEQ_LEN = 256;

/** Weights that read the same input must get the same importance (q/k/v; gate/up). */
const SHARED_INPUTS = [
  ["attn_q", "attn_k", "attn_v"],
  ["ffn_gate", "ffn_up"],
] as const;

describe("engine imatrix -> readImatrix -> IQ2_XS", () => {
  let dir = "";
  let imatrixPath = "";
  let imatrix: Imatrix;
  let printed: { out: string; entries: number; calibration: { num_samples: number; seq_len: number } };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "qreason-engine-imatrix-"));
    const calibration = path.join(dir, "arith-calib.jsonl");
    const lines = Array.from({ length: 300 }, (_, seed) => {
      const problem = generateArithProblem(seed, 1 + (seed % 5));
      return `${JSON.stringify({ text: renderPrompt(problem.question) + problem.solution })}\n`;
    });
    await writeFile(calibration, lines.join(""));
    imatrixPath = path.join(dir, "ref.imatrix");
    const { stdout } = await execFileAsync(
      engineCommand,
      ["imatrix", "--model", referenceHf, "--calibration", calibration, "--samples", String(SAMPLES), "--seq-len", String(SEQ_LEN)]
        .concat(["--device", "cpu", "--out", imatrixPath]),
      { cwd: projectRoot, env: { ...process.env, OMP_NUM_THREADS: "1" }, timeout: 120_000 },
    );
    printed = JSON.parse(stdout.trim().split("\n").at(-1)!) as typeof printed;
    imatrix = await readImatrix(imatrixPath);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a legacy imatrix with one entry per quantized weight, of the weight's column count", async () => {
    assert.equal(printed.out, imatrixPath);
    assert.equal(printed.calibration.num_samples, SAMPLES);
    assert.equal(printed.calibration.seq_len, SEQ_LEN);
    assert.equal(imatrix.format, "legacy");
    assert.equal(imatrix.chunkCount, SAMPLES);
    assert.deepEqual(imatrix.datasets, ["arith-calib.jsonl"]);

    const model = await readGguf(referenceGguf);
    const weights = model.tensors
      .filter((tensor) => tensor.shape.length === 2 && isQuantizedByLlamaCpp(tensor))
      .filter((tensor) => tensor.name !== "token_embd.weight" && tensor.name !== "output.weight");
    assert.ok(weights.length >= 14, `${weights.length} weights`);
    assert.equal(printed.entries, weights.length);
    assert.deepEqual([...imatrix.entries.keys()].sort(), weights.map((tensor) => tensor.name).sort());
    for (const tensor of weights) {
      const values = imatrix.entries.get(tensor.name)!;
      assert.equal(values.length, tensor.shape[1], `${tensor.name}: one value per column`);
      assert.ok(values.every((value) => Number.isFinite(value) && value >= 0), `${tensor.name}: finite, non-negative`);
      assert.ok(Math.max(...values) > Math.min(...values), `${tensor.name}: not constant`);
    }
    // Real activations read back as means: weights sharing an input agree; unrelated inputs do not.
    const blocks = new Set(weights.map((tensor) => tensor.name.split(".")[1]));
    for (const block of blocks) {
      for (const group of SHARED_INPUTS) {
        const first = imatrix.entries.get(`blk.${block}.${group[0]}.weight`)!;
        for (const other of group.slice(1)) assert.deepEqual(imatrix.entries.get(`blk.${block}.${other}.weight`), first);
      }
      assert.notDeepEqual(imatrix.entries.get(`blk.${block}.attn_q.weight`), imatrix.entries.get(`blk.${block}.ffn_up.weight`));
    }
  });

  it("quantizes the reference GGUF to IQ2_XS with it, recorded in the manifest and the file", async () => {
    const out = path.join(dir, "ref-iq2_xs.gguf");
    const { manifest } = await quantizeGguf({ model: referenceGguf, type: "IQ2_XS", out, imatrix: imatrixPath, threads: 2 });
    assert.equal(manifest.type, "IQ2_XS");
    assert.deepEqual(manifest.fallbacks, []);
    assert.equal(manifest.imatrix?.format, "legacy");
    assert.equal(manifest.imatrix?.entries, imatrix.entries.size);
    assert.equal(manifest.imatrix?.chunks, SAMPLES);
    assert.deepEqual(manifest.imatrix?.datasets, ["arith-calib.jsonl"]);

    const written = await readGguf(out);
    assert.equal(metadataString(written, "quantize.imatrix.file"), "ref.imatrix");
    assert.equal(metadataNumber(written, "quantize.imatrix.entries_count"), imatrix.entries.size);
    const blockWeights = written.tensors.filter((tensor) => tensor.name.startsWith("blk.") && tensor.shape.length === 2);
    const layers = new Set(blockWeights.map((tensor) => tensor.name.split(".")[1])).size;
    // llama.cpp's IQ2_XS mix (llama_tensor_get_type): attn_v gets more bits (Q2_K; Q4_K with GQA >= 4), as
    // does ffn_down in the first eighth of the layers (Q2_K); every other blk weight is IQ2_XS.
    for (const tensor of blockWeights) {
      const layer = Number(tensor.name.split(".")[1]);
      if (tensor.name.endsWith(".attn_v.weight")) {
        assert.ok(["Q2_K", "Q4_K"].includes(tensor.typeName), `${tensor.name} is ${tensor.typeName}`);
      } else if (tensor.name.endsWith(".ffn_down.weight") && layer < Math.floor(layers / 8)) {
        assert.equal(tensor.typeName, "Q2_K", tensor.name);
      } else {
        assert.equal(tensor.typeName, "IQ2_XS", tensor.name);
      }
    }
    assert.ok(manifest.output.tensorTypes.IQ2_XS! >= 5 * layers, JSON.stringify(manifest.output.tensorTypes));
  });
});
