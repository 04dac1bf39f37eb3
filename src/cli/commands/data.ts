/**
 * `qreason data list | show`: which benchmarks exist, whether their files are here, and what their
 * normalized problems look like. Configuration (data directory, downloads) is read here, at the edge.
 */
import { defineCommand } from "citty";
import { QreasonError } from "../../errors.ts";
import { closestName } from "../../suggest.ts";
import {
  PROCESSBENCH,
  benchmarkStatus,
  benchmarks,
  filterProblems,
  findBenchmark,
  loadProblems,
  loadProcessBench,
  resolveSplit,
  selectSubset,
  sha256File,
  subjectsOf,
  type DownloadOptions,
  type FieldMapping,
  type Problem,
  type SplitStatus,
} from "../../data/index.ts";
import { readConfig, type CliConfig } from "../config.ts";
import exportCommand from "./dataExport.ts";
import { createProgress, type Progress } from "../progress.ts";

/** Download settings from the config: `fetch` only when downloads are allowed, a bar per file on a TTY. */
function downloadOptions(config: CliConfig): DownloadOptions | undefined {
  if (!config.allowDownload) return undefined;
  const bars = new Map<string, { bar: Progress; seen: number }>();
  return {
    fetch: (url, init) => fetch(url, init),
    onProgress({ file, receivedBytes, totalBytes }) {
      let entry = bars.get(file);
      if (!entry) {
        entry = { bar: createProgress({ label: `download ${file}`, total: totalBytes, enabled: config.interactive }), seen: 0 };
        bars.set(file, entry);
      }
      entry.bar.tick(receivedBytes - entry.seen);
      entry.seen = receivedBytes;
      if (receivedBytes >= totalBytes) entry.bar.stop();
    },
  };
}

function parseCount(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
    throw new QreasonError("E_USAGE", `${flag} must be a non-negative integer, got '${value}'`);
  }
  return number;
}

