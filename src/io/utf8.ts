/**
 * Strict UTF-8 for user files. Node's "utf8" decoding turns invalid bytes into U+FFFD without a word, so
 * a study's prompt or a record's text could change silently; this refuses them with the line they are on.
 */
import { TextDecoder } from "node:util";
import { QreasonError } from "../errors.ts";

/** `bytes` as text (a leading byte-order mark dropped); E_INPUT naming `file` and the line of the first
 * invalid byte when it is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8Byte(bytes);
    let line = 1;
    for (let index = 0; index < at; index++) if (bytes[index] === 0x0a) line++;
    throw new QreasonError("E_INPUT", `not valid UTF-8 (byte ${at} of the file); save it as UTF-8`, { file, line });
  }
}

/** Offset of (within a few bytes of) the first byte where `bytes` stops being valid UTF-8. */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // The longest prefix that is valid UTF-8 or a valid one cut inside its last character.
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      low = middle;
    } catch {
      high = middle;
    }
  }
  return low;
}
