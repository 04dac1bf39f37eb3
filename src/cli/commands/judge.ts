/**
 * `qreason judge <run-dir>`: the judge stage alone (the study's `judges:` block on every flip).
 * `qreason judge calibrate ...`: score judges on solutions whose first wrong step is known (ProcessBench,
 * the arith testbed's injected errors) before trusting them; resumable, stored beside a run's verdicts.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { defineCommand, type CommandDef } from "citty";
import { loadProcessBench, processBenchSubsets } from "../../data/processbench.ts";
import { QreasonError } from "../../errors.ts";
import {
  arithInjectedSamples, closeJudges, DEFAULT_JUDGE_RETRIES, DEFAULT_JUDGE_SAMPLING, loadJudgesFile, openJudges, processBenchSamples,
  DEFAULT_POSITION_PROBES, VERIFIER_JUDGE, type CalibrationSample, type JudgeCalibration, type JudgeSpec, type OpenedJudge, type PanelSpec,
} from "../../judge/index.ts";
import { calibrateJudges, selectSamples, type CalibrationJudge, type Selection } from "../../judge/calibrationRun.ts";
import { stepVerifierJudge } from "../../judge/verifierJudge.ts";
import { currentAttributeVersion } from "../../run/attributeVersion.ts";
import { judgeNames, type PanelOverride } from "../../judge/override.ts";
import { openRunStore } from "../../store/index.ts";
import { readConfig } from "../config.ts";
import { createProgress } from "../progress.ts";
import { downloadOptions, qreasonVersion, runStagesCommand, withInterrupt } from "../stages.ts";

const PUBLISHED = "Published ProcessBench mean F1 for scale: o1-mini 87.9, QwQ-32B 83.7, GenPRM-32B 82.6, Qwen2.5-Math-PRM-7B 73.5.";

/** Local judges are small models: a bounded explanation keeps a greedy decoder from looping to the token limit. */
const LOCAL_EXPLANATION_CHARS = 400;

const pct = (value: number | null | undefined): string => (value === null || value === undefined ? "  —  " : (100 * value).toFixed(1).padStart(5));

function positiveInt(value: unknown, flag: string): number | null {
  if (value === undefined || value === "") return null;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new QreasonError("E_USAGE", `--${flag} takes a positive whole number, got ${JSON.stringify(value)}`, { field: flag });
  return parsed;
}

function nonNegativeInt(value: unknown, flag: string): number | null {
  if (value === undefined || value === "") return null;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new QreasonError("E_USAGE", `--${flag} takes a whole number (0 or more), got ${JSON.stringify(value)}`, { field: flag });
  return parsed;
}

/** The judges to calibrate: a judges file, or one judge named by flags; null for the step verifier alone (--verifier). */
async function panelFrom(args: Record<string, unknown>, seed: number): Promise<PanelSpec | null> {
  const sources = ["judges", "llamacpp", "engine", "endpoint"].filter((flag) => args[flag] !== undefined && args[flag] !== "");
  if (sources.length === 0 && args.verifier === true) return null;
  if (sources.length !== 1) {
    throw new QreasonError("E_USAGE", sources.length === 0
      ? "name the judges: --judges judges.yaml, or one judge with --llamacpp model.gguf, --engine <hf-dir> or --endpoint <base-url> --model <name> (or --verifier alone: the step verifier)"
      : `pick one of --judges, --llamacpp, --engine, --endpoint (got ${sources.map((flag) => `--${flag}`).join(", ")})`);
  }
  if (args.judges !== undefined) return loadJudgesFile(String(args.judges), { seed });
  const sampling = { ...DEFAULT_JUDGE_SAMPLING, stop: [], seed, ...(args["max-tokens"] !== undefined ? { maxTokens: positiveInt(args["max-tokens"], "max-tokens") as number } : {}) };
  let spec: JudgeSpec;
  const explanationChars = positiveInt(args["explanation-chars"], "explanation-chars") ?? (args.endpoint === undefined ? LOCAL_EXPLANATION_CHARS : null);
  const common = { structured: args["no-schema"] !== true, maxAttempts: 1 + DEFAULT_JUDGE_RETRIES, sampling, ...(explanationChars !== null ? { explanationChars } : {}) };
  if (args.llamacpp !== undefined) {
    spec = { name: String(args.name ?? path.basename(String(args.llamacpp), ".gguf")), source: { kind: "llamacpp", gguf: path.resolve(String(args.llamacpp)) }, ...common };
  } else if (args.engine !== undefined) {
    spec = { name: String(args.name ?? path.basename(path.resolve(String(args.engine)))), source: { kind: "engine", hf: path.resolve(String(args.engine)), device: "auto", dtype: "auto" }, ...common };
  } else {
    if (args.model === undefined) throw new QreasonError("E_USAGE", "--endpoint needs --model (the model name the server expects)", { field: "model" });
    spec = {
      name: String(args.name ?? args.model),
      source: { kind: "endpoint", endpoint: { baseUrls: [String(args.endpoint)], model: String(args.model), api: "chat", ...(args["api-key-env"] !== undefined ? { apiKeyEnv: String(args["api-key-env"]) } : {}) } },
      ...common,
    };
  }
  return { members: [spec], baseline: spec.name, audit: { rate: 0.02, seed }, verifier: false, concurrency: 1 };
}

