/**
 * `qreason restore <run-dir>`: the restore stage alone on a run directory — mine pairs from training
 * problems, train LoRA adapters with the engine, evaluate them on the study's problems, print the
 * restoration table. `qreason restore export-pairs <run-dir> --format trl|llamafactory|engine --out DIR`
 * writes the mined pairs for another trainer. The study says what to restore in its `restore:` block.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { defineCommand, runCommand, type CommandDef } from "citty";
import { QreasonError } from "../../errors.ts";
import { makeOutputDirectory } from "../../io/index.ts";
import { storedRestorations, type RestorationResult } from "../../report/restoration.ts";
import { EXPORT_FORMATS, type ExportFormat } from "../../restore/index.ts";
import { openRunDirectory } from "../../store/index.ts";
import type { Study } from "../../study/index.ts";
import { readConfig } from "../config.ts";
import type { WithHelpSubCommands } from "../main.ts";
import { pendingAfter, runStagesCommand } from "../stages.ts";

const EXAMPLE = `restore:
  variants: [Q2_K-pure]                  # which quantized variant(s) to repair
  train: [{ name: arith, split: train, size: 2000 }]   # default: each benchmark's train split
  methods: [dpo, sft]                    # dpo | sft | margin | sft+dpo
  ablation: false                        # true: also one DPO adapter per error category`;

/** The restoration table as text: one line per row. */
export function restorationText(results: readonly RestorationResult[]): string {
  const lines: string[] = [];
  for (const entry of results) {
    lines.push(`${entry.model}/${entry.variant}: ${entry.table.problems} evaluation problems, ${String((entry.pairs.all as { kept?: number }).kept ?? 0)} pairs`);
    const header = ["row", "pairs", "accuracy", "95% interval", "vs variant", "recovered", "95% interval"];
    const rows = entry.table.rows.map((row) => [
      `${row.name}${row.category ? ` (${row.category} only)` : ""}`,
      row.pairs === undefined ? "" : String(row.pairs),
      `${(100 * row.accuracy).toFixed(1)}%`,
      `[${(100 * row.interval.low).toFixed(1)}, ${(100 * row.interval.high).toFixed(1)}]`,
      row.versusVariant === undefined ? "" : `${row.versusVariant.difference.estimate >= 0 ? "+" : ""}${(100 * row.versusVariant.difference.estimate).toFixed(1)} pts`,
      row.recovered?.estimate === undefined ? "" : `${(100 * row.recovered.estimate).toFixed(0)}%`,
      row.recovered?.interval === undefined ? "" : `[${(100 * row.recovered.interval.low).toFixed(0)}, ${(100 * row.recovered.interval.high).toFixed(0)}]`,
    ]);
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
    const line = (cells: string[]): string => cells.map((text, column) => (column >= 1 ? text.padStart(widths[column] as number) : text.padEnd(widths[column] as number))).join("  ");
    lines.push(line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line), "");
  }
  return lines.join("\n");
}

function studyOf(runDirectory: string): { study: Study | undefined; hash: string; grader: string | null } {
  const store = openRunDirectory(runDirectory);
  try {
    const state = store.state.current();
    if (state === undefined) throw new QreasonError("E_NOT_FOUND", "this run directory has no plan yet: run `qreason run <study.yaml>` first", { file: runDirectory });
    return { study: store.study(state.studyHash)?.resolved as Study | undefined, hash: state.studyHash, grader: state.grader };
  } finally {
    store.close();
  }
}

