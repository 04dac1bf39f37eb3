/**
 * What the review shows and stores for one flip's variant solution: the step verifier's first error
 * (computed here, src/attribute `locateFirstError`, from the stored text), the judges' votes and panel
 * decision when the judge stage has run, the label proposed to the reviewer (the panel's, else the
 * verifier's), and the human label (the latest review). Step indices are 0-based segments of the
 * variant's solution under src/steps' segmenter (`SEGMENTER_VERSION`); -1 means no error.
 */
import { locateFirstError, type FirstErrorResult } from "../attribute/index.ts";
import { arithGold } from "../data/arith/index.ts";
import type { Problem } from "../data/index.ts";
import type { VerifierVote } from "../judge/index.ts";
import type { LabelProposal, StoredReview } from "../store/index.ts";
import { categoryOf, isErrorCategory, isErrorSubtype } from "../taxonomy/index.ts";
import type { JudgeView } from "./judgeVotes.ts";

/** The deterministic first error of a solution (arith: with its gold steps); cached by generation key. */
export function verifierFindings(text: string, problem: Problem | undefined): FirstErrorResult {
  let gold;
  if (problem?.benchmark === "arith") {
    try {
      gold = arithGold(problem);
    } catch {
      gold = undefined;
    }
  }
  return locateFirstError(text, gold ? { arith: gold } : {});
}

/** The verifier's finding as a label (null step when it found nothing it can name). */
export function verifierLabel(found: FirstErrorResult): LabelProposal {
  const first = found.first;
  if (first === undefined) return { source: "verifier", firstErrorStep: null, category: null, subtype: null };
  return { source: "verifier", firstErrorStep: first.segment, category: first.category ?? null, subtype: first.subtype ?? null };
}

/** The verifier as a panel member: certain on a refuted computation. */
export function verifierVote(found: FirstErrorResult): VerifierVote | undefined {
  const first = found.first;
  if (first === undefined || first.subtype === null || first.subtype === undefined || first.category === null || first.category === undefined) return undefined;
  return {
    verdict: { firstErrorStep: first.segment, category: first.category, subtype: first.subtype, explanation: `${first.source}: ${first.reason}`, confidence: first.certain ? 1 : 0.5 },
    certain: first.certain && first.category === "execution",
  };
}

/** The panel's decision as a label, when the judges decided one. */
export function panelLabel(judges: JudgeView | null): LabelProposal | null {
  const panel = judges?.panel;
  if (!panel || panel.firstErrorStep === null) return null;
  const subtype = isErrorSubtype(panel.subtype) ? panel.subtype : null;
  const category = isErrorCategory(panel.category) ? panel.category : subtype ? categoryOf(subtype) : null;
  return { source: "panel", firstErrorStep: panel.firstErrorStep, category, subtype };
}

/** What the page proposes: the panel's label, else the verifier's, else nothing. */
export function proposalOf(judges: JudgeView | null, verifier: LabelProposal): LabelProposal {
  const panel = panelLabel(judges);
  if (panel) return panel;
  if (verifier.firstErrorStep !== null) return verifier;
  return { source: "none", firstErrorStep: null, category: null, subtype: null };
}

/** The label a flip carries now: the human's when reviewed, else the proposal. */
export function currentLabel(proposal: LabelProposal, human: StoredReview | undefined): LabelProposal | (StoredReview & { source: "human" }) {
  return human ? { ...human, source: "human" } : proposal;
}