function printCalibration(dataset: string, calibration: JudgeCalibration): void {
  const { protocol, outcomes, labels, groups } = calibration;
  console.log(`\n${calibration.judge} on ${dataset}: mean F1 ${pct(protocol.averageF1).trim()}%${protocol.averageF1Interval ? ` [${pct(protocol.averageF1Interval.low).trim()}, ${pct(protocol.averageF1Interval.high).trim()}]` : ""}`);
  console.log("  subset           n   err acc  corr acc     F1   [95% interval]   no valid verdict   F1 over valid only");
  for (const subset of protocol.subsets) {
    const invalid = subset.invalid.erroneous + subset.invalid.correct;
    console.log(`  ${subset.subset.padEnd(14)} ${String(subset.samples).padStart(4)}   ${pct(subset.erroneous.accuracy)}    ${pct(subset.correct.accuracy)}   ${pct(subset.f1)}   [${pct(subset.f1Interval?.low)}, ${pct(subset.f1Interval?.high)}]   ${String(invalid).padStart(6)}             ${pct(subset.validOnly.f1)}`);
  }
  const invalid = Object.entries(outcomes.invalid).map(([reason, count]) => `${count} ${reason}`).join(", ");
  console.log(`  outcomes: ${outcomes.verdict} verdicts, invalid: ${invalid || "none"}, backend errors: ${outcomes.error}; tokens ${calibration.usage.promptTokens} in / ${calibration.usage.completionTokens} out over ${calibration.usage.calls} calls`);
  if (labels.judged > 0) console.log(`  exact step found on ${labels.judged} injected errors: subtype right ${labels.subtypeMatches}, category right ${labels.categoryMatches}`);
  if (groups.length > 0 && dataset === "arith") console.log(`  exact-step hits by kind: ${groups.map((group) => `${group.group} ${group.hits}/${group.total}`).join(", ")}`);
}

