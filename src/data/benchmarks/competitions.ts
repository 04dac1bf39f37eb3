/**
 * Short answer-only competitions: AIME 2024, AIME 2025, AMC 2023. Their sources disagree on the type of
 * the answer (AIME24 zero-padded strings `"025"`, AIME25 integers, AMC floats `27.0`); every answer
 * becomes its plain form (`25`, `27`) and the original value stays in `meta.originalAnswer`.
 * Ids: `<benchmark>/test/<source id>`.
 */
import { canonicalNumber } from "../answers.ts";
import type { RecordFields } from "../records.ts";
import { dataFiles } from "../sources.ts";
import type { Problem } from "../types.ts";
import { defineFileBenchmark, jsonlSplit, problemId } from "./define.ts";

/** `.../2024_AIME_I_Problems/Problem_10` → contest "2024 AIME I", problem 10 (AoPS wiki URLs). */
export function contestFromUrl(url: string): { contest: string; problemNumber: number } | undefined {
  const match = /\/(\d{4})_([A-Za-z0-9_]+?)_Problems\/Problem_(\d+)$/.exec(url);
  if (!match) return undefined;
  return { contest: `${match[1]} ${(match[2] as string).replaceAll("_", " ")}`, problemNumber: Number(match[3]) };
}

/** Some sources repeat the problem as `question`; keep `problem`, and the other only if it differs. */
function problemText(record: RecordFields): { question: string; extra: Record<string, unknown> } {
  const question = record.string("problem");
  const duplicate = record.optionalString("question");
  return { question, extra: duplicate !== undefined && duplicate !== question ? { alternateQuestion: duplicate } : {} };
}

function answerOf(record: RecordFields): { answer: string; originalAnswer: string | number } {
  const originalAnswer = record.stringOrNumber("answer");
  const answer = canonicalNumber(originalAnswer);
  if (!/^-?\d+(\.\d+)?$/.test(answer)) record.fail("answer", `expected a number, got '${String(originalAnswer)}'`);
  return { answer, originalAnswer };
}

export const aime24 = defineFileBenchmark({
  name: "aime24",
  description: "AIME 2024 I and II (30 problems, integer answers 0-999)",
  defaultSplit: "test",
  splits: [
    jsonlSplit("test", dataFiles.aime24Test, 30, (record): Problem => {
      const sourceId = record.integer("id");
      const { question, extra } = problemText(record);
      const url = record.string("url");
      const { answer, originalAnswer } = answerOf(record);
      return {
        id: problemId("aime24", "test", sourceId),
        benchmark: "aime24",
        question,
        answer,
        solution: record.string("solution"),
        meta: { sourceId, url, ...contestFromUrl(url), ...extra, originalAnswer },
      };
    }),
  ],
});

export const aime25 = defineFileBenchmark({
  name: "aime25",
  description: "AIME 2025 I and II (30 problems, integer answers 0-999)",
  defaultSplit: "test",
  splits: [
    jsonlSplit("test", dataFiles.aime25Test, 30, (record): Problem => {
      const sourceId = String(record.stringOrNumber("id"));
      const index = Number(sourceId);
      // The source numbers problems 0-29: 0-14 are AIME I problems 1-15, 15-29 are AIME II problems 1-15.
      const contest = Number.isInteger(index) && index >= 0 && index < 30
        ? { contest: `2025 AIME ${index < 15 ? "I" : "II"}`, problemNumber: (index % 15) + 1 }
        : {};
      const { answer, originalAnswer } = answerOf(record);
      return {
        id: problemId("aime25", "test", sourceId),
        benchmark: "aime25",
        question: record.string("problem"),
        answer,
        meta: { sourceId, ...contest, originalAnswer },
      };
    }),
  ],
});

export const amc23 = defineFileBenchmark({
  name: "amc23",
  description: "AMC 12 2023 A and B, the 40 problems with integer answers, as free response",
  defaultSplit: "test",
  splits: [
    jsonlSplit("test", dataFiles.amc23Test, 40, (record): Problem => {
      const sourceId = record.integer("id");
      const { question, extra } = problemText(record);
      const url = record.string("url");
      const { answer, originalAnswer } = answerOf(record);
      return {
        id: problemId("amc23", "test", sourceId),
        benchmark: "amc23",
        question,
        answer,
        meta: { sourceId, url, ...contestFromUrl(url), ...extra, originalAnswer },
      };
    }),
  ],
});
