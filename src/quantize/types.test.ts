import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isQreasonError } from "../errors.ts";
import { ggmlTypeByName } from "../gguf/index.ts";
import { QUANT_TYPES, findQuantType } from "./types.ts";

describe("QUANT_TYPES", () => {
  it("lists every type the issue names, the IQ ones needing an imatrix", () => {
    const names = QUANT_TYPES.map((type) => type.name);
    const required = ["Q8_0", "Q6_K", "Q5_K_M", "Q5_0", "Q4_K_M", "Q4_K_S", "Q4_0", "Q3_K_M", "Q3_K_S", "Q2_K"];
    for (const name of [...required, "IQ4_XS", "IQ3_XXS", "IQ2_XS"]) assert.ok(names.includes(name), name);
    for (const type of QUANT_TYPES) assert.equal(type.imatrix === "required", type.name.startsWith("IQ"), type.name);
  });

  for (const type of QUANT_TYPES) {
    it(`${type.name}: block size and bits agree with ggml's ${type.baseType} block layout`, () => {
      const block = ggmlTypeByName(type.baseType);
      assert.ok(block, `ggml type ${type.baseType}`);
      assert.equal(type.blockSize, block.blockSize);
      assert.equal(type.baseBitsPerWeight, (block.typeSize * 8) / block.blockSize);
    });
  }
});

describe("findQuantType", () => {
  it("is case-insensitive and trims", () => {
    assert.equal(findQuantType(" q4_k_m ").ftype, 15);
  });

  it("rejects an unknown type with the valid names", () => {
    assert.throws(
      () => findQuantType("Q4_K_L"),
      (error) => isQreasonError(error) && error.code === "E_USAGE" && /Q4_K_M/.test(error.message),
    );
  });
});
