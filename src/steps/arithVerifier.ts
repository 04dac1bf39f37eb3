/**
 * The exact step verifier of the arith testbed: given a problem's gold steps and any model output,
 * find the first wrong step and its kind, and say how the error cascades. README.md states the rules
 * in full; in short, a step is correct when it computes the value of some gold step (in any order) from
 * numbers that are available (stated in the question, or results of earlier correct steps) and its
 * arithmetic holds. A wrong step is
 * - computational: the operands and operation give a gold value, but the stated result is not it;
 * - method: the arithmetic may hold, but no gold value comes out (wrong quantity or operation, a
 *   skipped or extra step), or an operand comes from nowhere;
 * - format: the step cannot be checked (a broken equation, a value without an equation, a labelled
 *   step with no arithmetic, no `\boxed{}` answer).
 * After the first error, a step is `propagated` when its arithmetic holds and it would compute a gold
 * value had the wrong values it uses been gold ones; any other wrong step is an independent error.
 */
import { arithGold, type ArithGold } from "../data/arith/index.ts";
import type { Problem } from "../data/types.ts";
import { evaluateWith, intermediateValues, scanArithmetic, type ArithmeticClaim, type MalformedMath } from "./arithmetic.ts";
import { fromInteger, key, parseDecimal, type Rational } from "./rational.ts";
import { segmentSteps } from "./segment.ts";

export type StepErrorKind = "computational" | "method" | "format";

export type StepErrorReason =
  | "wrong-result" // computational: the stated result is not the value of the stated operation
  | "answer-mismatch" // computational: the boxed answer differs from the answer the steps computed
  | "wrong-operation" // method: a gold step's operands under another operation
  | "wrong-quantity" // method: available operands that give no gold value
  | "unknown-operand" // method: a number neither in the question nor computed before
  | "extra-step" // method: a computation after the answer was already reached
  | "missing-step" // method: the answer was never computed (stopped early, boxed an intermediate)
  | "wrong-answer-quantity" // method: the answer was computed but another value was boxed
  | "malformed-equation" // format
  | "unshown-value" // format: a new number stated without an equation
  | "no-equation" // format: a labelled step with no arithmetic at all
  | "no-steps" // format: nothing to check before the answer
  | "no-boxed-answer" // format
  | "unparsable-answer"; // format

export type StepStatus = "correct" | "propagated" | "error" | "restatement";

export interface ClaimVerdict {
  text: string;
  start: number;
  end: number;
  status: "correct" | "propagated" | "error";
  kind?: StepErrorKind;
  reason?: StepErrorReason;
  /** Gold steps whose value this claim computes (for propagated claims: would compute). */
  goldSteps: number[];
}

export interface StepVerdict {
  /** 1-based among the output's steps (unlabelled narration is not a step). */
  position: number;
  label?: number;
  text: string;
  start: number;
  end: number;
  status: StepStatus;
  kind?: StepErrorKind;
  reason?: StepErrorReason;
  claims: ClaimVerdict[];
  goldSteps: number[];
}

export interface AnswerVerdict {
  /** Content of the last `\boxed{}`. */
  extracted?: string;
  correct: boolean;
  status: "correct" | "propagated" | "error";
  kind?: StepErrorKind;
  reason?: StepErrorReason;
}

export interface FirstError {
  /** Step position; for the answer, one past the last step. */
  position: number;
  part: "step" | "answer";
  label?: number;
  kind: StepErrorKind;
  reason: StepErrorReason;
}

export interface ArithVerification {
  firstError?: FirstError;
  steps: StepVerdict[];
  answer: AnswerVerdict;
  /** After the first error: steps consistent with inherited wrong values, and errors of their own. */
  cascade: { propagated: number[]; independent: FirstError[] };
  /** Gold steps whose value the output reached (by correct steps). */
  goldReached: number[];
}

type LeafKind = "available" | "tainted" | "implicit" | "unknown";

/** What the output has established so far, by exact value. */
class VerifierState {
  readonly question = new Set<string>();
  readonly goldSteps = new Map<string, number[]>();
  readonly goldValues: Rational[] = [];
  readonly established = new Set<string>();
  readonly tainted = new Set<string>();
  readonly answerKey: string;
  readonly gold: ArithGold;

