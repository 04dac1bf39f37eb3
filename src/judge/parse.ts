/**
 * Reading a verdict out of a judge's reply. Judges write prose before the JSON (reasoning models think
 * out loud), wrap it in ```json fences, put LaTeX braces in the prose, draft an object and then correct it,
 * run out of tokens mid-object, or refuse. The rule: every balanced JSON object in the reply is a
 * candidate, and the **last** one (by where it ends) that validates wins. A reply with no valid object is
 * an invalid verdict with a reason; it is counted as such and never scored as a verdict.
 */
import { validateVerdict, type Verdict } from "./verdict.ts";

export type InvalidReason =
  | "empty" // nothing but whitespace
  | "refusal" // no JSON object, and the reply declines the task
  | "no_json" // no JSON object at all
  | "truncated" // a JSON object was opened and never closed (the reply was cut off)
  | "invalid_json" // a brace-balanced object that is not JSON even after repairing trailing commas
  | "schema"; // JSON objects, none of which is a valid verdict

export const INVALID_REASONS: readonly InvalidReason[] = ["empty", "refusal", "no_json", "truncated", "invalid_json", "schema"];

export interface JsonCandidate {
  /** Offsets of the object's braces in the reply: `text.slice(start, end)` is the object. */
  start: number;
  end: number;
  /** JSON.parse of the object (after repair), or undefined when it is not JSON. */
  value: unknown;
  parsed: boolean;
}

export interface JsonScan {
  candidates: JsonCandidate[];
  /** Offset of a JSON-looking object that never closes, if any. */
  unclosedAt: number | undefined;
}

/** Longest reply scanned (characters); judges' replies are bounded by max_tokens well below this. */
const MAX_SCAN_CHARS = 200_000;

/**
 * Every JSON-looking object in `text` (an opening brace followed by a quote or a closing brace, so LaTeX
 * groups such as `\frac{11}{2}` are not candidates), string-aware (braces inside strings do not count),
 * in order of where they end. Nested objects are candidates too, so a wrapper such as `{"verdict": {...}}`
 * still yields its inner object.
 */
export function findJsonObjects(text: string): JsonScan {
  const scanned = text.length > MAX_SCAN_CHARS ? text.slice(-MAX_SCAN_CHARS) : text;
  const shift = text.length - scanned.length;
  const candidates: JsonCandidate[] = [];
  let unclosedAt: number | undefined;
  // Braces that an earlier (enclosing) candidate's scan found inside a string: not object starts.
  const inStrings = new Set<number>();
  for (let start = scanned.indexOf("{"); start !== -1; start = scanned.indexOf("{", start + 1)) {
    if (inStrings.has(start) || !looksLikeJson(scanned, start)) continue;
    const end = matchingBrace(scanned, start, inStrings);
    if (end === UNCLOSED) {
      unclosedAt ??= start + shift;
      continue;
    }
    if (end < 0) continue; // a bracket closed by the wrong kind: not an object
    const source = scanned.slice(start, end);
    const value = parseLenient(source);
    candidates.push({ start: start + shift, end: end + shift, value: value.ok ? value.value : undefined, parsed: value.ok });
  }
  candidates.sort((left, right) => left.end - right.end || right.start - left.start);
  return { candidates, unclosedAt };
}

