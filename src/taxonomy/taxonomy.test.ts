import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERROR_CATEGORIES, ERROR_SUBTYPES, SUBTYPES, categoryOf, isErrorCategory, isErrorSubtype, subtypeForKey, subtypesOf } from "./index.ts";

describe("error taxonomy", () => {
  it("has four categories and seven subtypes, each subtype in exactly one category", () => {
    assert.equal(ERROR_CATEGORIES.length, 4);
    assert.equal(ERROR_SUBTYPES.length, 7);
    assert.deepEqual(SUBTYPES.map((info) => info.subtype), [...ERROR_SUBTYPES]);
    const counted = ERROR_CATEGORIES.flatMap((category) => subtypesOf(category));
    assert.deepEqual([...counted].sort(), [...ERROR_SUBTYPES].sort());
  });

  it("maps subtypes to the papers' categories", () => {
    assert.equal(categoryOf("computational_error"), "execution");
    assert.equal(categoryOf("symbolic_manipulation_error"), "execution");
    assert.equal(categoryOf("procedural_error"), "method");
    assert.equal(categoryOf("contextual_oversight"), "conceptual");
    assert.equal(categoryOf("logical_reasoning_error"), "reasoning");
  });

  it("binds keys 1-7 to distinct subtypes and nothing else", () => {
    const keys = SUBTYPES.map((info) => info.key);
    assert.deepEqual(keys, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(subtypeForKey(5), "computational_error");
    assert.equal(subtypeForKey(0), undefined);
    assert.equal(subtypeForKey(8), undefined);
  });

  it("validates untrusted strings", () => {
    assert.equal(isErrorCategory("method"), true);
    assert.equal(isErrorCategory("Method"), false);
    assert.equal(isErrorSubtype("computational_error"), true);
    assert.equal(isErrorSubtype("toString"), false);
    assert.equal(isErrorSubtype(7), false);
  });
});
