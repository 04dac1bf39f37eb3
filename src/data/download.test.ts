/**
 * The download path against a real HTTP server on 127.0.0.1 (never the network): install on a good
 * checksum, nothing left behind on a bad one, clear errors offline, on HTTP errors and on a stalled server.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtemp, readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { ensureDataFile, type DownloadOptions } from "./download.ts";
import { loadProblems } from "./registry.ts";
import type { DataFile } from "./sources.ts";
import { sharedDataDir } from "../testing/paths.ts";

const content = Buffer.from('{"question": "1+1?", "answer": "2"}\n'.repeat(2000)); // several chunks
const sha256 = createHash("sha256").update(content).digest("hex");
const requests: string[] = [];
let server: Server;
let base: string;

before(async () => {
  server = createServer((request, response) => {
    const url = request.url ?? "/";
    requests.push(url);
    if (url === "/good") return void response.end(content);
    if (url === "/bad") return void response.end(Buffer.alloc(content.length, 0x20)); // right size, wrong bytes
    if (url === "/big") return void response.end(Buffer.concat([content, content]));
    if (url === "/stall") {
      response.writeHead(200, { "content-length": String(content.length) });
      response.write(content.subarray(0, 1000)); // then never finishes
      return;
    }
    if (url.startsWith("/shared/")) {
      readFile(path.join(sharedDataDir, url.slice("/shared/".length)))
        .then((bytes) => response.end(bytes))
        .catch(() => { response.statusCode = 404; response.end(); });
      return;
    }
    response.statusCode = 404;
    response.end("not here");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

function pinned(route: string): DataFile {
  return { path: "bench/test.jsonl", sha256, bytes: content.length, url: `${base}${route}` };
}

const online: DownloadOptions = { fetch: (url, init) => fetch(url, init), timeoutMs: 5000 };

async function emptyDataDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "qreason-data-"));
}

/** Every file under `directory`, relative, to prove nothing partial was left behind. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)));
}

function isError(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof QreasonError, `expected a QreasonError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

void test("a good download is installed at its place under the data directory", async () => {
  const dataDir = await emptyDataDir();
  const progress: number[] = [];
  const target = await ensureDataFile(dataDir, pinned("/good"), { ...online, onProgress: (event) => progress.push(event.receivedBytes) });
  assert.equal(target, path.join(dataDir, "bench", "test.jsonl"));
  assert.deepEqual(await readFile(target), content);
  assert.deepEqual(await filesUnder(dataDir), [path.join("bench", "test.jsonl")]);
  assert.equal(progress.at(-1), content.length);
});

void test("a present file is used without any request", async () => {
  const dataDir = await emptyDataDir();
  await mkdir(path.join(dataDir, "bench"));
  await writeFile(path.join(dataDir, "bench", "test.jsonl"), "local copy");
  const before = requests.length;
  await ensureDataFile(dataDir, pinned("/good"), online);
  assert.equal(requests.length, before);
  assert.equal(await readFile(path.join(dataDir, "bench", "test.jsonl"), "utf8"), "local copy");
});

void test("a download with the wrong sha256 is E_CHECKSUM and leaves nothing behind", async () => {
  const dataDir = await emptyDataDir();
  await assert.rejects(ensureDataFile(dataDir, pinned("/bad"), online), isError("E_CHECKSUM", /sha256/));
  assert.deepEqual(await filesUnder(dataDir), []);
});

void test("a download larger than the pinned size is cut off as E_CHECKSUM", async () => {
  const dataDir = await emptyDataDir();
  await assert.rejects(ensureDataFile(dataDir, pinned("/big"), online), isError("E_CHECKSUM", /larger/));
  assert.deepEqual(await filesUnder(dataDir), []);
});

void test("an HTTP error is E_DATA_MISSING naming the status, the URL and where the file goes", async () => {
  const dataDir = await emptyDataDir();
  await assert.rejects(ensureDataFile(dataDir, pinned("/nope"), online), (error: unknown) => {
    isError("E_DATA_MISSING", /HTTP 404/)(error);
    assert.match((error as QreasonError).message, /\/nope/);
    assert.equal((error as QreasonError).location.file, path.join(dataDir, "bench", "test.jsonl"));
    return true;
  });
  assert.deepEqual(await filesUnder(dataDir), []);
});

void test("a stalled server hits the time budget: E_DATA_MISSING, nothing left behind", async () => {
  const dataDir = await emptyDataDir();
  const started = Date.now();
  await assert.rejects(ensureDataFile(dataDir, pinned("/stall"), { ...online, timeoutMs: 300 }), isError("E_DATA_MISSING", /timed out/));
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(await filesUnder(dataDir), []);
});

void test("an unreachable server is E_DATA_MISSING", async () => {
  const dataDir = await emptyDataDir();
  const closed = { ...pinned("/good"), url: "http://127.0.0.1:9/file" }; // port 9 (discard): refused
  await assert.rejects(ensureDataFile(dataDir, closed, online), isError("E_DATA_MISSING", /download failed/));
});

void test("offline, a missing file is E_DATA_MISSING with the URL, checksum and target path", async () => {
  const dataDir = await emptyDataDir();
  const before = requests.length;
  await assert.rejects(ensureDataFile(dataDir, pinned("/good"), undefined), isError("E_DATA_MISSING", new RegExp(sha256)));
  await assert.rejects(ensureDataFile(dataDir, pinned("/good")), isError("E_DATA_MISSING", /\/good/));
  assert.equal(requests.length, before);
});

void test("a file without a public URL explains how to get it", async () => {
  const dataDir = await emptyDataDir();
  const file: DataFile = { path: "x/y.tar.gz", sha256, bytes: 1, howToGet: "pack the files yourself" };
  await assert.rejects(ensureDataFile(dataDir, file, online), isError("E_DATA_MISSING", /pack the files yourself/));
});

void test("loadProblems downloads a missing registered benchmark (from a local mirror) and loads it", async () => {
  const dataDir = await emptyDataDir();
  const mirror: DownloadOptions = { ...online, resolveUrl: (file) => `${base}/shared/${file.path}` };
  const problems = await loadProblems("aime24", { dataDir, download: mirror });
  assert.equal(problems.length, 30);
  assert.deepEqual(await filesUnder(dataDir), [path.join("aime24", "test.jsonl")]);
  assert.deepEqual(await readFile(path.join(dataDir, "aime24", "test.jsonl")), await readFile(path.join(sharedDataDir, "aime24", "test.jsonl")));
});
