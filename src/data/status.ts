/**
 * What `qreason data list` reports: for every registered benchmark split (and ProcessBench subset),
 * its declared size, whether its files are present under the data directory, and where. `verifyFile`
 * adds the expensive part on request: the file's sha256 against its pin.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Benchmark } from "./benchmark.ts";
import { dataFilePath, isPresent } from "./download.ts";
import { PROCESSBENCH, processBenchSubsets } from "./processbench.ts";
import type { DataFile } from "./sources.ts";

export interface SplitStatus {
  benchmark: string;
  split: string;
  origin: "files" | "generated";
  /** Declared number of problems (for generated benchmarks: the default size). */
  count: number | undefined;
  /** Files under the data directory, each with whether it exists. Empty for generated benchmarks. */
  files: { file: DataFile; path: string; present: boolean }[];
  /** Generated benchmarks are always available; file-backed ones when every file is present. */
  available: boolean;
}

export async function benchmarkStatus(benchmarks: readonly Benchmark[], dataDir: string): Promise<SplitStatus[]> {
  const rows: SplitStatus[] = [];
  for (const benchmark of benchmarks) {
    for (const split of benchmark.splits) {
      rows.push(await splitStatus(benchmark.name, split.name, benchmark.origin, split.count, split.files, dataDir));
    }
  }
  for (const subset of processBenchSubsets) {
    rows.push(await splitStatus(PROCESSBENCH, subset.name, "files", subset.count, [subset.file], dataDir));
  }
  return rows;
}

async function splitStatus(
  benchmark: string,
  split: string,
  origin: "files" | "generated",
  count: number | undefined,
  dataFiles: readonly DataFile[],
  dataDir: string,
): Promise<SplitStatus> {
  const files = await Promise.all(
    dataFiles.map(async (file) => ({ file, path: dataFilePath(dataDir, file), present: await isPresent(dataDir, file) })),
  );
  return { benchmark, split, origin, count, files, available: files.every((entry) => entry.present) };
}

/** sha256 of a file, streamed (benchmark files are megabytes, but a wrong path could be anything). */
export async function sha256File(filePath: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
