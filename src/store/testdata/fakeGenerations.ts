/**
 * Deterministic fake generations for the store's tests and benchmark: record i's key, prompt and text
 * are functions of i alone, so a reader can check any stored row against what must have been written.
 */
import type { SamplingParams } from "../../backends/types.ts";
import { sha256Hex } from "../canonical.ts";
import { generationKey } from "../keys.ts";
import type { GenerationRecord } from "../runStore.ts";

export const FAKE_SAMPLING: SamplingParams = { temperature: 0, topP: 1, topK: 0, maxTokens: 512, seed: 0, stop: [] };
/** 500 problems per variant, like a mid-sized benchmark subset. */
export const PROBLEMS_PER_VARIANT = 500;

export function fakePrompt(index: number): { role: "user"; content: string }[] {
  const problem = index % PROBLEMS_PER_VARIANT;
  return [{ role: "user", content: `Problem ${problem}: a farmer has ${problem} sheep and buys ${problem + 7} more. ${"How many now? ".repeat(20)}` }];
}

/** About 1.4 kB, like a 400-token solution; incompressible enough that pages really fill. */
export function fakeText(index: number): string {
  const digest = sha256Hex(`text-${index}`);
  const steps = Array.from({ length: 20 }, (_, step) => `Step ${step + 1}: ${digest.slice(step, step + 48)}`);
  return `${steps.join("\n")}\n\\boxed{${index}}`;
}

export function fakeKey(index: number): string {
  const variant = `variant-${Math.floor(index / PROBLEMS_PER_VARIANT)}`;
  return generationKey({
    modelIdentity: "model:fake",
    variantHash: variant,
    backendKind: "openai",
    backendVersion: "loopback 1",
    prompt: fakePrompt(index),
    sampling: FAKE_SAMPLING,
    sampleIndex: 0,
  });
}

export function fakeRecord(index: number, key = fakeKey(index)): GenerationRecord {
  const variant = `variant-${Math.floor(index / PROBLEMS_PER_VARIANT)}`;
  return {
    key,
    model: "fake",
    variant,
    variantHash: variant,
    benchmark: "arith",
    problemId: String(index),
    sampleIndex: 0,
    backendKind: "openai",
    backendVersion: "loopback 1",
    prompt: fakePrompt(index),
    sampling: FAKE_SAMPLING,
    outcome: { status: "ok", result: { text: fakeText(index), finishReason: "stop", promptTokens: 40, completionTokens: index % 997, warnings: [] } },
    latencyMs: 1,
  };
}
