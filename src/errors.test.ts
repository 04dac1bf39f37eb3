import { test } from "node:test";
import assert from "node:assert/strict";
import { QreasonError } from "./errors.ts";

test("describe() names file, line and field before the message", () => {
  const error = new QreasonError("E_INPUT", "expected a string", { file: "a.jsonl", line: 3, field: "gold" });
  assert.equal(error.describe(), "a.jsonl:3: field 'gold': expected a string");
  assert.equal(error.code, "E_INPUT");
});

test("describe() without a location is just the message", () => {
  assert.equal(new QreasonError("E_USAGE", "no input").describe(), "no input");
});
