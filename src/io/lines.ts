/**
 * JSON Lines are split on "\n" and nothing else. node:readline also ends a line at a lone "\r" and at
 * U+2028 / U+2029, which are legal raw characters inside a JSON string (JSON.stringify and Python's
 * json.dumps(ensure_ascii=False) both write them unescaped): splitting there cuts a valid record in two.
 * A "\r" right before the "\n" is dropped, so CRLF files read like LF files.
 *
 * Bytes are split before they are decoded (0x0A never occurs inside a multi-byte UTF-8 sequence), so a
 * line that is not valid UTF-8 can be refused by its number instead of silently turned into U+FFFD.
 */
import { TextDecoder } from "node:util";
import { QreasonError } from "../errors.ts";
import { firstInvalidUtf8Byte } from "./utf8.ts";

export interface LineOptions {
  /** A longer line is an error naming its number (default: no limit); bytes for byte input, else characters. */
  maxLineLength?: number;
  /** "error": a line that is not valid UTF-8 is an E_INPUT error; "replace" (default): U+FFFD. */
  invalidUtf8?: "error" | "replace";
  /** Named in errors. */
  file?: string;
}

const NEWLINE = 0x0a;

/** Push-style splitter for input that arrives in chunks. Held-back input is kept as pieces, so a long line
 * arriving in many chunks costs linear time, not quadratic. */
export class LineSplitter {
  private readonly options: LineOptions;
  private readonly decoder: TextDecoder;
  private pieces: Array<Buffer | string> = [];
  private held = 0;
  private lineNumber = 0;

  constructor(options: LineOptions = {}) {
    this.options = options;
    this.decoder = new TextDecoder("utf-8", { fatal: options.invalidUtf8 === "error", ignoreBOM: true });
  }

  /** The complete lines in `chunk` (with what was held back before it), without their terminators. */
  push(chunk: Buffer | string): string[] {
    const lines: string[] = [];
    let start = 0;
    const find = (from: number): number => (typeof chunk === "string" ? chunk.indexOf("\n", from) : chunk.indexOf(NEWLINE, from));
    for (let end = find(0); end !== -1; end = find(start)) {
      this.hold(chunk.slice(start, end));
      lines.push(this.take());
      start = end + 1;
    }
    if (start < chunk.length) this.hold(chunk.slice(start));
    return lines;
  }

  /** The last line, when the input did not end with "\n". */
  end(): string[] {
    return this.pieces.length === 0 ? [] : [this.take()];
  }

  private where(): { file?: string; line: number } {
    return { ...(this.options.file !== undefined ? { file: this.options.file } : {}), line: this.lineNumber + 1 };
  }

  private hold(piece: Buffer | string): void {
    this.held += piece.length;
    const limit = this.options.maxLineLength;
    if (limit !== undefined && this.held > limit) {
      throw new QreasonError("E_INPUT", `line is longer than ${limit} ${typeof piece === "string" ? "characters" : "bytes"}`, this.where());
    }
    this.pieces.push(piece);
  }

  private take(): string {
    const pieces = this.pieces;
    this.pieces = [];
    this.held = 0;
    let line: string;
    if (pieces.every((piece) => typeof piece === "string")) {
      line = pieces.join("");
    } else {
      const bytes = Buffer.concat(pieces.map((piece) => (typeof piece === "string" ? Buffer.from(piece, "utf8") : piece)));
      try {
        line = this.decoder.decode(bytes);
      } catch {
        throw new QreasonError("E_INPUT", `not valid UTF-8 (at byte ${firstInvalidUtf8Byte(bytes)} of the line)`, this.where());
      }
    }
    if (this.lineNumber === 0 && line.startsWith("\uFEFF")) line = line.slice(1); // a byte-order mark is not data
    this.lineNumber += 1;
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  }
}

/** Every line of `input` (a readable byte or text stream), in order. */
export async function* readLines(input: AsyncIterable<Buffer | string>, options: LineOptions = {}): AsyncGenerator<string> {
  const splitter = new LineSplitter(options);
  for await (const chunk of input) yield* splitter.push(chunk);
  yield* splitter.end();
}

/** Calls `onLine` for each line of `input` as it arrives (event-style streams such as a child's stdout). */
export function onLines(input: NodeJS.ReadableStream, onLine: (line: string) => void, options: LineOptions = {}): void {
  const splitter = new LineSplitter(options);
  input.on("data", (chunk: Buffer | string) => {
    for (const line of splitter.push(chunk)) onLine(line);
  });
  input.on("end", () => {
    for (const line of splitter.end()) onLine(line);
  });
}
