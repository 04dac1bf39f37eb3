/**
 * Minerva-math (OCW Courses): 272 STEM problems from MIT OpenCourseWare. `type` is the course; the gold
 * answer is the solution's last `\boxed{}` (every record has one). Ids: `minerva_math/test/<idx>`.
 */
import { lastBoxed } from "../boxed.ts";
import { dataFiles } from "../sources.ts";
import type { RecordFields } from "../records.ts";
import type { Problem } from "../types.ts";
import { defineFileBenchmark, jsonlSplit, problemId } from "./define.ts";

export const minervaMath = defineFileBenchmark({
  name: "minerva_math",
  description: "Minerva OCW Courses: 272 college STEM problems (units, scientific notation)",
  defaultSplit: "test",
  splits: [
    jsonlSplit("test", dataFiles.minervaMathTest, 272, (record: RecordFields): Problem => {
      const idx = record.integer("idx");
      const solution = record.string("solution");
      const answer = lastBoxed(solution)?.trim();
      if (!answer) record.fail("solution", "has no \\boxed{} answer");
      return {
        id: problemId("minerva_math", "test", idx),
        benchmark: "minerva_math",
        question: record.string("problem"),
        answer,
        solution,
        subject: record.string("type"),
        meta: { idx },
      };
    }),
  ],
});
