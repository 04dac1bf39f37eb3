/**
 * Test support: a real small run directory with flips, made the way a user makes one — `runStudy` on a
 * study of the sums benchmark against the loopback "model" (src/run/testdata/loopback.ts), whose variants
 * answer some problems wrong (a false equation: `12 + 30 = 43`) or without a boxed answer. `override`
 * replaces a model's text (an XSS payload, say); `extra` adds problems of its own.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { benchmarkNames } from "../../data/index.ts";
import { runStudy } from "../../run/index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark, type LoopbackOptions } from "../../run/testdata/loopback.ts";
import { loadStudy } from "../../study/index.ts";
import { enginePython, projectRoot, sharedDataDir } from "../../testing/paths.ts";

export async function makeFlipsRun(scratch: string, options: { problems?: number; variants?: string[]; override?: LoopbackOptions["override"]; extra?: { id: string; question: string; answer: string }[] } = {}): Promise<string> {
  const loopback = await startLoopback(options.override ? { override: options.override } : {});
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    writeSumsBenchmark(benchmarkFile, options.problems ?? 24, options.extra ?? []);
    const studyFile = path.join(scratch, "study.yaml");
    writeFileSync(studyFile, sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: options.variants ?? ["q8", "q4"] }));
    const study = await loadStudy(studyFile, { known: { benchmarks: benchmarkNames() } });
    const runDirectory = path.join(scratch, "run");
    await runStudy({ study, runDirectory, dataDir: sharedDataDir, python: enginePython, projectRoot, qreasonVersion: "test", gradeWorkers: 1 });
    return runDirectory;
  } finally {
    await loopback.close();
  }
}
