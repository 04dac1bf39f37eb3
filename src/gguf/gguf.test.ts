/**
 * GGUF writer/reader round trip: metadata of every value type, arrays, alignment, tensor data; the output is
 * also parsed by node-llama-cpp's independent GGUF reader. Plus the writer's and reader's refusals.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { readGgufFileInfo } from "node-llama-cpp";
import { GGUF_DEFAULT_ALIGNMENT } from "./constants.ts";
import { array, bool, f32, f64, i16, i32, i64, i8, str, u16, u32, u64, u8, type GgufMetadata } from "./metadata.ts";
import { readGguf, readTensorBytes } from "./reader.ts";
import { writeGguf, type GgufTensorSource } from "./writer.ts";

let scratch: string;
before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-gguf-"));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const METADATA: GgufMetadata = new Map([
  ["general.architecture", str("llama")],
  ["test.u8", u8(255)],
  ["test.i8", i8(-128)],
  ["test.u16", u16(65535)],
  ["test.i16", i16(-32768)],
  ["test.u32", u32(4294967295)],
  ["test.i32", i32(-2147483648)],
  ["test.f32", f32(0.5)],
  ["test.f64", f64(Math.PI)],
  ["test.u64", u64(18446744073709551615n)],
  ["test.i64", i64(-9223372036854775808n)],
  ["test.bool", bool(true)],
  ["test.string", str("ünï\ncödé ✓")],
  ["test.empty_string", str("")],
  ["test.array_string", array("string", ["a", "", "Ġb c"])],
  ["test.array_i32", array("i32", [1, -2, 3])],
  ["test.array_f32", array("f32", [0.25, -1.5])],
  ["test.array_bool", array("bool", [true, false])],
  ["test.array_u64", array("u64", [1n, 2n ** 40n])],
  ["test.array_empty", array("u8", [])],
]);

/** Tensors whose sizes are not multiples of 32, so padding between them is exercised. */
function tensors(): { sources: GgufTensorSource[]; data: Uint8Array[] } {
  const shapes = [[3, 5], [7], [2, 3, 4]];
  const data = shapes.map((shape, index) => {
    const values = new Float32Array(shape.reduce((product, size) => product * size, 1)).map((_, at) => at * (index + 1) - 0.5);
    return new Uint8Array(values.buffer);
  });
  const sources = shapes.map((shape, index) => ({
    name: `tensor.${index}`,
    shape,
    ggmlType: 0,
    byteLength: data[index]!.byteLength,
    chunks: async function* () {
      // Several chunks per tensor, as the exporter streams them.
      const bytes = data[index]!;
      for (let at = 0; at < bytes.length; at += 8) yield bytes.subarray(at, at + 8);
    },
  }));
  return { sources, data };
}

void describe("GGUF round trip", () => {
  for (const alignment of [GGUF_DEFAULT_ALIGNMENT, 64]) {
    void test(`metadata of every type and tensor data survive (alignment ${alignment})`, async () => {
      const file = path.join(scratch, `roundtrip-${alignment}.gguf`);
      const { sources, data } = tensors();
      const { bytes } = await writeGguf(file, METADATA, sources, { alignment });
      assert.equal((await stat(file)).size, bytes);

      const read = await readGguf(file);
      assert.equal(read.version, 3);
      assert.equal(read.alignment, alignment);
      const expected = new Map(METADATA);
      if (alignment !== GGUF_DEFAULT_ALIGNMENT) expected.set("general.alignment", u32(alignment));
      assert.deepEqual(read.metadata, expected);
      assert.equal(read.dataOffset % alignment, 0);
      for (const [index, info] of read.tensors.entries()) {
        assert.equal(info.name, `tensor.${index}`);
        assert.deepEqual(info.shape, sources[index]!.shape);
        assert.equal(info.typeName, "F32");
        assert.equal(info.offset % alignment, 0, `${info.name} is aligned`);
        assert.deepEqual(await readTensorBytes(read, info), data[index]);
      }

      // An independent parser (node-llama-cpp's) agrees on the structure.
      const theirs = await readGgufFileInfo(file, { logWarnings: false });
      assert.equal(theirs.version, 3);
      assert.equal(Number(theirs.tensorCount), 3);
      const their = theirs.metadata as unknown as { test: Record<string, unknown>; general: Record<string, unknown> };
      assert.equal(their.general.architecture, "llama");
      assert.equal(their.test.string, "ünï\ncödé ✓");
      assert.equal(their.test.i16, -32768);
      assert.equal(their.test.f64, Math.PI);
      assert.equal(BigInt(their.test.u64 as bigint), 18446744073709551615n);
      assert.deepEqual(their.test.array_string, ["a", "", "Ġb c"]);
      assert.deepEqual(
        theirs.tensorInfo!.map((info) => [info.name, info.dimensions.map(Number), Number(info.fileOffset)]),
        read.tensors.map((info) => [info.name, [...info.shape].reverse(), info.offset]),
      );
    });
  }
});

