/**
 * Regression (issue 12): a crafted GGUF — the magic, then tensor and metadata counts of 2^62 — made
 * node-llama-cpp's own header reader run to 2 GB and ignore SIGTERM, because only the magic was checked.
 * Every file is now read by qreason's GGUF reader (src/gguf/reader.ts) before node-llama-cpp sees it, and
 * the reader bounds every count by the bytes the file has. Through the backend, the model cache, and the
 * commands that hand files to llama.cpp (`run`, `kld`, `quantize`).
 */
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import { isQreasonError } from "../../errors.ts";
import { readGguf } from "../../gguf/index.ts";
import { runQreason } from "../../testing/cli.ts";
import { createLlamaCppBackend } from "./backend.ts";
import { ModelCache } from "./modelCache.ts";

/** "GGUF", version 3, then the tensor count and the metadata count (u64 each), then `rest`. */
function header(tensors: bigint, metadata: bigint, rest: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(24);
  head.write("GGUF", 0, "latin1");
  head.writeUInt32LE(3, 4);
  head.writeBigUInt64LE(tensors, 8);
  head.writeBigUInt64LE(metadata, 16);
  return Buffer.concat([head, rest]);
}

/** One metadata entry: key, value type 9 (array) of item type `itemType`, with a claimed `count`. */
function arrayEntry(key: string, itemType: number, count: bigint): Buffer {
  const entry = Buffer.alloc(8 + key.length + 4 + 4 + 8);
  entry.writeBigUInt64LE(BigInt(key.length), 0);
  entry.write(key, 8, "latin1");
  entry.writeUInt32LE(9, 8 + key.length);
  entry.writeUInt32LE(itemType, 12 + key.length);
  entry.writeBigUInt64LE(count, 16 + key.length);
  return entry;
}

const CRAFTED: Array<[string, Buffer, RegExp]> = [
  ["counts of 2^62", header(2n ** 62n, 2n ** 62n), /tensor count \d+ is implausibly large/],
  ["counts of 2^52 in a 24-byte file", header(2n ** 52n, 2n ** 52n), /tensor count \d+ needs more bytes than are left in the file \(8\)/],
  ["a metadata array of 2^40 u8", header(0n, 1n, arrayEntry("general.x", 0, 2n ** 40n)), /general\.x: array length \d+ needs more bytes than are left/],
  ["a string longer than the file", header(0n, 1n, Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), Buffer.alloc(16)])), /string length \d+ needs more bytes than are left/],
];

let directory = "";
before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), "qreason-crafted-gguf-"));
  for (const [index, [, bytes]] of CRAFTED.entries()) await writeFile(path.join(directory, `crafted-${index}.gguf`), bytes);
});
const file = (index: number) => path.join(directory, `crafted-${index}.gguf`);

test("qreason's reader refuses each crafted header at once, naming the file", async () => {
  for (const [index, [name, , pattern]] of CRAFTED.entries()) {
    await assert.rejects(readGguf(file(index)), (error) => {
      assert.ok(isQreasonError(error), `${name}: ${String(error)}`);
      assert.equal(error.code, "E_INPUT", name);
      assert.equal(error.location.file, file(index));
      assert.match(error.message, pattern, name);
      return true;
    });
  }
});

test("the llamacpp backend and the model cache refuse them before node-llama-cpp reads a byte", { timeout: 60_000 }, async () => {
  for (const [index, [name]] of CRAFTED.entries()) {
    const started = Date.now();
    await assert.rejects(createLlamaCppBackend({ model: file(index), gpu: false }), (error) => {
      assert.ok(isQreasonError(error) && error.code === "E_INPUT" && error.location.file === file(index), `${name}: ${String(error)}`);
      return true;
    });
    await assert.rejects(new ModelCache().acquire(file(index), false), (error) => isQreasonError(error) && error.code === "E_INPUT");
    assert.ok(Date.now() - started < 10_000, `${name}: ${Date.now() - started} ms`);
  }
});

test("qreason run, kld and quantize fail fast with a clear error on the crafted file", { timeout: 240_000 }, async () => {
  const crafted = file(0);
  const study = path.join(directory, "study.yaml");
  await writeFile(study, `name: crafted\nmodels:\n  - gguf: ${JSON.stringify(crafted)}\n    variants: [fp]\nbenchmarks:\n  - { name: arith, size: 2 }\n`);
  const runs: Array<[string[], RegExp]> = [
    [["run", study, "--out", path.join(directory, "run"), "--quiet"], /implausibly large/],
    [["kld", "--base", crafted, "--variant", crafted, "--benchmark", "arith"], /implausibly large/],
    [["quantize", "--model", crafted, "--recipe", "Q4_K_M", "--out", path.join(directory, "q.gguf")], /implausibly large/],
  ];
  for (const [args, pattern] of runs) {
    const run = await runQreason(args, { timeoutMs: 60_000 });
    assert.equal(run.code, 1, `${args[0]}: ${run.stderr}`);
    assert.match(run.stderr, /error\[E_INPUT\]/, args[0]);
    assert.match(run.stderr, pattern, args[0]);
    assert.ok(run.stderr.includes(crafted), `${args[0]} names the file: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /, "no stack trace");
  }
});
