/**
 * What reports show of the judges, from the store alone: per variant, the distribution of the panel's error
 * types on its flips beside the step verifier's (seed 003's Figs. 3/5), re-verification and review-queue
 * counts, the panel's agreement statistics, the position-bias check, and each judge's latest calibration
 * (ProcessBench protocol F1, arith injections) beside its verdicts. `judgeTables` turns it into titled
 * tables both the Markdown and the HTML report render.
 */
import type { RunStore } from "../store/index.ts";
import { ERROR_SUBTYPES } from "../taxonomy/index.ts";
import type { JudgeSummary } from "./panelRun.ts";
import type { ProtocolReport } from "./protocol.ts";
import { panelCalibrationIdentity } from "./verifierJudge.ts";

export interface VariantErrorTypes {
  model: string;
  variant: string;
  flips: number;
  decided: number;
  /** Panel decisions per subtype (and `no_error`, `undecided`). */
  panel: Record<string, number>;
  /** The step verifier's certain findings per subtype (it only proves computational errors), and how many it left silent. */
  verifier: Record<string, number>;
  regradedCorrect: number;
  possibleFalseRejects: number;
  needsReview: number;
  audited: number;
}

export interface JudgeCalibrationRow {
  judge: string;
  identity: string;
  dataset: string;
  samples: number;
  meanF1: number | null;
  subsets: { subset: string; f1: number | null; low: number | null; high: number | null; errorAccuracy: number | null; correctAccuracy: number | null; samples: number }[];
  invalid: number;
  computedAt: string;
}

export interface JudgeReport {
  panel: string;
  members: { name: string; identity: string; source: string }[];
  baseline: string;
  variants: VariantErrorTypes[];
  summary: JudgeSummary;
  calibrations: JudgeCalibrationRow[];
}

interface PanelDescription {
  members: { name: string; identity: string; source: string }[];
  baseline: string;
  verifier?: boolean;
  /** The step verifier's identity when it sat on the panel (panels judged before it was recorded lack it). */
  verifierIdentity?: string;
}

export function judgeReport(store: RunStore, studyHash: string): JudgeReport | undefined {
  const latest = store.judges.latestSummary(studyHash);
  if (latest === undefined) return undefined;
  const description = latest.description as PanelDescription;
  const rows = store.judges.panels(studyHash, latest.panel);
  const byVariant = new Map<string, VariantErrorTypes>();
  for (const row of rows) {
    const name = `${row.model}\0${row.variant}`;
    const entry = byVariant.get(name) ?? { model: row.model, variant: row.variant, flips: 0, decided: 0, panel: {}, verifier: {}, regradedCorrect: 0, possibleFalseRejects: 0, needsReview: 0, audited: 0 };
    byVariant.set(name, entry);
    entry.flips++;
    if (row.reverify === "regraded_correct") {
      entry.regradedCorrect++;
      continue;
    }
    const subtype = row.subtype ?? "undecided";
    if (row.subtype !== null) entry.decided++;
    entry.panel[subtype] = (entry.panel[subtype] ?? 0) + 1;
    const verifier = (row.verifier as { subtype?: string } | null)?.subtype ?? "none_found";
    entry.verifier[verifier] = (entry.verifier[verifier] ?? 0) + 1;
    if (row.reverify === "possible_false_reject") entry.possibleFalseRejects++;
    if (row.needsReview) entry.needsReview++;
    if (row.audited) entry.audited++;
  }
  // Each member's calibration, the step verifier's (same version) and the panel's own (`calibrate --judges`).
  const memberIdentities = description.members.map((member) => member.identity);
  const identities = new Set(memberIdentities);
  if (description.verifierIdentity !== undefined) identities.add(description.verifierIdentity);
  identities.add(panelCalibrationIdentity(memberIdentities, description.verifierIdentity, description.baseline));
  const calibrations = store.judges.latestCalibrations()
    .filter((row) => identities.has(row.identity))
    .map((row) => calibrationRow(row.judge, row.identity, row.dataset, row.samples, row.meanF1, row.result, row.computedAt));
  return { panel: latest.panel, members: description.members, baseline: description.baseline, variants: [...byVariant.values()], summary: latest.summary as JudgeSummary, calibrations };
}

export function calibrationRow(judge: string, identity: string, dataset: string, samples: number, meanF1: number | null, result: unknown, computedAt: string): JudgeCalibrationRow {
  const calibration = result as { protocol: ProtocolReport; outcomes: { invalid: Record<string, number>; error: number } };
  const subsets = calibration.protocol.subsets.map((subset) => ({
    subset: subset.subset,
    f1: subset.f1,
    low: subset.f1Interval?.low ?? null,
    high: subset.f1Interval?.high ?? null,
    errorAccuracy: subset.erroneous.accuracy,
    correctAccuracy: subset.correct.accuracy,
    samples: subset.samples,
  }));
  const invalid = Object.values(calibration.outcomes.invalid).reduce((sum, count) => sum + count, 0) + calibration.outcomes.error;
  return { judge, identity, dataset, samples, meanF1, subsets, invalid, computedAt };
}

export interface TitledTable {
  title: string;
  note?: string;
  header: string[];
  rows: string[][];
}

const pct = (value: number | null | undefined): string => (value === null || value === undefined ? "—" : `${(100 * value).toFixed(1)}`);
const fixed = (value: unknown, digits = 3): string => (typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "—");

