/**
 * The FFI layout must match the llama.h of the llama.cpp that node-llama-cpp ships. These tests read that
 * header from the shipped source bundle (node-llama-cpp/llama/gitRelease.bundle) and compare it with the
 * transcription in llamaHeader.ts, so upgrading node-llama-cpp cannot silently shift a struct field.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { projectRoot } from "../testing/paths.ts";
import { EXPECTED_STRUCT_SIZES, defaultParamMismatches, openLlamaQuantizer, structSizes, truncateUtf8 } from "./ffi.ts";
import { findLlamaLibrary } from "./libraryPath.ts";
import {
  EXPECTED_DEFAULT_PARAMS,
  GGML_TYPE_COUNT,
  IMATRIX_DATA_FIELDS,
  KV_OVERRIDE_FIELDS,
  KV_OVERRIDE_TYPE,
  LLAMA_CPP_RELEASE,
  LLAMA_FTYPE,
  QUANT_FALLBACK_TYPES,
  QUANTIZE_PARAMS_FIELDS,
} from "./llamaHeader.ts";

const nodeLlamaCppDir = path.join(projectRoot, "node_modules", "node-llama-cpp", "llama");

/** Files of the shipped llama.cpp source, read out of its git bundle. */
function readFromBundle(files: string[]): string[] {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-llama-h-"));
  try {
    const git = (...args: string[]): string =>
      execFileSync("git", ["--git-dir", scratch, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
    execFileSync("git", ["init", "-q", "--bare", scratch]);
    git("fetch", "-q", path.join(nodeLlamaCppDir, "gitRelease.bundle"), "HEAD");
    return files.map((file) => git("show", `FETCH_HEAD:${file}`));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const stripComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");

/** The body of `struct name { ... }` (or `typedef struct name { ... }`), nested braces included. */
function structBody(header: string, name: string): string {
  const start = header.search(new RegExp(`struct ${name} \\{`));
  assert.ok(start >= 0, `struct ${name} not found in llama.h`);
  const open = header.indexOf("{", start);
  let depth = 0;
  for (let index = open; index < header.length; index += 1) {
    if (header[index] === "{") depth += 1;
    if (header[index] === "}") depth -= 1;
    if (depth === 0) return header.slice(open + 1, index);
  }
  throw new Error(`struct ${name} is not closed`);
}

/** [name, C type] per member, anonymous unions flattened, pointer spacing normalized ("const char *"). */
function structFields(header: string, name: string): Array<[string, string]> {
  const body = stripComments(structBody(header, name)).replace(/union\s*\{/g, "").replace(/\}/g, "");
  return body
    .split(";")
    .map((declaration) => declaration.replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .map((declaration) => {
      const match = /^(.*?)\s*(\w+)(\[\d+\])?$/.exec(declaration);
      assert.ok(match, `cannot parse member '${declaration}' of ${name}`);
      const type = `${match[1]!.replace(/\s*\*$/, " *").trim()}${match[3] ?? ""}`;
      return [match[2]!, type];
    });
}

/** NAME = value pairs of a C enum; implicit values count up from the previous one. */
function enumValues(header: string, name: string): Map<string, number> {
  const start = header.search(new RegExp(`enum ${name} \\{`));
  assert.ok(start >= 0, `enum ${name} not found`);
  const body = stripComments(header.slice(header.indexOf("{", start) + 1, header.indexOf("}", start)));
  const values = new Map<string, number>();
  let next = 0;
  for (const item of body.split(",").map((part) => part.trim()).filter(Boolean)) {
    const [key, value] = item.split("=").map((part) => part.trim());
    const number = value === undefined ? next : Number(value);
    values.set(key!, number);
    next = number + 1;
  }
  return values;
}

describe("llama.cpp release", () => {
  it("node-llama-cpp still ships the release the layout was transcribed from", () => {
    const info = JSON.parse(readFileSync(path.join(nodeLlamaCppDir, "llama.cpp.info.json"), "utf8")) as { tag: string };
    const binaries = JSON.parse(readFileSync(path.join(nodeLlamaCppDir, "binariesGithubRelease.json"), "utf8")) as {
      release: string;
    };
    assert.equal(info.tag, LLAMA_CPP_RELEASE, "re-derive src/quantize/llamaHeader.ts from the new llama.h");
    assert.equal(binaries.release, LLAMA_CPP_RELEASE);
  });

  it("the prebuilt libllama found for this machine was built from that release", async () => {
    const library = await findLlamaLibrary();
    assert.equal(library.release, LLAMA_CPP_RELEASE);
    assert.match(path.basename(library.path), /llama/);
  });
});

describe("llama.h transcription", () => {
  let llamaH = "";
  let ggmlH = "";
  before(() => {
    [llamaH, ggmlH] = readFromBundle(["include/llama.h", "ggml/include/ggml.h"]) as [string, string];
  });

  it("llama_model_quantize_params has exactly the transcribed members, in order", () => {
    assert.deepEqual(structFields(llamaH, "llama_model_quantize_params"), QUANTIZE_PARAMS_FIELDS);
  });

  it("llama_model_imatrix_data and llama_model_kv_override match", () => {
    assert.deepEqual(structFields(llamaH, "llama_model_imatrix_data"), IMATRIX_DATA_FIELDS);
    assert.deepEqual(structFields(llamaH, "llama_model_kv_override"), KV_OVERRIDE_FIELDS);
  });

  it("every llama_ftype value qreason uses matches the header", () => {
    const values = enumValues(llamaH, "llama_ftype");
    for (const [name, value] of Object.entries(LLAMA_FTYPE)) {
      assert.equal(values.get(`LLAMA_FTYPE_${name}`), value, `LLAMA_FTYPE_${name}`);
    }
  });

  it("kv-override tags and GGML_TYPE_COUNT match", () => {
    const tags = enumValues(llamaH, "llama_model_kv_override_type");
    for (const [name, value] of Object.entries(KV_OVERRIDE_TYPE)) assert.equal(tags.get(`LLAMA_KV_OVERRIDE_TYPE_${name}`), value);
    assert.equal(enumValues(ggmlH, "ggml_type").get("GGML_TYPE_COUNT"), GGML_TYPE_COUNT);
  });
});

describe("llama-quant.cpp transcription", () => {
  it("the fallback of each 256-block type matches tensor_type_fallback's switch", () => {
    const [source] = readFromBundle(["src/llama-quant.cpp"]) as [string];
    const start = source.indexOf("static ggml_type tensor_type_fallback(");
    assert.ok(start >= 0, "tensor_type_fallback not found in llama-quant.cpp");
    const body = stripComments(source.slice(start, source.indexOf("default:", start)));
    const parsed = new Map<string, string>();
    let cases: string[] = [];
    for (const match of body.matchAll(/case GGML_TYPE_(\w+):|return_type = GGML_TYPE_(\w+);/g)) {
      if (match[1] !== undefined) cases.push(match[1]);
      else {
        for (const name of cases) parsed.set(name, match[2] as string);
        cases = [];
      }
    }
    for (const [type, fallback] of Object.entries(QUANT_FALLBACK_TYPES)) assert.equal(parsed.get(type), fallback, type);
  });
});

describe("runtime layout checks", () => {
  it("koffi lays the structs out at the sizes the C compiler gives them", () => {
    assert.deepEqual(structSizes(), EXPECTED_STRUCT_SIZES);
  });

  it("the shipped library's default params read back as transcribed", async () => {
    const library = await findLlamaLibrary();
    const quantizer = openLlamaQuantizer(library.path, library.release); // throws on any mismatch
    assert.match(quantizer.version, /^0\.5\.0/);
  });

  it("opening a library from another release is refused before any call", async () => {
    const library = await findLlamaLibrary();
    assert.throws(() => openLlamaQuantizer(library.path, "b9999"), /transcribed from v0\.5\.0/);
  });

  it("defaultParamMismatches names each differing field", () => {
    assert.deepEqual(defaultParamMismatches({ ...EXPECTED_DEFAULT_PARAMS }), []);
    const shifted = { ...EXPECTED_DEFAULT_PARAMS, ftype: 0, quantize_output_tensor: false };
    assert.deepEqual(defaultParamMismatches(shifted), [
      "ftype: expected 7, got 0",
      "quantize_output_tensor: expected true, got false",
    ]);
  });

  it("truncateUtf8 keeps whole characters within the byte budget", () => {
    assert.equal(truncateUtf8("abc", 127), "abc");
    assert.equal(truncateUtf8("é".repeat(100), 127), "é".repeat(63));
    assert.equal(Buffer.byteLength(truncateUtf8("x".repeat(300), 127)), 127);
  });
});
