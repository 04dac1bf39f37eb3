/**
 * One command's stage context: the run directory's store, the study and plan (from a study file, or as
 * the store holds them when a stage re-runs alone on a run directory), the grader, the variants' backends,
 * and the benchmark data, loaded once on first use.
 */
import { QreasonError } from "../../errors.ts";
import { currentPlan, type RunStore } from "../../store/index.ts";
import type { ModelSpec, Plan, Study } from "../../study/index.ts";
import { expandPlan } from "../../study/index.ts";
import type { RunEvent } from "../events.ts";
import { currentGrader, type GraderVersion } from "../graderVersion.ts";
import { TaskBook } from "../tasks.ts";
import { RunBackends } from "../variantBackends.ts";
import type { StageContext, StageSettings } from "./types.ts";

export interface SessionOptions {
  store: RunStore;
  /** The study to run (`qreason run`); without it, the study and plan the store holds. */
  study?: Study;
  settings: StageSettings;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

export class StageSession implements StageContext {
  readonly runDirectory: string;
  readonly store: RunStore;
  readonly study: Study;
  readonly plan: Plan;
  readonly settings: StageSettings;
  readonly grader: GraderVersion;
  readonly backends: RunBackends;
  readonly signal: AbortSignal;
  readonly shared = new Map<string, unknown>();
  /** True when the study came from a study file (the plan stage then stores it). */
  readonly fromStudyFile: boolean;
  private readonly onEvent: ((event: RunEvent) => void) | undefined;
  private book: Promise<TaskBook> | undefined;

  constructor(options: SessionOptions) {
    this.store = options.store;
    this.runDirectory = options.store.directory;
    this.settings = options.settings;
    this.signal = options.signal ?? new AbortController().signal;
    this.onEvent = options.onEvent;
    if (options.study !== undefined) {
      this.study = options.study;
      this.plan = expandPlan(options.study);
      this.fromStudyFile = true;
    } else {
      const stored = currentPlan(options.store);
      if (stored === undefined) {
        throw new QreasonError("E_NOT_FOUND", "this run directory holds no plan yet: run `qreason run <study.yaml>` first", { file: options.store.file });
      }
      this.study = stored.study;
      this.plan = stored.plan;
      this.fromStudyFile = false;
    }
    this.grader = options.settings.grader ?? currentGrader();
    this.backends = new RunBackends({ study: this.study, store: this.store, runDirectory: this.runDirectory, settings: this.settings, signal: this.signal, emit: (event) => this.emit(event) });
  }

  model(name: string): ModelSpec {
    return this.backends.model(name);
  }

  emit(event: RunEvent): void {
    this.onEvent?.(event);
  }

  tasks(): Promise<TaskBook> {
    this.book ??= (async () => {
      const { dataDir, download } = this.settings;
      const book = new TaskBook(this.study, this.plan, { dataDir, ...(download ? { download } : {}), signal: this.signal });
      this.emit({ type: "stage", message: "loading problems" });
      await book.load((message) => this.emit({ type: "warning", message }));
      return book;
    })();
    return this.book;
  }
}
