/**
 * Public surface of the data module: the benchmark registry, loading, subsets, and ProcessBench's
 * step labels. Everything else in src/data is internal.
 */
export type { Problem } from "./types.ts";
export type { Benchmark, LoadOptions, SplitInfo } from "./benchmark.ts";
export type { DataFile } from "./sources.ts";
export type { DownloadOptions, DownloadProgress, FetchFunction } from "./download.ts";
export type { FieldMapping } from "./benchmarks/jsonl.ts";
export type { LoadProblemsOptions } from "./registry.ts";
export type { ProblemFilter, SubsetOptions } from "./subset.ts";
export type { SplitStatus } from "./status.ts";
export type { StepLabeledSolution } from "./processbench.ts";

export { benchmarks, benchmarkNames, findBenchmark, loadBenchmark, loadProblems, resolveSplit } from "./registry.ts";
export { defineFileBenchmark, defineGeneratedBenchmark, problemId } from "./benchmarks/define.ts";
export type { FileBenchmarkSpec, FileSplit, GeneratedBenchmarkSpec } from "./benchmarks/define.ts";
export { JSONL_PREFIX } from "./benchmarks/jsonl.ts";
export { dataFilePath, ensureDataFile } from "./download.ts";
export { dataFiles } from "./sources.ts";
export { filterProblems, selectSubset, subjectKey, subjectsOf } from "./subset.ts";
export { benchmarkStatus, sha256File } from "./status.ts";
export { PROCESSBENCH, loadProcessBench, processBenchSubsets } from "./processbench.ts";
export { lastBoxed } from "./boxed.ts";
export { canonicalNumber } from "./answers.ts";