export function judgeTables(report: JudgeReport): TitledTable[] {
  const tables: TitledTable[] = [];
  const labels = [...ERROR_SUBTYPES, "no_error", "undecided"];
  const used = labels.filter((label) => report.variants.some((variant) => (variant.panel[label] ?? 0) > 0 || (variant.verifier[label] ?? 0) > 0));
  tables.push({
    title: "Error types of the flips: panel beside the step verifier",
    note: `Panel ${report.panel} (${report.members.map((member) => member.name).join(", ")}; baseline ${report.baseline}). Each cell: panel / verifier. The verifier proves only computational errors (a refuted arithmetic claim); it is silent elsewhere.`,
    header: ["variant", "flips judged", ...used.map((label) => label.replace(/_/g, " ")), "verifier silent", "re-graded correct", "possible false rejects", "conflicts", "audited"],
    rows: report.variants.map((variant) => [
      `${variant.model}/${variant.variant}`,
      String(variant.flips - variant.regradedCorrect),
      ...used.map((label) => `${variant.panel[label] ?? 0} / ${variant.verifier[label] ?? 0}`),
      String(variant.verifier.none_found ?? 0),
      String(variant.regradedCorrect),
      String(variant.possibleFalseRejects),
      String(variant.needsReview),
      String(variant.audited),
    ]),
  });
  const { agreement, positionBias, usage, outcomes } = report.summary;
  const stat = (entry: { pairwise: unknown; fleiss: unknown; krippendorff: unknown } | null) => {
    const pairwise = entry?.pairwise as { mean?: number | null } | null | undefined;
    const fleiss = entry?.fleiss as { kappa?: number } | null | undefined;
    const alpha = entry?.krippendorff as { alpha?: number } | null | undefined;
    return [fixed(pairwise?.mean ?? null), fixed(fleiss?.kappa ?? null), fixed(alpha?.alpha ?? null)];
  };
  if (agreement.step !== null) {
    const effective = agreement.effectiveVotes as { effective?: number; raters?: number } | null;
    tables.push({
      title: "Agreement among the judges",
      note: `On ${report.summary.judged} decided flips. Effective independent votes: ${fixed(effective?.effective ?? null, 2)} of ${report.members.length} (Kish's design effect over the judges' agreement with the panel).`,
      header: ["labels", "mean pairwise agreement", "Fleiss' κ", "Krippendorff's α"],
      rows: [["first error step", ...stat(agreement.step)], ["subtype", ...stat(agreement.subtype)]],
    });
  }
  // Each judge's verdicts beside its calibration (the latest per dataset, of the identity that gave these verdicts).
  const calibratedAs = (identity: string | undefined): string => {
    const rows = report.calibrations.filter((row) => row.identity === identity);
    return rows.length === 0 ? "not calibrated" : rows.map((row) => `${row.dataset} ${pct(row.meanF1)}`).join("; ");
  };
  tables.push({
    title: "Judges: outcomes, tokens, cost",
    header: ["judge", "verdicts", "invalid (by reason)", "backend errors", "calls", "prompt tokens", "completion tokens", "cost", "calibrated mean F1 %"],
    rows: usage.map((entry) => {
      const outcome = outcomes[entry.judge];
      const invalid = Object.entries(outcome?.invalid ?? {}).map(([reason, count]) => `${count} ${reason}`).join(", ");
      const identity = report.members.find((member) => member.name === entry.judge)?.identity;
      return [entry.judge, String(outcome?.verdict ?? 0), invalid || "0", String(outcome?.error ?? 0), String(entry.calls), String(entry.promptTokens), String(entry.completionTokens), entry.cost === null ? "no price" : entry.cost.toFixed(4), calibratedAs(identity)];
    }),
  });
  tables.push({
    title: "Position bias (solutions shown in swapped order)",
    ...(positionBias === null ? { note: "Not measured (no probes could be made)." } : {}),
    header: ["judge", "probes", "consistent in both orders", "error rate shown first", "shown second", "only when first / only when second", "McNemar p"],
    rows: positionBias === null ? [] : [[
      positionBias.judge, `${positionBias.probes}${positionBias.failed > 0 ? ` (+${positionBias.failed} without a valid pair verdict)` : ""}`, pct(positionBias.consistency),
      pct(positionBias.errorRateShownFirst), pct(positionBias.errorRateShownSecond), `${positionBias.onlyWhenFirst} / ${positionBias.onlyWhenSecond}`, fixed(positionBias.pValue),
    ]],
  });
  tables.push({
    title: "Calibration of the judges (ProcessBench protocol)",
    note: report.calibrations.length === 0
      ? "No judge of this panel has been calibrated: run `qreason judge calibrate --judges judges.yaml --run-dir <run-dir>` before trusting these verdicts."
      : "F1 = harmonic mean of the accuracy on erroneous and on correct solutions, in %, with its 95% bootstrap interval; from `qreason judge calibrate`.",
    header: ["judge", "dataset", "samples", "mean F1", "per subset: F1 [95%] (err acc / correct acc)", "no valid verdict", "when"],
    rows: report.calibrations.map((row) => [
      row.judge, row.dataset, String(row.samples), pct(row.meanF1),
      row.subsets.map((subset) => `${subset.subset} ${pct(subset.f1)} [${pct(subset.low)}, ${pct(subset.high)}] (${pct(subset.errorAccuracy)} / ${pct(subset.correctAccuracy)})`).join("; "),
      String(row.invalid), row.computedAt.slice(0, 10),
    ]),
  });
  return tables;
}
