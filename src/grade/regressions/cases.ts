/**
 * Shared machinery of the regression tables. Every table names where its gold answers come from
 * (a benchmark file in ../shared/data and the problem's id); `checkGoldsAreReal` reads those files and
 * fails if a gold in a table is not, byte for byte, the benchmark's own answer. The predicted answers
 * are written by hand: forms a model plausibly writes, equivalent or not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createGrader } from "../grade.ts";
import { sharedDataDir } from "../../testing/paths.ts";
import type { GradeStatus } from "../types.ts";

export type Benchmark = "math500" | "math" | "gsm8k" | "aime24" | "aime25" | "amc23" | "minerva_math" | "olympiadbench";

export interface AnswerCase {
  /** Problem id in the benchmark file (unique_id, idx, id, or the line number for GSM8K). */
  id: string;
  gold: string;
  /** Predicted final answers (already extracted) that must grade as equivalent. */
  same?: string[];
  /** Predicted final answers that must grade as not equivalent. */
  different?: string[];
}

export interface OutputCase {
  id: string;
  gold: string;
  /** A full model output. */
  output: string;
  status: GradeStatus;
  /** The extracted answer, when the case checks extraction too. */
  extracted?: string | null;
}

const grader = createGrader();

export function runAnswerCases(benchmark: Benchmark, cases: AnswerCase[]): void {
  checkGoldsAreReal(benchmark, cases);
  for (const entry of cases) {
    for (const predicted of entry.same ?? []) {
      void test(`${benchmark} ${entry.id}: ${entry.gold} ≡ ${predicted}`, () => {
        assert.equal(grader.isEquivalent(entry.gold, predicted), true, explain(entry.gold, predicted));
      });
    }
    for (const predicted of entry.different ?? []) {
      void test(`${benchmark} ${entry.id}: ${entry.gold} ≢ ${predicted}`, () => {
        assert.equal(grader.isEquivalent(entry.gold, predicted), false, explain(entry.gold, predicted));
      });
    }
  }
}

export function runOutputCases(benchmark: Benchmark, cases: OutputCase[]): void {
  checkGoldsAreReal(benchmark, cases);
  for (const entry of cases) {
    void test(`${benchmark} ${entry.id}: ${entry.status} for ${JSON.stringify(entry.output.slice(-60))}`, () => {
      const result = grader.grade(entry.gold, entry.output);
      assert.equal(result.status, entry.status, `${result.reason} (extracted ${JSON.stringify(result.extracted)})`);
      if (entry.extracted !== undefined) assert.equal(result.extracted, entry.extracted);
    });
  }
}

function explain(gold: string, predicted: string): string {
  const result = grader.grade(gold, `\\boxed{${predicted}}`);
  return `${result.status}: ${result.reason}`;
}

export function checkGoldsAreReal(benchmark: Benchmark, cases: Array<{ id: string; gold: string }>): void {
  void test(`${benchmark}: every gold in the table is the benchmark's own answer`, () => {
    const golds = goldAnswers(benchmark);
    const mismatches = cases
      .filter((entry) => golds.get(entry.id) !== entry.gold)
      .map((entry) => `${entry.id}: table has ${JSON.stringify(entry.gold)}, file has ${JSON.stringify(golds.get(entry.id))}`);
    assert.deepEqual(mismatches, []);
  });
}

const cache = new Map<Benchmark, Map<string, string>>();

/** id → gold answer as the benchmark file states it. */
export function goldAnswers(benchmark: Benchmark): Map<string, string> {
  const cached = cache.get(benchmark);
  if (cached) return cached;
  const golds = new Map<string, string>();
  const lines = (file: string) => readFileSync(path.join(sharedDataDir, benchmark, file), "utf8").split("\n").filter(Boolean);
  switch (benchmark) {
    case "math500":
      for (const line of lines("test.jsonl")) {
        const record = JSON.parse(line) as { unique_id: string; answer: string };
        golds.set(record.unique_id, record.answer);
      }
      break;
    case "math":
    case "minerva_math":
      for (const line of lines("test.jsonl")) {
        const record = JSON.parse(line) as { idx: number; solution: string };
        golds.set(String(record.idx), lastBoxedOf(record.solution));
      }
      break;
    case "gsm8k":
      lines("test.jsonl").forEach((line, index) => {
        const record = JSON.parse(line) as { answer: string };
        golds.set(String(index), record.answer.split("####").pop()!.trim());
      });
      break;
    case "aime24":
    case "aime25":
      for (const line of lines("test.jsonl")) {
        const record = JSON.parse(line) as { id: string | number; answer: string | number };
        golds.set(String(record.id), String(record.answer));
      }
      break;
    case "amc23":
      for (const line of lines("test.jsonl")) {
        const record = JSON.parse(line) as { id: number };
        // The file writes floats (27.0); JSON.parse would print them as 27, so read the literal text.
        golds.set(String(record.id), /"answer":\s*(-?[\d.]+)/.exec(line)![1]!);
      }
      break;
    case "olympiadbench":
      for (const line of lines("test.jsonl")) {
        const record = JSON.parse(line) as { id: number; final_answer: string[] };
        golds.set(String(record.id), record.final_answer.join(", "));
      }
      break;
  }
  cache.set(benchmark, golds);
  return golds;
}

/** The last \boxed{...} of a reference solution (test-only reader; the data registry has its own). */
function lastBoxedOf(solution: string): string {
  const start = solution.lastIndexOf("\\boxed");
  let index = start + "\\boxed".length;
  while (solution[index] === " ") index++;
  if (solution[index] !== "{") return /^[^$\n]*/.exec(solution.slice(index))![0].trim();
  let depth = 0;
  for (let position = index; position < solution.length; position++) {
    if (solution[position] === "{") depth++;
    else if (solution[position] === "}" && --depth === 0) return solution.slice(index + 1, position);
  }
  return "";
}
