/**
 * `qreason demo`: the README's main command. Runs examples/quickstart.yaml — the bundled reference model on
 * the arith testbed through llama.cpp on the CPU, fp against several llama.cpp quantization types, the
 * flips attributed, and the worst variant (Q2_K pure) restored with a DPO LoRA trained by the Python engine
 * on the CPU — and prints where the report is. `--no-restore` leaves the restoration out (no Python needed).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { defineCommand } from "citty";
import { QreasonError } from "../../errors.ts";
import { readConfig } from "../config.ts";
import { executeStudy } from "./run.ts";

export const QUICKSTART_STUDY = path.join("examples", "quickstart.yaml");
export const REFERENCE_GGUF = path.join("models", "reference", "model.gguf");

/** The bundled reference model's GGUF under `projectRoot`; E_NOT_FOUND naming it when it is missing. */
export function referenceModel(projectRoot: string): string {
  const model = path.join(projectRoot, REFERENCE_GGUF);
  if (!existsSync(model)) {
    throw new QreasonError(
      "E_NOT_FOUND",
      `the bundled reference model is missing (${REFERENCE_GGUF}); it ships with the repository (see models/reference/README.md), ` +
        "or run the quickstart on your own GGUF with `qreason run examples/own-gguf.yaml`",
      { file: model },
    );
  }
  return model;
}

/** The engine's Python, which trains the demo's adapter; E_NOT_FOUND saying how to get it or go without. */
export function enginePython(python: string): string {
  if (!existsSync(python)) {
    throw new QreasonError(
      "E_NOT_FOUND",
      `the demo restores Q2_K pure with a LoRA the Python engine trains, and the engine's Python is missing (${python}); ` +
        "run `bash scripts/setup.sh` (it installs engine/.venv), set QREASON_PYTHON, or run `qreason demo --no-restore`",
      { file: python },
    );
  }
  return python;
}

export default defineCommand({
  meta: { name: "demo", description: "Run the quickstart study (reference model, arith testbed, llama.cpp on CPU), restore its worst variant with a DPO LoRA, and write its report" },
  args: {
    out: { type: "string", description: "Run directory (default: runs/quickstart-<hash>)" },
    quiet: { type: "boolean", description: "No progress output" },
    restore: {
      type: "boolean",
      default: true,
      description: "Restore Q2_K pure with a DPO LoRA and print the restoration table (the quickstart's restore: block; the Python engine trains it on the CPU, docs/restore.md)",
      negativeDescription: "Leave the restoration out: fp against the llama.cpp types and the attribution only (no Python engine needed)",
    },
  },
  async run({ args }) {
    const { projectRoot, python } = readConfig();
    referenceModel(projectRoot);
    const restore = args.restore !== false;
    if (restore) enginePython(python);
    await executeStudy(path.join(projectRoot, QUICKSTART_STUDY), { ...(args.out !== undefined ? { out: String(args.out) } : {}), quiet: Boolean(args.quiet), withoutRestore: !restore });
  },
});
