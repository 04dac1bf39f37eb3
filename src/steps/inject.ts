/**
 * Error injection: a gold arith solution rewritten with one known error at one known step, in the
 * format-aligned text a model would write, together with what a correct verifier must report. Used by
 * the verifier's property tests, and usable as labelled data for scoring judges.
 *
 * The expectation is derived from how the text was built, never from the verifier. Injections that
 * would be ambiguous under the verifier's documented rules (a wrong value that happens to equal a gold
 * or question value, a wrong step whose operands are exactly some gold step's) are refused (undefined).
 */
import { ARITH_OPS, renderAnswerLine, renderStepLine, type ArithGold, type ArithOp, type Random } from "../data/arith/index.ts";
import type { StepErrorKind, StepErrorReason } from "./arithVerifier.ts";

export type InjectionKind =
  | "computational" // a wrong result for the stated operation
  | "wrong-operation" // a gold step's operands under another operation
  | "wrong-quantity" // one operand replaced by another available number
  | "skipped-step" // a step left out; its consumers use the value it started from
  | "extra-step" // an unneeded computation inserted after the step
  | "format" // the step's equation broken
  | "answer-computational" // all steps right, the boxed answer miscopied
  | "answer-format"; // all steps right, no \boxed{}

export const INJECTION_KINDS: readonly InjectionKind[] = [
  "computational", "wrong-operation", "wrong-quantity", "skipped-step", "extra-step", "format",
  "answer-computational", "answer-format",
];

export interface Injection {
  kind: InjectionKind;
  /** The gold step (1-based) the error is injected at; answer kinds ignore it. */
  step: number;
  /** Later steps carry the wrong value (true) or go on with the gold values (false). */
  propagate: boolean;
}

export interface InjectedSolution {
  text: string;
  expected: {
    firstError: { position: number; part: "step" | "answer"; kind: StepErrorKind; reason?: StepErrorReason };
    /** Positions of later steps that only inherit the wrong value. */
    propagated: number[];
    answerCorrect: boolean;
    /** The boxed value is a wrong value carried from the error. */
    answerPropagated: boolean;
  };
}

type Ref = { kind: "value"; value: number } | { kind: "gold"; step: number };

interface Line {
  /** The gold step this line stands for; undefined for an extra step. */
  gold?: number;
  description: string;
  op: ArithOp;
  left: Ref;
  right: Ref;
  /** Shown instead of the computed result (a computational slip). */
  shownResult?: (computed: number) => number;
  /** Replaces the rendered line (a format error). */
  render?: (line: { description: string; left: number; op: ArithOp; right: number; result: number }) => string;
}

const FORMAT_BREAKS: readonly ((line: { description: string; left: number; op: ArithOp; right: number; result: number }) => string)[] = [
  (line) => `${line.description}: ${line.left} ${line.op} ${line.right} =.`,
  (line) => `${line.description}: ${line.left} ${line.op} ${line.right} ${line.result}.`,
  (line) => `${line.description}.`,
  (line) => `${line.description}: ${line.left} ${line.right} = ${line.result}.`,
  (line) => `${line.description}: ${line.left} ${line.op}`,
];

function goldLines(gold: ArithGold): Line[] {
  return gold.steps.map((step) => ({
    gold: step.index,
    description: step.description,
    op: step.op,
    left: step.operands[0].source === "step" ? { kind: "gold", step: step.operands[0].step } : { kind: "value", value: step.operands[0].value },
    right: step.operands[1].source === "step" ? { kind: "gold", step: step.operands[1].step } : { kind: "value", value: step.operands[1].value },
  }));
}

function applyOp(op: ArithOp, left: number, right: number): number {
  if (op === "+") return left + right;
  if (op === "-") return left - right;
  return op === "*" ? left * right : left / right;
}

const multiset = (values: number[]): string => [...values].sort((a, b) => a - b).join(",");

