/**
 * `npm run bench:grade`: grading throughput on one core and latency per item, on the 500 MATH-500 gold
 * answers against varied predicted outputs (boxed, reformatted LaTeX, `x =` forms, wrong answers,
 * Minerva-style sentences, long reasoning, no answer, last-number fallbacks); then the long-output set
 * (1–4k characters of realistic solution prose in eight styles, grade-long-outputs.ts) in-process and end
 * to end through `qreason grade --workers 1` as a child process; then, when ../shared/data has it, the
 * real solutions of ProcessBench's GSM8K split. Prints numbers and the machine's load; asserts nothing.
 * QREASON_DATA picks the data directory (default: ../shared/data beside the checkout).
 *
 *   npm run bench:grade                   one core, in-process, and end to end on one worker
 *   npm run bench:grade -- --pool         also through the worker pool on every core
 *   npm run bench:grade -- --lines 50000  end-to-end file size (default 20,000 lines)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createGrader, DEFAULT_TIME_BUDGET_MS, GradePool, GRADE_STATUSES, type GradeItem, type GradeStatus } from "../src/grade/index.ts";
import { projectRoot } from "../src/testing/paths.ts";
import { LONG_STYLES, longOutputs } from "./grade-long-outputs.ts";

const { values: flags } = parseArgs({ options: { pool: { type: "boolean" }, lines: { type: "string", default: "20000" } } });
const dataDir = process.env.QREASON_DATA ?? path.resolve(projectRoot, "..", "shared", "data");
const PASSES = 5;

const golds = readFileSync(path.join(dataDir, "math500", "test.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => (JSON.parse(line) as { answer: string }).answer);

/** A fixed stretch of reasoning text, so long outputs cost what real ones do (~1.5 KB). */
const REASONING =
  "Let us set up the problem carefully. We first write down what is given and what is asked. " +
  "Expanding the expression and collecting like terms, we get a quadratic, which factors nicely. " +
  "Checking the boundary cases separately confirms that no solution is lost, and substituting back " +
  "verifies the computation step by step. ".repeat(1) +
  "We now combine the partial results: the first part contributes 12, the second 7, and the cross term 3. ".repeat(8);

/** Predicted outputs for one gold: the forms models write, equivalent or not. Written from the gold text only. */
function outputsFor(gold: string): string[] {
  const reformatted = gold
    .replace(/\\frac/g, "\\dfrac")
    .replace(/\\left|\\right/g, "")
    .replace(/,\s+/g, ",");
  return [
    `The answer is $\\boxed{${gold}}$.`,
    `Therefore, the final answer is $\\boxed{${reformatted}}$.`,
    `So we conclude that $x = ${gold}$.\n\nThe answer is $x = ${gold}$.`,
    `Hence the result is $\\boxed{${gold} + 1}$.`,
    `Final Answer: The final answer is $${gold}$. I hope it is correct.`,
    `${REASONING}\n\nPutting everything together, we obtain $\\boxed{${gold}}$.`,
    `${REASONING.replace(/\d+/g, "some")}\n\nI am not able to finish this problem.`,
    `${REASONING.slice(0, 400)} so the total is 22 apples`,
  ];
}

const shortItems: GradeItem[] = golds.flatMap((gold) => outputsFor(gold).map((output) => ({ gold, output })));

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

function report(label: string, latencies: number[], seconds: number, statuses: Record<GradeStatus, number>, cpu?: number[]): void {
  const sorted = [...latencies].sort((left, right) => left - right);
  const overBudget = sorted.filter((latency) => latency > DEFAULT_TIME_BUDGET_MS).length;
  // Thread CPU time per item: the grading work itself, without the waits a loaded machine adds.
  const cpuSorted = cpu ? [...cpu].sort((left, right) => left - right) : undefined;
  const cpuText = cpuSorted
    ? `  cpu p50 ${percentile(cpuSorted, 0.5).toFixed(3)} ms  p99 ${percentile(cpuSorted, 0.99).toFixed(3)} ms  ${(cpuSorted.length / (cpuSorted.reduce((sum, value) => sum + value, 0) / 1000)).toFixed(0)} items per CPU second`
    : "";
  console.log(
    `${label.padEnd(26)} ${String(latencies.length).padStart(7)} items  ${(latencies.length / seconds).toFixed(0).padStart(7)} items/s  ` +
      `p50 ${percentile(sorted, 0.5).toFixed(3)} ms  p99 ${percentile(sorted, 0.99).toFixed(3)} ms  max ${sorted.at(-1)!.toFixed(1)} ms  ` +
      `over budget ${overBudget}${cpuText}`,
  );
  console.log(`${"".padEnd(26)} ${GRADE_STATUSES.map((status) => `${status} ${statuses[status]}`).join(", ")}`);
}

