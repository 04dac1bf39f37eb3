/**
 * `qreason gguf export <hf-dir> <out.gguf>`: a Hugging Face llama-family checkpoint -> GGUF v3 for llama.cpp.
 * `qreason gguf lora <adapter-dir> <out.gguf> --base <model.gguf>`: a PEFT LoRA adapter -> llama.cpp LoRA GGUF.
 */
import { defineCommand } from "citty";
import { QreasonError } from "../../errors.ts";
import { EXPORT_TYPES, exportGguf, exportLoraGguf, type ExportType } from "../../gguf/index.ts";
import { readConfig } from "../config.ts";
import { exitOnInterrupt } from "../interrupt.ts";
import { createProgress } from "../progress.ts";

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

const exportCommand = defineCommand({
  meta: {
    name: "export",
    description: "Write a GGUF v3 file from a Hugging Face Llama / Mistral / Qwen2 / Qwen3 checkpoint directory",
  },
  args: {
    model: { type: "positional", description: "Hugging Face model directory (config.json, *.safetensors, tokenizer)", required: true },
    out: { type: "positional", description: "Output .gguf path", required: true },
    type: {
      type: "string",
      description: "Weight type: auto (keep the checkpoint's type, lossless; default), f32, f16 or bf16",
      default: "auto",
    },
    name: { type: "string", description: "general.name in the GGUF (default: the directory name)" },
    force: { type: "boolean", description: "Replace the output file if it exists" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    const type = String(args.type);
    if (!(EXPORT_TYPES as readonly string[]).includes(type)) {
      throw new QreasonError("E_USAGE", `--type must be one of ${EXPORT_TYPES.join(", ")}, got '${type}'`);
    }
    const config = readConfig();
    exitOnInterrupt(); // Ctrl-C: exit through Node, which removes the partial file
    const progress = createProgress({ label: "gguf export", total: 1, enabled: config.interactive && !args.json });
    let started = false;
    const began = Date.now();
    try {
      const result = await exportGguf(String(args.model), String(args.out), {
        type: type as ExportType,
        name: args.name === undefined ? undefined : String(args.name),
        overwrite: Boolean(args.force),
        onProgress(_written, total) {
          if (!started) {
            progress.setTotal(total);
            started = true;
          }
          progress.tick();
        },
      });
      progress.stop();
      const seconds = (Date.now() - began) / 1000;
      if (args.json) {
        console.log(JSON.stringify({ ...result, seconds }));
        return;
      }
      for (const warning of result.warnings) console.error(`qreason: warning: ${warning}`);
      const tokenizer = result.tokenizer;
      console.log(
        [
          `wrote ${result.outPath} (${formatBytes(result.bytes)}, ${result.tensorCount} tensors, ${seconds.toFixed(1)} s)`,
          `  architecture ${result.hfArchitecture} -> ${result.ggufArchitecture}, weights ${result.type}`,
          `  tokenizer ${tokenizer.model}${tokenizer.pre ? ` (pre ${tokenizer.pre})` : ""}, ${tokenizer.tokens} tokens, ` +
            `bos ${tokenizer.bosTokenId ?? "-"}${tokenizer.addBos ? " (added)" : ""}, eos ${tokenizer.eosTokenId ?? "-"}, ` +
            `chat template ${tokenizer.chatTemplate ? "yes" : "no"}`,
        ].join("\n"),
      );
    } finally {
      progress.stop();
    }
  },
});

const loraCommand = defineCommand({
  meta: {
    name: "lora",
    description:
      "Write a llama.cpp LoRA adapter GGUF from a PEFT adapter directory (qreason-engine train's output), for the " +
      "base GGUF it will be applied to (llama-cli --lora, or the llamacpp backend's lora option)",
  },
  args: {
    adapter: { type: "positional", description: "PEFT adapter directory (adapter_config.json, adapter_model.safetensors)", required: true },
    out: { type: "positional", description: "Output adapter .gguf path", required: true },
    base: { type: "string", description: "The GGUF model the adapter applies to (its architecture, head counts, shapes)", required: true },
    name: { type: "string", description: "general.name in the GGUF (default: the adapter directory name)" },
    force: { type: "boolean", description: "Replace the output file if it exists" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    const result = await exportLoraGguf(String(args.adapter), String(args.base), String(args.out), {
      overwrite: Boolean(args.force),
      name: args.name === undefined ? undefined : String(args.name),
    });
    if (args.json) {
      console.log(JSON.stringify(result));
      return;
    }
    console.log(
      `wrote ${result.outPath} (${formatBytes(result.bytes)}): LoRA rank ${result.rank}, alpha ${result.alpha}, ` +
        `${result.tensors.length} adapted ${result.architecture} tensors`,
    );
  },
});

export default defineCommand({
  meta: { name: "gguf", description: "GGUF files for llama.cpp: export from Hugging Face checkpoints, LoRA adapters" },
  subCommands: { export: exportCommand, lora: loraCommand },
});
