/**
 * Reading typed fields out of one parsed record, with errors that say where: file, line and field.
 * Every loader goes through this, so a malformed source file is reported as a QreasonError the user
 * can act on, never as a `TypeError` deep in a loader.
 */
import { QreasonError } from "../errors.ts";

export type JsonObject = Record<string, unknown>;

/** Where a record came from: a file, and its 1-based line (JSONL) or element label (JSON arrays, tar members). */
export interface RecordLocation {
  file: string;
  line?: number;
}

export class RecordFields {
  readonly value: JsonObject;
  readonly location: RecordLocation;

  constructor(value: JsonObject, location: RecordLocation) {
    this.value = value;
    this.location = location;
  }

  /** The value at `path`: a field name, or dotted names for nested objects (`meta.answer`). */
  get(path: string): unknown {
    if (path in this.value) return this.value[path];
    let current: unknown = this.value;
    for (const part of path.split(".")) {
      if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
      current = (current as JsonObject)[part];
    }
    return current;
  }

  has(path: string): boolean {
    const value = this.get(path);
    return value !== undefined && value !== null;
  }

  fail(field: string, message: string): never {
    throw new QreasonError("E_INPUT", message, { ...this.location, field });
  }

  /** A string that is not empty after trimming. */
  string(field: string): string {
    const value = this.get(field);
    if (typeof value !== "string") this.fail(field, `expected a string, got ${describeJson(value)}`);
    if (value.trim() === "") this.fail(field, "is empty");
    return value;
  }

  optionalString(field: string): string | undefined {
    return this.has(field) ? this.string(field) : undefined;
  }

  integer(field: string): number {
    const value = this.get(field);
    if (typeof value !== "number" || !Number.isSafeInteger(value)) {
      this.fail(field, `expected an integer, got ${describeJson(value)}`);
    }
    return value;
  }

  boolean(field: string): boolean {
    const value = this.get(field);
    if (typeof value !== "boolean") this.fail(field, `expected true or false, got ${describeJson(value)}`);
    return value;
  }

  /** A non-empty string or a finite number (ids and answers come as either). */
  stringOrNumber(field: string): string | number {
    const value = this.get(field);
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string") return this.string(field);
    return this.fail(field, `expected a string or a number, got ${describeJson(value)}`);
  }

  /** A non-empty list of non-empty strings. */
  stringList(field: string): string[] {
    const value = this.get(field);
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(field, `expected a non-empty list of strings, got ${describeJson(value)}`);
    }
    return value.map((item, index) => {
      if (typeof item !== "string" || item.trim() === "") {
        this.fail(`${field}[${index}]`, `expected a non-empty string, got ${describeJson(item)}`);
      }
      return item;
    });
  }
}

/** A short description of a JSON value for error messages (never the whole value). */
export function describeJson(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}
