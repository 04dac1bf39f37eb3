/**
 * Mined pairs as the files trainers read:
 *
 * - the engine (`python -m qreason_engine train`, docs/restore.md): dpo `{prompt, chosen, rejected}`,
 *   sft `{prompt, completion}` (the chosen solutions), margin `{prompt, completion, positions}`; every line
 *   also carries `id` and `meta` (problem, category), which the engine keeps out of training;
 * - TRL's preference format: `{prompt, chosen, rejected}` as strings for a raw prompt, or conversational
 *   (`prompt` a message list, `chosen`/`rejected` one assistant message each) for a chat prompt;
 * - LLaMA-Factory's ranking datasets: alpaca (`instruction`, `input`, `chosen`, `rejected`) for raw prompts,
 *   sharegpt (`conversations`, `chosen`, `rejected`, `system`) for chat ones, with the `dataset_info.json`
 *   entry that declares the columns. LLaMA-Factory applies its own template to `instruction`: the raw
 *   prompt's exact text (the testbed's trailing line break) is only kept by the engine and TRL formats.
 */
import type { ChatMessage } from "../backends/index.ts";
import type { PreferencePair } from "./mine.ts";

export const EXPORT_FORMATS = ["engine", "trl", "llamafactory"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

function meta(pair: PreferencePair): Record<string, unknown> {
  return { model: pair.model, variant: pair.variant, benchmark: pair.benchmark, problem_id: pair.problemId, category: pair.category, subtype: pair.subtype, category_source: pair.categorySource, rejected_status: pair.rejectedStatus };
}

export function engineDpoRecord(pair: PreferencePair): Record<string, unknown> {
  return { id: pair.id, prompt: pair.prompt, chosen: pair.chosen, rejected: pair.rejected, meta: meta(pair) };
}

export function engineSftRecord(pair: PreferencePair): Record<string, unknown> {
  return { id: pair.id, prompt: pair.prompt, completion: pair.chosen, meta: meta(pair) };
}

/**
 * The first character at which two texts differ. For greedy generations of the same prompt this is where
 * the variant's top-1 token first departed from fp's (both decoded the same tokens before it), so it is
 * the margin loss's position without any scoring. Undefined when one text is a prefix of the other.
 */
export function firstDifference(chosen: string, rejected: string): number | undefined {
  const length = Math.min(chosen.length, rejected.length);
  for (let index = 0; index < length; index++) if (chosen.charCodeAt(index) !== rejected.charCodeAt(index)) return index;
  return undefined;
}

/** A margin line: raise fp's token at the first divergence; undefined when there is no position inside chosen. */
export function engineMarginRecord(pair: PreferencePair, positions?: readonly number[]): Record<string, unknown> | undefined {
  const found = positions ?? [firstDifference(pair.chosen, pair.rejected)].filter((position): position is number => position !== undefined);
  const inside = found.filter((position) => position >= 0 && position < pair.chosen.length);
  if (inside.length === 0) return undefined;
  return { id: pair.id, prompt: pair.prompt, completion: pair.chosen, positions: inside, meta: meta(pair) };
}

export function trlRecord(pair: PreferencePair): Record<string, unknown> {
  if (typeof pair.prompt === "string") return { prompt: pair.prompt, chosen: pair.chosen, rejected: pair.rejected };
  return {
    prompt: pair.prompt.map((message) => ({ role: message.role, content: message.content })),
    chosen: [{ role: "assistant", content: pair.chosen }],
    rejected: [{ role: "assistant", content: pair.rejected }],
  };
}

const SHAREGPT_ROLE: Record<ChatMessage["role"], string> = { user: "human", assistant: "gpt", system: "system" };

export function llamaFactoryRecord(pair: PreferencePair): Record<string, unknown> {
  if (typeof pair.prompt === "string") return { instruction: pair.prompt, input: "", chosen: pair.chosen, rejected: pair.rejected };
  const system = pair.prompt.filter((message) => message.role === "system").map((message) => message.content).join("\n");
  return {
    conversations: pair.prompt.filter((message) => message.role !== "system").map((message) => ({ from: SHAREGPT_ROLE[message.role], value: message.content })),
    chosen: { from: "gpt", value: pair.chosen },
    rejected: { from: "gpt", value: pair.rejected },
    ...(system !== "" ? { system } : {}),
  };
}

/** The `dataset_info.json` entry for a LLaMA-Factory ranking dataset written by `llamaFactoryRecord`. */
export function llamaFactoryDatasetInfo(name: string, fileName: string, chat: boolean): Record<string, unknown> {
  return {
    [name]: chat
      ? { file_name: fileName, formatting: "sharegpt", ranking: true, columns: { messages: "conversations", chosen: "chosen", rejected: "rejected", system: "system" }, tags: { role_tag: "from", content_tag: "value", user_tag: "human", assistant_tag: "gpt" } }
      : { file_name: fileName, ranking: true, columns: { prompt: "instruction", query: "input", chosen: "chosen", rejected: "rejected" } },
  };
}

/** JSON lines, one record per line, a final line break. */
export function jsonLines(records: readonly Record<string, unknown>[]): string {
  return records.length === 0 ? "" : `${records.map((record) => JSON.stringify(record)).join("\n")}\n`;
}
