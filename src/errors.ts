/**
 * The one error type of qreason. Every failure a user can cause (bad file, bad field, missing data,
 * unreachable backend) is a QreasonError with a stable code; the CLI prints it without a stack trace.
 * Anything else that escapes is a bug and is printed with its stack.
 */
export type ErrorCode =
  | "E_USAGE" // wrong command-line usage
  | "E_INPUT" // a user file is malformed (names file, line, field)
  | "E_NOT_FOUND" // a file, benchmark, model or run does not exist
  | "E_DATA_MISSING" // a benchmark file is missing and cannot be downloaded
  | "E_CHECKSUM" // a downloaded or cached file does not match its pinned sha256
  | "E_NETWORK" // a download or remote call failed
  | "E_BACKEND" // a generation/scoring backend failed
  | "E_TIMEOUT" // a time budget ran out
  | "E_STORE" // the run store is unusable
  | "E_QUANT" // quantization cannot be done as asked
  | "E_OUTPUT" // an output (a file, standard output) cannot be written
  | "E_BUSY" // another qreason process holds the run directory
  | "E_INTERNAL"; // an invariant broke: a bug

export interface ErrorLocation {
  file?: string;
  line?: number;
  field?: string;
}

export class QreasonError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;

  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "QreasonError";
    this.code = code;
    this.location = location;
  }

  /** `file:line: field: message`, the form editors and terminals link. */
  describe(): string {
    const { file, line, field } = this.location;
    const where = [file, line !== undefined ? String(line) : undefined].filter(Boolean).join(":");
    const parts = [where, field ? `field '${field}'` : undefined, this.message].filter(Boolean);
    return parts.join(": ");
  }
}

export function isQreasonError(value: unknown): value is QreasonError {
  return value instanceof QreasonError;
}
