/**
 * The restore stage end to end on the bundled reference model through the engine: an RTN W2 variant
 * (the reference model loses about 40 points to it), training problems from arith's train split asked of
 * fp and the variant, pairs mined, a DPO, an SFT and an SFT-then-DPO adapter (DPO from the SFT adapter's
 * weights) trained by `qreason_engine train`, the variant with each adapter evaluated through the engine's `--adapter`, the restoration table stored and in the
 * report. Then resume: the same stage again trains nothing, asks nothing and starts no backend (every
 * adapter and generation is in the store, and the backends' facts in restore/backend-facts.json). Sizes are
 * tiny and training is one step (the plumbing is what is checked; the demo measures recovery): the cost is
 * the engine's starts (quantize, 5 generation backends, 3 trainings), each a fresh Python with torch.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { benchmarkNames } from "../data/index.ts";
import { QUANT_TYPES } from "../quantize/index.ts";
import { openRunStore } from "../store/index.ts";
import { loadStudy } from "../study/index.ts";
import { enginePython, projectRoot, sharedDataDir } from "../testing/paths.ts";
import { runStagesOn, runStudy } from "./index.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-restore-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const studyFile = path.join(scratch, "restore.yaml");
writeFileSync(
  studyFile,
  `name: restore-test
seed: 0
models:
  - name: reference
    hf: ${JSON.stringify(path.join(projectRoot, "models", "reference", "hf"))}
    backend: engine
    variants:
      - { name: rtn-w2, engine: { method: rtn, w_bits: 2, group_size: 64 } }
benchmarks:
  - name: arith
    split: test
    size: 8
prompt:
  template: testbed
sampling:
  temperature: 0
  max_tokens: 200
runtime:
  batch_size: 16
  device: cpu
  dtype: fp32
  retries: 0
restore:
  variants: [rtn-w2]
  train: [{ name: arith, split: train, size: 24 }]
  pairs: 6
  methods: [dpo, sft, sft+dpo]
  training: { lr: 1e-3, epochs: 1, batch_size: 4, max_steps: 1, device: cpu }
`,
);

const settings = { dataDir: sharedDataDir, python: enginePython, projectRoot, qreasonVersion: "test", bootstrapResamples: 500 };

test("restore on the reference model: mined, trained, evaluated, reported; a re-run does nothing again", { timeout: 1_500_000 }, async () => {
  const study = await loadStudy(studyFile, { known: { benchmarks: benchmarkNames(), llamacppTypes: QUANT_TYPES } });
  const runDirectory = path.join(scratch, "run");
  const summary = await runStudy({ ...settings, study, runDirectory });
  const restore = summary.stages.find((stage) => stage.stage === "restore");
  assert.equal(restore?.outcome?.status, "done", JSON.stringify(restore));
  assert.equal(restore?.outcome?.counts.trained, 3);
  assert.equal(restore?.outcome?.counts.restored, 1);

  const store = openRunStore(runDirectory);
  let generations: number;
  try {
    const state = store.state.current();
    assert.ok(state !== undefined && state.grader !== null);
    const [result] = store.restore.results(state.studyHash, state.grader);
    const table = (result?.result as { table: { problems: number; rows: { name: string; role: string; accuracy: number; recovered?: { gap: number } }[] } }).table;
    assert.deepEqual(table.rows.map((row) => [row.name, row.role]), [["fp", "fp"], ["rtn-w2", "variant"], ["dpo", "restored"], ["sft", "baseline"], ["sft+dpo", "restored"]]);
    assert.equal(table.problems, 8);
    const [set] = store.restore.pairSets(state.studyHash);
    assert.ok(set !== undefined && set.pairs > 0 && set.pairs <= 6, `pairs: ${set?.pairs}`);
    // Training problems are arith train problems, never test ones; the pairs file says so line by line.
    const lines = readFileSync(set.file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { id: string; chosen: string; rejected: string });
    assert.ok(lines.every((line) => line.id.startsWith("reference/arith/train/") && line.chosen !== line.rejected));
    const adapters = store.restore.adapters("reference", "rtn-w2");
    assert.deepEqual(adapters.map((adapter) => adapter.name).sort(), ["dpo", "sft", "sft+dpo"]);
    assert.ok(adapters.every((adapter) => existsSync(path.join(adapter.adapterPath, "adapter_model.safetensors"))));
    // sft+dpo is DPO started from the sft adapter (the engine's init_adapter), its reference the variant alone.
    const byName = new Map(adapters.map((adapter) => [adapter.name, adapter]));
    const sftThenDpo = byName.get("sft+dpo")?.train as { kind: string; recipe: { init_adapter: string | null }; reference: { policy: string } };
    assert.equal(sftThenDpo.kind, "dpo");
    assert.equal(sftThenDpo.recipe.init_adapter, byName.get("sft")?.adapterPath);
    assert.equal(sftThenDpo.reference.policy, "adapter-disabled");
    assert.equal((byName.get("dpo")?.train as { recipe: { init_adapter: string | null } }).recipe.init_adapter, null);
    const weights = (name: string): Buffer => readFileSync(path.join(byName.get(name)?.adapterPath ?? "", "adapter_model.safetensors"));
    assert.ok(!weights("sft+dpo").equals(weights("sft")), "one DPO step moved the sft adapter's weights");
    generations = store.counts().generations;
  } finally {
    store.close();
  }
  const report = readFileSync(path.join(runDirectory, "report.html"), "utf8");
  assert.match(report, /<section id="restoration">/);
  const results = JSON.parse(readFileSync(path.join(runDirectory, "results.json"), "utf8")) as { restoration?: unknown[] };
  assert.equal(results.restoration?.length, 1);

  // The five backends the stage started (fp and variant on training problems, the variant with each of
  // the three adapters) said who they are; a re-run keys its tasks with that and starts none of them.
  const facts = JSON.parse(readFileSync(path.join(runDirectory, "restore", "backend-facts.json"), "utf8")) as Record<string, { modelIdentity: string }>;
  assert.equal(Object.keys(facts).length, 5, Object.keys(facts).join(", "));
  // Resume: forced to run again, it finds every adapter and generation stored.
  // Its Python is one that does not exist: any backend start or training would fail.
  const again = await runStagesOn(runDirectory, ["restore"], { ...settings, python: path.join(scratch, "no-python"), force: ["restore"] });
  const rerun = again.stages.find((stage) => stage.stage === "restore");
  assert.equal(rerun?.outcome?.status, "done", JSON.stringify(rerun));
  assert.equal(rerun?.outcome?.counts.trained, 0);
  assert.equal(rerun?.outcome?.counts.restored, 1);
  const reopened = openRunStore(runDirectory);
  try {
    assert.equal(reopened.counts().generations, generations, "nothing was generated again");
  } finally {
    reopened.close();
  }
});