function gradePasses(
  passes: number,
  items: GradeItem[] = shortItems,
): { latencies: number[]; cpu: number[]; seconds: number; statuses: Record<GradeStatus, number>; slowest: Array<[number, GradeItem]> } {
  const grader = createGrader();
  const latencies: number[] = [];
  const cpu: number[] = [];
  const statuses = Object.fromEntries(GRADE_STATUSES.map((status) => [status, 0])) as Record<GradeStatus, number>;
  const slowest: Array<[number, GradeItem]> = [];
  const started = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    for (const item of items) {
      const cpuBefore = process.threadCpuUsage();
      const before = performance.now();
      const result = grader.gradeItem(item);
      const latency = performance.now() - before;
      const used = process.threadCpuUsage(cpuBefore);
      latencies.push(latency);
      cpu.push((used.user + used.system) / 1000);
      if (pass === passes - 1) statuses[result.status]++;
      if (latency > 5) slowest.push([latency, item]);
    }
  }
  return { latencies, cpu, seconds: (performance.now() - started) / 1000, statuses, slowest };
}

const load = () => os.loadavg().map((value) => value.toFixed(2)).join(" ");
console.log(
  `bench:grade — ${golds.length} MATH-500 golds × ${shortItems.length / golds.length} predicted forms = ${shortItems.length} items; ` +
    `node ${process.version}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}; load average ${load()}; ${new Date().toISOString().slice(0, 10)}\n`,
);

// Cold: a fresh grader (empty gold cache), CAS loaded on first need, JIT cold.
const cold = gradePasses(1);
report("one core, cold (1 pass)", cold.latencies, cold.seconds, cold.statuses, cold.cpu);
// Warm: a fresh grader again, but the process is warm; several passes as a long run sees them.
const warm = gradePasses(PASSES);
report(`one core, warm (${PASSES} passes)`, warm.latencies, warm.seconds, warm.statuses, warm.cpu);

// The CAS path: answers only the CAS can read (\sum, \prod, \operatorname{lcm}). None of the forms above
// needs it, so its cost is measured apart: the first such item pays the CAS's load time.
const casItems: GradeItem[] = Array.from({ length: 200 }, (_, index) => {
  const n = 5 + (index % 40);
  const forms = [`\\sum_{k=1}^{${n}} k`, `\\prod_{k=1}^{${n % 9 + 2}} k`, `\\operatorname{lcm}(${n}, ${n + 2})`];
  const answers = [(n * (n + 1)) / 2, [...Array(n % 9 + 2).keys()].reduce((product, k) => product * (k + 1), 1), lcm(n, n + 2)];
  return { gold: String(answers[index % 3]), output: `The answer is $\\boxed{${forms[index % 3]}}$.` };
});
{
  const grader = createGrader();
  const latencies: number[] = [];
  const statuses = Object.fromEntries(GRADE_STATUSES.map((status) => [status, 0])) as Record<GradeStatus, number>;
  const started = performance.now();
  for (const item of casItems) {
    const before = performance.now();
    statuses[grader.grade(item.gold, item.output).status]++;
    latencies.push(performance.now() - before);
  }
  console.log("");
  report("CAS path (first loads it)", latencies, (performance.now() - started) / 1000, statuses);
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a / gcd(a, b)) * b;
}

const slowest = [...cold.slowest, ...warm.slowest].sort((left, right) => right[0] - left[0]).slice(0, 5);
if (slowest.length > 0) {
  console.log("\nslowest items (> 5 ms):");
  for (const [latency, item] of slowest) console.log(`  ${latency.toFixed(1).padStart(8)} ms  gold ${JSON.stringify(item.gold)}  output ${JSON.stringify(item.output.slice(-60))}`);
}

// ---------------------------------------------------------------------------------------------------
// Long outputs: 1–4k characters of solution prose, in-process and end to end.

