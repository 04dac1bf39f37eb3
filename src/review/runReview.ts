/**
 * The review of one run directory: its flips with their labels (proposed, human), filters over them, the
 * audit sample, storing a person's accept or override, and the human labels as JSONL. Reads and writes
 * the run store only. Flips and the verifier's findings are computed once per store state (the texts of a
 * generation key never change); labels are read fresh on every call.
 */
import { QreasonError } from "../errors.ts";
import type { Problem } from "../data/index.ts";
import { DEFAULT_AUDIT_RATE, auditSample } from "../judge/index.ts";
import type { FirstErrorResult } from "../attribute/index.ts";
import { currentPlan, runRecordOf, type LabelProposal, type ReviewAction, type RunRecord, type RunStore, type StoredGeneration, type StoredReview } from "../store/index.ts";
import { SEGMENTER_VERSION } from "../steps/index.ts";
import { ERROR_CATEGORIES, categoryOf, isErrorCategory, isErrorSubtype, type ErrorCategory, type ErrorSubtype } from "../taxonomy/index.ts";
import { collectFlips, type Flip, type RunFlips } from "./flips.ts";
import { readJudges, type JudgeView } from "./judgeVotes.ts";
import { currentLabel, proposalOf, verifierFindings, verifierLabel, verifierVote } from "./labels.ts";

export interface FlipItem extends Flip {
  question: string;
  gold: string;
  proposal: LabelProposal;
  verifier: LabelProposal;
  judges: JudgeView | null;
  human: StoredReview | undefined;
  /** The label now: the human's when reviewed, else the proposal. */
  label: { source: LabelProposal["source"] | "human"; firstErrorStep: number | null; category: ErrorCategory | null; subtype: ErrorSubtype | null };
  /** In the audit queue: the seeded audit sample, or queued by the judge stage (see `queue`). */
  audit: boolean;
  /** Why it is in the audit queue: audit (the sample), conflict (the panel split), possible_false_reject (the judges' re-grade). */
  queue: string[];
  reviewed: boolean;
}

export interface FlipFilter {
  variant?: string;
  benchmark?: string;
  /** An error category of the current label, or "none" for flips without one. */
  category?: string;
  /** Judge agreement: all valid votes on one step, split, or no votes. */
  judges?: "all" | "split" | "none";
  /** In the audit queue (the audit sample and what the judge stage queued). */
  audit?: boolean;
  reviewed?: boolean;
}

export interface ReviewRequest {
  key: string;
  action: ReviewAction;
  /** For an override: the first error step (segment index, -1: no error), category, subtype; null keeps none. */
  firstErrorStep?: number | null;
  category?: string | null;
  subtype?: string | null;
  note?: string | null;
}

export interface ReviewOptions {
  reviewer: string;
  /** Share of flips in the audit sample (default: the study's judge panel's, else 2 %). */
  auditRate?: number;
}

interface Snapshot {
  state: string;
  runFlips: RunFlips;
  problems: Map<string, Problem>;
  generations: Map<string, StoredGeneration>;
  findings: Map<string, FirstErrorResult>;
  audit: Set<string>;
}

export class RunReview {
  readonly store: RunStore;
  readonly reviewer: string;
  private readonly auditRate: number | undefined;
  private snapshot: Snapshot | undefined;

  constructor(store: RunStore, options: ReviewOptions) {
    if (options.reviewer.trim() === "") throw new QreasonError("E_USAGE", "the reviewer name is empty", { field: "--reviewer" });
    this.store = store;
    this.reviewer = options.reviewer.trim();
    this.auditRate = options.auditRate;
  }

  /** The run record; E_NOT_FOUND when the store holds no plan. */
  record(): RunRecord {
    return this.current().runFlips.record;
  }

