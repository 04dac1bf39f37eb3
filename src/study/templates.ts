/**
 * Built-in prompt templates, and rendering a problem into the prompt a backend receives.
 *
 * A template is data: an optional system message, the format instruction, and the user turn with
 * `{question}` and `{instruction}` placeholders. A study picks one by name and may override any field.
 * Rendering is pure, so the same problem, template and examples give the same prompt (and so the same
 * generation key) on every machine.
 */
import type { ChatMessage } from "../backends/types.ts";
import type { FewShotExample, PromptSpec } from "./types.ts";

export interface PromptTemplate {
  description: string;
  style: "chat" | "raw";
  system?: string;
  instruction: string;
  user: string;
  /** Stop strings the format itself needs: where a base model would start the next few-shot item. */
  stop?: string[];
}

/** The output format qreason's step analysis reads: numbered steps, boxed final answer. */
export const STEP_BY_STEP_INSTRUCTION =
  'Solve the problem step by step. Write each step on its own line as "Step N: ...", ' +
  "and write the final answer on the last line as \\boxed{answer}.";

export const PROMPT_TEMPLATES: Readonly<Record<string, PromptTemplate>> = {
  "step-by-step": {
    description: "numbered steps and a boxed answer (the format qreason's step analysis reads)",
    style: "chat",
    instruction: STEP_BY_STEP_INSTRUCTION,
    user: "{question}\n\n{instruction}",
  },
  boxed: {
    description: "the Qwen2.5-Math / DeepSeek-R1 evaluation prompt: free-form reasoning, boxed answer",
    style: "chat",
    system: "Please reason step by step, and put your final answer within \\boxed{}.",
    instruction: "",
    user: "{question}",
  },
  testbed: {
    description: "the arith testbed's own format: the question and a line break (what the bundled reference model was trained on)",
    style: "raw",
    instruction: "",
    user: "{question}\n",
  },
  "question-answer": {
    description: "raw `Question: ... Answer:` completion for base models, usually with few-shot examples; stops at the next `Question:`",
    style: "raw",
    instruction: "",
    user: "Question: {question}\nAnswer:",
    // A base model given examples writes the next "Question: ... Answer: ..." pair itself (lm-eval's
    // GSM8K task stops at "Question:" too); unstopped, its invented answer is the last one graded.
    stop: ["\nQuestion:"],
  },
};

export function templateNames(): string[] {
  return Object.keys(PROMPT_TEMPLATES);
}

/** A job's stop strings: the benchmark's sampling stops, then the prompt's not already among them. */
export function stopStrings(prompt: Pick<PromptSpec, "stop">, samplingStop: readonly string[]): string[] {
  return [...new Set([...samplingStop, ...(prompt.stop ?? [])])];
}

/**
 * An empty instruction takes its separating line breaks with it: `{question}\n\n{instruction}` becomes
 * `{question}`, not a question followed by two stray line breaks.
 */
function dropInstruction(format: string): string {
  return format.replace(/(\n*)\{instruction\}(\n*)/g, (match: string, before: string, after: string, offset: number) => {
    if (offset === 0 || offset + match.length === format.length) return "";
    return before.length >= after.length ? before : after;
  });
}

/** The user turn for `question`: the template's format with its placeholders filled in. */
export function renderUserTurn(prompt: PromptSpec, question: string): string {
  const format = prompt.instruction === "" ? dropInstruction(prompt.user) : prompt.user;
  // One pass, so a `{instruction}` inside a question is left alone.
  return format.replace(/\{(question|instruction)\}/g, (_, field: string) => (field === "question" ? question : prompt.instruction));
}

/**
 * The prompt for one problem: chat messages (system, then each example as a user/assistant exchange,
 * then the question) or, in raw style, one string with examples separated by blank lines and the
 * question's turn last. `examples` are the drawn few-shot examples; inline `prompt.examples` win.
 */
export function renderPrompt(prompt: PromptSpec, question: string, examples: readonly FewShotExample[] = []): string | ChatMessage[] {
  const shots = prompt.examples ?? examples;
  if (prompt.style === "chat") {
    const messages: ChatMessage[] = [];
    if (prompt.system) messages.push({ role: "system", content: prompt.system });
    for (const example of shots) {
      messages.push({ role: "user", content: renderUserTurn(prompt, example.question) });
      messages.push({ role: "assistant", content: example.solution });
    }
    messages.push({ role: "user", content: renderUserTurn(prompt, question) });
    return messages;
  }
  const blocks: string[] = [];
  if (prompt.system) blocks.push(prompt.system);
  for (const example of shots) blocks.push(`${renderUserTurn(prompt, example.question)} ${example.solution.trim()}`);
  blocks.push(renderUserTurn(prompt, question));
  return blocks.join("\n\n");
}
