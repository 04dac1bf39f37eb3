/**
 * Judge verdicts as the judge stage stores them (docs/judges.md: `judge_verdicts`, `judge_panels`,
 * `judge_queue`), read when the store has those tables: each judge's verdict on a generation (first error
 * step, category, subtype, explanation, confidence; or why it gave none), the panel's stored decision and
 * why the judge stage queued it for a person. A store without the tables (before the judges' migration), or
 * a generation nobody judged, has none: the review then proposes the verifier's label.
 */
import { decidePanel, type MemberVote, type PanelDecision, type PanelFlag, type Verdict, type VerifierVote } from "../judge/index.ts";
import type { RunStore } from "../store/index.ts";

export interface JudgeVote {
  judge: string;
  verdict: Verdict | null;
  /** Why there is no verdict (an invalid reason, a backend error). */
  missing: string | null;
}

export interface JudgeView {
  votes: JudgeVote[];
  panel: PanelDecision | null;
  /** all: every valid vote names the same step; split: they differ; none: no valid vote. */
  agreement: "all" | "split" | "none";
  /** In the judge stage's seeded audit sample. */
  audited: boolean;
  /** Why the judge stage queued it for a person (conflict, audit, possible_false_reject), for the panel shown. */
  queued: string[];
}

interface VerdictRow {
  generation_key: string;
  judge: string;
  status: string;
  first_error_step: number | null;
  category: string | null;
  subtype: string | null;
  confidence: number | null;
  explanation: string | null;
  reason: string | null;
  message: string | null;
}

interface PanelRow {
  generation_key: string;
  panel: string;
  first_error_step: number | null;
  category: string | null;
  subtype: string | null;
  decided_by: string;
  support: number;
  votes: number;
  members: number;
  flags_json: string;
  needs_review: number;
  audited: number;
}

function toVote(row: VerdictRow): JudgeVote {
  if (row.status === "verdict" && row.first_error_step !== null) {
    return {
      judge: row.judge,
      verdict: {
        firstErrorStep: row.first_error_step,
        category: (row.category ?? "no_error") as Verdict["category"],
        subtype: (row.subtype ?? "no_error") as Verdict["subtype"],
        explanation: row.explanation ?? "",
        confidence: row.confidence ?? 0,
      },
      missing: null,
    };
  }
  return { judge: row.judge, verdict: null, missing: [row.status, row.reason, row.message].filter(Boolean).join(": ") };
}

function toPanel(row: PanelRow): PanelDecision {
  return {
    firstErrorStep: row.first_error_step,
    category: row.category as PanelDecision["category"],
    subtype: row.subtype as PanelDecision["subtype"],
    decidedBy: row.decided_by as PanelDecision["decidedBy"],
    support: row.support,
    votes: row.votes,
    members: row.members,
    missing: [],
    flags: JSON.parse(row.flags_json) as PanelFlag[],
    needsReview: row.needs_review === 1,
  };
}

function agreementOf(votes: readonly JudgeVote[]): JudgeView["agreement"] {
  const steps = new Set(votes.flatMap((vote) => (vote.verdict ? [vote.verdict.firstErrorStep] : [])));
  return steps.size === 0 ? "none" : steps.size === 1 ? "all" : "split";
}

/**
 * The judges' view of every judged generation among `keys`: each judge's latest verdict, and the latest
 * stored panel decision (computed with `decidePanel` when only verdicts are stored).
 */
export function readJudges(store: RunStore, keys: readonly string[], verifierOf: (key: string) => VerifierVote | undefined = () => undefined): Map<string, JudgeView> {
  const views = new Map<string, JudgeView>();
  if (keys.length === 0 || !store.hasTable("judge_verdicts")) return views;
  const list = JSON.stringify(keys);
  // The latest row per (generation, judge): a judge re-run under a new identity replaces its old say. Rows
  // come oldest first, so the last one kept wins; two identities stamped in the same millisecond still give
  // the judge one vote (the later identity in sort order), never two.
  const latest = new Map<string, Map<string, VerdictRow>>();
  for (const row of store.query<VerdictRow>(
    `SELECT v.* FROM json_each(?) AS k JOIN judge_verdicts v ON v.generation_key = k.value ORDER BY k.key, v.judge, v.created_at, v.identity`,
    list,
  )) {
    const byJudge = latest.get(row.generation_key) ?? new Map<string, VerdictRow>();
    byJudge.set(row.judge, row);
    latest.set(row.generation_key, byJudge);
  }
  const votes = new Map<string, JudgeVote[]>([...latest].map(([key, byJudge]) => [key, [...byJudge.values()].map(toVote)]));
  const panels = new Map<string, PanelRow>();
  if (store.hasTable("judge_panels")) {
    for (const row of store.query<PanelRow>(`SELECT p.* FROM json_each(?) AS k JOIN judge_panels p ON p.generation_key = k.value ORDER BY p.decided_at`, list)) {
      panels.set(row.generation_key, row);
    }
  }
  const queued = new Map<string, Array<{ panel: string; reason: string }>>();
  if (store.hasTable("judge_queue")) {
    for (const row of store.query<{ generation_key: string; panel: string; reason: string }>(
      `SELECT q.generation_key, q.panel, q.reason FROM json_each(?) AS k JOIN judge_queue q ON q.generation_key = k.value ORDER BY q.queued_at, q.reason`,
      list,
    )) {
      queued.set(row.generation_key, [...(queued.get(row.generation_key) ?? []), { panel: row.panel, reason: row.reason }]);
    }
  }
  for (const key of new Set([...votes.keys(), ...panels.keys()])) {
    const cast = votes.get(key) ?? [];
    const stored = panels.get(key);
    let panel: PanelDecision | null = stored ? toPanel(stored) : null;
    if (panel === null && cast.length > 0) {
      const members: MemberVote[] = cast.map((vote) => (vote.verdict ? { judge: vote.judge, verdict: vote.verdict } : { judge: vote.judge, missing: vote.missing ?? "no verdict" }));
      const verifier = verifierOf(key);
      panel = decidePanel(members, { baseline: (cast[0] as JudgeVote).judge, ...(verifier ? { verifier } : {}) });
    }
    const reasons = (queued.get(key) ?? []).filter((entry) => stored === undefined || entry.panel === stored.panel).map((entry) => entry.reason);
    views.set(key, { votes: cast, panel, agreement: agreementOf(cast), audited: stored?.audited === 1, queued: [...new Set(reasons)] });
  }
  return views;
}
