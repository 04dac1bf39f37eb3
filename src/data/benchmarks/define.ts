/**
 * Shared plumbing for file-backed benchmarks: resolve (or download) the split's files, parse them into
 * problems, and check the invariants every loader promises (unique ids, non-empty question and answer).
 */
import { QreasonError } from "../../errors.ts";
import type { Benchmark, LoadOptions, SplitInfo } from "../benchmark.ts";
import { ensureDataFile } from "../download.ts";
import { readJsonlFile } from "../jsonl.ts";
import type { RecordFields } from "../records.ts";
import type { DataFile } from "../sources.ts";
import type { Problem } from "../types.ts";

export interface FileSplit extends SplitInfo {
  count: number;
  /** Turns the split's files (absolute paths, in `files` order) into problems. */
  parse(paths: string[]): Promise<Problem[]>;
}

export interface FileBenchmarkSpec {
  name: string;
  description: string;
  defaultSplit: string;
  splits: FileSplit[];
  exemplarSolution?: Benchmark["exemplarSolution"];
}

export function defineFileBenchmark(spec: FileBenchmarkSpec): Benchmark {
  return {
    name: spec.name,
    description: spec.description,
    origin: "files",
    defaultSplit: spec.defaultSplit,
    splits: spec.splits.map(({ name, count, files }) => ({ name, count, files })),
    ...(spec.exemplarSolution ? { exemplarSolution: spec.exemplarSolution } : {}),
    async load(split: string, options: LoadOptions): Promise<Problem[]> {
      const fileSplit = spec.splits.find((candidate) => candidate.name === split);
      if (!fileSplit) throw new QreasonError("E_INTERNAL", `${spec.name} has no split '${split}'`);
      const paths: string[] = [];
      for (const file of fileSplit.files) {
        paths.push(await ensureDataFile(options.dataDir, file, options.download, options.signal));
      }
      return checkProblems(await fileSplit.parse(paths), paths.join(", "));
    },
  };
}

export interface GeneratedBenchmarkSpec {
  name: string;
  description: string;
  defaultSplit: string;
  /** `count` is the size made when the caller asks for none. */
  splits: { name: string; count: number }[];
  /** Makes `size` problems of `split` from `seed`: same arguments, same problems, on any machine. */
  generate(split: string, options: { size: number; seed: number; signal?: AbortSignal }): Problem[] | Promise<Problem[]>;
}

/**
 * A benchmark whose problems are made by code (no files, any size, seeded), e.g. the arith testbed.
 * It gets the same invariant checks as file-backed ones (unique ids, non-empty question and answer).
 */
export function defineGeneratedBenchmark(spec: GeneratedBenchmarkSpec): Benchmark {
  return {
    name: spec.name,
    description: spec.description,
    origin: "generated",
    defaultSplit: spec.defaultSplit,
    splits: spec.splits.map(({ name, count }) => ({ name, count, files: [] })),
    async load(split: string, options: LoadOptions): Promise<Problem[]> {
      const declared = spec.splits.find((candidate) => candidate.name === split);
      if (!declared) throw new QreasonError("E_INTERNAL", `${spec.name} has no split '${split}'`);
      const size = options.size ?? declared.count;
      const seed = options.seed ?? 0;
      const problems = await spec.generate(split, { size, seed, ...(options.signal ? { signal: options.signal } : {}) });
      if (problems.length !== size) {
        throw new QreasonError("E_INTERNAL", `${spec.name} generated ${problems.length} problems, asked for ${size}`);
      }
      return checkProblems(problems, `${spec.name} (generated, seed ${seed})`);
    },
  };
}

/** A split that is one JSONL file, one problem per record. */
export function jsonlSplit(
  name: string,
  file: DataFile,
  count: number,
  toProblem: (record: RecordFields, index: number) => Problem,
): FileSplit {
  return {
    name,
    count,
    files: [file],
    async parse([filePath]) {
      const records = await readJsonlFile(filePath as string);
      return records.map((record, index) => toProblem(record, index));
    },
  };
}

/** `<benchmark>/<split>/<key>`: the id scheme of every registered benchmark (see docs/data.md). */
export function problemId(benchmark: string, split: string, key: string | number): string {
  return `${benchmark}/${split}/${key}`;
}

/** Rejects duplicate ids and empty questions or answers, naming the first offender. */
export function checkProblems(problems: Problem[], source: string): Problem[] {
  const seen = new Set<string>();
  for (const problem of problems) {
    if (seen.has(problem.id)) {
      throw new QreasonError("E_INPUT", `two records have the id '${problem.id}'`, { file: source, field: "id" });
    }
    seen.add(problem.id);
    if (problem.question.trim() === "") {
      throw new QreasonError("E_INPUT", `problem '${problem.id}' has an empty question`, { file: source });
    }
    if (problem.answer.trim() === "") {
      throw new QreasonError("E_INPUT", `problem '${problem.id}' has an empty answer`, { file: source });
    }
  }
  return problems;
}

/** MATH writes levels as "Level 3"; "Level ?" (two train files) has no level. */
export function parseMathLevel(raw: string | number): number | undefined {
  if (typeof raw === "number") return Number.isInteger(raw) ? raw : undefined;
  const match = /^Level (\d+)$/.exec(raw.trim());
  return match ? Number(match[1]) : undefined;
}
