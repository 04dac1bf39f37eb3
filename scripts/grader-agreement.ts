/**
 * How often qreason's grader agrees with hand or dataset labels of real solutions, by source and category:
 * the hand-labeled corpus (src/grade/regressions/corpus/) and, when ../shared/data has it, ProcessBench's
 * GSM8K, MATH and OlympiadBench splits (solutions by 12 instruction-tuned model families, labeled
 * `final_answer_correct`; golds joined from the benchmark's test set by problem text). With --out, also writes the set as JSON lines
 * `{source, category, gold, output, finish_reason, label}` for scripts/math-verify-agreement.py.
 *
 *   node scripts/grader-agreement.ts [--out /tmp/agreement.jsonl] [--list]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadProblems } from "../src/data/index.ts";
import { createGrader, type FinishReason } from "../src/grade/index.ts";
import { recordedCases } from "../src/grade/regressions/corpus/corpus.ts";
import { WRITTEN } from "../src/grade/regressions/corpus/written.ts";
import { projectRoot, sharedDataDir } from "../src/testing/paths.ts";

const { values: options } = parseArgs({ options: { out: { type: "string" }, list: { type: "boolean" } } });
const dataDir = process.env.QREASON_DATA ?? sharedDataDir;

interface Labeled {
  source: string;
  category: string;
  id: string;
  gold: string;
  output: string;
  finish_reason?: FinishReason;
  label: boolean;
}

const corpusDirectory = path.join(projectRoot, "src", "grade", "regressions", "corpus");
const labeled = (source: string, entry: (typeof WRITTEN)[number]): Labeled => ({
  source,
  category: entry.label.category,
  id: entry.id,
  gold: entry.gold,
  output: entry.output,
  finish_reason: entry.finishReason,
  label: entry.label.status === "correct",
});
const set: Labeled[] = [
  ...recordedCases(corpusDirectory).map((entry) => labeled(`corpus/${entry.source!.split(":")[0]!.replace(/\.jsonl$/, "")}`, entry)),
  ...WRITTEN.map((entry) => labeled("corpus/written", entry)),
];

// ProcessBench's subsets, each joined to its benchmark's golds by problem text (qreason's own loaders).
for (const [subset, benchmark] of [["gsm8k", "gsm8k"], ["math", "math"], ["olympiadbench", "olympiadbench"]] as const) {
  const file = path.join(dataDir, "processbench", `${subset}.json`);
  if (!existsSync(file)) continue;
  const golds = new Map((await loadProblems(benchmark, { dataDir })).map((problem) => [problem.question.trim(), problem.answer]));
  for (const entry of JSON.parse(readFileSync(file, "utf8")) as Array<{ id: string; generator: string; problem: string; steps: string[]; final_answer_correct: boolean }>) {
    const gold = golds.get(entry.problem.trim());
    if (gold === undefined) continue;
    set.push({ source: `processbench/${subset}`, category: entry.generator, id: entry.id, gold, output: entry.steps.join("\n\n"), label: entry.final_answer_correct });
  }
}

const grader = createGrader();
const tallies = new Map<string, { agree: number; total: number; falsePositive: number; falseNegative: number }>();
const tally = (key: string, agree: boolean, label: boolean) => {
  const entry = tallies.get(key) ?? { agree: 0, total: 0, falsePositive: 0, falseNegative: 0 };
  entry.total++;
  if (agree) entry.agree++;
  else if (label) entry.falseNegative++;
  else entry.falsePositive++;
  tallies.set(key, entry);
};
const disagreements: string[] = [];
for (const entry of set) {
  const result = grader.grade(entry.gold, entry.output, entry.finish_reason);
  const agree = result.correct === entry.label;
  tally(entry.source, agree, entry.label);
  tally(`${entry.source} / ${entry.category}`, agree, entry.label);
  tally("all", agree, entry.label);
  if (!agree) disagreements.push(`${entry.source} ${entry.id}: label ${entry.label}, graded ${result.status} (${result.method}, ${JSON.stringify(result.extracted)}): ${result.reason}`);
}
console.log("qreason grader vs labels (agree / total, false positives, false negatives)");
for (const [key, value] of [...tallies].sort(([left], [right]) => left.localeCompare(right))) {
  console.log(`${key.padEnd(52)} ${String(value.agree).padStart(5)} / ${String(value.total).padEnd(5)} ${((100 * value.agree) / value.total).toFixed(1).padStart(5)} %  FP ${value.falsePositive}  FN ${value.falseNegative}`);
}
if (options.list) console.log(`\n${disagreements.join("\n")}`);
if (options.out) {
  writeFileSync(options.out, set.map((entry) => JSON.stringify(entry)).join("\n") + "\n");
  console.log(`\nwrote ${set.length} labeled items to ${options.out}`);
}
