/**
 * MATH-500 (the PRM800K test split of MATH). Records carry `answer`, `subject`, integer `level` and
 * `unique_id` (`test/precalculus/807.json`, the problem's file in the original MATH release).
 * Ids: `math500/test/<subject>/<n>` from `unique_id`.
 */
import type { RecordFields } from "../records.ts";
import type { Problem } from "../types.ts";
import { dataFiles } from "../sources.ts";
import { defineFileBenchmark, jsonlSplit, problemId } from "./define.ts";

export const math500 = defineFileBenchmark({
  name: "math500",
  description: "MATH-500: the PRM800K 500-problem test subset of MATH",
  defaultSplit: "test",
  splits: [
    jsonlSplit("test", dataFiles.math500Test, 500, (record: RecordFields): Problem => {
      const uniqueId = record.string("unique_id");
      const match = /^test\/(.+)\.json$/.exec(uniqueId);
      if (!match) record.fail("unique_id", `expected 'test/<subject>/<n>.json', got '${uniqueId}'`);
      return {
        id: problemId("math500", "test", match[1] as string),
        benchmark: "math500",
        question: record.string("problem"),
        answer: record.string("answer").trim(),
        solution: record.string("solution"),
        level: record.integer("level"),
        subject: record.string("subject"),
        meta: { uniqueId },
      };
    }),
  ],
});
