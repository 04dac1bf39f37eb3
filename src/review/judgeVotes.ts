/**
 * Judge verdicts as stored in the run store, read when the judge stage has written any: each judge's
 * verdict on a generation (first error step, category, subtype, explanation, confidence) and the panel's
 * decision over them (src/judge `decidePanel`, with the step verifier as a member). A store without judge
 * tables, or a generation nobody judged, has no votes: the review then proposes the verifier's label.
 */
import { decidePanel, type MemberVote, type PanelDecision, type Verdict, type VerifierVote } from "../judge/index.ts";
import type { RunStore } from "../store/index.ts";

export interface JudgeVote {
  judge: string;
  verdict: Verdict | null;
  /** Why there is no verdict (an invalid reply, a backend error). */
  missing: string | null;
}

export interface JudgeView {
  votes: JudgeVote[];
  panel: PanelDecision | null;
  /** all: every valid vote names the same step; split: they differ; none: no valid vote. */
  agreement: "all" | "split" | "none";
}

function toVerdict(value: unknown): Verdict | null {
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  const step = record.firstErrorStep ?? record.first_error_step;
  if (typeof step !== "number") return null;
  return {
    firstErrorStep: step,
    category: String(record.category ?? "no_error") as Verdict["category"],
    subtype: String(record.subtype ?? "no_error") as Verdict["subtype"],
    explanation: typeof record.explanation === "string" ? record.explanation : "",
    confidence: typeof record.confidence === "number" ? record.confidence : 0,
  };
}

/** The stored votes of every judged generation among `keys` (an empty map when nothing was judged). */
export function readJudgeVotes(store: RunStore, keys: readonly string[]): Map<string, JudgeVote[]> {
  const votes = new Map<string, JudgeVote[]>();
  if (keys.length === 0 || !store.hasTable("judgments")) return votes;
  for (const row of store.query<{ generation_key: string; judge: string; verdict_json: string }>(
    `SELECT j.generation_key, j.judge, j.verdict_json FROM json_each(?) AS k JOIN judgments j ON j.generation_key = k.value ORDER BY k.key, j.judge`,
    JSON.stringify(keys),
  )) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(row.verdict_json);
    } catch {
      parsed = null;
    }
    const verdict = toVerdict(parsed);
    const missing = verdict === null ? (typeof (parsed as { missing?: unknown } | null)?.missing === "string" ? String((parsed as { missing: string }).missing) : "no valid verdict") : null;
    votes.set(row.generation_key, [...(votes.get(row.generation_key) ?? []), { judge: row.judge, verdict, missing }]);
  }
  return votes;
}

/** The panel's view of one generation's votes; the verifier votes when it refuted a step. */
export function judgeView(votes: readonly JudgeVote[], verifier?: VerifierVote, baseline?: string): JudgeView {
  const valid = votes.filter((vote) => vote.verdict !== null);
  const steps = new Set(valid.map((vote) => vote.verdict?.firstErrorStep));
  const agreement = valid.length === 0 ? "none" : steps.size === 1 ? "all" : "split";
  if (votes.length === 0) return { votes: [], panel: null, agreement };
  const members: MemberVote[] = votes.map((vote) => (vote.verdict ? { judge: vote.judge, verdict: vote.verdict } : { judge: vote.judge, missing: vote.missing ?? "no verdict" }));
  const baselineJudge = baseline !== undefined && votes.some((vote) => vote.judge === baseline) ? baseline : (votes[0] as JudgeVote).judge;
  const panel = decidePanel(members, { baseline: baselineJudge, ...(verifier ? { verifier } : {}) });
  return { votes: [...votes], panel, agreement };
}
