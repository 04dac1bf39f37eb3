/**
 * Runner overhead (issue 6): against an OpenAI-compatible loopback endpoint that answers instantly, how
 * many generations per second `qreason run` persists, and how long resuming a finished run takes.
 * Targets: >= 2,000 generations/s persisted; resuming a finished 10,000-generation run in < 2 s.
 *
 *   npm run bench:runner [-- --problems 5000 --concurrency 64]
 *
 * The study: one endpoint model, its fp and one endpoint variant, `problems` JSONL problems each (so
 * 2 x problems generations). The endpoint runs in a worker thread (its own event loop, like a separate
 * server); it answers at once with a short step-by-step solution. Measured: the generation phase of the
 * first run (first request to last commit), grading, the whole first run; then a resume of the finished
 * run in-process (open, plan, keys, nothing pending, nothing to grade), writing the report files, and
 * `qreason run` again as a fresh process (process start, resume, reports rewritten or found up to date).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker } from "node:worker_threads";

if (!isMainThread) {
  // The endpoint: completions of "What is A + B?" with the right sum, answered at once.
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { prompt?: string; model?: string };
      const match = /What is (\d+) \+ (\d+)\?/.exec(body.prompt ?? "");
      const sum = match ? Number(match[1]) + Number(match[2]) + (body.model === "variant" && Number(match[1]) % 5 === 0 ? 1 : 0) : 0;
      const text = `Step 1: Add the two numbers: ${match?.[1]} + ${match?.[2]} = ${sum}.\n\\boxed{${sum}}`;
      const payload = JSON.stringify({ id: "b", object: "text_completion", created: 0, model: body.model, choices: [{ index: 0, text, finish_reason: "stop" }], usage: { prompt_tokens: 20, completion_tokens: 24, total_tokens: 44 } });
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
      response.end(payload);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => parentPort?.postMessage((server.address() as AddressInfo).port));
} else {
  const { values } = parseArgs({ options: { problems: { type: "string", default: "5000" }, concurrency: { type: "string", default: "64" } } });
  const problems = Number(values.problems);
  const total = 2 * problems;
  const { benchmarkNames } = await import("../src/data/index.ts");
  const { loadStudy } = await import("../src/study/index.ts");
  const { runStudy } = await import("../src/run/index.ts");
  const { writeReports } = await import("../src/report/index.ts");
  const { enginePython, projectRoot, sharedDataDir } = await import("../src/testing/paths.ts");

  const worker = new Worker(new URL(import.meta.url));
  const port = await new Promise<number>((resolve) => worker.once("message", resolve));
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-bench-runner-"));
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    const lines = Array.from({ length: problems }, (_, index) => JSON.stringify({ id: `p${index}`, question: `What is ${index} + ${(index * 7919) % 1000}?`, answer: String(index + ((index * 7919) % 1000)) }));
    writeFileSync(benchmarkFile, `${lines.join("\n")}\n`);
    const studyFile = path.join(scratch, "study.yaml");
    writeFileSync(
      studyFile,
      `name: bench
models:
  - name: loop
    endpoint: { base_url: "${baseUrl}", model: reference }
    variants:
      - { name: variant, endpoint: { base_url: "${baseUrl}", model: variant } }
benchmarks:
  - file: ${JSON.stringify(benchmarkFile)}
    label: sums
prompt: { template: question-answer }
sampling: { temperature: 0, max_tokens: 64 }
runtime: { concurrency: ${Number(values.concurrency)}, retries: 0 }
`,
    );
    const study = await loadStudy(studyFile, { known: { benchmarks: benchmarkNames() } });
    const runDirectory = path.join(scratch, "run");
    const options = { study, runDirectory, dataDir: sharedDataDir, python: enginePython, projectRoot, qreasonVersion: "bench" };

    let generationStarted = 0;
    let generationMs = 0;
    let gradeStarted = 0;
    let gradeMs = 0;
    const firstStart = performance.now();
    const first = await runStudy({
      ...options,
      onEvent: (event) => {
        if (event.type === "generate-start") generationStarted = performance.now();
        if (event.type === "generate-end") generationMs += performance.now() - generationStarted;
        if (event.type === "stage" && event.message === "grading") gradeStarted = performance.now();
        if (event.type === "graded" && event.done === event.total) gradeMs = performance.now() - gradeStarted;
      },
    });
    const firstMs = performance.now() - firstStart;
    const generated = first.variants.reduce((sum, variant) => sum + variant.generated, 0);
    if (generated !== total) throw new Error(`generated ${generated} of ${total}`);

    const resumeStart = performance.now();
    const resumed = await runStudy(options);
    const resumeMs = performance.now() - resumeStart;
    if (resumed.variants.some((variant) => variant.generated > 0) || resumed.graded > 0) throw new Error("the resume did work");

    const reportStart = performance.now();
    await writeReports(runDirectory);
    const reportMs = performance.now() - reportStart;

    // Twice: the first CLI run records another qreason version than this script, so it rewrites the reports;
    // the second finds nothing changed and leaves them alone (what a user's repeated `qreason run` does).
    const cliMs = [0, 1].map(() => {
      const cliStart = performance.now();
      const cli = spawnSync(process.execPath, [path.join(projectRoot, "bin", "qreason.js"), "run", studyFile, "--out", runDirectory, "--quiet"], { encoding: "utf8" });
      if (cli.status !== 0) throw new Error(`qreason run failed: ${cli.stderr}`);
      return performance.now() - cliStart;
    });

    const rows: Array<[string, string]> = [
      ["generations", String(total)],
      ["generation phase (first run)", `${(generationMs / 1000).toFixed(2)} s = ${Math.round(total / (generationMs / 1000))} generations/s persisted`],
      ["grading (first run)", `${(gradeMs / 1000).toFixed(2)} s = ${Math.round(total / (gradeMs / 1000))} grades/s`],
      ["whole first run (every stage: problems, generation, grading, comparison, report)", `${(firstMs / 1000).toFixed(2)} s`],
      ["resume of the finished run (runStudy: plan, every other stage nothing pending)", `${(resumeMs / 1000).toFixed(2)} s`],
      ["report files rewritten (writeReports, comparisons stored)", `${(reportMs / 1000).toFixed(2)} s`],
      ["resume through the CLI, reports rewritten", `${((cliMs[0] as number) / 1000).toFixed(2)} s`],
      ["resume through the CLI, nothing changed", `${((cliMs[1] as number) / 1000).toFixed(2)} s`],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log(`bench:runner — loopback endpoint, concurrency ${values.concurrency}, ${os.availableParallelism()} cores, Node ${process.version}`);
    for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  } finally {
    await worker.terminate();
    rmSync(scratch, { recursive: true, force: true });
  }
}