const calibrate = defineCommand({
  meta: {
    name: "calibrate",
    description: [
      "Score judges on solutions whose first wrong step is known, by ProcessBench's protocol: the judge names the first wrong",
      "step (0-based) or -1; accuracy on erroneous and on correct solutions; F1 = their harmonic mean, per subset, with 95%",
      "bootstrap intervals; a reply with no valid verdict is a miss (and counted apart). Datasets: ProcessBench (3,400 human-labelled",
      "solutions in four subsets, from $QREASON_DATA/processbench) and arith (the testbed's solutions with one injected error at a",
      "known step and of a known type). Answers are stored as they come (resumable: run the same command again), results in the",
      "store of --run-dir (reports then show each judge's calibration beside its verdicts) or of --out.",
      "Examples:",
      "  qreason judge calibrate --llamacpp ~/.cache/qreason/models/smollm2-135m-instruct/model.gguf --limit 20",
      "  qreason judge calibrate --judges judges.yaml --dataset both --run-dir runs/my-study",
      "  qreason judge calibrate --verifier --dataset both                  the deterministic step verifier alone (seconds, no model)",
      "  DEEPSEEK_API_KEY=... qreason judge calibrate --endpoint https://api.deepseek.com/v1 --model deepseek-reasoner --api-key-env DEEPSEEK_API_KEY",
      "Defaults: --dataset processbench, all four subsets, every solution (no --limit: 3,400 calls per judge), seed 0, 2000 bootstrap",
      "resamples, store ./qreason-calibration. A small local model takes 20-30 s a call on a loaded 2-core machine: start with --limit.",
      "Small local models score near 0 F1 (docs/judges.md, \"Calibration runs\"); published judges for scale: o1-mini 87.9.",
    ].join("\n"),
  },
  args: {
    judges: { type: "string", description: "A judges.yaml (the study's `judges:` shape): calibrates every member and their panel" },
    llamacpp: { type: "string", description: "One local judge: a GGUF on llama.cpp (schema-enforced output)" },
    engine: { type: "string", description: "One local judge: a Hugging Face directory on the Python engine (schema-enforced output)" },
    endpoint: { type: "string", description: "One judge on an OpenAI-compatible server: its base URL (with /v1)" },
    model: { type: "string", description: "With --endpoint: the model name the server expects" },
    "api-key-env": { type: "string", description: "With --endpoint: the NAME of the environment variable holding the key (the key itself is never stored)" },
    name: { type: "string", description: "The judge's name in tables (default: from the model)" },
    verifier: { type: "boolean", description: "Also score the deterministic step verifier (certain on a refuted arithmetic claim, silent otherwise) and seat it on the panel as the judge stage does; alone it needs no model. A judges file's `verifier:` (default true) does the same" },
    "no-schema": { type: "boolean", description: "Do not send the verdict's JSON Schema (parse and retry only)" },
    "explanation-chars": { type: "string", description: `Bound the explanation a schema-enforcing decoder may write (default ${LOCAL_EXPLANATION_CHARS} for local judges, none for endpoints: small models repeat themselves to the token limit)` },
    "max-tokens": { type: "string", description: `Token budget of a judge reply (default ${DEFAULT_JUDGE_SAMPLING.maxTokens})` },
    dataset: { type: "string", description: "processbench (default), arith, or both" },
    subset: { type: "string", description: `ProcessBench subsets, comma-separated (${processBenchSubsets.map((subset) => subset.name).join(", ")}; default all)` },
    limit: { type: "string", description: "At most N solutions per subset (a seeded sample; a larger N later reuses the answers of a smaller)" },
    "arith-size": { type: "string", description: "Arith testbed problems (default 200: about half get one injected error)" },
    seed: { type: "string", description: "Seed of the sample, the judges' sampling and the bootstrap (default 0)" },
    bootstrap: { type: "string", description: "Bootstrap resamples for the F1 intervals (default 2000)" },
    concurrency: { type: "string", description: "Judge calls in flight (default: the judges file's, else 1)" },
    "run-dir": { type: "string", description: "Store the results in this run directory's store (reports show them)" },
    out: { type: "string", description: "Otherwise, a directory for a calibration store (default ./qreason-calibration)" },
    quiet: { type: "boolean", description: "No progress bar" },
  },
  async run({ args, rawArgs }) {
    const config = readConfig();
    const seed = positiveInt(args.seed, "seed") ?? 0;
    const limit = positiveInt(args.limit, "limit");
    const dataset = String(args.dataset ?? "processbench");
    if (!["processbench", "arith", "both"].includes(dataset)) throw new QreasonError("E_USAGE", `--dataset is processbench, arith or both, got ${JSON.stringify(dataset)}`, { field: "dataset" });
    const known = processBenchSubsets.map((subset) => subset.name);
    const subsets = args.subset === undefined ? null : String(args.subset).split(",").map((name) => name.trim()).filter(Boolean);
    for (const name of subsets ?? []) if (!known.includes(name)) throw new QreasonError("E_USAGE", `processbench has no subset '${name}' (subsets: ${known.join(", ")})`, { field: "subset" });
    const panel = await panelFrom(args, seed);
    const concurrency = positiveInt(args.concurrency, "concurrency") ?? (args.judges !== undefined && panel !== null ? panel.concurrency : 1);
    const verifierVersion = currentAttributeVersion().verifier;
    // The verifier: alone (no model judge), a judge of its own; beside model judges, also a panel member.
    const withVerifier = panel !== null && (args.verifier === true || (args.judges !== undefined && panel.verifier));
    const bootstrap = args.bootstrap === undefined ? undefined : Number(args.bootstrap);

    const sets: { name: string; samples: CalibrationSample[]; selection: Selection }[] = [];
    if (dataset !== "arith") {
      const loaded: CalibrationSample[] = [];
      const download = downloadOptions(config);
      for (const subset of subsets ?? known) loaded.push(...processBenchSamples(await loadProcessBench(subset, { dataDir: config.dataDir, ...(download ? { download } : {}) })));
      const selection = { subsets, limit, seed };
      sets.push({ name: "processbench", samples: selectSamples(loaded, selection), selection });
    }
    if (dataset !== "processbench") {
      const size = positiveInt(args["arith-size"], "arith-size") ?? 200;
      const selection = { subsets: null, limit, seed, size };
      sets.push({ name: "arith", samples: selectSamples(arithInjectedSamples({ size, seed }), selection), selection });
    }

    const directory = path.resolve(String(args["run-dir"] ?? args.out ?? "qreason-calibration"));
    const store = openRunStore(directory);
    const judges: CalibrationJudge[] = panel === null
      ? [{ spec: { name: VERIFIER_JUDGE }, judge: stepVerifierJudge(verifierVersion) }]
      : await openJudges(panel.members, { python: config.python, apiKey: (name) => process.env[name] });
    const baseline = panel?.baseline ?? VERIFIER_JUDGE;
    let interrupted = false;
    try {
      for (const set of sets) {
        console.error(`qreason: ${set.name}: ${set.samples.length} solutions × ${judges.length} judge(s) (${judges.map((judge) => judge.spec.name).join(", ")})`);
        let bar: ReturnType<typeof createProgress> | undefined;
        let shown = 0;
        const result = await withInterrupt((signal) => calibrateJudges({
          store, dataset: set.name, samples: set.samples, judges, baseline, concurrency, selection: set.selection, signal,
          ...(withVerifier ? { verifier: { version: verifierVersion } } : {}),
          command: `qreason judge calibrate ${rawArgs.join(" ")}`, qreasonVersion: qreasonVersion(config),
          ...(bootstrap !== undefined && Number.isInteger(bootstrap) && bootstrap >= 0 ? { bootstrap } : {}),
          onProgress: (done, total) => {
            if (bar === undefined) {
              bar = createProgress({ label: `calibrating on ${set.name}`, total, enabled: config.interactive && !args.quiet });
              if (total === 0) console.error(`qreason: every answer is stored already`);
            }
            bar.tick(done - shown);
            shown = done;
          },
        }));
        bar?.stop();
        if (result.reused > 0) console.error(`qreason: ${result.reused} answer(s) reused from ${store.file}, ${result.asked} asked now`);
        for (const calibration of result.report.judges) printCalibration(set.name, calibration);
        if (result.report.verifier) printCalibration(set.name, result.report.verifier);
        if (result.report.panel) printCalibration(set.name, result.report.panel);
        if (result.report.agreement) {
          const { fleiss, krippendorff, effectiveVotes, pairwise } = result.report.agreement;
          console.log(`  agreement on the step: pairwise ${pct(pairwise.mean).trim()}%, Fleiss' κ ${fleiss.kappa?.toFixed(3) ?? "—"}, Krippendorff's α ${krippendorff.alpha?.toFixed(3) ?? "—"}, effective independent votes ${effectiveVotes.effective.toFixed(2)} of ${effectiveVotes.raters}`);
        }
        if (result.interrupted) {
          interrupted = true;
          console.error(`qreason: interrupted; the answers so far are stored in ${store.file} (unanswered samples counted as misses above). Run the same command again to finish.`);
          process.exitCode = 130;
          break;
        }
      }
      if (!interrupted) {
        console.log(`\n${PUBLISHED}`);
        console.log("A judge that always answers -1 (\"no error\") scores 0 on erroneous solutions, one that never does scores 0 on correct ones (SmolLM2's failure): either way F1 = 0, and small local models land near that. Their F1 here says how far from trustworthy they are, not that the protocol is broken.");
        console.log(`results stored in ${store.file} (judge_calibrations)`);
      }
    } finally {
      await closeJudges(judges.filter((judge): judge is OpenedJudge => "close" in judge));
      store.close();
    }
  },
});

