/**
 * The benchmark registry: the one list of benchmarks qreason can load. File-backed and generated
 * benchmarks register the same way, by adding their `Benchmark` to `benchmarks` below (a test checks
 * the list: unique names, valid splits, every pinned file matching PROVENANCE.md).
 */
import { QreasonError } from "../errors.ts";
import type { Benchmark, LoadOptions } from "./benchmark.ts";
import { arith } from "./arith/index.ts";
import { aime24, aime25, amc23 } from "./benchmarks/competitions.ts";
import { gsm8k } from "./benchmarks/gsm8k.ts";
import { JSONL_PREFIX, jsonlBenchmark, type FieldMapping } from "./benchmarks/jsonl.ts";
import { math } from "./benchmarks/math.ts";
import { math500 } from "./benchmarks/math500.ts";
import { minervaMath } from "./benchmarks/minerva.ts";
import { olympiadBench } from "./benchmarks/olympiadbench.ts";
import { closestName } from "../suggest.ts";
import type { Problem } from "./types.ts";

export const benchmarks: readonly Benchmark[] = [
  gsm8k,
  math500,
  math,
  aime24,
  aime25,
  amc23,
  minervaMath,
  olympiadBench,
  arith,
];

export function benchmarkNames(): string[] {
  return benchmarks.map((benchmark) => benchmark.name);
}

/**
 * The benchmark `name` refers to: a registered name, or `jsonl:<path>` read with `mapping`.
 * Unknown names are an E_NOT_FOUND error that suggests the closest registered name.
 */
export function findBenchmark(name: string, mapping?: FieldMapping): Benchmark {
  if (name.startsWith(JSONL_PREFIX)) {
    const filePath = name.slice(JSONL_PREFIX.length);
    if (filePath === "") throw new QreasonError("E_USAGE", "'jsonl:' needs a file path, e.g. jsonl:problems.jsonl");
    return jsonlBenchmark(filePath, mapping);
  }
  const benchmark = benchmarks.find((candidate) => candidate.name === name);
  if (benchmark) return benchmark;
  const names = benchmarkNames();
  const suggestion = closestName(name, names);
  const hint = suggestion ? `; did you mean '${suggestion}'?` : "";
  throw new QreasonError(
    "E_NOT_FOUND",
    `unknown benchmark '${name}'${hint} (known: ${names.join(", ")}, or jsonl:<path>)`,
  );
}

/** The split to load: `split` if the benchmark has it, its default split when `split` is undefined. */
export function resolveSplit(benchmark: Benchmark, split?: string): string {
  if (split === undefined) return benchmark.defaultSplit;
  const names = benchmark.splits.map((candidate) => candidate.name);
  if (names.includes(split)) return split;
  const suggestion = closestName(split, names);
  const hint = suggestion ? `; did you mean '${suggestion}'?` : "";
  throw new QreasonError(
    "E_NOT_FOUND",
    `${benchmark.name} has no split '${split}'${hint} (splits: ${names.join(", ")})`,
  );
}

export interface LoadProblemsOptions extends LoadOptions {
  split?: string;
  /** Field mapping for `jsonl:<path>` names; ignored for registered benchmarks. */
  mapping?: FieldMapping;
}

/** Loads one split of a benchmark by name: the entry point the CLI and studies use. */
export async function loadProblems(name: string, options: LoadProblemsOptions): Promise<Problem[]> {
  return loadBenchmark(findBenchmark(name, options.mapping), options);
}

/** Loads one split of a given benchmark, checking the split name and the requested size first. */
export async function loadBenchmark(benchmark: Benchmark, options: LoadProblemsOptions): Promise<Problem[]> {
  const split = resolveSplit(benchmark, options.split);
  if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 1)) {
    throw new QreasonError("E_USAGE", `size must be a positive integer, got ${options.size}`);
  }
  return benchmark.load(split, options);
}
