/**
 * ProcessBench (Qwen): model-written solutions split into steps, each labelled with the index of its
 * earliest wrong step. Not a benchmark of problems (it has no gold answers), so it is not in the problem
 * registry; the attribution stage uses it to check first-error-step detection against human labels.
 */
import { QreasonError } from "../errors.ts";
import type { LoadOptions } from "./benchmark.ts";
import { ensureDataFile } from "./download.ts";
import { parseJsonArray, readTextFile } from "./jsonl.ts";
import { dataFiles, type DataFile } from "./sources.ts";

export const PROCESSBENCH = "processbench";

export interface StepLabeledSolution {
  /** `processbench/<source id>`, e.g. `processbench/gsm8k-0`. */
  id: string;
  /** Which ProcessBench subset: gsm8k, math, olympiadbench or omnimath. */
  subset: string;
  problem: string;
  steps: string[];
  /** 0-based index of the earliest wrong step; null when every step is correct (source label -1). */
  firstErrorStep: number | null;
  finalAnswerCorrect: boolean;
  /** The model that wrote the solution. */
  generator: string;
}

export interface ProcessBenchSubset {
  name: string;
  count: number;
  file: DataFile;
}

export const processBenchSubsets: readonly ProcessBenchSubset[] = [
  { name: "gsm8k", count: 400, file: dataFiles.processbenchGsm8k },
  { name: "math", count: 1000, file: dataFiles.processbenchMath },
  { name: "olympiadbench", count: 1000, file: dataFiles.processbenchOlympiadbench },
  { name: "omnimath", count: 1000, file: dataFiles.processbenchOmnimath },
];

export async function loadProcessBench(subsetName: string, options: LoadOptions): Promise<StepLabeledSolution[]> {
  const subset = processBenchSubsets.find((candidate) => candidate.name === subsetName);
  if (!subset) {
    const names = processBenchSubsets.map((candidate) => candidate.name).join(", ");
    throw new QreasonError("E_NOT_FOUND", `processbench has no subset '${subsetName}' (subsets: ${names})`);
  }
  const file = await ensureDataFile(options.dataDir, subset.file, options.download, options.signal);
  return parseJsonArray(await readTextFile(file), file).map((record) => {
    const steps = record.stringList("steps");
    const label = record.integer("label");
    if (label < -1 || label >= steps.length) {
      record.fail("label", `expected -1 or a step index below ${steps.length}, got ${label}`);
    }
    return {
      id: `${PROCESSBENCH}/${record.string("id")}`,
      subset: subset.name,
      problem: record.string("problem"),
      steps,
      firstErrorStep: label === -1 ? null : label,
      finalAnswerCorrect: record.boolean("final_answer_correct"),
      generator: record.string("generator"),
    };
  });
}
