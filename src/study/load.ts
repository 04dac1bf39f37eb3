/**
 * Loading a study file: YAML (kept as a document, so every value knows its line) → zod schema →
 * resolution. Every problem found becomes a located issue; a file with any issue is one QreasonError
 * (E_INPUT) whose location is the first problem and whose message lists them all.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { QreasonError } from "../errors.ts";
import { decodeUtf8 } from "../io/index.ts";
import { IssueList, type StudyIssue } from "./issues.ts";
import { formatFieldPath, lineOf } from "./locate.ts";
import { resolveStudy } from "./resolve.ts";
import { allowedKeysFor, studyInput, unknownKeysMessage } from "./schema.ts";
import { closestName } from "../suggest.ts";
import type { KnownNames, ModelSource, Study, VariantFitCheck } from "./types.ts";

/** Study files larger than this are refused before they are parsed. */
export const MAX_STUDY_BYTES = 4 * 1024 * 1024;

/** Problems listed in one error after the first (a broken file can produce hundreds). */
const MAX_LISTED_ISSUES = 20;

export interface LoadStudyOptions {
  /** Registries to check benchmark and llama.cpp type names against (unchecked when absent). */
  known?: KnownNames;
  /**
   * Check that every file and directory the study reads exists (models, existing variants, imatrix,
   * calibration and benchmark files). Default: on in loadStudy, off for text validated on its own.
   */
  checkFiles?: boolean;
  /**
   * Reads what `known.variantFit` needs about the study's local models (weight shapes from config.json or a
   * GGUF header) once the study is otherwise valid; the study is then validated again with that check, so a
   * block or group size that does not fit the model is an error located at its line, before anything runs.
   */
  prepareVariantFit?: (models: readonly { name: string; source: ModelSource }[]) => Promise<VariantFitCheck>;
}

export interface LocatedIssue {
  line?: number;
  /** Dotted field path, `models[0].variants[1].engine.w_bits`; empty for the whole file. */
  field: string;
  message: string;
}

export type StudyValidation = { ok: true; study: Study } | { ok: false; issues: LocatedIssue[] };

/** Reads and validates a study file; throws one QreasonError listing every problem. */
export async function loadStudy(file: string, options: LoadStudyOptions = {}): Promise<Study> {
  const absolute = path.resolve(file);
  let bytes: Buffer;
  try {
    // A study is kilobytes; a huge file is the wrong file (parsing 300 MB of YAML takes minutes and gigabytes).
    const { size } = await stat(absolute);
    if (size > MAX_STUDY_BYTES) {
      throw new QreasonError("E_INPUT", `the study file is ${size} bytes; a study is a few kilobytes (the limit is ${MAX_STUDY_BYTES}): is this the right file?`, {
        file: absolute,
      });
    }
    bytes = await readFile(absolute);
  } catch (error) {
    if (error instanceof QreasonError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new QreasonError("E_NOT_FOUND", "no such study file", { file: absolute });
    if (code === "EISDIR") throw new QreasonError("E_INPUT", "this is a directory; give the study's .yaml file", { file: absolute });
    throw new QreasonError("E_INPUT", `cannot read the study file: ${(error as Error).message}`, { file: absolute }, { cause: error });
  }
  const text = decodeUtf8(bytes, absolute); // invalid bytes are an error, never silently U+FFFD in a prompt
  const study = parseStudy(text, absolute, { checkFiles: true, ...options });
  if (options.prepareVariantFit === undefined) return study;
  const local = study.models.filter((model) => model.source.kind === "local").map(({ name, source }) => ({ name, source }));
  const variantFit = await options.prepareVariantFit(local);
  return parseStudy(text, absolute, { checkFiles: true, ...options, known: { ...options.known, variantFit } });
}

/** Validates study text that came from `file` (used for messages and to resolve relative paths). */
export function parseStudy(text: string, file: string, options: LoadStudyOptions = {}): Study {
  const result = validateStudy(text, file, options);
  if (result.ok) return result.study;
  throw studyError(result.issues, path.resolve(file));
}

/** Like parseStudy, but returns every located issue instead of throwing (for editors and tests). */
export function validateStudy(text: string, file: string, options: LoadStudyOptions = {}): StudyValidation {
  const absolute = path.resolve(file);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => ({
        line: lineCounter.linePos(error.pos[0]).line,
        field: "",
        message: `not valid YAML: ${error.message.split("\n")[0]}`,
      })),
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, issues: [{ line: 1, field: "", message: `not valid YAML: ${(error as Error).message}` }] };
  }
  if (data === null || data === undefined) {
    return { ok: false, issues: [{ line: 1, field: "", message: "the study file is empty; see examples/quickstart.yaml" }] };
  }

  const issues = new IssueList();
  const parsed = studyInput.safeParse(data, { reportInput: true });
  let study: Study | undefined;
  if (parsed.success) {
    study = resolveStudy(parsed.data, absolute, options.known ?? {}, issues);
    if (options.checkFiles) issues.checkInputPaths();
  } else {
    for (const issue of parsed.error.issues) issues.items.push(...fromZodIssue(issue));
  }
  if (issues.empty && study !== undefined) return { ok: true, study };

  const located = issues.items.map((issue) => ({
    line: lineOf(document, lineCounter, issue.path),
    field: formatFieldPath(issue.path),
    message: issue.message,
  }));
  located.sort((left, right) => (left.line ?? 0) - (right.line ?? 0));
  return { ok: false, issues: located };
}

