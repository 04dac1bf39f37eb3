import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalJson, contentHash } from "./canonical.ts";
import { generationKey, type GenerationKeyInput } from "./keys.ts";

test("canonical JSON sorts keys at every level and drops undefined members", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson(["x", undefined, null]), '["x",null,null]');
  assert.equal(canonicalJson("é\n"), '"é\\n"');
  assert.equal(contentHash("t:", { a: 1, b: 2 }), contentHash("t:", { b: 2, a: 1 }));
  assert.notEqual(contentHash("t:", { a: 1 }), contentHash("u:", { a: 1 }));
});

test("canonical JSON refuses values with no JSON form instead of colliding on null", () => {
  for (const value of [Number.NaN, Infinity, { a: -Infinity }, 1n, () => 1, Symbol("s")]) {
    assert.throws(() => canonicalJson(value), TypeError);
  }
});

const base: GenerationKeyInput = {
  modelIdentity: "model:sha256:abc",
  variantHash: "variant:v1:def",
  backendKind: "llamacpp",
  backendVersion: "node-llama-cpp 3.22.1",
  prompt: [{ role: "user", content: "What is 2 + 2?" }],
  sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 256, seed: 0, stop: [] },
  sampleIndex: 0,
};

test("generation keys are versioned sha256 hashes, independent of object key order", () => {
  const key = generationKey(base);
  assert.match(key, /^gen:v1:[0-9a-f]{64}$/);
  const reordered: GenerationKeyInput = {
    sampleIndex: 0,
    sampling: { stop: [], seed: 0, maxTokens: 256, topK: 0, topP: 1, temperature: 0 },
    prompt: [{ content: "What is 2 + 2?", role: "user" }],
    backendVersion: base.backendVersion,
    backendKind: base.backendKind,
    variantHash: base.variantHash,
    modelIdentity: base.modelIdentity,
  };
  assert.equal(generationKey(reordered), key);
});

const changes: [string, Partial<GenerationKeyInput>][] = [
  ["model identity", { modelIdentity: "model:sha256:abd" }],
  ["variant recipe", { variantHash: "variant:v1:deg" }],
  ["backend kind", { backendKind: "engine" }],
  ["backend version", { backendVersion: "node-llama-cpp 3.23.0" }],
  ["prompt text", { prompt: [{ role: "user", content: "What is 2 + 3?" }] }],
  ["prompt form (raw vs chat)", { prompt: "What is 2 + 2?" }],
  ["temperature", { sampling: { ...base.sampling, temperature: 0.7 } }],
  ["top_p", { sampling: { ...base.sampling, topP: 0.95 } }],
  ["top_k", { sampling: { ...base.sampling, topK: 20 } }],
  ["max tokens", { sampling: { ...base.sampling, maxTokens: 512 } }],
  ["seed", { sampling: { ...base.sampling, seed: 1 } }],
  ["stop strings", { sampling: { ...base.sampling, stop: ["\n\n"] } }],
  ["sample index", { sampleIndex: 1 }],
];

for (const [what, change] of changes) {
  test(`changing the ${what} changes the generation key`, () => {
    assert.notEqual(generationKey({ ...base, ...change }), generationKey(base));
  });
}
