/**
 * A judge's verdict on one solution: where it first goes wrong (a 0-based step index, or -1 for no error),
 * what kind of error that is in the shared taxonomy (src/taxonomy), why, and how sure the judge is.
 *
 * Two forms of the same contract:
 * - `verdictJsonSchema(stepCount)`: the JSON Schema sent as a backend's `responseFormat`, so backends that
 *   constrain decoding (llama.cpp grammars, OpenAI structured outputs, the engine) can only emit valid shapes;
 * - `validateVerdict(value, stepCount)`: the same rules in zod, applied to every reply whatever the backend
 *   promised, with messages precise enough to feed back to the judge on a retry.
 *
 * Field names on the wire are snake_case (what models read and write); the TypeScript shape is camelCase.
 * `explanation` comes first in the schema so a constrained decoder lets the model reason before it commits
 * to an index.
 */
import { z } from "zod";
import { ERROR_CATEGORIES, ERROR_SUBTYPES, categoryOf, type ErrorCategory, type ErrorSubtype } from "../taxonomy/index.ts";

/** The category and subtype of a verdict that finds no error. */
export const NO_ERROR = "no_error" as const;
export type NoError = typeof NO_ERROR;

export interface Verdict {
  /** 0-based index into the steps the judge was shown; -1 when every step is correct. */
  firstErrorStep: number;
  category: ErrorCategory | NoError;
  subtype: ErrorSubtype | NoError;
  explanation: string;
  /** The judge's own confidence in [0, 1]. */
  confidence: number;
}

/** Longest explanation kept (characters); a longer one is cut, not rejected. */
export const MAX_EXPLANATION_CHARS = 4000;

export const VERDICT_CATEGORIES: readonly (ErrorCategory | NoError)[] = [...ERROR_CATEGORIES, NO_ERROR];
export const VERDICT_SUBTYPES: readonly (ErrorSubtype | NoError)[] = [...ERROR_SUBTYPES, NO_ERROR];

/**
 * The wire schema, in zod, for `stepCount` steps: the one definition both the JSON Schema sent to backends
 * and the validator come from (z.toJSONSchema), so the two cannot drift apart.
 */
function wireSchema(stepCount: number) {
  const range = `-1 or a step index from 0 to ${stepCount - 1}`;
  const oneOf = (values: readonly string[], field: string) =>
    z.enum(values as [string, ...string[]], { error: (issue) => `'${field}' is ${JSON.stringify(issue.input)}; it must be one of: ${values.join(", ")}` });
  return z.strictObject(
    {
      explanation: z.string({ error: "'explanation' must be a string" }).describe("Why: the wrong claim, or why every step holds."),
      first_error_step: z
        .int({ error: `'first_error_step' must be an integer: ${range}` })
        .min(-1, { error: `'first_error_step' must be ${range}` })
        .max(stepCount - 1, { error: `'first_error_step' must be ${range}` })
        .describe("0-based index of the earliest wrong step, or -1 if no step is wrong."),
      category: oneOf(VERDICT_CATEGORIES, "category"),
      subtype: oneOf(VERDICT_SUBTYPES, "subtype"),
      confidence: z
        .number({ error: "'confidence' must be a number from 0 to 1" })
        .min(0, { error: "'confidence' must be a number from 0 to 1" })
        .max(1, { error: "'confidence' must be a number from 0 to 1" }),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field${issue.keys.length > 1 ? "s" : ""} '${issue.keys.join("', '")}'` : undefined) },
  );
}

/** JSON Schema (draft 2020-12; objects, enums, integer and number bounds only) of one verdict. */
export function verdictJsonSchema(stepCount: number): Record<string, unknown> {
  assertStepCount(stepCount);
  const { $schema: _dialect, ...schema } = z.toJSONSchema(wireSchema(stepCount), { target: "draft-2020-12" }) as Record<string, unknown>;
  return schema;
}

/** The Backend spec's `responseFormat` for a verdict over `stepCount` steps. */
export function verdictResponseFormat(stepCount: number): { type: "json_schema"; name: string; schema: Record<string, unknown> } {
  return { type: "json_schema", name: "qreason_verdict", schema: verdictJsonSchema(stepCount) };
}

export type VerdictValidation = { ok: true; verdict: Verdict } | { ok: false; problems: string[] };

/**
 * Checks an untrusted parsed value against the verdict contract for `stepCount` steps: the shape, the
 * index range, and consistency (-1 ⇔ category and subtype `no_error`; the subtype within its category).
 * Every problem is listed, each naming its field.
 */
export function validateVerdict(value: unknown, stepCount: number): VerdictValidation {
  assertStepCount(stepCount);
  const parsed = wireSchema(stepCount).safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === "invalid_type" && issue.input === undefined && issue.path.length === 1) return `missing field '${String(issue.path[0])}'`;
      if (issue.path.length === 0 && issue.code === "invalid_type") return "the verdict must be a JSON object";
      return issue.message;
    });
    return { ok: false, problems: [...new Set(problems)] };
  }
  const wire = parsed.data;
  const category = wire.category as ErrorCategory | NoError;
  const subtype = wire.subtype as ErrorSubtype | NoError;
  const problems: string[] = [];
  const noError = wire.first_error_step === -1;
  if (noError && (category !== NO_ERROR || subtype !== NO_ERROR)) {
    problems.push(`'first_error_step' is -1 (no error), so 'category' and 'subtype' must both be "${NO_ERROR}"`);
  }
  if (!noError && (category === NO_ERROR || subtype === NO_ERROR)) {
    problems.push(`'first_error_step' names step ${wire.first_error_step}, so 'category' and 'subtype' must name the error, not "${NO_ERROR}"`);
  }
  if (category !== NO_ERROR && subtype !== NO_ERROR && categoryOf(subtype) !== category) {
    problems.push(`'subtype' ${subtype} belongs to category '${categoryOf(subtype)}', not '${category}'`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    verdict: {
      firstErrorStep: wire.first_error_step,
      category,
      subtype,
      explanation: wire.explanation.length > MAX_EXPLANATION_CHARS ? wire.explanation.slice(0, MAX_EXPLANATION_CHARS) : wire.explanation,
      confidence: wire.confidence,
    },
  };
}

/** The wire form of a verdict (what a judge would have written), e.g. for stored JSON and examples. */
export function verdictToWire(verdict: Verdict): Record<string, unknown> {
  return {
    explanation: verdict.explanation,
    first_error_step: verdict.firstErrorStep,
    category: verdict.category,
    subtype: verdict.subtype,
    confidence: verdict.confidence,
  };
}

function assertStepCount(stepCount: number): void {
  if (!Number.isInteger(stepCount) || stepCount < 1) throw new RangeError(`a verdict needs at least one step, got stepCount ${stepCount}`);
}