  constructor(gold: ArithGold) {
    this.gold = gold;
    for (const quantity of gold.quantities) this.question.add(key(fromInteger(quantity.value)));
    for (const step of gold.steps) {
      const value = fromInteger(step.result);
      const existing = this.goldSteps.get(key(value));
      if (existing) existing.push(step.index);
      else {
        this.goldSteps.set(key(value), [step.index]);
        this.goldValues.push(value);
      }
    }
    this.answerKey = key(fromInteger(gold.answer));
  }

  isGold(value: Rational | undefined): value is Rational {
    return value !== undefined && this.goldSteps.has(key(value));
  }

  isKnown(value: Rational): boolean {
    const valueKey = key(value);
    return this.question.has(valueKey) || this.established.has(valueKey);
  }

  classify(value: Rational): LeafKind {
    const valueKey = key(value);
    if (this.question.has(valueKey) || this.established.has(valueKey)) return "available";
    if (this.tainted.has(valueKey)) return "tainted";
    return this.goldSteps.has(valueKey) ? "implicit" : "unknown";
  }

  establish(value: Rational): void {
    if (this.isGold(value)) this.established.add(key(value));
  }

  taint(value: Rational | undefined): void {
    if (value !== undefined && !this.isGold(value) && !this.isKnown(value)) this.tainted.add(key(value));
  }

  stepsOf(value: Rational | undefined): number[] {
    return value === undefined ? [] : (this.goldSteps.get(key(value)) ?? []);
  }

  get answerReached(): boolean {
    return this.established.has(this.answerKey);
  }
}

