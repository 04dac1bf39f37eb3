/**
 * Cheap fingerprints of files and folders (path, size, modification time) and a run directory's memo of
 * facts that are slow to learn: a file's sha256, and the identity and version a backend reports for a
 * variant. A resumed run that finds everything done computes its generation keys from the memo and never
 * starts a backend; a stale memo (a file changed) simply misses.
 */
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { canonicalJson, sha256Hex } from "../store/index.ts";

export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Stamps of a file, or of every file directly inside a folder (sorted by name); [] when it does not exist. */
export function stampsOf(target: string): FileStamp[] {
  let stats;
  try {
    stats = statSync(target);
  } catch {
    return [];
  }
  if (!stats.isDirectory()) return [{ path: path.resolve(target), size: stats.size, mtimeMs: stats.mtimeMs }];
  return readdirSync(target)
    .sort()
    .flatMap((name) => {
      const file = path.join(target, name);
      const info = statSync(file, { throwIfNoEntry: false });
      return info?.isFile() ? [{ path: path.resolve(file), size: info.size, mtimeMs: info.mtimeMs }] : [];
    });
}

/** One string for everything that, changed, must invalidate a memo entry. */
export function fingerprint(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export interface BackendFacts {
  /** What the generation key calls the model: the backend's identity of what it loaded. */
  modelIdentity: string;
  /** What the generation key calls the backend version. */
  backendVersion: string;
}

interface MemoFile {
  schema: "qreason-run-memo/v1";
  fileHashes: Record<string, string>;
  backendFacts: Record<string, BackendFacts>;
}

export const MEMO_FILE = "memo.json";

export class RunMemo {
  private readonly file: string;
  private data: MemoFile;

  constructor(runDirectory: string) {
    this.file = path.join(runDirectory, MEMO_FILE);
    this.data = { schema: "qreason-run-memo/v1", fileHashes: {}, backendFacts: {} };
    try {
      const parsed = JSON.parse(readFileSync(this.file, "utf8")) as Partial<MemoFile>;
      if (parsed.schema === this.data.schema) this.data = { ...this.data, ...parsed } as MemoFile;
    } catch {
      // No memo yet, or an unreadable one: it only saves time, so start empty.
    }
  }

  facts(key: string): BackendFacts | undefined {
    return this.data.backendFacts[key];
  }

  setFacts(key: string, facts: BackendFacts): void {
    this.data.backendFacts[key] = facts;
    this.save();
  }

  /** sha256 (hex) of `file`, memoized by its stamp. */
  async fileHash(file: string, compute: (file: string) => Promise<string>): Promise<string> {
    const key = fingerprint(stampsOf(file));
    const known = this.data.fileHashes[key];
    if (known !== undefined) return known;
    const hash = await compute(file);
    this.data.fileHashes[key] = hash;
    this.save();
    return hash;
  }

  private save(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.data, null, 1));
    renameSync(temporary, this.file);
  }
}
