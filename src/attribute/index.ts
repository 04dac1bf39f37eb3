/**
 * Public surface of attribution: where a quantized variant's solution first went wrong, found three ways
 * and compared. Deterministically (the step verifiers, in the shared taxonomy), by divergence (teacher-forced
 * token streams of fp and the variant), and causally (prefix rescue over an injected continuation); plus
 * the agreement rates between the three. Pure: backends and the run store come in through arguments.
 */
export type { ErrorType } from "./errorTypes.ts";
export type { ErrorFinding, FirstErrorResult } from "./firstError.ts";
export type { ScoredAlternative, ScoredToken } from "./tokens.ts";
export type { DivergenceAnalysis, DivergenceDirection, DivergenceInput, StepDivergence, TokenDivergence } from "./divergence.ts";
export type { SearchOptions, SearchStrategy, TransitionSearch } from "./search.ts";
export type { ContinueFrom, PrefixCuts, PrefixRescueResult, RescueOutcome } from "./prefixRescue.ts";
export type { AgreementRate, CausalAgreement, FlipLocations, Locator } from "./agreement.ts";

export { arithErrorType, refutedClaimType } from "./errorTypes.ts";
export { locateFirstError, segmentAt } from "./firstError.ts";
export { checkOffsets, marginOf, pairByOffsets, tokenKey, tokenSegments, topOf } from "./tokens.ts";
export { DEFAULT_MIN_FP_MARGIN, DivergenceSummary, TAIL_TREATMENT, analyzeDivergence, probabilityMargin, topKKl } from "./divergence.ts";
export { searchTransition } from "./search.ts";
export { findFirstVulnerableStep, findUnrecoverableStep, prefixCuts } from "./prefixRescue.ts";
export { agreementRate, causalAgreement, histogram, relativePosition, toFpSegment } from "./agreement.ts";
export type { PackedPosition } from "./positionsCodec.ts";
export { decodePositions, encodePositions, packPosition } from "./positionsCodec.ts";
