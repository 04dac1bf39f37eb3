/**
 * Making a pinned benchmark file present under the data directory. A present file is used as is; a
 * missing one is downloaded (when the caller passes a fetch function) into a temporary file beside the
 * target, hashed while it streams, and renamed into place only if its size and sha256 match the pin.
 * Whatever fails, no partial or unverified file is left behind.
 */
import { createHash, randomBytes } from "node:crypto";
import { access, mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { QreasonError, isQreasonError } from "../errors.ts";
import type { DataFile } from "./sources.ts";

/** The subset of `fetch` the downloader uses; the CLI passes `globalThis.fetch`, tests may pass another. */
export type FetchFunction = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  totalBytes: number;
}

export interface DownloadOptions {
  fetch: FetchFunction;
  /** Whole-download budget per file. */
  timeoutMs?: number;
  /** Rewrites a file's public URL (a mirror; tests point it at a local server). */
  resolveUrl?: (file: DataFile) => string | undefined;
  onProgress?: (progress: DownloadProgress) => void;
}

export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 120_000;

/** Absolute path of `file` under `dataDir`. */
export function dataFilePath(dataDir: string, file: DataFile): string {
  return path.join(dataDir, ...file.path.split("/"));
}

export async function isPresent(dataDir: string, file: DataFile): Promise<boolean> {
  try {
    await access(dataFilePath(dataDir, file));
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of `file` under `dataDir`, downloading it first when it is missing and `download` is given.
 * Without `download` (offline), a missing file is an E_DATA_MISSING error that says where to put it.
 */
export async function ensureDataFile(
  dataDir: string,
  file: DataFile,
  download?: DownloadOptions,
  signal?: AbortSignal,
): Promise<string> {
  const target = dataFilePath(dataDir, file);
  if (await isPresent(dataDir, file)) return target;
  const url = download?.resolveUrl ? download.resolveUrl(file) : file.url;
  if (!download || !url) throw missingError(target, file, url, download ? undefined : "downloads are off");
  return downloadDataFile(target, file, url, download, signal);
}

async function downloadDataFile(
  target: string,
  file: DataFile,
  url: string,
  download: DownloadOptions,
  outerSignal?: AbortSignal,
): Promise<string> {
  const timeoutMs = download.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = outerSignal ? AbortSignal.any([outerSignal, timeout]) : timeout;
  const temporary = `${target}.download-${process.pid}-${randomBytes(6).toString("hex")}`;
  try {
    const response = await fetchOrExplain(download.fetch, url, signal, target, file, timeout, timeoutMs);
    await mkdir(path.dirname(target), { recursive: true });
    const sha256 = await streamToFile(response, temporary, file, signal, download.onProgress);
    if (sha256 !== file.sha256) {
      throw new QreasonError(
        "E_CHECKSUM",
        `downloaded ${url} but its sha256 is ${sha256}, not the pinned ${file.sha256}; nothing was installed`,
        { file: target },
      );
    }
    await rename(temporary, target); // atomic on one file system: readers see no file or the whole file
    return target;
  } catch (error) {
    await rm(temporary, { force: true });
    if (isQreasonError(error)) throw error;
    const reason = timeout.aborted ? `timed out after ${timeoutMs / 1000} s` : describeError(error);
    throw missingError(target, file, url, `download failed: ${reason}`, error);
  }
}

async function fetchOrExplain(
  fetchFunction: FetchFunction,
  url: string,
  signal: AbortSignal,
  target: string,
  file: DataFile,
  timeout: AbortSignal,
  timeoutMs: number,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFunction(url, { signal });
  } catch (error) {
    const reason = timeout.aborted ? `timed out after ${timeoutMs / 1000} s` : describeError(error);
    throw missingError(target, file, url, `download failed: ${reason}`, error);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw missingError(target, file, url, `download failed: HTTP ${response.status} ${response.statusText}`.trim());
  }
  return response;
}

/** Writes the body to `temporary`, hashing as it goes; stops as soon as it exceeds the pinned size. */
async function streamToFile(
  response: Response,
  temporary: string,
  file: DataFile,
  signal: AbortSignal,
  onProgress?: (progress: DownloadProgress) => void,
): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(temporary, "wx");
  let receivedBytes = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      signal.throwIfAborted();
      receivedBytes += chunk.byteLength;
      if (receivedBytes > file.bytes) {
        throw new QreasonError(
          "E_CHECKSUM",
          `download of ${file.path} is larger than the pinned ${file.bytes} bytes; nothing was installed`,
        );
      }
      hash.update(chunk);
      await handle.write(chunk);
      onProgress?.({ file: file.path, receivedBytes, totalBytes: file.bytes });
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

function missingError(target: string, file: DataFile, url: string | undefined, reason?: string, cause?: unknown): QreasonError {
  const source = url
    ? `download ${url} (sha256 ${file.sha256})`
    : (file.howToGet ?? `obtain ${file.path} (sha256 ${file.sha256})`);
  const why = reason ? ` (${reason})` : "";
  // The location carries the target path, so the printed error starts with it ("<path>: ...").
  return new QreasonError(
    "E_DATA_MISSING",
    `benchmark file missing${why}; to fix: ${source} and put it at this path, ` +
      `or point the data directory ($QREASON_DATA) at a copy that has ${file.path}`,
    { file: target },
    { cause },
  );
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
