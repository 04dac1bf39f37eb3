/**
 * `jsonl:<path>`: any JSON Lines file as a benchmark, given which fields hold the question, the answer
 * and the id. Defaults: the first of the common names the first record has (question: `question`,
 * `problem`, `prompt`, …; answer: `answer`, `final_answer`, `gold`, `target`, …; id: `id`, `unique_id`,
 * `idx`, `uid`, …), else for the id the 1-based line number.
 * Problems: benchmark `jsonl:<file stem>`, ids `<file stem>/<id>`, one split named `all`.
 */
import path from "node:path";
import { QreasonError } from "../../errors.ts";
import { canonicalNumber } from "../answers.ts";
import type { Benchmark, LoadOptions } from "../benchmark.ts";
import { readJsonlFile } from "../jsonl.ts";
import type { RecordFields } from "../records.ts";
import type { Problem } from "../types.ts";
import { checkProblems, parseMathLevel } from "./define.ts";

export const JSONL_PREFIX = "jsonl:";
export const JSONL_SPLIT = "all";

/** Which record fields (dotted paths allowed: `meta.gold`) hold what. */
export interface FieldMapping {
  questionField?: string;
  answerField?: string;
  idField?: string;
  solutionField?: string;
}

const ID_FIELDS = ["id", "unique_id", "idx", "uid", "problem_id", "question_id", "task_id"];

/** A benchmark reading `filePath` (relative paths resolve against the working directory). */
export function jsonlBenchmark(filePath: string, mapping: FieldMapping = {}): Benchmark {
  const absolutePath = path.resolve(filePath);
  const stem = path.basename(absolutePath).replace(/\.jsonl?$/i, "");
  return {
    name: `${JSONL_PREFIX}${filePath}`,
    description: `problems from ${absolutePath}`,
    origin: "files",
    defaultSplit: JSONL_SPLIT,
    splits: [{ name: JSONL_SPLIT, files: [] }],
    async load(_split: string, _options: LoadOptions): Promise<Problem[]> {
      const records = await readJsonlFile(absolutePath);
      const first = records[0];
      if (!first) throw new QreasonError("E_INPUT", "the file has no records", { file: absolutePath });
      const fields = resolveFields(first, mapping, absolutePath);
      const problems = records.map((record) => toProblem(record, fields, stem, absolutePath));
      return checkProblems(problems, absolutePath);
    },
  };
}

interface ResolvedFields {
  question: string;
  answer: string;
  id?: string;
  solution: string;
}

/** Where common datasets keep the question and the gold answer (lm-eval, HF datasets, OpenMath, OlympiadBench), in order of preference. */
const QUESTION_FIELDS = ["question", "problem", "prompt", "input", "query", "instruction"];
const ANSWER_FIELDS = ["answer", "final_answer", "gold", "target", "expected_answer", "ground_truth", "label"];

/**
 * Fills in default field names from the first record; explicit names are used as given. With no name
 * given, the first of the common names the record has; none of them: an error naming the record's
 * fields and the option that maps them.
 */
function resolveFields(first: RecordFields, mapping: FieldMapping, file: string): ResolvedFields {
  const pick = (given: string | undefined, candidates: string[], role: string, option: string): string => {
    if (given !== undefined) return given;
    const found = candidates.find((field) => first.has(field));
    if (found !== undefined) return found;
    const fields = Object.keys(first.value);
    throw new QreasonError(
      "E_INPUT",
      `no ${role} field: the first record's fields are ${fields.length === 0 ? "none" : fields.map((field) => `'${field}'`).join(", ")} (none of the usual ${candidates.map((field) => `'${field}'`).join(", ")}); name it with ${option} (qreason data) or the benchmark's \`mapping: { ${role}: <field> }\` (a study)`,
      { file, line: first.location.line },
    );
  };
  const question = pick(mapping.questionField, QUESTION_FIELDS, "question", "--question-field");
  const answer = pick(mapping.answerField, ANSWER_FIELDS, "answer", "--answer-field");
  const id = mapping.idField ?? ID_FIELDS.find((field) => first.has(field));
  return { question, answer, id, solution: mapping.solutionField ?? "solution" };
}

function toProblem(record: RecordFields, fields: ResolvedFields, stem: string, file: string): Problem {
  const line = record.location.line as number;
  const key = fields.id === undefined ? String(line) : idValue(record, fields.id);
  const rawAnswer = answerValue(record, fields.answer);
  const answer = canonicalNumber(rawAnswer);
  const solution = record.get(fields.solution);
  const level = record.get("level");
  const subject = record.get("subject");
  const parsedLevel = typeof level === "string" || typeof level === "number" ? parseMathLevel(level) : undefined;
  return {
    id: `${stem}/${key}`,
    benchmark: `${JSONL_PREFIX}${stem}`,
    question: record.string(fields.question),
    answer,
    ...(typeof solution === "string" && solution.trim() !== "" ? { solution } : {}),
    ...(parsedLevel === undefined ? {} : { level: parsedLevel }),
    ...(typeof subject === "string" && subject !== "" ? { subject } : {}),
    meta: {
      ...scalarExtras(record, fields),
      file,
      line,
      ...(answer === String(rawAnswer) ? {} : { originalAnswer: rawAnswer }),
    },
  };
}

function idValue(record: RecordFields, field: string): string {
  const value = record.stringOrNumber(field);
  const key = String(value).trim();
  if (key.includes("\n")) record.fail(field, "an id must be one line");
  return key;
}

/** A string, a number, or a list of strings (several answers, joined with ", "). */
function answerValue(record: RecordFields, field: string): string | number {
  const value = record.get(field);
  if (Array.isArray(value)) return record.stringList(field).map((item) => item.trim()).join(", ");
  return record.stringOrNumber(field);
}

/** The record's other scalar fields, so a user's own columns (category, source, ...) reach reports. */
function scalarExtras(record: RecordFields, fields: ResolvedFields): Record<string, unknown> {
  const used = new Set([fields.question, fields.answer, fields.id, fields.solution, "level", "subject", "file", "line"]);
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.value)) {
    if (used.has(key)) continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") extras[key] = value;
  }
  return extras;
}
