/**
 * The stage spec. A run is an ordered list of stages over one run store; each says what it has left to do
 * from the store alone (`pending`) and does it (`run`), resumably: work it finished is in the store, so a
 * stage stopped half-way (Ctrl-C, a crash) does only the rest next time. A later stage (attribute, judge,
 * restore) plugs in by implementing `Stage` and taking its place in the registry (registry.ts).
 */
import type { Backend } from "../../backends/index.ts";
import type { DownloadOptions } from "../../data/index.ts";
import type { PanelOverride } from "../../judge/override.ts";
import type { RunStore } from "../../store/index.ts";
import type { ModelSpec, Plan, PlannedVariant, Study } from "../../study/index.ts";
import type { PreparedVariant } from "../artifacts.ts";
import type { RunEvent } from "../events.ts";
import type { BackendFacts } from "../fingerprint.ts";
import type { GraderVersion } from "../graderVersion.ts";
import type { TaskBook } from "../tasks.ts";

/** What a stage has left, as the store tells it. */
export interface StagePending {
  /** Units of work left; 0 when there is nothing to do. */
  count: number;
  /** What a unit is, plural ("generations", "grades", "comparisons", "variants", "report files"). */
  unit: string;
  /** One line for `qreason status`, e.g. "90 graded only by an older grader". */
  detail?: string;
}

/** Settings that change what counts as done: the grader version grades are wanted from, compare settings. */
export interface PendingOptions {
  grader?: GraderVersion;
  bootstrapResamples?: number;
  /** The judge panel a command seats instead of the study's (see StageSettings.judges). */
  judges?: PanelOverride;
}

/** How a stage's run ended. A stage that fails throws (a QreasonError); the pipeline records it as failed. */
export interface StageOutcome {
  status: "done" | "interrupted";
  /** What it did, recorded with the stage run (e.g. { graded: 90, changed: 3 }). */
  counts: Record<string, number>;
  /** One line for the user, e.g. "3 grades changed from qreason-grade/…". */
  message?: string;
}

export interface Stage {
  readonly name: string;
  /** One line: what the stage does (for --help and `qreason status`). */
  readonly summary: string;
  /**
   * Runs from the store alone: no study file, benchmark data, model files or backends (grade, compare,
   * report). Only offline stages run on a run directory whose study file or models are gone.
   */
  readonly offline: boolean;
  /** Earlier stages whose pending work is done first when this stage runs alone (report: compare). */
  readonly requires?: readonly string[];
  /** Whether the run's study asks for this stage (default: always). Stages a study opts into say no otherwise. */
  wanted?(study: Study, plan: Plan): boolean;
  /**
   * What is left, from the store alone; cheap (queries, no statistics, no backend). `options` carries
   * the settings that decide what counts as done (default: this process's grader, 10,000 resamples).
   */
  pending(store: RunStore, options?: PendingOptions): StagePending;
  /** Does what is pending; honours `context.signal` (stops soon after it aborts, with status "interrupted"). */
  run(context: StageContext): Promise<StageOutcome>;
}

/** Everything a run needs from outside the store: where the data and the engine are, and run settings. */
export interface StageSettings {
  dataDir: string;
  download?: DownloadOptions;
  /** Python interpreter of the engine. */
  python: string;
  projectRoot: string;
  /** Reads the API key variable a study names (the CLI passes the environment). */
  apiKey: (variableName: string) => string | undefined;
  qreasonVersion: string;
  gradeWorkers?: number;
  /** Store commit batching of the generate stage (generate.ts). */
  flushSize?: number;
  flushMs?: number;
  /** Paired bootstrap resamples of the compare stage (default 10,000). */
  bootstrapResamples?: number;
  /** The grader to grade with (default: the derived version of src/grade; tests pass another to simulate an upgrade). */
  grader?: GraderVersion;
  /** `qreason judge --judges/--baseline`: the panel the judge stage seats instead of the study's (src/judge/override.ts). */
  judges?: PanelOverride;
}

/** A variant's backend, started, with what its generation keys hold. The caller closes it. */
export interface OpenedVariant {
  model: ModelSpec;
  variant: PlannedVariant;
  prepared: PreparedVariant;
  backend: Backend;
  facts: BackendFacts;
}

/** How stages reach a variant's artifact and backend (quantize, generate; later attribute, restore). */
export interface VariantBackends {
  /** Backend facts known without starting anything: an endpoint's, or the run's memo. */
  knownFacts(variant: PlannedVariant): BackendFacts | undefined;
  /** Makes the variant's artifact if it is missing (cached for the rest of the command). */
  prepare(variant: PlannedVariant): Promise<PreparedVariant>;
  /** Prepares and starts the variant's backend, remembers its facts, records its artifact and provenance. */
  open(variant: PlannedVariant): Promise<OpenedVariant>;
}

/** What a stage's `run` gets. One context serves every stage of one command. */
export interface StageContext {
  readonly runDirectory: string;
  readonly store: RunStore;
  /** The study the run directory runs (from the study file, or as the store holds it). */
  readonly study: Study;
  /** Its plan: variants, jobs, comparisons. */
  readonly plan: Plan;
  readonly settings: StageSettings;
  /** The grader this command grades with. */
  readonly grader: GraderVersion;
  readonly backends: VariantBackends;
  readonly signal: AbortSignal;
  /** The study's model of that name (E_INTERNAL when the plan names a model the study lacks). */
  model(name: string): ModelSpec;
  emit(event: RunEvent): void;
  /** Problems, prompts and generation tasks (benchmark data loaded once, on first use). */
  tasks(): Promise<TaskBook>;
  /** Hands a value to later stages of the same command (e.g. what the generate stage made per variant). */
  readonly shared: Map<string, unknown>;
}