function parseLevels(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((part) => {
    const level = Number(part.trim());
    if (!/^\d+$/.test(part.trim())) throw new QreasonError("E_USAGE", `--level takes numbers like 4 or 4,5; got '${value}'`);
    return level;
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()).join("\n");
}

function statusWord(row: SplitStatus): string {
  if (row.origin === "generated") return "generated";
  return row.available ? "present" : "missing";
}

const list = defineCommand({
  meta: { name: "list", description: "Benchmarks, splits, problem counts, and whether their files are present" },
  args: {
    check: { type: "boolean", description: "Also verify each present file's sha256 and count its problems" },
    json: { type: "boolean", description: "Print one JSON object per split instead of a table" },
  },
  async run({ args }) {
    const config = readConfig();
    const rows = await benchmarkStatus(benchmarks, config.dataDir);
    const checks = new Map<SplitStatus, string>();
    if (args.check) {
      for (const row of rows) if (row.available && row.origin === "files") checks.set(row, await checkSplit(row, config));
    }
    if (args.json) {
      for (const row of rows) {
        console.log(JSON.stringify({
          benchmark: row.benchmark,
          split: row.split,
          origin: row.origin,
          count: row.count,
          status: statusWord(row),
          paths: row.files.map((file) => file.path),
          ...(checks.has(row) ? { check: checks.get(row) } : {}),
        }));
      }
      return;
    }
    const header = ["benchmark", "split", "count", "status", ...(args.check ? ["check"] : []), "path"];
    const body = rows.map((row) => [
      row.benchmark,
      row.split,
      row.count === undefined ? "?" : String(row.count),
      statusWord(row),
      ...(args.check ? [checks.get(row) ?? "-"] : []),
      row.files.map((file) => file.path).join(", ") || "(no files)",
    ]);
    console.log(`data directory: ${config.dataDir}${config.allowDownload ? "" : " (offline)"}`);
    console.log(table([header, ...body]));
    const missing = rows.filter((row) => !row.available);
    if (missing.length > 0) {
      console.log(
        `\n${missing.length} split(s) missing: \`qreason data show <benchmark>\` downloads a missing file when ` +
          "downloads are allowed, or says where to put it.",
      );
    }
  },
});

/** `ok` when every file matches its pinned sha256 and the loader yields the declared count. */
async function checkSplit(row: SplitStatus, config: CliConfig): Promise<string> {
  for (const { file, path } of row.files) {
    if ((await sha256File(path)) !== file.sha256) return `sha256 differs (${file.path})`;
  }
  const count = row.benchmark === PROCESSBENCH
    ? (await loadProcessBench(row.split, { dataDir: config.dataDir })).length
    : (await loadProblems(row.benchmark, { dataDir: config.dataDir, split: row.split })).length;
  return count === row.count ? "ok" : `${count} problems, expected ${row.count}`;
}

const show = defineCommand({
  meta: { name: "show", description: "Show normalized problems of a benchmark (a seeded sample)" },
  args: {
    name: { type: "positional", required: true, description: "Benchmark name, or jsonl:<path>" },
    split: { type: "string", description: "Split (default: the benchmark's default split, usually test)" },
    n: { type: "string", description: "How many problems to show (default 5; 0 = all)" },
    seed: { type: "string", description: "Seed of the sample (default 0)" },
    level: { type: "string", description: "Only these levels, e.g. 5 or 4,5" },
    subject: { type: "string", description: "Only this subject (e.g. algebra, number_theory)" },
    size: { type: "string", description: "Generated benchmarks: how many problems to generate" },
    json: { type: "boolean", description: "Print the problems as JSON lines" },
    "question-field": { type: "string", description: "jsonl: the field holding the question" },
    "answer-field": { type: "string", description: "jsonl: the field holding the gold answer" },
    "id-field": { type: "string", description: "jsonl: the field holding the id (default: line number)" },
  },
  async run({ args }) {
    const config = readConfig();
    const count = parseCount(args.n, "--n", 5);
    const seed = parseCount(args.seed, "--seed", 0);
    if (args.name === PROCESSBENCH) {
      await showProcessBench(args.split ?? "gsm8k", count, seed, Boolean(args.json), config);
      return;
    }
    const mapping: FieldMapping = {
      questionField: args["question-field"],
      answerField: args["answer-field"],
      idField: args["id-field"],
    };
    const benchmark = findBenchmark(args.name, mapping);
    if (!args.name.startsWith("jsonl:") && Object.values(mapping).some((value) => value !== undefined)) {
      throw new QreasonError("E_USAGE", `--question-field, --answer-field and --id-field apply to jsonl:<path> benchmarks; ${benchmark.name} has its own fields`);
    }
    const split = resolveSplit(benchmark, args.split);
    const size = args.size === undefined ? undefined : parseCount(args.size, "--size", 0);
    const all = await loadProblems(args.name, {
      dataDir: config.dataDir,
      download: downloadOptions(config),
      split,
      mapping,
      seed,
      ...(size === undefined ? {} : { size }),
    });
    const filtered = filterProblems(all, { levels: parseLevels(args.level), subjects: args.subject ? [args.subject] : undefined });
    if (filtered.length === 0) {
      const subjects = subjectsOf(all);
      const closest = args.subject && !subjects.includes(args.subject) ? closestName(args.subject, subjects) : undefined;
      throw new QreasonError(
        "E_USAGE",
        `no ${benchmark.name} ${split} problem matches the filter` +
          (closest !== undefined ? `; did you mean --subject ${closest}?` : "") +
          (subjects.length > 0 ? ` (subjects: ${subjects.join(", ")})` : " (its problems have no subjects)"),
      );
    }
    const shown = count === 0 ? filtered : selectSubset(filtered, { size: count, seed });
    if (args.json) {
      for (const problem of shown) console.log(JSON.stringify(problem));
      return;
    }
    console.log(`${benchmark.name} ${split}: ${shown.length} of ${filtered.length} problems (seed ${seed})\n`);
    for (const problem of shown) console.log(formatProblem(problem));
  },
});

function formatProblem(problem: Problem): string {
  const facts = [
    problem.level === undefined ? undefined : `level ${problem.level}`,
    problem.subject,
  ].filter(Boolean).join(", ");
  return [
    `── ${problem.id}${facts ? `  (${facts})` : ""}`,
    truncate(problem.question, 600),
    `answer: ${problem.answer}`,
    "",
  ].join("\n");
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}

async function showProcessBench(subset: string, count: number, seed: number, json: boolean, config: CliConfig): Promise<void> {
  const solutions = await loadProcessBench(subset, { dataDir: config.dataDir, download: downloadOptions(config) });
  const withBenchmark = solutions.map((solution) => ({ ...solution, benchmark: PROCESSBENCH }));
  const shown = count === 0 ? withBenchmark : selectSubset(withBenchmark, { size: count, seed });
  for (const { benchmark: _benchmark, ...solution } of shown) {
    if (json) {
      console.log(JSON.stringify(solution));
      continue;
    }
    const label = solution.firstErrorStep === null ? "all steps correct" : `first wrong step: ${solution.firstErrorStep}`;
    console.log(`── ${solution.id}  (${solution.generator}; ${solution.steps.length} steps; ${label})`);
    console.log(truncate(solution.problem, 600));
    console.log("");
  }
}

export default defineCommand({
  meta: { name: "data", description: "Benchmark data: list what is available, show problems, export them as JSONL" },
  subCommands: { list, show, export: exportCommand },
});
