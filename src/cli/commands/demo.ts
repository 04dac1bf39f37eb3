/**
 * `qreason demo`: the README's main command. Runs examples/quickstart.yaml — the bundled reference model on
 * the arith testbed through llama.cpp on the CPU, fp against several llama.cpp quantization types — and
 * prints where the report is.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { defineCommand } from "citty";
import { QreasonError } from "../../errors.ts";
import { readConfig } from "../config.ts";
import { executeStudy } from "./run.ts";

export const QUICKSTART_STUDY = path.join("examples", "quickstart.yaml");
/** The quickstart's worst variant restored with a DPO LoRA (needs the engine for training: scripts/setup.sh). */
export const RESTORE_DEMO_STUDY = path.join("examples", "restore-demo.yaml");
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

export default defineCommand({
  meta: { name: "demo", description: "Run the quickstart study (reference model, arith testbed, llama.cpp on CPU) and write its report" },
  args: {
    out: { type: "string", description: "Run directory (default: runs/quickstart-<hash>)" },
    quiet: { type: "boolean", description: "No progress output" },
    restore: { type: "boolean", description: "Run examples/restore-demo.yaml instead: Q2_K pure restored with a DPO LoRA (trained by the Python engine on the CPU; docs/restore.md)" },
  },
  async run({ args }) {
    const { projectRoot } = readConfig();
    referenceModel(projectRoot);
    await executeStudy(path.join(projectRoot, args.restore ? RESTORE_DEMO_STUDY : QUICKSTART_STUDY), { ...(args.out !== undefined ? { out: String(args.out) } : {}), quiet: Boolean(args.quiet) });
  },
});
