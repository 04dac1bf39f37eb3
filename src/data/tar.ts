/**
 * A small reader for (gzipped) tar archives: enough for the MATH train tarball (GNU and ustar headers,
 * GNU long names, pax `path` records). Reads from memory, checks every header's checksum and stops at a
 * bound on the unpacked size, so a corrupt or hostile archive is an error, not a hang or an OOM.
 */
import { gunzipSync } from "node:zlib";
import { QreasonError } from "../errors.ts";

export interface TarEntry {
  /** Path inside the archive, `/`-separated, without a leading `./`. */
  name: string;
  data: Buffer;
}

const BLOCK = 512;
/** The MATH train tarball unpacks to ~14 MB; anything past this bound is not a benchmark archive. */
export const DEFAULT_MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;

/** Gunzips (when the bytes start with the gzip magic) and lists the regular files of a tar archive. */
export function readTarGz(bytes: Buffer, file: string, maxUnpackedBytes = DEFAULT_MAX_UNPACKED_BYTES): TarEntry[] {
  let tar = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      tar = gunzipSync(bytes, { maxOutputLength: maxUnpackedBytes });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new QreasonError("E_INPUT", `cannot gunzip: ${reason}`, { file }, { cause: error });
    }
  }
  return readTar(tar, file);
}

export function readTar(tar: Buffer, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pendingName: string | undefined; // from a GNU 'L' or pax 'x' header, applies to the next entry
  let ended = false;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) {
      ended = true; // end-of-archive marker
      break;
    }
    verifyChecksum(header, file, offset);
    const size = readNumber(header.subarray(124, 136), file, offset);
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) {
      throw new QreasonError("E_INPUT", `tar entry at byte ${offset} runs past the end of the archive`, { file });
    }
    const data = tar.subarray(dataStart, dataEnd);
    if (type === "L") {
      pendingName = readString(data);
    } else if (type === "x") {
      pendingName = paxPath(data.toString("utf8")) ?? pendingName;
    } else {
      const name = normalizeName(pendingName ?? headerName(header));
      pendingName = undefined;
      if (type === "0" || type === "\0" || type === "7") entries.push({ name, data });
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  // Writers end with zero blocks; bytes left over without one mean the archive was cut short.
  if (!ended && offset !== tar.length) {
    throw new QreasonError("E_INPUT", `tar archive is truncated at byte ${tar.length}`, { file });
  }
  return entries;
}

function headerName(header: Buffer): string {
  const name = readString(header.subarray(0, 100));
  const isUstar = header.subarray(257, 262).toString("latin1") === "ustar";
  const prefix = isUstar ? readString(header.subarray(345, 500)) : "";
  // GNU headers put other data where ustar has its prefix; only a POSIX ustar header ("ustar\0") has one.
  return prefix && header[262] === 0 ? `${prefix}/${name}` : name;
}

function readString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString("utf8");
}

/** Octal ASCII, or GNU base-256 when the top bit of the first byte is set. */
function readNumber(field: Buffer, file: string, offset: number): number {
  if ((field[0] ?? 0) & 0x80) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = readString(field).trim();
  const value = text === "" ? 0 : Number.parseInt(text, 8);
  if (!Number.isSafeInteger(value) || value < 0 || !/^[0-7]*$/.test(text)) {
    throw new QreasonError("E_INPUT", `tar header at byte ${offset} has a bad size field`, { file });
  }
  return value;
}

function verifyChecksum(header: Buffer, file: string, offset: number): void {
  const stored = Number.parseInt(readString(header.subarray(148, 156)).trim(), 8);
  let sum = 0;
  for (let index = 0; index < BLOCK; index++) {
    sum += index >= 148 && index < 156 ? 0x20 : (header[index] ?? 0);
  }
  if (sum !== stored) {
    throw new QreasonError("E_INPUT", `tar header at byte ${offset} fails its checksum (corrupt archive?)`, { file });
  }
}

/** The `path` record of a pax extended header (`"<len> path=<value>\n"` records). */
function paxPath(records: string): string | undefined {
  for (const record of records.split("\n")) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

function normalizeName(name: string): string {
  return name.replace(/^\.\//, "").replace(/\/+$/, "");
}