/** Gold values for the tainted operands under which the computation gives a gold value, if any. */
function goldSubstitution(claim: ArithmeticClaim, kinds: LeafKind[], state: VerifierState): Rational | undefined {
  const taintedAt = kinds.flatMap((kind, index) => (kind === "tainted" ? [index] : []));
  if (taintedAt.length === 0 || taintedAt.length > 3) return undefined;
  const values = [...claim.operands];
  const search = (depth: number): Rational | undefined => {
    if (depth === taintedAt.length) {
      const value = evaluateWith(claim.computation, values);
      return state.isGold(value) ? value : undefined;
    }
    for (const candidate of state.goldValues) {
      values[taintedAt[depth] as number] = candidate;
      const found = search(depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return search(0);
}

/** A gold step not yet reached whose operands are the claim's, under another operation. */
function isWrongOperation(claim: ArithmeticClaim, state: VerifierState): boolean {
  if (claim.operands.length !== 2) return false;
  const claimed = claim.operands.map(key).sort().join(",");
  return state.gold.steps.some((step) =>
    !state.established.has(key(fromInteger(step.result))) &&
    step.operands.map((operand) => key(fromInteger(operand.value))).sort().join(",") === claimed);
}

function verdict(claim: { text: string; start: number; end: number }, offset: number, fields: Omit<ClaimVerdict, "text" | "start" | "end">): ClaimVerdict {
  return { text: claim.text, start: claim.start + offset, end: claim.end + offset, ...fields };
}

function checkClaim(claim: ArithmeticClaim, offset: number, state: VerifierState): ClaimVerdict {
  const kinds = claim.operands.map((operand) => state.classify(operand));
  const clean = kinds.every((kind) => kind === "available" || kind === "implicit");
  if (clean && state.isGold(claim.value)) {
    const goldSteps = state.stepsOf(claim.value);
    if (!claim.holds) {
      state.taint(claim.result);
      return verdict(claim, offset, { status: "error", kind: "computational", reason: "wrong-result", goldSteps });
    }
    claim.operands.forEach((operand) => state.establish(operand));
    for (const value of intermediateValues(claim.computation)) state.establish(value);
    state.establish(claim.value);
    return verdict(claim, offset, { status: "correct", goldSteps });
  }
  if (!kinds.includes("unknown")) {
    const substituted = goldSubstitution(claim, kinds, state);
    if (substituted) {
      state.taint(claim.result);
      state.taint(claim.value);
      const goldSteps = state.stepsOf(substituted);
      return claim.holds
        ? verdict(claim, offset, { status: "propagated", goldSteps })
        : verdict(claim, offset, { status: "error", kind: "computational", reason: "wrong-result", goldSteps });
    }
  }
  const reason: StepErrorReason = kinds.includes("unknown")
    ? "unknown-operand"
    : state.answerReached
      ? "extra-step"
      : isWrongOperation(claim, state) ? "wrong-operation" : "wrong-quantity";
  state.taint(claim.result);
  state.taint(claim.value);
  return verdict(claim, offset, { status: "error", kind: "method", reason, goldSteps: [] });
}

interface BoxSpan {
  start: number;
  contentStart: number;
  contentEnd: number;
  end: number;
}

/** Every `\boxed{...}` with balanced braces, in order. */
function boxSpans(text: string): BoxSpan[] {
  const spans: BoxSpan[] = [];
  for (const match of text.matchAll(/\\boxed\s*\{/g)) {
    const contentStart = match.index + match[0].length;
    let depth = 1;
    let position = contentStart;
    for (; position < text.length && depth > 0; position++) {
      if (text[position] === "{") depth++;
      else if (text[position] === "}") depth--;
    }
    if (depth === 0) spans.push({ start: match.index, contentStart, contentEnd: position - 1, end: position });
  }
  return spans;
}

/**
 * The output with box commands blanked (same length, offsets kept): `= \boxed{76}` keeps `76` as the
 * result of its equation; a box anywhere else is blanked whole, its number being the answer, not a step.
 */
function unboxed(text: string, boxes: BoxSpan[]): string {
  let result = text;
  for (const box of boxes) {
    const before = text.slice(0, box.start).replace(/[\s$]+$/, "");
    const keep = before.endsWith("=");
    const blank = (from: number, to: number): void => {
      result = result.slice(0, from) + " ".repeat(to - from) + result.slice(to);
    };
    if (keep) {
      blank(box.start, box.contentStart);
      blank(box.contentEnd, box.end);
    } else {
      blank(box.start, box.end);
    }
  }
  return result;
}

/** A boxed answer as a number: `76`, `1,234`, `$76`, `76 \text{ apples}`, `76.`. */
export function parseAnswerNumber(content: string): Rational | undefined {
  const cleaned = content
    .replace(/\\(?:text|mathrm|textbf)\s*\{[^{}]*\}/g, "")
    .replace(/\\[$,;! ]|\$/g, "")
    .replace(/\.$/, "")
    .trim();
  return parseDecimal(cleaned);
}

/** A mention right after the word "step" refers to a step, not a quantity. */
function isStepReference(text: string, start: number): boolean {
  return /step\s*$/i.test(text.slice(Math.max(0, start - 8), start));
}

function isMalformed(item: ArithmeticClaim | MalformedMath): item is MalformedMath {
  return "reason" in item && typeof item.reason === "string";
}

/** `verifyArithSolution` for an arith Problem (its gold steps read from meta; E_INPUT if malformed). */
export function verifyArithProblem(problem: Problem, output: string): ArithVerification {
  return verifyArithSolution(arithGold(problem), output);
}

export function verifyArithSolution(gold: ArithGold, output: string): ArithVerification {
  const state = new VerifierState(gold);
  const boxes = boxSpans(output);
  const answerBox = boxes[boxes.length - 1];
  const checkedText = unboxed(output, boxes);
  const steps: StepVerdict[] = [];

  for (const segment of segmentSteps(output)) {
    const body = checkedText.slice(segment.bodyStart, segment.end);
    const scan = scanArithmetic(body);
    const items: (ArithmeticClaim | MalformedMath)[] = [
      ...scan.claims,
      ...scan.malformed.filter((malformed) => malformed.hasEquals || scan.claims.length === 0),
    ].sort((left, right) => left.start - right.start);
    const base = { label: segment.label, text: segment.text, start: segment.start, end: segment.end };
    const push = (fields: Omit<StepVerdict, "position" | "label" | "text" | "start" | "end">): void => {
      steps.push({ position: steps.length + 1, ...(base.label === undefined ? {} : { label: base.label }), text: base.text, start: base.start, end: base.end, ...fields });
    };

    if (items.length > 0) {
      const claims = items.map((item) => isMalformed(item)
        ? verdict(item, segment.bodyStart, { status: "error", kind: "format", reason: "malformed-equation", goldSteps: [] })
        : checkClaim(item, segment.bodyStart, state));
      const firstWrong = claims.find((claim) => claim.status === "error");
      const status: StepStatus = firstWrong ? "error" : claims.some((claim) => claim.status === "propagated") ? "propagated" : "correct";
      push({
        status,
        ...(firstWrong ? { kind: firstWrong.kind, reason: firstWrong.reason } : {}),
        claims,
        goldSteps: [...new Set(claims.flatMap((claim) => claim.goldSteps))],
      });
      continue;
    }

    const mentions = scan.mentions.filter((mention) => !isStepReference(body, mention.start));
    const fresh = mentions.filter((mention) => !["available", "tainted"].includes(state.classify(mention.value)));
    if (fresh.length > 0) {
      if (fresh.every((mention) => state.classify(mention.value) === "implicit")) {
        // A gold value stated without its computation: accepted as mental arithmetic.
        for (const mention of fresh) state.establish(mention.value);
        push({ status: "correct", claims: [], goldSteps: [...new Set(fresh.flatMap((mention) => state.stepsOf(mention.value)))] });
      } else {
        for (const mention of fresh) state.taint(mention.value);
        push({ status: "error", kind: "format", reason: "unshown-value", claims: [], goldSteps: [] });
      }
      continue;
    }
    const holdsAnswer = answerBox !== undefined && answerBox.start >= segment.start && answerBox.start < segment.end;
    if (holdsAnswer || segment.label === undefined) continue; // the answer line, or narration
    if (mentions.length > 0) push({ status: "restatement", claims: [], goldSteps: [] });
    else push({ status: "error", kind: "format", reason: "no-equation", claims: [], goldSteps: [] });
  }

  const answer = checkAnswer(answerBox && output.slice(answerBox.contentStart, answerBox.contentEnd), state);
  return summarize(steps, answer, state);
}

function checkAnswer(extracted: string | undefined, state: VerifierState): AnswerVerdict {
  if (extracted === undefined) return { correct: false, status: "error", kind: "format", reason: "no-boxed-answer" };
  const value = parseAnswerNumber(extracted);
  const base = { extracted, correct: false };
  if (value === undefined) return { ...base, status: "error", kind: "format", reason: "unparsable-answer" };
  if (key(value) === state.answerKey) return { ...base, correct: true, status: "correct" };
  if (state.tainted.has(key(value))) return { ...base, status: "propagated" };
  if (state.answerReached) {
    return state.isGold(value) && state.established.has(key(value))
      ? { ...base, status: "error", kind: "method", reason: "wrong-answer-quantity" }
      : { ...base, status: "error", kind: "computational", reason: "answer-mismatch" };
  }
  return { ...base, status: "error", kind: "method", reason: "missing-step" };
}

function summarize(steps: StepVerdict[], answer: AnswerVerdict, state: VerifierState): ArithVerification {
  const errors: FirstError[] = steps.flatMap((step) => step.status === "error" && step.kind && step.reason
    ? [{ position: step.position, part: "step" as const, ...(step.label === undefined ? {} : { label: step.label }), kind: step.kind, reason: step.reason }]
    : []);
  if (steps.length === 0) errors.unshift({ position: 1, part: "step", kind: "format", reason: "no-steps" });
  if (answer.status === "error" && answer.kind && answer.reason) {
    errors.push({ position: steps.length + 1, part: "answer", kind: answer.kind, reason: answer.reason });
  }
  const [firstError, ...independent] = errors;
  const errorPosition = firstError?.position ?? Infinity;
  const goldReached = state.gold.steps.filter((step) => state.established.has(key(fromInteger(step.result)))).map((step) => step.index);
  return {
    ...(firstError ? { firstError } : {}),
    steps,
    answer,
    cascade: {
      propagated: steps.filter((step) => step.status === "propagated" && step.position > errorPosition).map((step) => step.position),
      independent,
    },
    goldReached,
  };
}
