/**
 * Reading a `judges.yaml` (for `qreason judge --judges`): YAML kept as a document so every value knows its
 * line, validated by the study schema's `judges` shape, resolved by config.ts; every problem is reported
 * as `file:line: field 'x': message`, all of them at once.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { QreasonError } from "../errors.ts";
import { IssueList } from "../study/issues.ts";
import { fromZodIssue, studyError } from "../study/load.ts";
import { formatFieldPath, lineOf, type FieldPath } from "../study/locate.ts";
import { judgesInput } from "../study/schema.ts";
import { resolveJudges, type PanelSpec } from "./config.ts";

export interface JudgesFileOptions {
  /** Default seed for sampling and the audit (a study passes its own). */
  seed?: number;
  /** Check that local judge models exist (default true). */
  checkFiles?: boolean;
}

/** Validates judges-file text (the `judges:` block's shape at top level, or a file with a `judges:` key). */
export function parseJudgesFile(text: string, file: string, options: JudgesFileOptions = {}): PanelSpec {
  const absolute = path.resolve(file);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError) {
    throw new QreasonError("E_INPUT", `not valid YAML: ${firstError.message.split("\n")[0]}`, { file: absolute, line: lineCounter.linePos(firstError.pos[0]).line });
  }
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new QreasonError("E_INPUT", "a judges file is a mapping with 'members' (and optionally 'baseline', 'audit', ...)", { file: absolute, line: 1 });
  }
  const wrapped = Object.keys(data).length === 1 && "judges" in data;
  const prefix: FieldPath = wrapped ? ["judges"] : [];
  const issues = new IssueList();
  const parsed = judgesInput.safeParse(wrapped ? (data as { judges: unknown }).judges : data, { reportInput: true });
  let spec: PanelSpec | undefined;
  if (parsed.success) {
    spec = resolveJudges(parsed.data, prefix, { directory: path.dirname(absolute), seed: options.seed ?? 0 }, issues);
    if (options.checkFiles ?? true) issues.checkInputPaths();
  } else {
    for (const issue of parsed.error.issues) issues.items.push(...fromZodIssue(issue).map((item) => ({ ...item, path: [...prefix, ...item.path] })));
  }
  if (issues.empty && spec) return spec;
  const located = issues.items.map((issue) => ({ line: lineOf(document, lineCounter, issue.path), field: formatFieldPath(issue.path), message: issue.message }));
  located.sort((left, right) => (left.line ?? 0) - (right.line ?? 0));
  throw studyError(located, absolute);
}

export async function loadJudgesFile(file: string, options: JudgesFileOptions = {}): Promise<PanelSpec> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new QreasonError("E_NOT_FOUND", "no such judges file", { file: absolute });
    throw new QreasonError("E_INPUT", `cannot read the judges file: ${(error as Error).message}`, { file: absolute }, { cause: error });
  }
  return parseJudgesFile(text, absolute, options);
}
