/**
 * `qreason report` on an interrupted run shows what is graded of what is planned, never a zero score for
 * what was not graded: the run stops (Ctrl-C) part-way through the baseline, before the variant starts;
 * the report stage then runs alone on the directory (nothing graded yet), then with grade.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { benchmarkNames } from "../data/index.ts";
import { loadStudy } from "../study/index.ts";
import { enginePython, projectRoot, sharedDataDir } from "../testing/paths.ts";
import { runStagesOn, runStudy } from "./index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-interrupted-report-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("an interrupted run's report says n graded of n planned, and shows no score where nothing is graded", async () => {
  const loopback = await startLoopback();
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    writeSumsBenchmark(benchmarkFile, 30);
    const file = path.join(scratch, "study.yaml");
    writeFileSync(file, sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"], concurrency: 2 }));
    const study = await loadStudy(file, { known: { benchmarks: benchmarkNames() } });
    const runDirectory = path.join(scratch, "run");
    const settings = { dataDir: sharedDataDir, python: enginePython, projectRoot, qreasonVersion: "test" };
    const controller = new AbortController();
    let generated = 0;
    const summary = await runStudy({
      ...settings,
      study,
      runDirectory,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "generated" && ++generated === 10) controller.abort();
      },
    });
    assert.equal(summary.interrupted, true);
    await loopback.settled();

    // The report alone: what is stored is not graded yet, and says so (no score, not 0.0%).
    await runStagesOn(runDirectory, ["report"], { ...settings, force: ["report"] });
    const ungraded = readFileSync(path.join(runDirectory, "summary.md"), "utf8");
    assert.match(ungraded, /\| fp \| — \| — \| — \| — \| — \| 0 \| 0\/30 \(\d+ generated\) \|/);
    assert.match(ungraded, /\| q4 \| — \| — \| — \| — \| — \| 0 \| 0\/30 \|/);

    const report = await runStagesOn(runDirectory, ["grade", "report"], { ...settings, force: ["report"] });
    assert.equal(report.interrupted, false);
    const markdown = readFileSync(path.join(runDirectory, "summary.md"), "utf8");
    const stored = Number(/\| fp \| [^|]+ \| — \| — \| — \| — \| \d+ \| (\d+)\/30 \|/.exec(markdown)?.[1]);
    assert.ok(stored >= 10 && stored < 30, markdown);
    assert.match(markdown, /\| q4 \| — \| — \| — \| — \| — \| 0 \| 0\/30 \|/); // no "0.0 [0.0, 11.4]"
    assert.match(markdown, /\| q4 \| — \| — \| 0\/30 \| — \| — \| — \| incomplete \|/);
    const results = JSON.parse(readFileSync(path.join(runDirectory, "results.json"), "utf8")) as { run: { complete: boolean }; variantFacts: { variant: string; graded: number; planned: number }[] };
    assert.equal(results.run.complete, false);
    assert.deepEqual(results.variantFacts.map(({ variant, graded, planned }) => ({ variant, graded, planned })), [
      { variant: "fp", graded: stored, planned: 30 },
      { variant: "q4", graded: 0, planned: 30 },
    ]);
  } finally {
    await loopback.close();
  }
});
