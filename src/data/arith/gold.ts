/**
 * Reading an arith problem's step-level ground truth back out of `Problem.meta`. Problems may come from
 * a JSONL file or the run store rather than the generator, so the shape is checked, not assumed.
 */
import { QreasonError } from "../../errors.ts";
import type { Problem } from "../types.ts";
import { ARITH_OPS, type ArithGold, type ArithOp, type ArithOperand, type ArithQuantity, type ArithStep } from "./types.ts";

function fail(problem: Problem, field: string, message: string): never {
  throw new QreasonError("E_INPUT", `arith problem '${problem.id}': ${message}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function integer(problem: Problem, value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) fail(problem, field, "expected an integer");
  return value;
}

function text(problem: Problem, value: unknown, field: string): string {
  if (typeof value !== "string") fail(problem, field, "expected a string");
  return value;
}

function readQuantity(problem: Problem, value: unknown, field: string): ArithQuantity {
  if (!isRecord(value)) fail(problem, field, "expected an object");
  const role = value.role;
  if (role !== "given" && role !== "distractor") fail(problem, `${field}.role`, "expected 'given' or 'distractor'");
  return {
    id: text(problem, value.id, `${field}.id`),
    value: integer(problem, value.value, `${field}.value`),
    text: text(problem, value.text, `${field}.text`),
    role,
  };
}

function readOperand(problem: Problem, value: unknown, field: string, ids: Set<string>, before: number): ArithOperand {
  if (!isRecord(value)) fail(problem, field, "expected an object");
  const operandValue = integer(problem, value.value, `${field}.value`);
  if (value.source === "question") {
    const quantity = text(problem, value.quantity, `${field}.quantity`);
    if (!ids.has(quantity)) fail(problem, `${field}.quantity`, `no quantity '${quantity}'`);
    return { source: "question", quantity, value: operandValue };
  }
  if (value.source === "step") {
    const step = integer(problem, value.step, `${field}.step`);
    if (step < 1 || step >= before) fail(problem, `${field}.step`, `step ${step} is not an earlier step`);
    return { source: "step", step, value: operandValue };
  }
  return fail(problem, `${field}.source`, "expected 'question' or 'step'");
}

function readStep(problem: Problem, value: unknown, position: number, ids: Set<string>): ArithStep {
  const field = `meta.steps[${position - 1}]`;
  if (!isRecord(value)) fail(problem, field, "expected an object");
  const op = value.op;
  if (typeof op !== "string" || !(ARITH_OPS as readonly string[]).includes(op)) fail(problem, `${field}.op`, "expected + - * or /");
  const operands = value.operands;
  if (!Array.isArray(operands) || operands.length !== 2) fail(problem, `${field}.operands`, "expected two operands");
  const index = integer(problem, value.index, `${field}.index`);
  if (index !== position) fail(problem, `${field}.index`, `expected ${position}`);
  return {
    index,
    op: op as ArithOp,
    operands: [
      readOperand(problem, operands[0], `${field}.operands[0]`, ids, position),
      readOperand(problem, operands[1], `${field}.operands[1]`, ids, position),
    ],
    result: integer(problem, value.result, `${field}.result`),
    description: text(problem, value.description, `${field}.description`),
  };
}

/** The quantities, steps and answer of an arith problem; E_INPUT naming the field when meta is malformed. */
export function arithGold(problem: Problem): ArithGold {
  const meta = problem.meta;
  if (!Array.isArray(meta.quantities)) fail(problem, "meta.quantities", "expected a list (is this an arith problem?)");
  if (!Array.isArray(meta.steps) || meta.steps.length === 0) fail(problem, "meta.steps", "expected a non-empty list");
  const quantities = meta.quantities.map((value, index) => readQuantity(problem, value, `meta.quantities[${index}]`));
  const ids = new Set(quantities.map((quantity) => quantity.id));
  const steps = meta.steps.map((value, index) => readStep(problem, value, index + 1, ids));
  const answer = Number(problem.answer);
  if (!Number.isSafeInteger(answer)) fail(problem, "answer", `'${problem.answer}' is not an integer`);
  if (steps[steps.length - 1]?.result !== answer) fail(problem, "answer", "differs from the last step's result");
  return { quantities, steps, answer };
}
