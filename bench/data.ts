/**
 * `npm run bench:data`: how long loading each benchmark split takes (read + parse + normalize), and a
 * seeded subset of MATH train. Prints numbers; asserts nothing. QREASON_DATA picks the data directory
 * (default: ../shared/data beside the checkout).
 */
import path from "node:path";
import { benchmarks, loadProblems, selectSubset } from "../src/data/index.ts";
import { projectRoot } from "../src/testing/paths.ts";

const dataDir = process.env.QREASON_DATA ?? path.resolve(projectRoot, "..", "shared", "data");
const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function time(action: () => Promise<unknown>): Promise<{ first: number; median: number }> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await action();
    times.push(performance.now() - started);
  }
  return { first: times[0] as number, median: median(times) };
}

console.log(`data directory: ${dataDir}; node ${process.version}; ${RUNS} runs each\n`);
console.log("benchmark/split              problems   first ms  median ms  problems/s (median)");
for (const benchmark of benchmarks.filter((candidate) => candidate.origin === "files")) {
  for (const split of benchmark.splits) {
    let count = 0;
    const timing = await time(async () => {
      count = (await loadProblems(benchmark.name, { dataDir, split: split.name })).length;
    });
    const label = `${benchmark.name}/${split.name}`.padEnd(28);
    const rate = Math.round(count / (timing.median / 1000));
    console.log(`${label} ${String(count).padStart(8)} ${timing.first.toFixed(1).padStart(10)} ${timing.median.toFixed(1).padStart(10)} ${String(rate).padStart(12)}`);
  }
}

const train = await loadProblems("math", { dataDir, split: "train" });
const subset = await time(async () => selectSubset(train, { size: 500, seed: 1 }));
console.log(`\nselectSubset(7,500 MATH train problems, K=500): median ${subset.median.toFixed(1)} ms`);