export function fromZodIssue(issue: z.core.$ZodIssue): StudyIssue[] {
  const at = issue.path;
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysFor(issue.keys);
    if (allowed === undefined) return [{ path: [...at, issue.keys[0] ?? ""], message: issue.message }];
    return issue.keys.map((key) => ({ path: [...at, key], message: unknownKeysMessage([key], allowed) }));
  }
  return [fromOtherZodIssue(issue)];
}

function fromOtherZodIssue(issue: z.core.$ZodIssue): StudyIssue {
  const at = issue.path;
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return { path: at, message: `missing required field (expected ${issue.expected})` };
      return { path: at, message: `expected ${issue.expected}, got ${describeValue(issue.input)}` };
    case "invalid_value": {
      if (typeof issue.input === "string") {
        const options = issue.values.map(String);
        const suggestion = closestName(issue.input, options);
        const hint = suggestion === undefined ? "" : `; did you mean '${suggestion}'?`;
        return { path: at, message: `'${issue.input}' is not allowed${hint} (one of: ${options.join(", ")})` };
      }
      return { path: at, message: `${describeValue(issue.input)} is not allowed (one of: ${issue.values.map(String).join(", ")})` };
    }
    case "too_small":
    case "too_big":
      return { path: at, message: boundMessage(issue) };
    default:
      return { path: at, message: issue.message };
  }
}

/** zod's own "Too small: expected number to be >0" as the user would say it; a schema's own message stays. */
function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  if (!/^Too (small|big)/.test(issue.message)) return issue.message;
  const small = issue.code === "too_small";
  const bound = Number(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  const got = typeof issue.input === "number" ? `, got ${issue.input}` : "";
  if (issue.origin === "array" || issue.origin === "set") {
    return small ? `needs at least ${bound} entr${bound === 1 ? "y" : "ies"}` : `takes at most ${bound} entr${bound === 1 ? "y" : "ies"}`;
  }
  if (issue.origin === "string") return small ? (bound <= 1 ? "must not be empty" : `needs at least ${bound} characters`) : `takes at most ${bound} characters`;
  if (!small && bound >= Number.MAX_SAFE_INTEGER) return `${SAFE_INTEGER_MESSAGE}${got}`;
  const comparison = small ? (inclusive ? "at least" : "greater than") : inclusive ? "at most" : "less than";
  return `must be ${comparison} ${bound.toLocaleString("en-US")}${got}`;
}

/** An integer past 2^53 (zod's implicit bound on int()); said once, beside any ceiling of the field's own. */
const SAFE_INTEGER_MESSAGE = "is too large a number";

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${String(value)}`;
}

export function studyError(issues: LocatedIssue[], file: string): QreasonError {
  // The same problem at the same place once (a YAML parser repeats itself on a broken file).
  const seen = new Set<string>();
  const distinct = issues.filter((issue) => {
    const key = `${issue.line}\0${issue.field}\0${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).filter((issue, _, all) =>
    // "too large a number" adds nothing beside the field's own ceiling ("must be at most 1,048,576").
    !issue.message.startsWith(SAFE_INTEGER_MESSAGE) || !all.some((other) => other !== issue && other.line === issue.line && other.field === issue.field),
  );
  const [first, ...rest] = distinct;
  if (first === undefined) return new QreasonError("E_INTERNAL", "study validation failed without an issue", { file });
  const listed = rest.slice(0, MAX_LISTED_ISSUES);
  const more = listed.map((issue) => `\n  ${file}:${issue.line ?? "?"}: ${issue.field ? `field '${issue.field}': ` : ""}${issue.message}`);
  if (rest.length > listed.length) more.push(`\n  … and ${rest.length - listed.length} more`);
  const summary = rest.length > 0 ? `\n  (${rest.length} more problem${rest.length > 1 ? "s" : ""} in this file:)${more.join("")}` : "";
  const location: { file: string; line?: number; field?: string } = { file };
  if (first.line !== undefined) location.line = first.line;
  if (first.field !== "") location.field = first.field;
  return new QreasonError("E_INPUT", `${first.message}${summary}`, location);
}