export function injectError(gold: ArithGold, injection: Injection, random: Random): InjectedSolution | undefined {
  const lines = goldLines(gold);
  const goldValues = new Set(gold.steps.map((step) => step.result));
  const questionValues = new Set(gold.quantities.map((quantity) => quantity.value));
  const goldOperandSets = new Set(gold.steps.map((step) => multiset(step.operands.map((operand) => operand.value))));
  const target = gold.steps[injection.step - 1];
  const last = gold.steps.length;
  let answerOverride: number | string | null | undefined; // null: no box; undefined: box the final result
  let errorLine: Line | undefined;
  let errorReason: StepErrorReason | undefined;
  let errorKind: StepErrorKind = "method";

  switch (injection.kind) {
    case "computational": {
      if (!target) return undefined;
      const delta = random.pick([-9, -7, -5, -3, -2, -1, 1, 2, 3, 5, 7, 9, 10, 11]);
      errorLine = lines[target.index - 1] as Line;
      errorLine.shownResult = (computed) => computed + delta;
      [errorKind, errorReason] = ["computational", "wrong-result"];
      break;
    }
    case "wrong-operation": {
      if (!target) return undefined;
      errorLine = lines[target.index - 1] as Line;
      errorLine.op = random.pick(ARITH_OPS.filter((op) => op !== target.op));
      errorReason = "wrong-operation";
      break;
    }
    case "wrong-quantity": {
      if (!target) return undefined;
      const side = random.int(0, 1);
      const original = target.operands[side]?.value;
      const choices = [...gold.quantities.map((quantity) => quantity.value), ...gold.steps.slice(0, target.index - 1).map((step) => step.result)]
        .filter((value) => value !== original);
      if (choices.length === 0) return undefined;
      const replacement = random.pick(choices);
      errorLine = lines[target.index - 1] as Line;
      const stepOfReplacement = gold.steps.slice(0, target.index - 1).find((step) => step.result === replacement);
      const ref: Ref = stepOfReplacement ? { kind: "gold", step: stepOfReplacement.index } : { kind: "value", value: replacement };
      if (side === 0) errorLine.left = ref;
      else errorLine.right = ref;
      errorReason = "wrong-quantity";
      break;
    }
    case "skipped-step": {
      if (!target) return undefined;
      const [first, second] = target.operands;
      const carried: Ref = first.source === "step" ? { kind: "gold", step: first.step }
        : second.source === "step" ? { kind: "gold", step: second.step } : { kind: "value", value: first.value };
      lines.splice(target.index - 1, 1);
      if (target.index === last) break; // the answer is then the last remaining line's result
      for (const line of lines) {
        if (line.left.kind === "gold" && line.left.step === target.index) line.left = carried;
        if (line.right.kind === "gold" && line.right.step === target.index) line.right = carried;
      }
      const consumers = lines.filter((line) => [line.left, line.right].includes(carried));
      if (consumers.length !== 1) return undefined; // two lines making the same skip are two errors
      errorLine = consumers[0];
      errorReason = "wrong-quantity";
      break;
    }
    case "extra-step": {
      if (!target) return undefined;
      const other = random.pick(gold.quantities).value;
      errorLine = { description: "Extra", op: random.pick(["+", "*"] as const), left: { kind: "gold", step: target.index }, right: { kind: "value", value: other } };
      lines.splice(target.index, 0, errorLine);
      errorReason = target.index === last ? "extra-step" : "wrong-quantity";
      break;
    }
    case "format": {
      if (!target) return undefined;
      errorLine = lines[target.index - 1] as Line;
      errorLine.render = random.pick(FORMAT_BREAKS);
      errorKind = "format";
      break;
    }
    case "answer-computational": {
      const wrong = gold.answer + random.pick([-9, -3, -1, 1, 2, 10]);
      if (wrong <= 0 || goldValues.has(wrong) || questionValues.has(wrong)) return undefined;
      answerOverride = wrong;
      break;
    }
    case "answer-format":
      answerOverride = random.chance(1, 2) ? null : "about seventy";
      break;
  }

  // Evaluate in order; a wrong value reaches later lines only when propagating.
  const shown = new Map<number, number>(); // gold step -> the value later lines read for it
  const rendered: string[] = [];
  const affected: number[] = []; // later positions whose values differ from gold because of the error
  let errorPosition: number | undefined;
  let lastResult: number | undefined;
  let finalResult: number | undefined;
  const valueOf = (ref: Ref): number => ref.kind === "value" ? ref.value : (shown.get(ref.step) ?? (gold.steps[ref.step - 1]?.result as number));
  const isAmbiguous = (value: number): boolean => goldValues.has(value) || questionValues.has(value);
  for (const [index, line] of lines.entries()) {
    const position = index + 1;
    const left = valueOf(line.left);
    const right = valueOf(line.right);
    const computed = applyOp(line.op, left, right);
    const result = line.shownResult ? line.shownResult(computed) : computed;
    if (!Number.isSafeInteger(computed) || !Number.isSafeInteger(result) || result <= 0 || computed <= 0) return undefined;
    const goldStep = line.gold === undefined ? undefined : gold.steps[line.gold - 1];
    if (line === errorLine) {
      errorPosition = position;
      if (errorKind === "computational" && (computed !== goldStep?.result || result === computed || isAmbiguous(result))) return undefined;
      if (errorKind === "method" && isAmbiguous(computed)) return undefined;
    } else if (goldStep) {
      const inherited = multiset([left, right]) !== multiset(goldStep.operands.map((operand) => operand.value));
      if (inherited) {
        if (result === goldStep.result || isAmbiguous(result)) return undefined;
        affected.push(position);
      }
    }
    if (line.gold !== undefined && (injection.propagate || line !== errorLine)) shown.set(line.gold, result);
    if (line.gold === last) finalResult = result;
    if (line.gold !== undefined) lastResult = result;
    const body = line.render?.({ description: line.description, left, op: line.op, right, result });
    rendered.push(body === undefined
      ? renderStepLine({ index: position, description: line.description, left, op: line.op, right, result })
      : `Step ${position}: ${body}`);
  }
  if (errorLine && errorKind === "method") {
    const values = [valueOf(errorLine.left), valueOf(errorLine.right)];
    // wrong-operation must use its own gold step's operands; any other method error no gold step's.
    if ((errorReason === "wrong-operation") !== goldOperandSets.has(multiset(values))) return undefined;
  }
  if (!injection.propagate && affected.length > 0) return undefined;

  const boxedValue = answerOverride === undefined ? (finalResult ?? lastResult) : answerOverride;
  const answerPosition = lines.length + 1;
  let firstError: InjectedSolution["expected"]["firstError"];
  if (errorLine && errorPosition !== undefined) {
    firstError = { position: errorPosition, part: "step", kind: errorKind, ...(errorReason ? { reason: errorReason } : {}) };
  } else if (injection.kind === "skipped-step") {
    firstError = { position: answerPosition, part: "answer", kind: "method", reason: "missing-step" };
  } else if (injection.kind === "answer-computational") {
    firstError = { position: answerPosition, part: "answer", kind: "computational", reason: "answer-mismatch" };
  } else if (injection.kind === "answer-format") {
    firstError = { position: answerPosition, part: "answer", kind: "format", reason: boxedValue === null ? "no-boxed-answer" : "unparsable-answer" };
  } else {
    return undefined;
  }
  const answerLine = boxedValue === null || boxedValue === undefined ? [] : [typeof boxedValue === "number" ? renderAnswerLine(boxedValue) : `\\boxed{${boxedValue}}`];
  const answerCorrect = boxedValue === gold.answer;
  return {
    text: [...rendered, ...answerLine].join("\n"),
    expected: {
      firstError,
      propagated: affected.filter((position) => position > firstError.position),
      answerCorrect,
      answerPropagated: !answerCorrect && firstError.part === "step",
    },
  };
}
