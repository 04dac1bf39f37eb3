/**
 * Cache keys. A generation is identified by everything that can change its output, and by nothing else
 * (not the variant's display name, not the run directory, not the time): two runs that would ask a
 * backend the same question share the answer, and changing any input asks again.
 */
import type { BackendKind, ChatMessage, SamplingParams } from "../backends/types.ts";
import { canonicalJson, contentHash, sha256Hex } from "./canonical.ts";

/** Bump when the key's inputs or their encoding change; old keys then simply miss. */
export const GENERATION_KEY_PREFIX = "gen:v1:";
export const PROMPT_HASH_PREFIX = "prompt:v1:";

export interface GenerationKeyInput {
  /** Identity of the full-precision model (a content hash where one can be computed). */
  modelIdentity: string;
  /** The variant's recipe hash (study `variantHash`), not its name. */
  variantHash: string;
  backendKind: BackendKind;
  /** Backend name and version: a new llama.cpp can change outputs, so it is part of the key. */
  backendVersion: string;
  /** The rendered prompt exactly as sent. */
  prompt: string | ChatMessage[];
  /** Includes the seed of this sample. */
  sampling: SamplingParams;
  sampleIndex: number;
}

export function generationKey(input: GenerationKeyInput): string {
  return contentHash(GENERATION_KEY_PREFIX, {
    model: input.modelIdentity,
    variant: input.variantHash,
    backend: { kind: input.backendKind, version: input.backendVersion },
    prompt: input.prompt,
    sampling: input.sampling,
    sample: input.sampleIndex,
  });
}

export function promptHash(prompt: string | ChatMessage[]): string {
  return `${PROMPT_HASH_PREFIX}${sha256Hex(canonicalJson(prompt))}`;
}
