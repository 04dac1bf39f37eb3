/**
 * judge: the study's judge panel (its `judges:` block) on every flip — a problem the baseline variant solved
 * and a variant did not — under the grader reports read. Each flip is re-graded first (a now-correct answer
 * was a grader false reject and is not judged), then every judge and the step verifier vote, the panel
 * decides, conflicts, possible false rejects and a seeded audit sample are queued for people, and the run's
 * agreement statistics, usage and position-bias check are stored (src/judge/panelRun.ts). Resumable: a
 * decided flip is not asked again; a judge's stored verdict is reused; a backend error is asked again.
 */
import { QreasonError } from "../../errors.ts";
import { createGrader } from "../../grade/index.ts";
import { closeJudges, findFlips, judgeFlips, openJudges, panelHash, summaryStale } from "../../judge/index.ts";
import { overridePanel, type PanelOverride } from "../../judge/override.ts";
import { currentPlan, type RunStore } from "../../store/index.ts";
import { currentAttributeVersion } from "../attributeVersion.ts";
import type { Stage, StageOutcome } from "./types.ts";

/** The flips to judge and the panel that judges them: the study's, or the one `override` seats instead. */
function work(store: RunStore, override?: PanelOverride) {
  const current = currentPlan(store);
  const state = store.state.current();
  if (current === undefined || state === undefined) return undefined;
  const panel = overridePanel(current.study.judges, override);
  if (panel === undefined) return undefined;
  const flips = findFlips(store, current.studyHash, current.plan, state.grader);
  return { ...current, panel, flips, hash: panelHash(panel) };
}

export const judgeStage: Stage = {
  name: "judge",
  summary: "judge every flip with the study's judge panel: first wrong step, error type, conflicts and an audit sample for people",
  offline: false,
  requires: ["grade"],
  wanted(study) {
    return study.judges !== undefined;
  },
  pending(store, options) {
    let planned: ReturnType<typeof work>;
    try {
      planned = work(store, options?.judges);
    } catch (error) {
      // A bad override (an unknown judge name) is reported by run; pending only counts.
      if (error instanceof QreasonError && error.code === "E_USAGE") return { count: 0, unit: "flips", detail: error.message };
      throw error;
    }
    if (planned === undefined) return { count: 0, unit: "flips", detail: "the study declares no judges" };
    const decided = store.judges.decided(planned.hash, planned.flips.map((flip) => flip.key));
    const count = planned.flips.length - decided.size;
    if (count === 0 && decided.size > 0 && summaryStale(store, planned.studyHash, planned.panel)) {
      // Every flip decided, but the run stopped before the summary (agreement, position-bias check), or the
      // check was asked for another number of probes: the summary is what is left.
      return { count: 1, unit: "summary", detail: `all ${decided.size} flips decided by ${planned.hash}; its summary (agreement, position-bias check) is not stored yet` };
    }
    return { count, unit: "flips", detail: `${decided.size} of ${planned.flips.length} flips decided by ${planned.hash}` };
  },
  async run(context): Promise<StageOutcome> {
    const planned = work(context.store, context.settings.judges);
    if (planned === undefined) {
      if (context.study.judges === undefined) throw new QreasonError("E_USAGE", "this run's study declares no judges: add a `judges:` block (docs/judges.md) and run `qreason run <study.yaml>`, or pass --judges judges.yaml");
      return { status: "done", counts: { judged: 0 } };
    }
    const { panel, flips } = planned;
    const todo = flips.length - context.store.judges.decided(planned.hash, flips.map((flip) => flip.key)).size;
    if (todo === 0 && (flips.length === 0 || !summaryStale(context.store, planned.studyHash, panel))) return { status: "done", counts: { judged: 0, flips: flips.length } };
    const seat = `${panel.members.map((member) => member.name).join(", ")}${panel.verifier ? " + the step verifier" : ""}`;
    context.emit({ type: "stage", message: todo > 0 ? `judging ${todo} flip(s) with ${seat}` : `every flip decided: the summary of ${seat} (agreement, position-bias check)` });
    const judges = await openJudges(panel.members, { python: context.settings.python, apiKey: context.settings.apiKey });
    try {
      const result = await judgeFlips({
        store: context.store,
        studyHash: planned.studyHash,
        flips,
        judges,
        panel,
        grader: createGrader(),
        verifierVersion: currentAttributeVersion().verifier,
        signal: context.signal,
        onProgress: (done, total) => context.emit({ type: "judged", done, total }),
      });
      const counts = {
        judged: result.judged, regraded_correct: result.regradedCorrect, possible_false_rejects: result.possibleFalseRejects,
        needs_review: result.needsReview, audited: result.audited, invalid_verdicts: result.invalid, backend_errors: result.errors,
      };
      const parts = [`${result.judged} flip(s) decided`];
      if (result.regradedCorrect > 0) parts.push(`${result.regradedCorrect} re-graded correct (grader false rejects, not judged)`);
      if (result.possibleFalseRejects > 0) parts.push(`${result.possibleFalseRejects} possible false reject(s) queued`);
      if (result.needsReview > 0) parts.push(`${result.needsReview} conflict(s) queued`);
      if (result.invalid > 0) parts.push(`${result.invalid} invalid verdict(s)`);
      if (result.errors > 0) parts.push(`${result.errors} backend error(s) (asked again next run)`);
      return { status: result.interrupted ? "interrupted" : "done", counts, message: parts.join("; ") };
    } finally {
      await closeJudges(judges);
    }
  },
};
