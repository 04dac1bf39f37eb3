/**
 * Renders chat messages with a model's Jinja chat template (a GGUF's `tokenizer.chat_template`, or a
 * Hugging Face tokenizer's), the way Hugging Face's `apply_chat_template(messages, add_generation_prompt=True,
 * tokenize=False)` does, with @huggingface/jinja (Hugging Face's own JavaScript Jinja). The Python engine
 * renders the same template with transformers, so every backend puts the same text in front of the model:
 * llamacpp renders chat prompts with it, and openai renders the chat prompts it scores (or continues) through
 * /completions.
 */
import { Template } from "@huggingface/jinja";
import { QreasonError } from "../errors.ts";
import type { ChatMessage } from "./types.ts";

export interface SpecialTokenStrings {
  bos: string | null;
  eos: string | null;
}

const compiled = new Map<string, Template>();

function compile(template: string): Template {
  let parsed = compiled.get(template);
  if (parsed === undefined) {
    try {
      parsed = new Template(template);
    } catch (error) {
      throw new QreasonError("E_INPUT", `the model's chat template does not parse: ${(error as Error).message}`, {
        field: "tokenizer.chat_template",
      });
    }
    compiled.set(template, parsed);
  }
  return parsed;
}

/** The prompt text for `messages`, ending with the assistant turn's opening (add_generation_prompt). */
export function renderChat(template: string, messages: readonly ChatMessage[], specials: SpecialTokenStrings): string {
  try {
    return compile(template).render({
      messages: messages.map((message) => ({ role: message.role, content: message.content })),
      add_generation_prompt: true,
      bos_token: specials.bos ?? "",
      eos_token: specials.eos ?? "",
      // raise_exception and strftime_now, the helpers transformers adds, are built into @huggingface/jinja.
    });
  } catch (error) {
    if (error instanceof QreasonError) throw error;
    throw new QreasonError("E_INPUT", `the model's chat template rejected these messages: ${(error as Error).message}`, {
      field: "messages",
    });
  }
}