const exportPairs = defineCommand({
  meta: {
    name: "export-pairs",
    description:
      "Copy the pairs `qreason restore` mined (training problems only, leakage-checked) into a folder for another trainer: " +
      "`--format trl` one prompt/chosen/rejected JSONL per set (TRL's DPOTrainer), `llamafactory` a ranking dataset + its dataset_info.json, " +
      "`engine` the dpo/sft/margin JSONL `python -m qreason_engine train` reads. E.g. `qreason restore export-pairs runs/quickstart-1a2b --format llamafactory --out pairs/`",
  },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory `qreason restore` has mined pairs in" },
    format: { type: "string", default: "trl", description: `${EXPORT_FORMATS.join(" | ")}: TRL prompt/chosen/rejected JSONL; LLaMA-Factory ranking JSON + dataset_info.json; the engine's dpo/sft/margin JSONL` },
    out: { type: "string", required: true, description: "Folder to write into (made if missing)" },
    variant: { type: "string", description: "Only this variant's pairs (model/variant or variant)" },
    set: { type: "string", default: "all", description: "Pair set: all, or an error category of the ablation (conceptual, method, execution, reasoning, unknown)" },
  },
  run({ args }) {
    const runDirectory = path.resolve(String(args.runDirectory));
    const format = String(args.format) as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new QreasonError("E_USAGE", `--format must be one of ${EXPORT_FORMATS.join(", ")}; got '${format}'`, { field: "format" });
    const { hash } = studyOf(runDirectory);
    const store = openRunDirectory(runDirectory);
    let sets;
    try {
      sets = store.restore.pairSets(hash).filter((set) => set.name === String(args.set) && (args.variant === undefined || set.variant === args.variant || `${set.model}/${set.variant}` === args.variant));
    } finally {
      store.close();
    }
    if (sets.length === 0) throw new QreasonError("E_NOT_FOUND", `no mined pair set '${String(args.set)}'${args.variant ? ` for ${String(args.variant)}` : ""} in this run; \`qreason restore ${runDirectory}\` mines them`, { file: runDirectory });
    const out = path.resolve(String(args.out));
    makeOutputDirectory(out, "--out");
    for (const set of sets) {
      const folder = path.dirname(set.file);
      const prefix = `${set.model}-${set.variant}-${set.name}`;
      const copies: [string, string][] =
        format === "trl"
          ? [[path.join(folder, "trl", `${set.name}.jsonl`), `${prefix}.trl.jsonl`]]
          : format === "llamafactory"
            ? [[path.join(folder, "llamafactory", `${set.name}.json`), `${prefix}.json`], [path.join(folder, "llamafactory", `dataset_info.${set.name}.json`), `dataset_info.${prefix}.json`]]
            : (["dpo", "sft", "margin"] as const).map((kind) => [path.join(folder, `${set.name}.${kind}.jsonl`), `${prefix}.${kind}.jsonl`]);
      for (const [from, to] of copies) {
        if (!existsSync(from)) throw new QreasonError("E_NOT_FOUND", `the pair file ${from} is gone; run \`qreason restore ${runDirectory}\` again to write it`, { file: from });
        if (format === "llamafactory" && to.startsWith("dataset_info.")) {
          // The entry names its data file; point it at the copy's name.
          const info = JSON.parse(readFileSync(from, "utf8")) as Record<string, { file_name: string }>;
          for (const entry of Object.values(info)) entry.file_name = `${prefix}.json`;
          writeFileSync(path.join(out, to), `${JSON.stringify(info, null, 2)}\n`);
        } else {
          copyFileSync(from, path.join(out, to));
        }
        console.log(path.join(out, to));
      }
      console.error(`qreason: ${set.model}/${set.variant} '${set.name}': ${set.pairs} pairs (sha256 ${set.sha256.slice(0, 12)}… of the engine's dpo file)`);
    }
  },
});

const restoreCommand = defineCommand({
  meta: {
    name: "restore",
    description:
      "Repair quantized variants with LoRA adapters and measure the recovered share of the loss: mine fp-right / variant-wrong pairs from training " +
      "problems, train DPO (SFT and margin beside it) with the engine, evaluate on the study's problems, print the table (fp, variant, restored, " +
      "recovered fraction with its interval). The study's `restore:` block says what (docs/restore.md). Subcommand: " +
      "`qreason restore export-pairs <run-dir> --format trl|llamafactory|engine --out DIR` (see its --help)",
  },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run` whose study has a `restore:` block (or `export-pairs`)" },
    force: { type: "boolean", description: "Evaluate and recompute the table even when it is stored (adapters already trained are reused)" },
    quiet: { type: "boolean", description: "No progress output; the table still prints" },
  },
  async run({ args, rawArgs }) {
    if (args.runDirectory === "export-pairs") {
      await runCommand(exportPairs, { rawArgs: rawArgs.slice(rawArgs.indexOf("export-pairs") + 1) });
      return;
    }
    const config = readConfig();
    const runDirectory = path.resolve(String(args.runDirectory));
    const { study } = studyOf(runDirectory);
    if (study?.restore === undefined) {
      throw new QreasonError("E_USAGE", `the study of this run has no restore: block; add one to the study file and run \`qreason run\` on it, e.g.\n${EXAMPLE}`, { file: study?.file ?? runDirectory, field: "restore" });
    }
    const summary = await runStagesCommand(config, runDirectory, ["restore"], { quiet: Boolean(args.quiet), ...(args.force ? { force: ["restore"] } : {}) });
    if (summary.interrupted) return;
    const after = studyOf(runDirectory);
    const store = openRunDirectory(runDirectory);
    try {
      console.log(restorationText(storedRestorations(store, after.hash, after.grader)));
    } finally {
      store.close();
    }
    const left = pendingAfter(runDirectory, ["report"]);
    if (left !== undefined) console.error(`qreason: ${left}`);
  },
});
const helpSubCommands: WithHelpSubCommands = { helpSubCommands: { "export-pairs": exportPairs as CommandDef } };
export default Object.assign(restoreCommand, helpSubCommands);
