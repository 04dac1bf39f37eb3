/**
 * `qreason data export <benchmark> --out F.jsonl`: a benchmark's problems as JSON lines. For the arith
 * testbed each line is a training record `{id, prompt, completion, text, answer, level}` in the
 * format-aligned solution format (what `qreason-engine train-reference --data` reads); for other
 * benchmarks each line is the normalized Problem. The file is written to a temporary name and renamed,
 * and an existing file is only replaced with --force.
 */
import { defineCommand } from "citty";
import { createHash } from "node:crypto";
import path from "node:path";
import { QreasonError } from "../../errors.ts";
import { ARITH_BENCHMARK, arithTrainingJsonl } from "../../data/arith/index.ts";
import { findBenchmark, loadProblems, resolveSplit, selectSubset, type Problem } from "../../data/index.ts";
import { openAtomicOutput, resolveOutputTarget } from "../../io/index.ts";
import { readConfig } from "../config.ts";
import { exitOnInterrupt } from "../interrupt.ts";

function parseCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new QreasonError("E_USAGE", `${flag} must be a positive integer, got '${value}'`);
  }
  return Number(value);
}

function parseSeed(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new QreasonError("E_USAGE", `--seed must be a non-negative integer, got '${value}'`);
  }
  return Number(value);
}

/** The lines to write: training records for arith, normalized problems otherwise. */
export function* exportLines(problems: Problem[]): Generator<string> {
  if (problems.every((problem) => problem.benchmark === ARITH_BENCHMARK)) {
    yield* arithTrainingJsonl(problems);
    return;
  }
  for (const problem of problems) yield `${JSON.stringify(problem)}\n`;
}

/** Writes `lines` to `file` through a temporary file beside its real target; returns the sha256 written. */
async function writeAtomically(file: string, lines: Iterable<string>): Promise<string> {
  const output = await openAtomicOutput(file, "--out"); // follows a symlink, refuses a directory or FIFO
  const hash = createHash("sha256");
  try {
    let chunk = "";
    const flush = async (): Promise<void> => {
      hash.update(chunk, "utf8");
      await output.write(chunk);
      chunk = "";
    };
    for (const line of lines) {
      chunk += line;
      if (chunk.length > 1 << 20) await flush();
    }
    await flush();
    await output.commit();
  } catch (error) {
    output.abort();
    throw error;
  }
  return hash.digest("hex");
}

export default defineCommand({
  meta: { name: "export", description: "Write a benchmark's problems as JSONL (arith: training records)" },
  args: {
    name: { type: "positional", required: true, description: "Benchmark name, e.g. arith" },
    out: { type: "string", required: true, description: "Output JSONL file" },
    split: { type: "string", description: "Split (default: the benchmark's default split)" },
    n: { type: "string", description: "How many problems (generated: the size to generate; files: a seeded sample)" },
    seed: { type: "string", description: "Seed (generated: the generator's seed; files: the sample's), default 0" },
    force: { type: "boolean", description: "Replace --out if it exists" },
  },
  async run({ args }) {
    const config = readConfig();
    exitOnInterrupt(); // Ctrl-C: exit through Node, which removes the temporary file
    const count = parseCount(args.n, "--n");
    const seed = parseSeed(args.seed);
    const out = path.resolve(args.out);
    // A directory, FIFO or missing folder is named as such, before "exists" would ask for --force.
    const target = await resolveOutputTarget(out, "--out");
    if (!args.force && target.mode !== undefined) {
      throw new QreasonError("E_USAGE", "the output file exists; pass --force to replace it", { file: out });
    }
    const benchmark = findBenchmark(args.name);
    const split = resolveSplit(benchmark, args.split);
    const generated = benchmark.origin === "generated";
    const loaded = await loadProblems(args.name, {
      dataDir: config.dataDir,
      split,
      seed,
      ...(generated && count !== undefined ? { size: count } : {}),
    });
    const problems = !generated && count !== undefined && count < loaded.length ? selectSubset(loaded, { size: count, seed }) : loaded;
    const sha256 = await writeAtomically(out, exportLines(problems));
    console.log(`wrote ${problems.length} ${benchmark.name} ${split} problems (seed ${seed}) to ${out}\nsha256 ${sha256}`);
  },
});
