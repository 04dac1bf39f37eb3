/**
 * Public surface of the judges module: structured verdicts and their parsing, judge prompts, model judges
 * with bounded retries, panel voting with a baseline judge and the step verifier, the human audit sample,
 * agreement statistics, the position-bias check, ProcessBench-protocol calibration, re-verification of
 * flips, token and cost accounting, and judge configuration.
 */
export type { NoError, Verdict, VerdictValidation } from "./verdict.ts";
export type { InvalidReason, JsonCandidate, JsonScan, PairVerdict, Parsed, Validation } from "./parse.ts";
export type { JudgeInput, PairInput } from "./prompt.ts";
export type { Judge, JudgeCall, JudgeModel, JudgeOutcome, JudgeReply, ModelJudge, ModelJudgeOptions, Outcome, OutcomeStatus, PairOutcome, ResponseFormat } from "./judge.ts";
export type { MemberVote, PanelDecision, PanelFlag, PanelOptions, VerifierVote } from "./panel.ts";
export type { AuditOptions } from "./audit.ts";
export type { EffectiveVotes, FleissKappa, KrippendorffAlpha, Label, PairAgreement, PairwiseAgreement, Ratings } from "./agreement.ts";
export type { PositionBias, PositionPair, PositionProbe, PositionRun } from "./positionBias.ts";
export type { ClassAccuracy, FirstErrorPrediction, ProtocolOptions, ProtocolReport, ProtocolScores, SubsetScore } from "./protocol.ts";
export type { ArithSampleOptions, CalibrationOptions, CalibrationRecord, CalibrationReport, CalibrationSample, CalibrationVote, JudgeCalibration } from "./calibrate.ts";
export type { ReverifyInput, ReverifyResult, ReverifyStatus } from "./reverify.ts";
export type { JudgeUsageRow, Price, TokenUsage } from "./usage.ts";
export type { JudgeContext, JudgeSource, JudgeSpec, PanelSpec } from "./config.ts";
export type { JudgesFileOptions } from "./judgesFile.ts";

export { MAX_EXPLANATION_CHARS, NO_ERROR, VERDICT_CATEGORIES, VERDICT_SUBTYPES, validateVerdict, verdictJsonSchema, verdictResponseFormat, verdictToWire } from "./verdict.ts";
export { INVALID_REASONS, findJsonObjects, parseLastValid, parsePairVerdict, parseVerdict } from "./parse.ts";
export { JUDGE_PROMPT_VERSION, JUDGE_SYSTEM, PAIR_PROMPT_VERSION, PROMPT_VERSIONS, judgeMessages, pairMessages, promptId, renderSteps, retryMessage } from "./prompt.ts";
export { DEFAULT_MAX_ATTEMPTS, createModelJudge, forDecoding, pairResponseFormat } from "./judge.ts";
export { CONFLICT_FLAGS, VERIFIER_JUDGE, decidePanel } from "./panel.ts";
export { DEFAULT_AUDIT_RATE, auditRank, auditSample } from "./audit.ts";
export { effectiveVotes, fleissKappa, fleissKappaFromCounts, krippendorffAlpha, pairwiseAgreement } from "./agreement.ts";
export { positionBias, probePositionBias } from "./positionBias.ts";
export { harmonicF1, scoreFirstErrorPredictions } from "./protocol.ts";
export { CALIBRATION_INJECTIONS, INJECTION_SUBTYPES, arithInjectedSamples, processBenchSamples, runCalibration } from "./calibrate.ts";
export { reverifyFlip } from "./reverify.ts";
export { NO_USAGE, UsageLedger, addUsage, costOf } from "./usage.ts";
export { DEFAULT_JUDGE_RETRIES, DEFAULT_JUDGE_SAMPLING, requiredKeyVariables, resolveJudges } from "./config.ts";
export { loadJudgesFile, parseJudgesFile } from "./judgesFile.ts";
export { mapPool } from "./pool.ts";
export type { OpenedJudge, OpenJudgeOptions } from "./clients.ts";
export type { Flip } from "./flips.ts";
export type { JudgeFlipsOptions, JudgeFlipsResult, JudgeSummary } from "./panelRun.ts";
export { backendJudgeModel, closeJudges, openJudge, openJudges } from "./clients.ts";
export { findFlips } from "./flips.ts";
export { DEFAULT_POSITION_PROBES, describePanel, judgeFlips, panelHash, summaryStale, verifierVote } from "./panelRun.ts";
