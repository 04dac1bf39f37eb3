/**
 * Bounded JSON Lines and JSON-array reading. Each record becomes a RecordFields that knows its file and
 * line, so a bad value is reported as `file:line: field 'x': ...`.
 */
import { readFile, stat } from "node:fs/promises";
import { QreasonError } from "../errors.ts";
import { decodeUtf8 } from "../io/index.ts";
import { RecordFields, describeJson } from "./records.ts";

/** Refuse files larger than this: benchmark files are megabytes; gigabytes mean a wrong path. */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

export async function readTextFile(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<string> {
  let stats;
  try {
    stats = await stat(file);
  } catch (error) {
    throw new QreasonError("E_NOT_FOUND", "no such file", { file }, { cause: error });
  }
  if (stats.isDirectory()) throw new QreasonError("E_INPUT", "this is a directory; give the benchmark's file", { file });
  if (stats.size > maxBytes) {
    throw new QreasonError("E_INPUT", `file is ${stats.size} bytes, over the limit of ${maxBytes}`, { file });
  }
  // Strict: an invalid byte would otherwise become U+FFFD inside a question or a gold answer.
  return decodeUtf8(await readFile(file), file);
}

/** Parses JSONL text: one JSON object per non-blank line. `file` is only used in error messages. */
export function parseJsonl(text: string, file: string): RecordFields[] {
  const records: RecordFields[] = [];
  let lineStart = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte-order mark is not data
  let lineNumber = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    lineNumber++;
    const line = text.slice(lineStart, lineEnd).trim(); // trim also drops a CRLF's "\r"
    lineStart = lineEnd + 1;
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new QreasonError("E_INPUT", `not valid JSON: ${reason}`, { file, line: lineNumber }, { cause: error });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new QreasonError("E_INPUT", `expected a JSON object, got ${describeJson(value)}`, { file, line: lineNumber });
    }
    records.push(new RecordFields(value as Record<string, unknown>, { file, line: lineNumber }));
  }
  return records;
}

export async function readJsonlFile(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<RecordFields[]> {
  return parseJsonl(await readTextFile(file, maxBytes), file);
}

/**
 * Parses a file that holds one JSON array of objects (ProcessBench). Records get `file` and, in place of
 * a line, their element index in the error's field path (`[12].steps`).
 */
export function parseJsonArray(text: string, file: string): RecordFields[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new QreasonError("E_INPUT", `not valid JSON: ${reason}`, { file }, { cause: error });
  }
  if (!Array.isArray(value)) {
    throw new QreasonError("E_INPUT", `expected a JSON array of records, got ${describeJson(value)}`, { file });
  }
  return value.map((element: unknown, index) => {
    if (element === null || typeof element !== "object" || Array.isArray(element)) {
      throw new QreasonError("E_INPUT", `expected an object, got ${describeJson(element)}`, { file, field: `[${index}]` });
    }
    return new RecordFields(element as Record<string, unknown>, { file: `${file}[${index}]` });
  });
}
