import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  findAlreadyQuantized,
  findImatrixProblems,
  findRowMismatches,
  isQuantizedByLlamaCpp,
  summarizeNames,
  type TensorDescription,
} from "./compatibility.ts";
import { findQuantType } from "./types.ts";

const tensor = (name: string, shape: number[], typeName = "F32"): TensorDescription => ({ name, shape, typeName });

describe("isQuantizedByLlamaCpp", () => {
  const cases: Array<[TensorDescription, boolean]> = [
    [tensor("blk.0.attn_q.weight", [256, 256]), true],
    [tensor("token_embd.weight", [384, 256]), true],
    [tensor("output.weight", [384, 256]), true],
    [tensor("blk.0.attn_norm.weight", [256]), false],
    [tensor("blk.0.ffn_norm.weight", [1, 256]), false], // a 2-D norm is still a norm
    [tensor("blk.0.attn_q.bias", [256, 1]), false],
    [tensor("blk.0.ffn_gate_inp.weight", [8, 256]), false],
    [tensor("blk.0.ffn_up_exps.weight", [8, 512, 256]), true],
  ];
  for (const [input, expected] of cases) {
    it(`${input.name} ${JSON.stringify(input.shape)} -> ${expected}`, () => assert.equal(isQuantizedByLlamaCpp(input), expected));
  }
});

describe("findRowMismatches", () => {
  const model = [
    tensor("token_embd.weight", [384, 64]),
    tensor("blk.0.attn_q.weight", [64, 64]),
    tensor("blk.0.ffn_down.weight", [64, 128]),
    tensor("blk.0.attn_norm.weight", [64]),
    tensor("output.weight", [384, 64]),
  ];

  it("reports every quantized tensor whose rows a 256-block type cannot take, but not the output head", () => {
    const mismatches = findRowMismatches(model, findQuantType("Q4_K_M"));
    assert.deepEqual(
      mismatches.map((item) => [item.name, item.rowLength]),
      [["token_embd.weight", 64], ["blk.0.attn_q.weight", 64], ["blk.0.ffn_down.weight", 128]],
    );
  });

  it("exempts the token embedding of a model with tied embeddings: llama.cpp types it as the output head", () => {
    const tied = model.filter((item) => item.name !== "output.weight");
    assert.deepEqual(
      findRowMismatches(tied, findQuantType("Q4_K_M")).map((item) => item.name),
      ["blk.0.attn_q.weight", "blk.0.ffn_down.weight"],
    );
  });

  it("accepts the same model for 32-block types", () => {
    for (const name of ["Q8_0", "Q5_0", "Q4_0"]) assert.deepEqual(findRowMismatches(model, findQuantType(name)), []);
  });

  it("flags rows not divisible by 32 even for Q8_0", () => {
    assert.equal(findRowMismatches([tensor("blk.0.attn_q.weight", [64, 48])], findQuantType("Q8_0")).length, 1);
  });
});

describe("findAlreadyQuantized", () => {
  it("finds quantized weights and ignores float ones and norms", () => {
    const found = findAlreadyQuantized([
      tensor("blk.0.attn_q.weight", [256, 256], "Q4_K"),
      tensor("blk.0.attn_k.weight", [256, 256], "BF16"),
      tensor("blk.0.attn_norm.weight", [256], "F32"),
    ]);
    assert.deepEqual(found.map((item) => item.name), ["blk.0.attn_q.weight"]);
  });
});

describe("findImatrixProblems", () => {
  const model = [
    tensor("token_embd.weight", [384, 256]),
    tensor("blk.0.attn_q.weight", [256, 256]),
    tensor("blk.0.ffn_down.weight", [256, 512]),
    tensor("output.weight", [384, 256]),
    tensor("blk.0.ffn_down_exps.weight", [4, 256, 512]),
  ];
  const ones = (length: number): Float32Array => new Float32Array(length).fill(1);

  it("accepts full coverage (embedding and head need no entry; experts need one slice each)", () => {
    const entries = new Map([
      ["blk.0.attn_q.weight", ones(256)],
      ["blk.0.ffn_down.weight", ones(512)],
      ["blk.0.ffn_down_exps.weight", ones(4 * 512)],
    ]);
    assert.deepEqual(findImatrixProblems(model, entries), []);
  });

  it("names missing entries, wrong lengths and non-finite values", () => {
    const bad = ones(256);
    bad[3] = Number.NaN;
    const entries = new Map([
      ["blk.0.attn_q.weight", bad],
      ["blk.0.ffn_down.weight", ones(256)],
    ]);
    assert.deepEqual(findImatrixProblems(model, entries), [
      { name: "blk.0.attn_q.weight", problem: "contains a value that is not finite" },
      { name: "blk.0.ffn_down.weight", problem: "256 values, expected 512" },
      { name: "blk.0.ffn_down_exps.weight", problem: "no entry" },
    ]);
  });
});

describe("summarizeNames", () => {
  it("shortens long lists", () => {
    assert.equal(summarizeNames(["a", "b"]), "a, b");
    assert.equal(summarizeNames(["a", "b", "c", "d", "e"]), "a, b, c and 2 more");
  });
});
