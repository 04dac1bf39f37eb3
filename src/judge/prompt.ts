/**
 * Judge prompts. The single-solution prompt follows ProcessBench's critic template (steps in tags, indexed
 * from 0, "-1 if no step is wrong") and adds the seeds' taxonomy (4 categories, 7 subtypes, definitions
 * from src/taxonomy) and the verdict's JSON contract. The pairwise prompt shows two solutions of one problem
 * (for the position-bias check: the same pair is also shown swapped).
 *
 * Steps are whatever the caller segmented (`steps: string[]`, e.g. segmentSteps(output).map(s => s.text),
 * or a later segmenter version): the judge's index is into exactly that list.
 *
 * A prompt is versioned by name and by content: `PROMPT_VERSIONS` names each template and `promptId` hashes
 * its fixed text, so a stored verdict records which words the judge read, and editing the text without
 * bumping the name still changes the id.
 */
import { createHash } from "node:crypto";
import type { ChatMessage } from "../backends/types.ts";
import { ERROR_CATEGORIES, SUBTYPES } from "../taxonomy/index.ts";
import { NO_ERROR } from "./verdict.ts";

export const JUDGE_PROMPT_VERSION = "judge-v1";
export const PAIR_PROMPT_VERSION = "judge-pair-v1";

export interface JudgeInput {
  problem: string;
  steps: readonly string[];
}

export interface PairInput {
  problem: string;
  /** Shown as "Solution A". */
  first: readonly string[];
  /** Shown as "Solution B". */
  second: readonly string[];
}

function taxonomyText(): string {
  const lines = ["Error categories and subtypes (use these exact identifiers):"];
  for (const category of ERROR_CATEGORIES) {
    lines.push(`- category "${category}":`);
    for (const info of SUBTYPES.filter((entry) => entry.category === category)) {
      lines.push(`  - subtype "${info.subtype}" (${info.label}): ${info.definition}`);
    }
  }
  lines.push(`- If no step is wrong, category and subtype are both "${NO_ERROR}".`);
  return lines.join("\n");
}

const VERDICT_CONTRACT = [
  "Reply with one JSON object and nothing after it:",
  "{",
  '  "explanation": "<the wrong claim and why it is wrong, or why every step holds>",',
  '  "first_error_step": <index of the earliest wrong step, or -1>,',
  '  "category": "<category>",',
  '  "subtype": "<subtype>",',
  '  "confidence": <a number from 0 to 1>',
  "}",
].join("\n");

export const JUDGE_SYSTEM = [
  "You are a careful grader of step-by-step math solutions.",
  "You find the earliest step that contains an error: a false calculation, a wrong formula or rule, a misread condition, a wrong plan, or a conclusion that does not follow.",
  "A step is wrong only because of its own content; a step that correctly uses an earlier wrong value is not the first error, the earlier step is.",
  "",
  taxonomyText(),
  "",
  VERDICT_CONTRACT,
].join("\n");

const JUDGE_TASK =
  "Review the solution step by step. Identify the earliest step that contains an error and return its index; if every step is correct, return -1. Name the error with one category and one subtype from the list.";

export const PAIR_SYSTEM = [
  "You are a careful grader of step-by-step math solutions. You are shown two solutions to the same problem; judge each one on its own merits.",
  "For each solution, find the earliest step that contains an error (a step that correctly uses an earlier wrong value is not the first error).",
  "",
  taxonomyText(),
  "",
  'Reply with one JSON object and nothing after it: {"solution_a": <verdict>, "solution_b": <verdict>}, where each verdict is',
  '{"explanation": "...", "first_error_step": <index or -1>, "category": "...", "subtype": "...", "confidence": <0 to 1>}.',
].join("\n");

const PAIR_TASK = "For each solution, return the index of its earliest wrong step (-1 if none) with a category and subtype.";

/** Steps in ProcessBench's layout: `<step_0>…</step_0>` blocks, indexed from 0. */
export function renderSteps(steps: readonly string[]): string {
  return steps.map((step, index) => `<step_${index}>\n${step.trim()}\n</step_${index}>`).join("\n\n");
}

export function judgeMessages(input: JudgeInput): ChatMessage[] {
  assertSteps(input.steps, "steps");
  const user = [
    `The following is a math problem and a solution, split into ${input.steps.length} steps enclosed in tags and indexed from 0.`,
    "",
    "[Math Problem]",
    "",
    input.problem.trim(),
    "",
    "[Solution]",
    "",
    renderSteps(input.steps),
    "",
    JUDGE_TASK,
  ].join("\n");
  return [
    { role: "system", content: JUDGE_SYSTEM },
    { role: "user", content: user },
  ];
}

export function pairMessages(input: PairInput): ChatMessage[] {
  assertSteps(input.first, "first");
  assertSteps(input.second, "second");
  const user = [
    "The following is a math problem and two solutions, each split into steps enclosed in tags and indexed from 0.",
    "",
    "[Math Problem]",
    "",
    input.problem.trim(),
    "",
    `[Solution A] (${input.first.length} steps)`,
    "",
    renderSteps(input.first),
    "",
    `[Solution B] (${input.second.length} steps)`,
    "",
    renderSteps(input.second),
    "",
    PAIR_TASK,
  ].join("\n");
  return [
    { role: "system", content: PAIR_SYSTEM },
    { role: "user", content: user },
  ];
}

/** What a retry says after an invalid reply: the problem, and the contract again. */
export function retryMessage(problem: string, stepRange: string): string {
  return [
    `Your reply could not be used: ${problem}.`,
    `Reply again with only the JSON object. "first_error_step" is -1 or a step index (${stepRange}); category and subtype use the listed identifiers.`,
  ].join("\n");
}

const sha = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 12);

/** Every prompt template by version, with a hash of its fixed text. */
export const PROMPT_VERSIONS: Readonly<Record<string, string>> = {
  [JUDGE_PROMPT_VERSION]: `${JUDGE_PROMPT_VERSION}:${sha(JUDGE_SYSTEM + "\u0000" + JUDGE_TASK + "\u0000" + retryMessage("{problem}", "{range}"))}`,
  [PAIR_PROMPT_VERSION]: `${PAIR_PROMPT_VERSION}:${sha(PAIR_SYSTEM + "\u0000" + PAIR_TASK)}`,
};

/** The recorded identity of a prompt template: its version name and the hash of its text. */
export function promptId(version: string): string {
  const id = PROMPT_VERSIONS[version];
  if (id === undefined) throw new RangeError(`unknown judge prompt version '${version}' (known: ${Object.keys(PROMPT_VERSIONS).join(", ")})`);
  return id;
}

function assertSteps(steps: readonly string[], field: string): void {
  if (steps.length === 0) throw new RangeError(`a judge needs at least one step (${field} is empty)`);
}