/** `judge calibrate` is routed as a subcommand; anything else is `judge <run-dir>`. */
let routeToCalibrate = true;

/** `--judges` names a judges file when it looks like one (a .yaml/.yml/.json name, or an existing file), else judge names. */
function isJudgesFile(value: string): boolean {
  return /\.(ya?ml|json)$/i.test(value) || (existsSync(value) && statSync(value).isFile());
}

/** The panel `--judges` / `--baseline` seat instead of the study's, or undefined without either. */
async function overrideFrom(args: Record<string, unknown>): Promise<PanelOverride | undefined> {
  const judgesArg = args.judges === undefined || args.judges === "" ? undefined : String(args.judges);
  const baseline = args.baseline === undefined || args.baseline === "" ? undefined : String(args.baseline);
  const probes = nonNegativeInt(args["position-probes"], "position-probes");
  if (judgesArg === undefined && baseline === undefined && probes === null) return undefined;
  const override: PanelOverride = { ...(baseline !== undefined ? { baseline } : {}), ...(probes !== null ? { positionProbes: probes } : {}) };
  if (judgesArg !== undefined) {
    if (isJudgesFile(judgesArg)) override.panel = await loadJudgesFile(judgesArg);
    else override.members = judgeNames(judgesArg);
  }
  return override;
}