  private current(): Snapshot {
    const counts = this.store.counts();
    const record = runRecordOf(this.store);
    if (record === undefined) throw new QreasonError("E_NOT_FOUND", "this run store holds no plan yet: run `qreason run <study.yaml>` first", { file: this.store.file });
    const comparisons = record.grader === null ? [] : this.store.comparisons.list(record.study.hash, record.grader).map((row) => row.inputsHash);
    const state = JSON.stringify([counts, record.study.hash, record.grader, comparisons]);
    if (this.snapshot?.state === state) return this.snapshot;
    const runFlips = collectFlips(this.store, record);
    const problems = new Map<string, Problem>();
    for (const benchmark of new Set(runFlips.flips.map((flip) => flip.storedBenchmark))) {
      for (const problem of this.store.problems(benchmark)) problems.set(`${benchmark}\0${problem.id}`, problem);
    }
    const keys = runFlips.flips.flatMap((flip) => [flip.key, flip.baselineKey]);
    const generations = new Map(this.store.generations(keys).map((generation) => [generation.key, generation]));
    const plan = currentPlan(this.store);
    const audit = plan?.study.judges?.audit ?? { rate: DEFAULT_AUDIT_RATE, seed: plan?.study.seed ?? 0 };
    const sample = auditSample(runFlips.flips.map((flip) => flip.key), { rate: this.auditRate ?? audit.rate, seed: audit.seed });
    this.snapshot = { state, runFlips, problems, generations, findings: new Map(), audit: new Set(sample) };
    return this.snapshot;
  }

  private findings(snapshot: Snapshot, flip: Flip): FirstErrorResult {
    let found = snapshot.findings.get(flip.key);
    if (found === undefined) {
      found = verifierFindings(snapshot.generations.get(flip.key)?.text ?? "", snapshot.problems.get(`${flip.storedBenchmark}\0${flip.problemId}`));
      snapshot.findings.set(flip.key, found);
    }
    return found;
  }

  /** Every flip with its labels, in plan order, filtered. */
  items(filter: FlipFilter = {}): FlipItem[] {
    const snapshot = this.current();
    const humans = this.store.reviews.latest();
    const byKey = new Map(snapshot.runFlips.flips.map((flip) => [flip.key, flip]));
    const judged = readJudges(this.store, [...byKey.keys()], (key) => {
      const flip = byKey.get(key);
      return flip === undefined ? undefined : verifierVote(this.findings(snapshot, flip));
    });
    // Once the judge stage has decided on flips, its seeded audit sample is the audit; before, ours over the flips.
    const judgesAudit = [...judged.values()].some((view) => view.panel !== null) && this.store.hasTable("judge_panels");
    const items = snapshot.runFlips.flips.map((flip): FlipItem => {
      const found = this.findings(snapshot, flip);
      const verifier = verifierLabel(found);
      const judges = judged.get(flip.key) ?? null;
      const proposal = proposalOf(judges, verifier);
      const human = humans.get(flip.key);
      const label = currentLabel(proposal, human);
      const sampled = judgesAudit ? judges?.audited === true : snapshot.audit.has(flip.key);
      const queue = [...new Set([...(sampled ? ["audit"] : []), ...(judges?.queued ?? [])])];
      const problem = snapshot.problems.get(`${flip.storedBenchmark}\0${flip.problemId}`);
      return {
        ...flip,
        question: problem?.question ?? "(problem text not stored)",
        gold: problem?.answer ?? "",
        proposal,
        verifier,
        judges,
        human,
        label: { source: label.source, firstErrorStep: label.firstErrorStep, category: label.category, subtype: label.subtype },
        audit: queue.length > 0,
        queue,
        reviewed: human !== undefined,
      };
    });
    return items.filter((item) => matches(item, filter));
  }

