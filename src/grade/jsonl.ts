/**
 * Grading a JSON-lines file (`qreason grade`): each line `{id, gold, output, finish_reason?}` becomes the
 * same object plus `correct`, `extracted`, `status` (and `reason`, `method`, `fallback`), in input order.
 * `finish_reason` ("stop" | "length", as OpenAI-compatible endpoints report it, or another tool's word for
 * them: `max_tokens`, `end_turn`, `eos`; null or absent = unknown)
 * turns on the truncation rule: a `length` output without a box or an answer marker is `no_answer`.
 *
 * Two streaming passes: the first validates every line (a malformed line is reported with its file,
 * line and field before any work is done) and counts them for the progress bar; the second grades in
 * batches across the worker pool with a bounded number of batches in flight, writing results in order
 * as they complete. Memory stays bounded whatever the file size.
 */
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { QreasonError } from "../errors.ts";
import { MAX_JSON_DEPTH, jsonNestingDepth } from "../io/jsonDepth.ts";
import { readLines } from "../io/lines.ts";
import { GradePool, type PoolOptions } from "./pool.ts";
import { GRADE_STATUSES, type FinishReason, type GradeItem, type GradeResult, type GradeStatus } from "./types.ts";

/** The reader of the output went away (`qreason grade ... | head`): stop grading, it is not a failure. */
export class OutputClosedError extends Error {
  constructor() {
    super("the output stream was closed");
    this.name = "OutputClosedError";
  }
}

export interface GradeRecord {
  /** The input object as read; written back with the grade fields added. */
  record: Record<string, unknown>;
  gold: string;
  output: string;
  finishReason: FinishReason | undefined;
}

export interface GradeSummary {
  total: number;
  counts: Record<GradeStatus, number>;
  /** Answers found only by a fallback (last number, lone choice letter). */
  fallbacks: number;
  /** Items whose generation hit its token limit (finish_reason "length"), and how many of them stated no answer. */
  truncated: number;
  truncatedNoAnswer: number;
  seconds: number;
}

/** Longer input lines are refused: a model output is kilobytes, and V8's strings end near 512 M characters. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * What other tools write for the two finish reasons the grader acts on: OpenAI-compatible servers
 * `stop`/`length`, Anthropic `end_turn`/`stop_sequence`/`max_tokens`, Gemini `STOP`/`MAX_TOKENS`, HF-style
 * `eos`/`max_new_tokens`. Matched without regard to case.
 */
const FINISH_SYNONYMS: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  eos: "stop",
  eos_token: "stop",
  stop_token: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  length: "length",
  max_tokens: "length",
  max_new_tokens: "length",
  max_length: "length",
};

export interface GradeFileOptions extends PoolOptions {
  inputPath: string;
  /** The name errors give the input (default inputPath; differs when the input was spooled from a pipe). */
  inputName?: string;
  /** Where graded lines go (a file stream or stdout). */
  output: NodeJS.WritableStream;
  /** Items per batch sent to a worker (default 64). */
  batchSize?: number;
  /** Called after each batch is written, with the number of items written so far. */
  onProgress?: (done: number) => void;
  /** A pool the caller started (and closes) early, so its workers load while the file is validated. */
  pool?: GradePool;
}

