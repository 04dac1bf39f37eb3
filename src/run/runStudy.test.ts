/**
 * `runStudy` end to end on the openai backend against loopback servers playing a deterministic model:
 * what gets stored, graded and compared; errors stored as errors and retried by the next run (and only
 * they); fan-out across two servers; moving a server asks nothing again; Ctrl-C stops cleanly and the
 * next run finishes exactly the rest.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { benchmarkNames } from "../data/index.ts";
import { openRunStore } from "../store/index.ts";
import { loadStudy } from "../study/index.ts";
import { projectRoot, sharedDataDir, enginePython } from "../testing/paths.ts";
import { readRunRecord, runStudy, type RunSummary } from "./index.ts";
import { answer, startLoopback, sumsStudy, writeSumsBenchmark, type LoopbackServer } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-run-study-"));
const servers: LoopbackServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(scratch, { recursive: true, force: true });
});

const benchmarkFile = path.join(scratch, "sums.jsonl");
writeSumsBenchmark(benchmarkFile, 30);
let studies = 0;

async function server(options: Parameters<typeof startLoopback>[0] = {}): Promise<LoopbackServer> {
  const started = await startLoopback(options);
  servers.push(started);
  return started;
}

async function runText(text: string, runDirectory: string, signal?: AbortSignal, onGenerated?: () => void): Promise<RunSummary> {
  const file = path.join(scratch, `study-${studies++}.yaml`);
  writeFileSync(file, text);
  const study = await loadStudy(file, { known: { benchmarks: benchmarkNames() } });
  return runStudy({
    study,
    runDirectory,
    dataDir: sharedDataDir,
    python: enginePython,
    projectRoot,
    qreasonVersion: "test",
    ...(signal ? { signal } : {}),
    onEvent: (event) => {
      if (event.type === "generated") onGenerated?.();
    },
  });
}

function storedCounts(runDirectory: string): { generations: number; failures: number; grades: number; pending: number } {
  const record = readRunRecord(runDirectory);
  const keys = record.cells.flatMap((cell) => cell.keys);
  const store = openRunStore(runDirectory, { readOnly: true });
  try {
    return {
      generations: store.generations(keys).length,
      failures: store.failures(keys).length,
      grades: store.gradedSamples(keys, record.grader ?? "").length,
      pending: store.pending(keys).length,
    };
  } finally {
    store.close();
  }
}

test("generates, grades and records every variant; a second run asks nothing", async () => {
  const loopback = await server();
  const runDirectory = path.join(scratch, "full");
  const text = sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q8", "q4"] });
  const first = await runText(text, runDirectory);
  assert.deepEqual(first.variants.map(({ variant, generated, cached, pending }) => ({ variant, generated, cached, pending })), [
    { variant: "fp", generated: 30, cached: 0, pending: 0 },
    { variant: "q8", generated: 30, cached: 0, pending: 0 },
    { variant: "q4", generated: 30, cached: 0, pending: 0 },
  ]);
  assert.equal(loopback.answered, 90);
  assert.equal(first.graded, 90);
  assert.deepEqual(storedCounts(runDirectory), { generations: 90, failures: 0, grades: 90, pending: 0 });

  // The grades are the loopback model's truth: the reference is always right, a variant wrong where it said so.
  const record = readRunRecord(runDirectory);
  const store = openRunStore(runDirectory, { readOnly: true });
  try {
    for (const cell of record.cells) {
      const graded = store.gradedSamples(cell.keys, record.grader ?? "");
      const model = cell.variant === "fp" ? "reference" : cell.variant;
      const problems = new Map(store.problems(graded[0]?.benchmark ?? "").map((problem) => [problem.id, problem]));
      for (const sample of graded) {
        const problem = problems.get(sample.problemId);
        const expected = answer(model, `Question: ${problem?.question}\nAnswer:`);
        assert.equal(sample.text, expected);
        const right = expected.includes(`\\boxed{${problem?.answer}}`);
        assert.equal(sample.status === "correct", right, `${cell.variant} ${sample.problemId}: ${sample.status}`);
      }
    }
  } finally {
    store.close();
  }

  const second = await runText(text, runDirectory);
  assert.equal(loopback.answered, 90, "the second run sent no request");
  assert.deepEqual(second.variants.map((variant) => variant.cached), [30, 30, 30]);
  assert.equal(second.graded, 0);
});

test("errors are stored as errors and only they are retried by the next run", async () => {
  const refuseOdd = (prompt: string): boolean => /What is \d*[13579] \+/.test(prompt);
  const loopback = await server({ refuse: refuseOdd });
  const runDirectory = path.join(scratch, "errors");
  const text = sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"] });
  const first = await runText(text, runDirectory);
  const refused = loopback.refused;
  assert.ok(refused > 0 && refused < 60, `${refused} refused`);
  assert.deepEqual(storedCounts(runDirectory), { generations: 60 - refused, failures: refused, grades: 60 - refused, pending: refused });
  assert.equal(first.variants.reduce((sum, variant) => sum + variant.failed, 0), refused);

  loopback.options.refuse = undefined;
  const answeredBefore = loopback.answered;
  const second = await runText(text, runDirectory);
  assert.equal(loopback.answered - answeredBefore, refused, "exactly the failed generations were asked again");
  assert.deepEqual(storedCounts(runDirectory), { generations: 60, failures: 0, grades: 60, pending: 0 });
  assert.equal(second.graded, refused);
});

test("fans out across base URLs, and moving the servers asks nothing again", async () => {
  const [left, right] = [await server({ delayMs: 2 }), await server({ delayMs: 2 })];
  const runDirectory = path.join(scratch, "fanout");
  const twoUrls = sumsStudy({ baseUrl: left.baseUrl, benchmarkFile, variants: ["q4"], concurrency: 2 }).replace(
    `endpoint: { base_url: "${left.baseUrl}", model: reference }`,
    `endpoint: { base_urls: ["${left.baseUrl}", "${right.baseUrl}"], model: reference }`,
  );
  await runText(twoUrls, runDirectory);
  assert.ok(left.answered > 0 && right.answered > 0, `both servers served: ${left.answered} + ${right.answered}`);
  assert.equal(left.answered + right.answered, 60);

  const elsewhere = await server();
  await runText(twoUrls.replaceAll(left.baseUrl, elsewhere.baseUrl).replaceAll(right.baseUrl, elsewhere.baseUrl), runDirectory);
  assert.equal(elsewhere.answered, 0, "generation keys do not hold the servers' URLs");
});

test("Ctrl-C stops cleanly; the next run makes exactly what was left", async () => {
  const loopback = await server({ delayMs: 5 });
  const runDirectory = path.join(scratch, "interrupted");
  const text = sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q8", "q4"], concurrency: 2 });
  const controller = new AbortController();
  let generated = 0;
  const first = await runText(text, runDirectory, controller.signal, () => {
    if (++generated === 40) controller.abort();
  });
  assert.equal(first.interrupted, true);
  assert.equal(readRunRecord(runDirectory).interrupted, true);
  const afterStop = storedCounts(runDirectory);
  assert.equal(afterStop.failures, 0, "interrupted requests are not errors");
  assert.ok(afterStop.generations >= 40 && afterStop.generations <= 42, `${afterStop.generations} stored`);

  // Requests cancelled by Ctrl-C may still reach the server and be answered to nobody: count from when it is idle.
  await loopback.settled();
  const askedBefore = loopback.received;
  const second = await runText(text, runDirectory);
  assert.equal(second.interrupted, false);
  assert.equal(loopback.received - askedBefore, 90 - afterStop.generations, "the next run asked for exactly the rest");
  assert.deepEqual(storedCounts(runDirectory), { generations: 90, failures: 0, grades: 90, pending: 0 });
});

test("n samples per problem, and two labels over the same problems: asked once, compared per label and overall", async () => {
  const loopback = await server();
  const runDirectory = path.join(scratch, "samples");
  const text = sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"], n: 2 }).replace(
    "    label: sums\n",
    `    label: sums\n  - file: ${JSON.stringify(benchmarkFile)}\n    label: sums-10\n    size: 10\n`,
  );
  const summary = await runText(text, runDirectory);
  // 30 problems x 2 samples x 2 variants; the 10 of the second label are the same questions with the same sampling.
  assert.equal(loopback.answered, 120);
  assert.deepEqual(summary.variants.map((variant) => [variant.total, variant.generated]), [[80, 60], [80, 60]]);
  const { writeReports } = await import("../report/index.ts");
  const { results } = await writeReports(runDirectory, { bootstrapResamples: 500 });
  assert.deepEqual(results.comparisons.map((entry) => [entry.benchmark, entry.variant, entry.comparison.problems.paired]), [
    ["sums", "q4", 30],
    ["sums-10", "q4", 10],
    ["all benchmarks", "q4", 40],
  ]);
  for (const entry of results.comparisons) {
    assert.equal(entry.comparison.pairing, "sample-0");
    assert.equal(entry.comparison.variant.intervalMethod, "normal-over-problems");
    assert.equal(entry.comparison.variant.samplesPerProblem, 2);
  }
  const cell = results.cells.find((entry) => entry.benchmark === "sums-10" && entry.variant === "fp");
  assert.deepEqual([cell?.planned, cell?.generated, cell?.accuracy.samples], [20, 20, 20]);
});
