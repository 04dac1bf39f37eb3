/**
 * The deterministic step verifier (src/steps/stepVerifier.ts) as a judge, for calibration: it is shown the
 * labelled steps as they are (one segment per step, so its step numbers are the label's), names the first
 * step with a refuted arithmetic claim as a computational error, and says "no error" (-1) otherwise. It is
 * certain where it speaks and silent about every other kind of error, so its calibration measures exactly
 * that: high accuracy on correct solutions, and on erroneous ones only the share that are wrong sums.
 * No model, no tokens: usage is zero and every answer is a verdict.
 */
import { verifySteps, type StepSegment } from "../steps/index.ts";
import type { Judge, JudgeOutcome } from "./judge.ts";
import type { JudgeInput } from "./prompt.ts";
import { NO_ERROR } from "./verdict.ts";

const SEPARATOR = "\n\n";

/** The steps as one text and one segment per step (bodies from each step's first character). */
export function stepsAsSegments(steps: readonly string[]): { text: string; segments: StepSegment[] } {
  const segments: StepSegment[] = [];
  let text = "";
  steps.forEach((step, index) => {
    if (index > 0) text += SEPARATOR;
    const start = text.length;
    text += step;
    segments.push({ index, kind: "sentence", paragraph: index, text: step, body: step, start, end: text.length, bodyStart: start });
  });
  return { text, segments };
}

/** The verifier's judgement of `steps`: the first step with a refuted claim, or -1. */
export function verifierFirstError(steps: readonly string[]): { step: number; explanation: string } {
  const { text, segments } = stepsAsSegments(steps);
  const verification = verifySteps(text, segments);
  const refuted = verification.firstRefuted;
  if (refuted === undefined) return { step: -1, explanation: "no refuted arithmetic claim" };
  const claim = verification.steps.find((step) => step.segment === refuted.segment)?.claims[refuted.claim];
  return { step: refuted.segment, explanation: claim?.expected !== undefined ? `${claim.text}: the computation gives ${claim.expected}` : `a refuted arithmetic claim in step ${refuted.segment}` };
}

/** The step verifier's judge identity (its calibrations are stored under it). */
export const verifierIdentity = (version: string): string => `step-verifier@${version}`;

/**
 * The identity a panel's calibration is stored under: its model judges' identities in panel order, the
 * verifier's when it sits on the panel, and the baseline (`qreason judge calibrate --judges` writes it, the
 * report finds it from the judge stage's panel description).
 */
export function panelCalibrationIdentity(memberIdentities: readonly string[], verifier: string | undefined, baseline: string): string {
  return `panel(${memberIdentities.join(",")}${verifier !== undefined ? `,${verifier}` : ""};baseline=${baseline})`;
}

/** A Judge over the step verifier; `version` (the derived verifier version) goes in its identity. */
export function stepVerifierJudge(version: string, name = "verifier"): Judge {
  return {
    name,
    identity: verifierIdentity(version),
    async judge(input: JudgeInput): Promise<JudgeOutcome> {
      const { step, explanation } = verifierFirstError(input.steps);
      const base = { attempts: 1, usage: { calls: 0, promptTokens: 0, completionTokens: 0 }, replies: [], warnings: [] };
      if (step === -1) return { ...base, status: "verdict", value: { firstErrorStep: -1, category: NO_ERROR, subtype: NO_ERROR, explanation, confidence: 1 } };
      return { ...base, status: "verdict", value: { firstErrorStep: step, category: "execution", subtype: "computational_error", explanation, confidence: 1 } };
    },
  };
}
