/**
 * Extracting one member of a zip archive (a Python wheel is a zip) to a file, streamed: the central
 * directory is read from the end of the file, the member's compressed bytes are inflated on the way to
 * disk, and its CRC-32 and size are checked against the directory before the file gets its name. Stored
 * and deflated members only; zip64 archives (members over 4 GiB) are refused by name. Node has zlib but
 * no zip reader, and a wheel needs no more than this.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createInflateRaw } from "node:zlib";
import { QreasonError } from "../errors.ts";

export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  compressedBytes: number;
  bytes: number;
  localHeaderOffset: number;
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** The end-of-directory record is 22 bytes plus a comment of at most 65,535. */
const MAX_TAIL = 22 + 0xffff;
const ZIP64_MARK = 0xffffffff;

async function readAt(file: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const notZip = (file: string, why: string): QreasonError => new QreasonError("E_INPUT", `not a readable zip archive: ${why}`, { file });

/** Every member in the archive's central directory. */
export async function listZip(file: string): Promise<ZipMember[]> {
  const handle = await open(file, "r");
  let size: number;
  try {
    size = (await handle.stat()).size;
  } finally {
    await handle.close();
  }
  const tailStart = Math.max(0, size - MAX_TAIL);
  const tail = await readAt(file, tailStart, size - tailStart);
  let end = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw notZip(file, "no end-of-central-directory record");
  const count = tail.readUInt16LE(end + 10);
  const directoryBytes = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === ZIP64_MARK) throw notZip(file, "zip64 archives are not supported");
  if (directoryOffset + directoryBytes > size) throw notZip(file, "the central directory lies past the end of the file");
  const directory = await readAt(file, directoryOffset, directoryBytes);
  const members: ZipMember[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== DIRECTORY_ENTRY) throw notZip(file, `central directory entry ${index} is damaged`);
    const nameBytes = directory.readUInt16LE(at + 28);
    const extraBytes = directory.readUInt16LE(at + 30);
    const commentBytes = directory.readUInt16LE(at + 32);
    const member: ZipMember = {
      method: directory.readUInt16LE(at + 10),
      crc32: directory.readUInt32LE(at + 16),
      compressedBytes: directory.readUInt32LE(at + 20),
      bytes: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
      name: directory.toString("utf8", at + 46, at + 46 + nameBytes),
    };
    if (member.compressedBytes === ZIP64_MARK || member.bytes === ZIP64_MARK || member.localHeaderOffset === ZIP64_MARK) {
      throw notZip(file, `${member.name} is a zip64 member (over 4 GiB), which is not supported`);
    }
    members.push(member);
    at += 46 + nameBytes + extraBytes + commentBytes;
  }
  return members;
}

/** Computes CRC-32 and length of the bytes passing through, reporting the length every 8 MiB. */
class Checked extends Transform {
  crc = 0;
  length = 0;
  private reported = 0;
  private readonly onLength: (length: number) => void;
  constructor(onLength: (length: number) => void) {
    super();
    this.onLength = onLength;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.crc = crc32(chunk, this.crc);
    this.length += chunk.length;
    if (this.length - this.reported >= 8 * 1024 * 1024) {
      this.reported = this.length;
      this.onLength(this.length);
    }
    callback(null, chunk);
  }
}

/**
 * Writes member `name` of `file` to `target` (through `<target>.partial`, renamed when its CRC and size
 * check out). Calls `onBytes(done, total)` as the uncompressed bytes are written.
 */
export async function extractZipMember(
  file: string,
  name: string,
  target: string,
  options: { onBytes?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<ZipMember> {
  const members = await listZip(file);
  const member = members.find((candidate) => candidate.name === name);
  if (member === undefined) {
    throw new QreasonError("E_INPUT", `the archive has no member ${name} (it holds ${members.length}: ${members.slice(0, 5).map((entry) => entry.name).join(", ")}…)`, { file });
  }
  if (member.method !== 0 && member.method !== 8) throw notZip(file, `${name} uses compression method ${member.method} (only stored and deflated are read)`);
  const local = await readAt(file, member.localHeaderOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_HEADER) throw notZip(file, `the local header of ${name} is damaged`);
  const dataStart = member.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const partial = `${target}.partial`;
  const checked = new Checked((length) => options.onBytes?.(length, member.bytes));
  // An empty member has no bytes to read (a read stream's `end` is inclusive).
  const source = member.compressedBytes === 0 ? Readable.from([]) : createReadStream(file, { start: dataStart, end: dataStart + member.compressedBytes - 1 });
  try {
    const stages = member.method === 8 ? [source, createInflateRaw(), checked] : [source, checked];
    await pipeline([...stages, createWriteStream(partial)], options.signal ? { signal: options.signal } : {});
    if (checked.length !== member.bytes) throw notZip(file, `${name} inflated to ${checked.length} bytes, the directory says ${member.bytes}`);
    if (checked.crc !== member.crc32) throw new QreasonError("E_CHECKSUM", `${name} fails its CRC-32 check: the archive is damaged`, { file });
    options.onBytes?.(checked.length, member.bytes);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof QreasonError) throw error;
    throw new QreasonError("E_INPUT", `cannot extract ${name}: ${(error as Error).message}`, { file }, { cause: error });
  }
  return member;
}
