/**
 * GSM8K (OpenAI's grade-school-math release). Records are `{question, answer}` where `answer` is the
 * worked solution ending in `#### <number>`; the gold answer is that number without thousands commas.
 * Ids: `gsm8k/<split>/<record index>` (0-based; the release has no ids of its own).
 */
import { gsm8kFinalAnswer, gsm8kSolutionBody } from "../answers.ts";
import type { RecordFields } from "../records.ts";
import { dataFiles } from "../sources.ts";
import type { DataFile } from "../sources.ts";
import type { Problem } from "../types.ts";
import { defineFileBenchmark, jsonlSplit, problemId } from "./define.ts";

function gsm8kSplit(split: string, file: DataFile, count: number) {
  return jsonlSplit(split, file, count, (record: RecordFields, index: number): Problem => {
    const worked = record.string("answer");
    const answer = gsm8kFinalAnswer(worked);
    if (answer === undefined) record.fail("answer", "has no '#### <answer>' line");
    const meta: Record<string, unknown> = { index, originalAnswer: worked.slice(worked.lastIndexOf("####") + 4).trim() };
    // The Socratic test set is the test set with sub-questions before each step, in the same order.
    if (split === "test_socratic") meta.testId = problemId("gsm8k", "test", index);
    return {
      id: problemId("gsm8k", split, index),
      benchmark: "gsm8k",
      question: record.string("question"),
      answer,
      solution: gsm8kSolutionBody(worked),
      meta,
    };
  });
}

export const gsm8k = defineFileBenchmark({
  name: "gsm8k",
  description: "GSM8K grade-school math word problems (integer answers)",
  defaultSplit: "test",
  // As lm-eval's GSM8K task shows its examples: the worked solution, then `#### <answer>` as the source writes it.
  exemplarSolution: (problem) =>
    problem.solution === undefined ? undefined : `${problem.solution}\n#### ${String(problem.meta.originalAnswer ?? problem.answer)}`,
  splits: [
    gsm8kSplit("test", dataFiles.gsm8kTest, 1319),
    gsm8kSplit("train", dataFiles.gsm8kTrain, 7473),
    gsm8kSplit("test_socratic", dataFiles.gsm8kTestSocratic, 1319),
  ],
});
