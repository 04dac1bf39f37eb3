import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isQreasonError } from "../errors.ts";
import { encodeLegacyImatrix, normalizeSums, parseLegacyImatrix, readImatrix, writeGgufImatrix } from "./imatrix.ts";

const entries = new Map([
  ["blk.0.attn_q.weight", Float32Array.of(0.5, 1, 2, 4)],
  ["blk.0.ffn_down.weight", Float32Array.of(3, 0.25)],
]);
const imatrix = { entries, count: 10, chunkCount: 7, dataset: "gsm8k-train.txt" };

describe("imatrix formats", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "qreason-imatrix-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads back a legacy .dat as means (stored sums divided by the call count)", async () => {
    const file = path.join(dir, "legacy.dat");
    await writeFile(file, encodeLegacyImatrix(imatrix));
    const read = await readImatrix(file);
    assert.equal(read.format, "legacy");
    assert.deepEqual(read.entries, entries);
    assert.equal(read.chunkCount, 7);
    assert.deepEqual(read.datasets, ["gsm8k-train.txt"]);
  });

  it("reads back a GGUF imatrix as sums / counts", async () => {
    const file = path.join(dir, "imatrix.gguf");
    await writeGgufImatrix(file, imatrix);
    const read = await readImatrix(file);
    assert.equal(read.format, "gguf");
    assert.deepEqual(read.entries, entries);
    assert.equal(read.chunkCount, 7);
    assert.deepEqual(read.datasets, ["gsm8k-train.txt"]);
  });

  it("accepts a legacy file without the optional trailer", () => {
    const full = encodeLegacyImatrix(imatrix);
    const trailer = 4 + 4 + "gsm8k-train.txt".length;
    const read = parseLegacyImatrix(full.subarray(0, full.length - trailer), "x.dat");
    assert.equal(read.entries.size, 2);
    assert.equal(read.chunkCount, 0);
  });

  const malformed: Array<[string, Uint8Array]> = [
    ["empty file", new Uint8Array(0)],
    ["zero entries", new Uint8Array(4)],
    ["truncated values", encodeLegacyImatrix(imatrix).subarray(0, 40)],
    ["text", new TextEncoder().encode("this is not an imatrix at all")],
  ];
  for (const [label, bytes] of malformed) {
    it(`rejects ${label} with E_INPUT naming the file`, () => {
      assert.throws(
        () => parseLegacyImatrix(bytes, "bad.dat"),
        (error) => isQreasonError(error) && error.code === "E_INPUT" && error.location.file === "bad.dat",
      );
    });
  }

  it("rejects a GGUF without imatrix metadata (e.g. a model file)", async () => {
    const file = path.join(dir, "model-not-imatrix.gguf");
    const { writeGguf } = await import("../gguf/index.ts");
    await writeGguf(file, new Map(), []);
    await assert.rejects(readImatrix(file), (error) => isQreasonError(error) && /imatrix\.datasets/.test(error.message));
  });

  it("reports a missing file as E_NOT_FOUND", async () => {
    await assert.rejects(readImatrix(path.join(dir, "nope.dat")), (error) => isQreasonError(error) && error.code === "E_NOT_FOUND");
  });
});

describe("normalizeSums", () => {
  it("divides each expert's slice by its own count and uses 1 where nothing was counted", () => {
    const result = normalizeSums(Float32Array.of(2, 4, 6, 8, 5, 5), Float32Array.of(2, 0, 5));
    assert.deepEqual([...result], [1, 2, 1, 1, 1, 1]);
  });
});
