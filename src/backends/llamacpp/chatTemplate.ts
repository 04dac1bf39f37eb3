/**
 * Renders chat messages with the Jinja chat template a GGUF carries (`tokenizer.chat_template`), the way
 * Hugging Face's `apply_chat_template(messages, add_generation_prompt=True, tokenize=False)` does, with
 * @huggingface/jinja (Hugging Face's own JavaScript Jinja). The Python engine renders the same template with
 * transformers, so both backends put the same text in front of the model.
 */
import { Template } from "@huggingface/jinja";
import { QreasonError } from "../../errors.ts";
import type { ChatMessage } from "../types.ts";

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
