/**
 * The texts both models are teacher-forced on. By default the baseline's own greedy solutions to benchmark
 * questions (what the variant should have said, token by token); or any JSONL of texts.
 */
import { readFile } from "node:fs/promises";
import type { Backend, ChatMessage, GenerateRequest, GenerateResult } from "../backends/types.ts";
import type { Problem } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { decodeUtf8 } from "../io/index.ts";

/** A whole text (every position after the first token is compared) or a prompt with its continuation
 * (only the positions that predict continuation tokens are). */
export type KldText =
  | { id: string; text: string }
  | {
      id: string;
      prompt: string | ChatMessage[];
      continuation: string;
      /** The continuation's exact token ids, when a model generated it (re-tokenizing text may differ). */
      continuationTokens?: number[];
    };

/** Parses `{"text": ...}` or `{"prompt": ..., "continuation": ...}` lines (optional `"id"`). */
export function parseTextsJsonl(content: string, file: string): KldText[] {
  const texts: KldText[] = [];
  content.split("\n").forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new QreasonError("E_INPUT", `not valid JSON: ${(error as Error).message}`, { file, line });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new QreasonError("E_INPUT", "expected a JSON object", { file, line });
    }
    const record = value as Record<string, unknown>;
    const id = record.id === undefined ? `line-${line}` : String(record.id);
    const text = (field: string): string => {
      const fieldValue = record[field];
      if (typeof fieldValue !== "string" || fieldValue === "") {
        throw new QreasonError("E_INPUT", "must be a non-empty string", { file, line, field });
      }
      return fieldValue;
    };
    if ("text" in record) texts.push({ id, text: text("text") });
    else if ("prompt" in record || "continuation" in record) texts.push({ id, prompt: text("prompt"), continuation: text("continuation") });
    else throw new QreasonError("E_INPUT", "needs 'text', or 'prompt' and 'continuation'", { file, line, field: "text" });
  });
  if (texts.length === 0) throw new QreasonError("E_INPUT", "no texts in the file", { file });
  return texts;
}

export async function readTextsJsonl(file: string): Promise<KldText[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new QreasonError(code === "ENOENT" ? "E_NOT_FOUND" : "E_INPUT", `cannot read the texts: ${code}`, { file });
  }
  return parseTextsJsonl(decodeUtf8(bytes, file), file); // invalid bytes are an error, not U+FFFD teacher-forced
}

/** The instruction appended to each question (the common "boxed answer" math prompt). */
export const SOLUTION_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}.";

/** How a question is put to a model: chat messages when it has a template, plain text otherwise. */
export function solutionPrompt(question: string, hasChatTemplate: boolean): string | ChatMessage[] {
  const content = `${question.trim()}\n${SOLUTION_INSTRUCTION}`;
  return hasChatTemplate ? [{ role: "user", content }] : `Question: ${content}\nAnswer:`;
}

/** A backend that also returns the generated token ids (llama.cpp's generateWithTokens). */
interface WithTokens {
  generateWithTokens(requests: GenerateRequest[], signal?: AbortSignal): Promise<Array<GenerateResult & { tokens: number[] }>>;
}

/**
 * The baseline's greedy solutions to `problems`, as prompt/continuation texts (chat prompts when `chat`);
 * `empty` lists the ids of problems whose solution was empty (an immediate end token), which have nothing to
 * compare. Where the backend returns generated token ids (llama.cpp), they are kept, so both models are
 * teacher-forced on exactly what was generated rather than on a re-tokenization of its text.
 */
export async function baselineSolutions(
  base: Backend,
  problems: readonly Problem[],
  options: { maxTokens: number; chat: boolean; signal?: AbortSignal },
): Promise<{ texts: KldText[]; empty: string[] }> {
  const prompts = problems.map((problem) => solutionPrompt(problem.question, options.chat));
  const requests = prompts.map((prompt) => ({
    prompt,
    sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: options.maxTokens, seed: 0, stop: [] },
  }));
  const withTokens = (base as Partial<WithTokens>).generateWithTokens;
  const results: Array<GenerateResult & { tokens?: number[] }> = withTokens
    ? await withTokens.call(base, requests, options.signal)
    : await base.generate(requests, options.signal);
  const all = results.map((result, index) => ({
    id: problems[index]!.id,
    prompt: prompts[index]!,
    continuation: result.text,
    ...(result.tokens ? { continuationTokens: result.tokens.map(Number) } : {}),
  }));
  const isEmpty = (text: (typeof all)[number]): boolean => (text.continuationTokens ? text.continuationTokens.length === 0 : text.continuation === "");
  return { texts: all.filter((text) => !isEmpty(text)), empty: all.filter(isEmpty).map((text) => text.id) };
}