/** Reads one input line; throws a QreasonError naming file, line and field. */
export function readGradeRecord(line: string, file: string, lineNumber: number): GradeRecord {
  if (jsonNestingDepth(line, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new QreasonError("E_INPUT", `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, { file, line: lineNumber });
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new QreasonError("E_INPUT", `not valid JSON (${(error as Error).message})`, { file, line: lineNumber });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new QreasonError("E_INPUT", "expected a JSON object {id, gold, output}", { file, line: lineNumber });
  }
  const record = value as Record<string, unknown>;
  const id = record.id;
  if (typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) {
    throw new QreasonError("E_INPUT", id === undefined ? "missing" : "expected a string", { file, line: lineNumber, field: "id" });
  }
  const gold = record.gold;
  // Numeric gold (AMC's 27.0) is accepted and read as its JSON text.
  if (typeof gold !== "string" && !(typeof gold === "number" && Number.isFinite(gold))) {
    throw new QreasonError("E_INPUT", gold === undefined ? "missing" : "expected a string", { file, line: lineNumber, field: "gold" });
  }
  const output = record.output;
  if (typeof output !== "string") {
    throw new QreasonError("E_INPUT", output === undefined ? "missing" : "expected a string", { file, line: lineNumber, field: "output" });
  }
  const finish = record.finish_reason;
  const finishReason = typeof finish === "string" ? FINISH_SYNONYMS[finish.toLowerCase()] : undefined;
  if (finish !== undefined && finish !== null && finishReason === undefined) {
    throw new QreasonError(
      "E_INPUT",
      `expected "stop" (or eos, end_turn, stop_sequence), "length" (or max_tokens, max_new_tokens) or null, got ${JSON.stringify(finish)}`,
      { file, line: lineNumber, field: "finish_reason" },
    );
  }
  return { record, gold: String(gold), output, finishReason };
}

/** First pass: every line valid? Returns the number of records (blank lines are skipped). */
export async function validateGradeFile(inputPath: string, inputName = inputPath): Promise<number> {
  let count = 0;
  await forEachLine(inputPath, inputName, (line, lineNumber) => {
    readGradeRecord(line, inputName, lineNumber);
    count++;
  });
  return count;
}

/** Second pass: grade and write in input order. */
export async function gradeFile(options: GradeFileOptions): Promise<GradeSummary> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 64;
  const pool = options.pool ?? new GradePool(options);
  const maxInFlight = pool.size * 4;
  const counts = Object.fromEntries(GRADE_STATUSES.map((status) => [status, 0])) as Record<GradeStatus, number>;
  let fallbacks = 0;
  let truncated = 0;
  let truncatedNoAnswer = 0;
  let done = 0;
  const pending: Array<Promise<{ records: GradeRecord[]; results: GradeResult[] }>> = [];
  let batch: GradeRecord[] = [];

  const submit = () => {
    const records = batch;
    batch = [];
    const items = records.map(({ gold, output, finishReason }): GradeItem => (finishReason ? { gold, output, finishReason } : { gold, output }));
    const promise = pool.grade(items).then((results) => ({ records, results }));
    promise.catch(() => undefined); // awaited in order below; this only keeps a later failure from going unhandled
    pending.push(promise);
  };
  const flushOne = async () => {
    const { records, results } = await pending.shift()!;
    let text = "";
    records.forEach((record, index) => {
      const result = results[index]!;
      counts[result.status]++;
      if (result.fallback) fallbacks++;
      if (record.finishReason === "length") {
        truncated++;
        if (result.status === "no_answer") truncatedNoAnswer++;
      }
      text += `${JSON.stringify({
        ...record.record,
        correct: result.correct,
        extracted: result.extracted,
        status: result.status,
        reason: result.reason,
        method: result.method,
        fallback: result.fallback,
      })}\n`;
    });
    if ((options.output as { destroyed?: boolean }).destroyed) throw new OutputClosedError();
    if (!options.output.write(text)) await once(options.output, "drain");
    done += records.length;
    options.onProgress?.(done);
  };

  try {
    const inputName = options.inputName ?? options.inputPath;
    await forEachLine(options.inputPath, inputName, async (line, lineNumber) => {
      batch.push(readGradeRecord(line, inputName, lineNumber));
      if (batch.length >= batchSize) submit();
      while (pending.length >= maxInFlight) await flushOne();
    });
    if (batch.length > 0) submit();
    while (pending.length > 0) await flushOne();
  } finally {
    if (!options.pool) await pool.close();
  }
  return { total: done, counts, fallbacks, truncated, truncatedNoAnswer, seconds: (performance.now() - started) / 1000 };
}

export function describeSummary(summary: GradeSummary): string {
  const rate = summary.seconds > 0 ? summary.total / summary.seconds : 0;
  const counts = GRADE_STATUSES.map((status) => `${status} ${summary.counts[status]}`).join(", ");
  const accuracy = summary.total > 0 ? ((100 * summary.counts.correct) / summary.total).toFixed(1) : "0.0";
  const truncation = summary.truncated > 0 ? `; cut off at the token limit: ${summary.truncated} (${summary.truncatedNoAnswer} of them no_answer)` : "";
  return (
    `graded ${summary.total} items in ${summary.seconds.toFixed(2)} s (${rate.toFixed(0)} items/s): ${counts}; ` +
    `accuracy ${accuracy}%; found only by a fallback: ${summary.fallbacks}${truncation}`
  );
}

async function forEachLine(path: string, name: string, visit: (line: string, lineNumber: number) => void | Promise<void>): Promise<void> {
  const stream = createReadStream(path); // bytes: lines are split, then decoded strictly (src/io/lines.ts)
  const opened = once(stream, "open").catch((error: NodeJS.ErrnoException) => {
    throw new QreasonError(error.code === "ENOENT" ? "E_NOT_FOUND" : "E_INPUT", `cannot read: ${error.message}`, { file: name });
  });
  await opened;
  let lineNumber = 0;
  let visiting = false;
  try {
    for await (const line of readLines(stream, { maxLineLength: MAX_LINE_BYTES, invalidUtf8: "error", file: name })) {
      lineNumber++;
      if (line.trim() === "") continue;
      visiting = true;
      await visit(line, lineNumber);
      visiting = false;
    }
  } catch (error) {
    // Only a failure of reading the file is about the file; what `visit` throws passes through as is.
    if (!visiting && !(error instanceof QreasonError)) {
      throw new QreasonError("E_INPUT", `cannot read: ${(error as Error).message}`, { file: name, line: lineNumber + 1 });
    }
    throw error;
  } finally {
    stream.destroy();
  }
}