  /** One flip by its variant generation key, with both stored solutions and the verifier's findings. */
  flip(key: string): { item: FlipItem; variant: StoredGeneration | undefined; baseline: StoredGeneration | undefined; findings: FirstErrorResult; problem: Problem | undefined } | undefined {
    const item = this.items().find((candidate) => candidate.key === key);
    if (item === undefined) return undefined;
    const snapshot = this.current();
    return {
      item,
      variant: snapshot.generations.get(item.key),
      baseline: snapshot.generations.get(item.baselineKey),
      findings: this.findings(snapshot, item),
      problem: snapshot.problems.get(`${item.storedBenchmark}\0${item.problemId}`),
    };
  }

  /** Stores a person's accept or override of a flip's label; E_INPUT naming the field at fault. */
  review(request: ReviewRequest): StoredReview {
    const found = this.flip(request.key);
    if (found === undefined) throw new QreasonError("E_NOT_FOUND", `no flip with generation key ${request.key} in this run`, { field: "key" });
    const { item, findings } = found;
    const steps = findings.segments.length;
    const note = request.note?.trim() ? request.note.trim().slice(0, 4000) : null;
    let label: { firstErrorStep: number | null; category: ErrorCategory | null; subtype: ErrorSubtype | null };
    if (request.action === "accept") {
      label = { firstErrorStep: item.proposal.firstErrorStep, category: item.proposal.category, subtype: item.proposal.subtype };
    } else if (request.action === "override") {
      label = overrideLabel(request, steps);
    } else {
      throw new QreasonError("E_INPUT", `action is ${JSON.stringify(request.action)}; it must be accept or override`, { field: "action" });
    }
    return this.store.reviews.add({
      generationKey: item.key,
      reviewer: this.reviewer,
      action: request.action,
      ...label,
      note,
      proposal: item.proposal,
      segmenter: SEGMENTER_VERSION,
      baselineKey: item.baselineKey,
    });
  }
}

function overrideLabel(request: ReviewRequest, steps: number): { firstErrorStep: number | null; category: ErrorCategory | null; subtype: ErrorSubtype | null } {
  const step = request.firstErrorStep ?? null;
  if (step !== null && (!Number.isInteger(step) || step < -1 || step >= steps)) {
    throw new QreasonError("E_INPUT", `first error step is ${step}; it must be -1 (no error) or a step from 0 to ${steps - 1}`, { field: "firstErrorStep" });
  }
  const subtypeText = request.subtype?.trim() || null;
  const categoryText = request.category?.trim() || null;
  if (subtypeText !== null && !isErrorSubtype(subtypeText)) throw new QreasonError("E_INPUT", `subtype ${JSON.stringify(subtypeText)} is not in the taxonomy`, { field: "subtype" });
  if (categoryText !== null && !isErrorCategory(categoryText)) {
    throw new QreasonError("E_INPUT", `category ${JSON.stringify(categoryText)} is not one of ${ERROR_CATEGORIES.join(", ")}`, { field: "category" });
  }
  const subtype = subtypeText as ErrorSubtype | null;
  const category = (categoryText as ErrorCategory | null) ?? (subtype ? categoryOf(subtype) : null);
  if (subtype !== null && category !== categoryOf(subtype)) {
    throw new QreasonError("E_INPUT", `subtype ${subtype} belongs to ${categoryOf(subtype)}, not ${category}`, { field: "subtype" });
  }
  if (step === -1 && (category !== null || subtype !== null)) throw new QreasonError("E_INPUT", "a solution with no error (step -1) has no category or subtype", { field: "category" });
  return { firstErrorStep: step, category, subtype };
}

function matches(item: FlipItem, filter: FlipFilter): boolean {
  if (filter.variant !== undefined && item.variant !== filter.variant) return false;
  if (filter.benchmark !== undefined && item.benchmark !== filter.benchmark) return false;
  if (filter.category !== undefined && (item.label.category ?? "none") !== filter.category) return false;
  if (filter.judges !== undefined && (item.judges?.agreement ?? "none") !== filter.judges) return false;
  if (filter.audit !== undefined && item.audit !== filter.audit) return false;
  if (filter.reviewed !== undefined && item.reviewed !== filter.reviewed) return false;
  return true;
}