const gsm8kGolds = readFileSync(path.join(dataDir, "gsm8k", "test.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => (JSON.parse(line) as { answer: string }).answer.split("####").pop()!.trim().replaceAll(",", ""));
const longItems = longOutputs(golds, gsm8kGolds, 500);
const lengths = longItems.map((item) => item.output.length).sort((left, right) => left - right);
console.log(
  `\nlong outputs: ${longItems.length} items (${LONG_STYLES.length} styles × 500), ${lengths[0]}–${lengths.at(-1)} characters, ` +
    `median ${lengths[Math.floor(lengths.length / 2)]}; load average ${load()}`,
);
const longCold = gradePasses(1, longItems);
report("long, one core, cold", longCold.latencies, longCold.seconds, longCold.statuses, longCold.cpu);
const longWarm = gradePasses(PASSES, longItems);
report(`long, one core, warm (${PASSES})`, longWarm.latencies, longWarm.seconds, longWarm.statuses, longWarm.cpu);

/** `qreason grade --workers 1` on a file of `lines` items, as a child process: wall time and its own summary. */
function endToEnd(label: string, items: GradeItem[], lines: number): void {
  const directory = mkdtempSync(path.join(os.tmpdir(), "qreason-bench-grade-"));
  try {
    const input = path.join(directory, "in.jsonl");
    const output = path.join(directory, "out.jsonl");
    let text = "";
    for (let index = 0; index < lines; index++) {
      const item = items[index % items.length]!;
      text += `${JSON.stringify({ id: `item-${index}`, gold: item.gold, output: item.output, finish_reason: item.finishReason ?? "stop" })}\n`;
    }
    writeFileSync(input, text);
    const before = load();
    const started = performance.now();
    const command = [process.execPath, path.join(projectRoot, "bin", "qreason.js"), "grade", "--input", input, "--output", output, "--workers", "1"];
    // GNU time, where the machine has it, adds the CPU seconds the whole process (both threads) used.
    const timed = existsSync("/usr/bin/time");
    const run = spawnSync(timed ? "/usr/bin/time" : command[0]!, timed ? ["-f", "cpu %U %S", ...command] : command.slice(1), {
      encoding: "utf8",
      stdio: ["ignore", "ignore", "pipe"],
    });
    if (run.status !== 0) throw new Error(`qreason grade failed: ${run.stderr}`);
    const stderr = run.stderr;
    const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(stderr);
    const cpuSeconds = cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined;
    const wall = (performance.now() - started) / 1000;
    const summary = /graded (\d+) items in ([\d.]+) s \((\d+) items\/s\)/.exec(stderr);
    console.log(
      `${label.padEnd(26)} ${String(lines).padStart(7)} lines  ${(lines / wall).toFixed(0).padStart(7)} items/s wall (${wall.toFixed(2)} s, Node start included)  ` +
        `${summary ? `${summary[3]} items/s by its own summary (${summary[2]} s)` : "(no summary)"}  ` +
        `${cpuSeconds ? `${(lines / cpuSeconds).toFixed(0)} items per CPU second (${cpuSeconds.toFixed(2)} s)  ` : ""}load ${before} → ${load()}`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

console.log("");
const lines = Number(flags.lines);
endToEnd("qreason grade, long", longItems, lines);
endToEnd("qreason grade, long", longItems, 2400);

// Real solutions: ProcessBench's GSM8K split (12 instruction-tuned model families), when present.
const processBench = path.join(dataDir, "processbench", "gsm8k.json");
if (existsSync(processBench)) {
  const gsm8kByQuestion = new Map(
    readFileSync(path.join(dataDir, "gsm8k", "test.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { question: string; answer: string })
      .map((record) => [record.question.trim(), record.answer.split("####").pop()!.trim().replaceAll(",", "")]),
  );
  const realItems = (JSON.parse(readFileSync(processBench, "utf8")) as Array<{ problem: string; steps: string[] }>)
    .map((entry) => ({ gold: gsm8kByQuestion.get(entry.problem.trim()), output: entry.steps.join("\n\n") }))
    .filter((item): item is GradeItem => item.gold !== undefined);
  const realLengths = realItems.map((item) => item.output.length).sort((left, right) => left - right);
  console.log(`\nreal solutions (ProcessBench GSM8K): ${realItems.length} items, ${realLengths[0]}–${realLengths.at(-1)} characters, median ${realLengths[Math.floor(realLengths.length / 2)]}`);
  const realWarm = gradePasses(PASSES, realItems);
  report(`real, one core, warm (${PASSES})`, realWarm.latencies, realWarm.seconds, realWarm.statuses, realWarm.cpu);
  endToEnd("qreason grade, real", realItems, 2400);
  endToEnd("qreason grade, real", realItems, lines);
}

if (flags.pool) {
  const pool = new GradePool();
  const batch = 64;
  const repeated = Array.from({ length: PASSES }, () => shortItems).flat();
  const started = performance.now();
  const pending: Array<Promise<unknown>> = [];
  for (let index = 0; index < repeated.length; index += batch) pending.push(pool.grade(repeated.slice(index, index + batch)));
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nworker pool, ${pool.size} workers: ${repeated.length} items in ${seconds.toFixed(2)} s = ${(repeated.length / seconds).toFixed(0)} items/s (includes worker start-up)`);
  await pool.close();
}
