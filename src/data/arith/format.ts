/**
 * The solution text format qreason uses for "format-aligned" step-by-step output, as one spec with two
 * sides: `renderSolution` writes it, `parseSolution` reads it back (strictly; the step verifier in
 * src/steps/ reads model outputs leniently). Grammar (README.md has it with examples):
 *
 *   solution    = step-line *( "\n" step-line ) "\n" answer-line
 *   step-line   = "Step " index ": " description ": " number " " op " " number " = " number "."
 *   description = 1*( any character except a digit, ":" or a line break )
 *   op          = "+" / "-" / "*" / "/"
 *   number      = "0" / ( "1"-"9" *digit )
 *   answer-line = "\boxed{" number "}"
 *
 * `index` counts 1, 2, 3, ... The prompt a model sees is the question followed by one line break.
 */
import type { ArithOp, ArithStep } from "./types.ts";

const NUMBER = String.raw`(0|[1-9]\d*)`;
const STEP_LINE = new RegExp(String.raw`^Step ${NUMBER}: ([^\d:\n]+): ${NUMBER} ([-+*/]) ${NUMBER} = ${NUMBER}\.$`);
const ANSWER_LINE = new RegExp(String.raw`^\\boxed\{${NUMBER}\}$`);
const DESCRIPTION = /^[^\d:\n]+$/;

/** The step as the text states it. */
export interface SolutionLine {
  index: number;
  description: string;
  left: number;
  op: ArithOp;
  right: number;
  result: number;
}

export function renderStepLine(line: SolutionLine): string {
  if (!DESCRIPTION.test(line.description) || line.description.trim() !== line.description) {
    throw new RangeError(`description '${line.description}' breaks the solution grammar`);
  }
  for (const value of [line.index, line.left, line.right, line.result]) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${value} is not a non-negative integer`);
  }
  return `Step ${line.index}: ${line.description}: ${line.left} ${line.op} ${line.right} = ${line.result}.`;
}

export function renderAnswerLine(answer: number): string {
  return `\\boxed{${answer}}`;
}

/** The gold solution text of structured steps. */
export function renderSolution(steps: readonly ArithStep[], answer: number): string {
  const lines = steps.map((step) => renderStepLine({
    index: step.index,
    description: step.description,
    left: step.operands[0].value,
    op: step.op,
    right: step.operands[1].value,
    result: step.result,
  }));
  return [...lines, renderAnswerLine(answer)].join("\n");
}

/** What a model is prompted with: the question and a line break; the solution follows. */
export function renderPrompt(question: string): string {
  return `${question}\n`;
}

export type ParsedSolution =
  | { ok: true; lines: SolutionLine[]; answer: number }
  | { ok: false; line: number; reason: string };

/** Reads text in exactly the grammar above; the first line that breaks it is reported (1-based). */
export function parseSolution(text: string): ParsedSolution {
  const rows = text.split("\n");
  const lines: SolutionLine[] = [];
  for (let row = 0; row < rows.length; row++) {
    const raw = rows[row] as string;
    const isLast = row === rows.length - 1;
    if (isLast) {
      const answer = ANSWER_LINE.exec(raw);
      if (!answer) return { ok: false, line: row + 1, reason: "the last line is not \\boxed{<number>}" };
      if (lines.length === 0) return { ok: false, line: row + 1, reason: "no step lines before the answer" };
      return { ok: true, lines, answer: Number(answer[1]) };
    }
    if (ANSWER_LINE.test(raw)) return { ok: false, line: row + 1, reason: "text after the answer line" };
    const match = STEP_LINE.exec(raw);
    if (!match) return { ok: false, line: row + 1, reason: "not a step line 'Step <k>: <description>: <a> <op> <b> = <c>.'" };
    const [, index, description, left, op, right, result] = match;
    if (Number(index) !== lines.length + 1) {
      return { ok: false, line: row + 1, reason: `step numbered ${index}, expected ${lines.length + 1}` };
    }
    lines.push({
      index: Number(index),
      description: description as string,
      left: Number(left),
      op: op as ArithOp,
      right: Number(right),
      result: Number(result),
    });
  }
  return { ok: false, line: rows.length, reason: "no answer line" }; // unreachable: split never returns []
}
