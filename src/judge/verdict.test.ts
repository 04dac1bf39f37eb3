/** The verdict contract: one zod definition gives both the JSON Schema backends get and the validator. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERROR_SUBTYPES, categoryOf } from "../taxonomy/index.ts";
import { NO_ERROR, validateVerdict, verdictJsonSchema, verdictResponseFormat, verdictToWire } from "./verdict.ts";

describe("verdictJsonSchema", () => {
  it("is a closed object with every field required, explanation first, and the step range of the solution", () => {
    const schema = verdictJsonSchema(4) as {
      type: string;
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
      $schema?: string;
    };
    assert.equal(schema.type, "object");
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.$schema, undefined);
    assert.deepEqual(Object.keys(schema.properties), ["explanation", "first_error_step", "category", "subtype", "confidence"]);
    assert.deepEqual([...schema.required].sort(), Object.keys(schema.properties).sort());
    assert.deepEqual([schema.properties.first_error_step?.type, schema.properties.first_error_step?.minimum, schema.properties.first_error_step?.maximum], ["integer", -1, 3]);
    assert.deepEqual(schema.properties.subtype?.enum, [...ERROR_SUBTYPES, NO_ERROR]);
    assert.deepEqual(schema.properties.category?.enum, ["conceptual", "method", "execution", "reasoning", NO_ERROR]);
    assert.deepEqual([schema.properties.confidence?.minimum, schema.properties.confidence?.maximum], [0, 1]);
  });

  it("is wrapped as the Backend spec's responseFormat", () => {
    const format = verdictResponseFormat(2);
    assert.equal(format.type, "json_schema");
    assert.equal(format.name, "qreason_verdict");
    assert.deepEqual(format.schema, verdictJsonSchema(2));
  });

  it("refuses a solution with no steps", () => {
    assert.throws(() => verdictJsonSchema(0), RangeError);
  });
});

describe("validateVerdict", () => {
  it("accepts every subtype with its own category, at every step, and round-trips through the wire form", () => {
    for (const subtype of ERROR_SUBTYPES) {
      for (const step of [0, 2]) {
        const wire = { explanation: "why", first_error_step: step, category: categoryOf(subtype), subtype, confidence: 0.5 };
        const result = validateVerdict(wire, 3);
        assert.ok(result.ok, JSON.stringify(result));
        assert.deepEqual(verdictToWire(result.verdict), wire);
      }
    }
  });

  const bad: [string, unknown, RegExp][] = [
    ["not an object", [1, 2], /must be a JSON object/],
    ["a fractional step", { explanation: "", first_error_step: 1.5, category: "execution", subtype: "computational_error", confidence: 1 }, /must be an integer/],
    ["a step below -1", { explanation: "", first_error_step: -2, category: "execution", subtype: "computational_error", confidence: 1 }, /-1 or a step index from 0 to 2/],
    ["confidence above 1", { explanation: "", first_error_step: 0, category: "execution", subtype: "computational_error", confidence: 1.2 }, /'confidence' must be a number from 0 to 1/],
    ["an extra field", { explanation: "", first_error_step: 0, category: "execution", subtype: "computational_error", confidence: 1, step: 0 }, /unknown field 'step'/],
    ["an error step with no_error", { explanation: "", first_error_step: 1, category: NO_ERROR, subtype: NO_ERROR, confidence: 1 }, /must name the error/],
    ["a category in the wrong case", { explanation: "", first_error_step: 0, category: "Execution", subtype: "computational_error", confidence: 1 }, /'category' is "Execution"/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name}`, () => {
      const result = validateVerdict(value, 3);
      assert.ok(!result.ok);
      assert.match(result.problems.join("; "), message);
    });
  }

  it("cuts an over-long explanation instead of rejecting the verdict", () => {
    const result = validateVerdict({ explanation: "x".repeat(10_000), first_error_step: -1, category: NO_ERROR, subtype: NO_ERROR, confidence: 0 }, 1);
    assert.ok(result.ok);
    assert.equal(result.verdict.explanation.length, 4000);
  });
});
