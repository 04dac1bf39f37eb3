/**
 * Canonical JSON and content hashes: the basis of every cache key and recipe hash. Two values that are
 * equal as data (same keys and values, whatever the key order) give the same text and the same hash.
 */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level and `undefined` members left out (as JSON.stringify does).
 * Non-finite numbers, functions, symbols and bigints are refused: they have no canonical JSON form, and a
 * key silently built from `null` in their place would collide.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, "$");
}

function serialize(value: unknown, at: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${at} is ${value}, which JSON cannot hold`);
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((item, index) => (item === undefined ? "null" : serialize(item, `${at}[${index}]`))).join(",")}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, member]) => member !== undefined)
        .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
      return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${serialize(member, `${at}.${key}`)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${at} is a ${typeof value}, which JSON cannot hold`);
  }
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `<prefix>` + sha256 of the canonical JSON of `value`; the prefix carries the kind and its version. */
export function contentHash(prefix: string, value: unknown): string {
  return `${prefix}${sha256Hex(canonicalJson(value))}`;
}