void describe("GGUF writer refusals", () => {
  const cases: Array<[string, GgufMetadata, RegExp]> = [
    ["u8 out of range", new Map([["k", u8(256)]]), /does not fit u8/],
    ["non-integer u32", new Map([["k", u32(1.5)]]), /does not fit u32/],
    ["wrong JS type in an array", new Map([["k", array("i32", [1, "x"])]]), /expected number/],
  ];
  for (const [name, metadata, message] of cases) {
    void test(name, async () => {
      await assert.rejects(writeGguf(path.join(scratch, "bad.gguf"), metadata, []), { name: "QreasonError", message });
    });
  }

  void test("a tensor that yields the wrong byte count leaves no file behind", async () => {
    const out = path.join(scratch, "short.gguf");
    const source: GgufTensorSource = {
      name: "t",
      shape: [4],
      ggmlType: 0,
      byteLength: 16,
      chunks: async function* () {
        yield new Uint8Array(12);
      },
    };
    await assert.rejects(writeGguf(out, new Map(), [source]), /produced 12 bytes, expected 16/);
    assert.equal(existsSync(out), false);
    assert.deepEqual((await readdir(scratch)).filter((name) => name.startsWith("short.gguf")), []);
  });

  void test("duplicate tensor names are refused", async () => {
    const { sources } = tensors();
    await assert.rejects(writeGguf(path.join(scratch, "dup.gguf"), new Map(), [sources[0]!, sources[0]!]), /duplicate tensor/);
  });
});

void describe("GGUF reader refusals", () => {
  void test("a file that is not GGUF is E_INPUT naming the file", async () => {
    const file = path.join(scratch, "not.gguf");
    await writeFile(file, "{\"this is\": \"json, not gguf\"}");
    await assert.rejects(readGguf(file), (error: Error & { code?: string; location?: { file?: string } }) => {
      assert.equal(error.name, "QreasonError");
      assert.equal(error.code, "E_INPUT");
      assert.equal(error.location?.file, file);
      assert.match(error.message, /not a GGUF file/);
      return true;
    });
  });

  void test("a truncated GGUF is E_INPUT", async () => {
    const full = path.join(scratch, "full.gguf");
    await writeGguf(full, METADATA, tensors().sources);
    const bytes = new Uint8Array(await readFile(full));
    for (const [label, length] of [["mid-header", 100], ["mid-data", bytes.length - 10]] as const) {
      const cut = path.join(scratch, `cut-${label}.gguf`);
      await writeFile(cut, bytes.subarray(0, length));
      await assert.rejects(readGguf(cut), { name: "QreasonError", code: "E_INPUT", message: /truncated/ }, label);
    }
  });

  void test("a missing file is E_NOT_FOUND", async () => {
    await assert.rejects(readGguf(path.join(scratch, "nope.gguf")), { name: "QreasonError", code: "E_NOT_FOUND" });
  });
});
