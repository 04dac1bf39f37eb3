/**
 * The runner on real backends: the embedded llama.cpp (a tiny GGUF, quantized to Q4_0 by llama.cpp's own
 * quantizer) and the spawned Python engine (a tiny HF Llama, quantized with an RTN recipe by
 * `qreason-engine quantize`). Few problems and few tokens: what is checked is the plumbing — artifacts made
 * and cached by recipe hash, generations stored with the backend's identity, grades, resume without
 * quantizing or starting a backend again. (The openai backend: runStudy.test.ts and kill.test.ts.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openRunStore } from "../store/index.ts";
import { loadStudy } from "../study/index.ts";
import { benchmarkNames } from "../data/index.ts";
import { QUANT_TYPES } from "../quantize/index.ts";
import { tinyGgufModel, tinyHfModel } from "../testing/tinyModels.ts";
import { enginePython, projectRoot, sharedDataDir } from "../testing/paths.ts";
import { readRunRecord, runStudy, type RunEvent } from "./index.ts";
import { writeSumsBenchmark } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-run-backends-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const benchmarkFile = path.join(scratch, "sums.jsonl");
writeSumsBenchmark(benchmarkFile, 4);

function studyText(model: string, variants: string[]): string {
  return `name: tiny
models:
  - ${model}
    variants:
${variants.map((variant) => `      - ${variant}`).join("\n")}
benchmarks:
  - file: ${JSON.stringify(benchmarkFile)}
    label: sums
prompt:
  template: question-answer
sampling:
  max_tokens: 6
runtime:
  threads: 1
  batch_size: 2
  retries: 0
  device: cpu
`;
}

async function run(studyFile: string, runDirectory: string): Promise<{ events: RunEvent[]; summary: Awaited<ReturnType<typeof runStudy>> }> {
  const study = await loadStudy(studyFile, { known: { benchmarks: benchmarkNames(), llamacppTypes: QUANT_TYPES } });
  const events: RunEvent[] = [];
  const summary = await runStudy({
    study,
    runDirectory,
    dataDir: sharedDataDir,
    python: enginePython,
    projectRoot,
    qreasonVersion: "test",
    onEvent: (event) => events.push(event),
  });
  return { events, summary };
}

function filesUnder(directory: string): Map<string, number> {
  const stamps = new Map<string, number>();
  for (const name of readdirSync(directory, { recursive: true }) as string[]) {
    const file = path.join(directory, name);
    stamps.set(name, statSync(file).mtimeMs);
  }
  return stamps;
}

for (const backend of ["llamacpp", "engine"] as const) {
  test(`${backend}: quantizes, generates, grades, and resumes without starting anything`, { timeout: 240_000 }, async () => {
    const model =
      backend === "llamacpp"
        ? `gguf: ${JSON.stringify(await tinyGgufModel("llama"))}`
        : `hf: ${JSON.stringify(await tinyHfModel("llama"))}`;
    const variant = backend === "llamacpp" ? "Q4_0" : "{ engine: { method: rtn, w_bits: 4, group_size: 32 } }";
    const variantName = backend === "llamacpp" ? "Q4_0" : "rtn-w4-g32";
    const studyFile = path.join(scratch, `${backend}.yaml`);
    writeFileSync(studyFile, studyText(model, [variant]));
    const runDirectory = path.join(scratch, `run-${backend}`);

    const first = await run(studyFile, runDirectory);
    assert.equal(first.summary.interrupted, false);
    assert.deepEqual(
      first.summary.variants.map(({ variant, total, generated, pending, failed }) => ({ variant, total, generated, pending, failed })),
      [
        { variant: "fp", total: 4, generated: 4, pending: 0, failed: 0 },
        { variant: variantName, total: 4, generated: 4, pending: 0, failed: 0 },
      ],
    );
    assert.ok(first.events.some((event) => event.type === "prepare" && event.variant === variantName), "the variant was quantized");

    const record = readRunRecord(runDirectory);
    const store = openRunStore(runDirectory, { readOnly: true });
    try {
      const keys = record.cells.flatMap((cell) => cell.keys);
      assert.equal(keys.length, 8);
      const generations = store.generations(keys);
      assert.equal(generations.length, 8);
      for (const generation of generations) {
        assert.equal(generation.backendKind, backend);
        assert.ok(generation.completionTokens <= 6, `max_tokens honoured: ${generation.completionTokens}`);
      }
      assert.ok(generations.some((generation) => generation.text.length > 0), "the model wrote something");
      assert.equal(store.gradedSamples(keys, record.grader ?? "").length, 8);
      const variants = store.variants();
      const quantized = variants.find((entry) => entry.name === variantName);
      const baseline = variants.find((entry) => entry.name === "fp");
      assert.ok(quantized !== undefined, `variant ${variantName} is recorded`);
      assert.ok(quantized.artifactPath?.startsWith(path.join(runDirectory, "artifacts")), "the quantized artifact lives in the run directory");
      assert.ok(quantized.manifest !== null, "the quantizer's manifest is recorded");
      assert.notEqual(quantized.modelIdentity, baseline?.modelIdentity, "the variant's identity differs from the baseline's");
      assert.equal((quantized.provenance as { backend: { kind: string } }).backend.kind, backend);
    } finally {
      store.close();
    }

    const artifacts = filesUnder(path.join(runDirectory, "artifacts"));
    const second = await run(studyFile, runDirectory);
    assert.deepEqual(second.summary.variants.map((entry) => entry.generated), [0, 0]);
    assert.ok(!second.events.some((event) => event.type === "prepare" || event.type === "generate-start"), "nothing was quantized or started");
    assert.deepEqual(filesUnder(path.join(runDirectory, "artifacts")), artifacts, "the cached artifacts were left alone");
  });
}