const REFUSAL = /\b(?:I\s+(?:cannot|can['’]?t|won['’]t|will not|am (?:not able|unable)|must decline|have to decline)|I['’]m (?:not able|unable)|as an AI\b)/i;

export type Parsed<Value> =
  | { ok: true; value: Value; /** Later objects in the reply that did not validate. */ skipped: number }
  | { ok: false; reason: InvalidReason; message: string };

export type Validation<Value> = { ok: true; value: Value } | { ok: false; problems: string[] };

/** The last JSON object in `text` that `validate` accepts, or why there is none. */
export function parseLastValid<Value>(text: string, validate: (value: unknown) => Validation<Value>, what = "verdict"): Parsed<Value> {
  if (text.trim() === "") return { ok: false, reason: "empty", message: "the reply is empty" };
  const { candidates, unclosedAt } = findJsonObjects(text);
  let lastProblems: string[] | undefined;
  let skipped = 0;
  for (let index = candidates.length - 1; index >= 0; index--) {
    const candidate = candidates[index] as JsonCandidate;
    if (!candidate.parsed) continue;
    const validation = validate(candidate.value);
    if (validation.ok) return { ok: true, value: validation.value, skipped };
    lastProblems ??= validation.problems;
    skipped++;
  }
  if (lastProblems) {
    return { ok: false, reason: "schema", message: `the reply's last JSON object is not a valid ${what}: ${lastProblems.join("; ")}` };
  }
  if (unclosedAt !== undefined) {
    return { ok: false, reason: "truncated", message: `the JSON object starting at character ${unclosedAt} is never closed (the reply was cut off)` };
  }
  if (candidates.length > 0) {
    return { ok: false, reason: "invalid_json", message: "the reply has a brace-delimited object, but it is not valid JSON" };
  }
  if (REFUSAL.test(text)) return { ok: false, reason: "refusal", message: `the reply declines to give a ${what} and has no JSON object` };
  return { ok: false, reason: "no_json", message: "the reply has no JSON object" };
}

/** The verdict in a judge's reply over `stepCount` steps: the last valid JSON object, or why there is none. */
export function parseVerdict(text: string, stepCount: number): Parsed<Verdict> {
  return parseLastValid(text, (value) => {
    const validation = validateVerdict(value, stepCount);
    return validation.ok ? { ok: true, value: validation.verdict } : validation;
  });
}

export interface PairVerdict {
  /** The verdict on the solution shown first (A). */
  first: Verdict;
  /** The verdict on the solution shown second (B). */
  second: Verdict;
}

/** A pairwise reply `{"solution_a": verdict, "solution_b": verdict}` over solutions of the given step counts. */
export function parsePairVerdict(text: string, firstSteps: number, secondSteps: number): Parsed<PairVerdict> {
  return parseLastValid(
    text,
    (value) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, problems: ["the reply must be a JSON object"] };
      const record = value as Record<string, unknown>;
      const problems: string[] = [];
      const extra = Object.keys(record).filter((key) => key !== "solution_a" && key !== "solution_b");
      if (extra.length > 0) problems.push(`unknown field${extra.length > 1 ? "s" : ""} '${extra.join("', '")}'`);
      const first = record.solution_a === undefined ? undefined : validateVerdict(record.solution_a, firstSteps);
      const second = record.solution_b === undefined ? undefined : validateVerdict(record.solution_b, secondSteps);
      if (!first) problems.push("missing field 'solution_a'");
      else if (!first.ok) problems.push(...first.problems.map((problem) => `solution_a: ${problem}`));
      if (!second) problems.push("missing field 'solution_b'");
      else if (!second.ok) problems.push(...second.problems.map((problem) => `solution_b: ${problem}`));
      if (problems.length > 0 || !first?.ok || !second?.ok) return { ok: false, problems };
      return { ok: true, value: { first: first.verdict, second: second.verdict } };
    },
    "pair of verdicts",
  );
}

function looksLikeJson(text: string, start: number): boolean {
  for (let index = start + 1; index < text.length; index++) {
    const char = text[index] as string;
    if (char === " " || char === "\n" || char === "\r" || char === "\t") continue;
    return char === '"' || char === "}";
  }
  return true; // a `{` at the very end: an object cut off before its first key
}

const UNCLOSED = -1;
const MISMATCHED = -2;

/**
 * The offset just past the brace closing the object opened at `start`; UNCLOSED or MISMATCHED when none
 * does. Opening braces met inside strings are added to `inStrings`.
 */
function matchingBrace(text: string, start: number, inStrings: Set<number>): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === "\\") index++;
      else if (char === '"') inString = false;
      else if (char === "{") inStrings.add(index);
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") {
      depth--;
      if (depth === 0) return char === "}" ? index + 1 : MISMATCHED;
    }
  }
  return UNCLOSED;
}

/** JSON.parse, then once more with trailing commas (`, }`, `, ]`) outside strings removed. */
function parseLenient(source: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch {
    const repaired = withoutTrailingCommas(source);
    if (repaired === source) return { ok: false };
    try {
      return { ok: true, value: JSON.parse(repaired) };
    } catch {
      return { ok: false };
    }
  }
}

function withoutTrailingCommas(source: string): string {
  let out = "";
  let inString = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index] as string;
    if (inString) {
      out += char;
      if (char === "\\") out += source[++index] ?? "";
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    if (char === ",") {
      const rest = source.slice(index + 1).trimStart();
      if (rest.startsWith("}") || rest.startsWith("]")) continue;
    }
    out += char;
  }
  return out;
}
