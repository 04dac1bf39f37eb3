/**
 * MATH (Hendrycks et al.). The test split is one JSONL (`problem`, `level` "Level N", `type`, `solution`,
 * `idx`) with no answer field: the gold answer is the last `\boxed{}` of the solution. The train split
 * is a tarball of the original per-problem files `train/<subject>/<n>.json`.
 * Ids: `math/test/<idx>`, `math/train/<subject>/<n>`.
 */
import { lastBoxed } from "../boxed.ts";
import { readTarGz } from "../tar.ts";
import { readFile } from "node:fs/promises";
import { QreasonError } from "../../errors.ts";
import { RecordFields } from "../records.ts";
import { dataFiles } from "../sources.ts";
import type { Problem } from "../types.ts";
import { defineFileBenchmark, jsonlSplit, parseMathLevel, problemId, type FileSplit } from "./define.ts";

/**
 * Two MATH train solutions end in an empty `\boxed{}` (as in the original release). Both are
 * multiple-choice counts of primes whose answer is (A) 0; the solution text says so ("all numbers ...
 * are composite", "P+n is not prime for any n"). Used only while the box is empty; marked in meta.
 */
const EMPTY_BOX_ERRATA: Record<string, string> = {
  "train/number_theory/7115.json": "0",
  "train/number_theory/7117.json": "0",
};

/** The fields shared by the test JSONL and the train files. */
function mathProblem(record: RecordFields, id: string, meta: Record<string, unknown>): Problem {
  const solution = record.string("solution");
  let answer = lastBoxed(solution)?.trim();
  const erratum = typeof meta.file === "string" ? EMPTY_BOX_ERRATA[meta.file] : undefined;
  if (answer === "" && erratum !== undefined) {
    answer = erratum;
    meta = { ...meta, answerSource: "qreason errata: the source's \\boxed{} is empty" };
  }
  if (!answer) record.fail("solution", "has no \\boxed{} answer");
  const rawLevel = record.string("level");
  const level = parseMathLevel(rawLevel);
  return {
    id,
    benchmark: "math",
    question: record.string("problem"),
    answer,
    solution,
    ...(level === undefined ? {} : { level }),
    subject: record.string("type"),
    meta: { ...meta, ...(level === undefined ? { rawLevel } : {}) },
  };
}

const testSplit = jsonlSplit("test", dataFiles.mathTest, 5000, (record) => {
  const idx = record.integer("idx");
  return mathProblem(record, problemId("math", "test", idx), { idx });
});

const TRAIN_MEMBER = /^train\/([a-z_]+)\/(\d+)\.json$/;

const trainSplit: FileSplit = {
  name: "train",
  count: 7500,
  files: [dataFiles.mathTrain],
  async parse([archivePath]) {
    const file = archivePath as string;
    const members = readTarGz(await readFile(file), file)
      .map((entry) => ({ entry, match: TRAIN_MEMBER.exec(entry.name) }))
      .filter((member) => member.match !== null);
    if (members.length === 0) {
      throw new QreasonError("E_INPUT", "no train/<subject>/<n>.json files in the archive", { file });
    }
    // Archive order is whatever packed it; sort by subject, then problem number, for a stable order.
    members.sort((left, right) => {
      const [, leftSubject, leftNumber] = left.match as RegExpExecArray;
      const [, rightSubject, rightNumber] = right.match as RegExpExecArray;
      return (leftSubject as string).localeCompare(rightSubject as string) || Number(leftNumber) - Number(rightNumber);
    });
    return members.map(({ entry, match }) => {
      const memberFile = `${file}:${entry.name}`;
      let value: unknown;
      try {
        value = JSON.parse(entry.data.toString("utf8"));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new QreasonError("E_INPUT", `not valid JSON: ${reason}`, { file: memberFile }, { cause: error });
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new QreasonError("E_INPUT", "expected a JSON object", { file: memberFile });
      }
      const [, subjectDir, number] = match as RegExpExecArray;
      const record = new RecordFields(value as Record<string, unknown>, { file: memberFile });
      return mathProblem(record, problemId("math", "train", `${subjectDir}/${number}`), { file: entry.name });
    });
  },
};

export const math = defineFileBenchmark({
  name: "math",
  description: "MATH competition problems (7 subjects, levels 1-5); answers from the last \\boxed{}",
  defaultSplit: "test",
  splits: [testSplit, trainSplit],
});
