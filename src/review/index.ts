/**
 * Public surface of the review: a run's flips with their proposed and human labels (`RunReview`), the
 * judges' stored votes and panel, human-vs-panel agreement, and the labels as JSONL. The web UI
 * (src/web, `qreason view`) and the report read it.
 */
export type { Flip, RunFlips } from "./flips.ts";
export type { JudgeVote, JudgeView } from "./judgeVotes.ts";
export type { FieldAgreement, ReviewSummary, SourceAgreement } from "./agreement.ts";
export type { FlipFilter, FlipItem, ReviewOptions, ReviewRequest } from "./runReview.ts";
export type { LabelLine } from "./export.ts";
export type { AttributionView, TokenHeat } from "./attribution.ts";

export { collectFlips } from "./flips.ts";
export { readJudges } from "./judgeVotes.ts";
export { currentLabel, panelLabel, proposalOf, verifierFindings, verifierLabel, verifierVote } from "./labels.ts";
export { reviewSummary } from "./agreement.ts";
export { RunReview } from "./runReview.ts";
export { attributedFlips, readAttribution } from "./attribution.ts";
export { LABELS_SCHEMA, labelLines, labelsJsonl } from "./export.ts";