const judge = defineCommand({
  meta: {
    name: "judge",
    description: [
      "Run the judge stage on a run directory: the study's `judges:` panel (docs/judges.md) on every flip (baseline right, variant",
      "wrong). Each flip is re-graded first; then every judge and the step verifier vote, the panel decides by majority against its",
      "baseline judge, and conflicts, possible grader false rejects and a seeded 2% audit sample are queued for people. Results go",
      "to the store and the report (`qreason report <run-dir>`). `qreason judge calibrate --help`: score judges before trusting them.",
      "",
      "Another panel without editing the study: --judges seats some of the study's judges (by name, in that order) or a whole",
      "judges file instead; --baseline picks the baseline judge. A different panel is stored beside the study's (its own panel",
      "hash), never over it, and the report shows the latest panel's results.",
      "",
      `The position-bias check: after the flips, the baseline judge sees ${DEFAULT_POSITION_PROBES} seeded (fp solution, variant solution) pairs in`,
      "both orders (two calls a pair; --position-probes N, or `position_bias: { probes: N }` in the judges block; 0 skips it).",
      "Stopped inside it, the same command again finishes the summary from the stored decisions.",
      "Examples:",
      "  qreason judge runs/my-study                                   the study's panel",
      "  qreason judge runs/my-study --judges r1,smol --baseline smol  two of the study's judges, smol the baseline",
      "  qreason judge runs/my-study --judges judges.yaml              a panel from a file (same shape as the study's `judges:` block)",
      "  qreason judge runs/my-study --position-probes 5               a cheaper position-bias check: 5 pairs, 10 baseline calls",
      "  qreason judge calibrate --help                                score judges on ProcessBench before trusting them",
      "More: docs/judges.md (the judges block, the stage, the store tables, recorded calibrations).",
    ].join("\n"),
  },
  args: {
    runDirectory: { type: "positional", required: false, description: "A run directory made by `qreason run` (its study declares judges, or pass --judges FILE)" },
    judges: { type: "string", description: "Judge names from the study, comma-separated (seats only those), or a judges.yaml that replaces the study's panel" },
    baseline: { type: "string", description: "The baseline judge (one of the seated; default: the study's, or the first seated when it sits out)" },
    "position-probes": { type: "string", description: `Pairs of the position-bias check, two baseline calls each (default: the judges block's position_bias.probes, else ${DEFAULT_POSITION_PROBES}; 0: skip it)` },
    quiet: { type: "boolean", description: "No progress bar" },
  },
  setup({ rawArgs }) {
    routeToCalibrate = rawArgs.find((arg) => !arg.startsWith("-")) === "calibrate";
  },
  subCommands: (): Record<string, CommandDef> => (routeToCalibrate ? { calibrate: calibrate as CommandDef } : {}),
  async run({ args }) {
    if (routeToCalibrate) return;
    if (args.runDirectory === undefined) throw new QreasonError("E_USAGE", "name a run directory: qreason judge <run-dir> (or qreason judge calibrate ...)");
    const runDirectory = path.resolve(String(args.runDirectory));
    const judges = await overrideFrom(args);
    // A seated panel runs whether or not the study declares judges (forced), and is judged by its own hash.
    const summary = await runStagesCommand(readConfig(), runDirectory, ["judge"], { quiet: Boolean(args.quiet), ...(judges ? { judges, force: ["judge"] } : {}) });
    if (summary.interrupted) return;
    const ran = summary.stages.find((stage) => stage.stage === "judge");
    if (ran?.skipped === "not wanted by the study") {
      throw new QreasonError("E_USAGE", "this run's study declares no judges: pass a panel with --judges judges.yaml, or add a `judges:` block to the study (docs/judges.md) and run `qreason run <study.yaml>` again");
    }
    if (ran?.outcome === undefined) console.error("qreason: every flip is decided already");
    console.error(`qreason: \`qreason report ${runDirectory}\` brings the report up to date`);
  },
});

export default judge;
