/**
 * The report's attribution data, from the run store alone (the attribute stage's tables, schema v3): per
 * variant the error types of its flips from the step verifier (the shared taxonomy), histograms of the
 * first-error, first-divergence and first-vulnerable steps by relative position in fp's solution, the
 * causal agreement rates, the KLD summary; per flip where each locator points (results.json), and for the
 * HTML the two solutions with their steps, the marked steps and per-token margins. Reads the rows of the
 * versions and settings the attribute stage stored last.
 */
import { causalAgreement, decodePositions, histogram, relativePosition, type CausalAgreement, type FlipLocations, type PackedPosition } from "../attribute/index.ts";
import { runRecordOf, type RunStore, type StoredAttribution, type StoredFirstError, type StoredSegment } from "../store/index.ts";
import { ERROR_CATEGORIES, ERROR_SUBTYPES } from "../taxonomy/index.ts";

export const HISTOGRAM_BINS = 10;

export interface FlipAttribution {
  model: string;
  benchmark: string;
  baseline: string;
  variant: string;
  problemId: string;
  fpSteps: number;
  variantSteps: number;
  firstError: (StoredFirstError & { fpStep?: number }) | null;
  /** fp segment of the first divergence (forward), variant segment of the reverse one. */
  firstDivergence: number | null;
  /** How the first divergence was found (confident, departure, max-drop: src/store/attribution.ts). */
  divergenceKind: string | null;
  reverseDivergence: number | null;
  firstVulnerable: number | null;
  rescueOutcome: string | null;
  unrecoverable: number | null;
  mirrorOutcome: string | null;
  continuations: number;
  /** Relative positions (0 first step … 1 last) in fp's solution. */
  relative: { firstError: number | null; firstDivergence: number | null; firstVulnerable: number | null };
}

export interface KldFigures {
  texts: number;
  positions: number;
  meanKl: number | null;
  p99Kl: number | null;
  sameTopPercent: number | null;
}

export interface VariantAttribution {
  model: string;
  benchmark: string;
  baseline: string;
  variant: string;
  flips: number;
  controls: number;
  /** The verifier's first error on each flip's variant solution, by category and subtype; none found; found but not in the taxonomy (format). */
  errorTypes: { categories: Record<string, number>; subtypes: Record<string, number>; noneFound: number; untyped: number };
  found: { firstError: number; firstDivergence: number; firstVulnerable: number };
  /** Flips by how their first divergence was found: confident, departure, max-drop. */
  divergenceKinds: Record<string, number>;
  rescueOutcomes: Record<string, number>;
  mirrorOutcomes: Record<string, number>;
  histograms: { firstError: number[]; firstDivergence: number[]; firstVulnerable: number[] };
  agreement: CausalAgreement;
  /** Controls (both right) with a confident forward divergence: false alarms of the divergence measure. */
  controlsWithDivergence: number;
  kld: { forward: KldFigures | null; reverse: KldFigures | null };
}

export interface AttributionResults {
  segmenter: string;
  verifier: string;
  settingsHash: string;
  settings: unknown;
  histogramBins: number;
  variants: VariantAttribution[];
  overall: { flips: number; agreement: CausalAgreement; histograms: VariantAttribution["histograms"] };
  flips: FlipAttribution[];
}

/** What the HTML shows of one flip: both texts with their steps, the marked steps, per-token margins. */
export interface FlipView {
  flip: FlipAttribution;
  anchor: string;
  fpText: string;
  variantText: string;
  fpSegments: StoredSegment[];
  variantSegments: StoredSegment[];
  alignment: Array<[number | null, number | null]>;
  forward: PackedPosition[];
  reverse: PackedPosition[];
}

export function flipAnchor(flip: Pick<FlipAttribution, "model" | "benchmark" | "variant" | "problemId">): string {
  return `attr-${[flip.model, flip.benchmark, flip.variant, flip.problemId].join("--").replace(/[^A-Za-z0-9_-]+/g, "-")}`;
}

const none = (value: number | undefined): number | null => value ?? null;

function flipOf(row: StoredAttribution, firstError: StoredFirstError | undefined): FlipAttribution {
  const cutSteps = row.fpSteps;
  const relative = (step: number | undefined): number | null => (step === undefined ? null : relativePosition(step, cutSteps));
  return {
    model: row.model, benchmark: row.benchmark, baseline: row.baseline, variant: row.variant, problemId: row.problemId,
    fpSteps: row.fpSteps, variantSteps: row.variantSteps,
    firstError: firstError?.step === undefined ? null : { ...firstError, ...(row.firstErrorFpStep !== undefined ? { fpStep: row.firstErrorFpStep } : {}) },
    firstDivergence: none(row.firstDivergenceFpStep),
    divergenceKind: row.divergences.find((entry) => entry.direction === "forward")?.firstKind ?? null,
    reverseDivergence: none(row.reverseDivergenceVariantStep),
    firstVulnerable: none(row.firstVulnerableFpStep), rescueOutcome: row.rescueOutcome ?? null,
    unrecoverable: none(row.unrecoverableVariantStep), mirrorOutcome: row.mirrorOutcome ?? null,
    continuations: row.continuations.length,
    relative: { firstError: relative(row.firstErrorFpStep), firstDivergence: relative(row.firstDivergenceFpStep), firstVulnerable: relative(row.firstVulnerableFpStep) },
  };
}

function locations(flips: readonly FlipAttribution[]): FlipLocations[] {
  return flips.map((flip) => ({
    ...(flip.firstError?.fpStep !== undefined ? { firstError: flip.firstError.fpStep } : {}),
    ...(flip.firstDivergence !== null ? { firstDivergence: flip.firstDivergence } : {}),
    ...(flip.firstVulnerable !== null ? { firstVulnerable: flip.firstVulnerable } : {}),
  }));
}

function histograms(flips: readonly FlipAttribution[]): VariantAttribution["histograms"] {
  const of = (name: keyof FlipAttribution["relative"]) => histogram(flips.flatMap((flip) => (flip.relative[name] === null ? [] : [flip.relative[name]])), HISTOGRAM_BINS);
  return { firstError: of("firstError"), firstDivergence: of("firstDivergence"), firstVulnerable: of("firstVulnerable") };
}

const count = (values: readonly (string | null)[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const value of values) if (value !== null) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
};

/** The attribution section of results.json (and the rows the HTML needs), or null before any pair was attributed. */
export function buildAttribution(
  store: RunStore,
  studyHash: string,
  order: readonly { model: string; benchmark: string; variant: string }[] = [],
): { results: AttributionResults; rows: StoredAttribution[] } | null {
  const version = store.attribution.latestVersion(studyHash);
  if (version === undefined) return null;
  const position = (row: { model: string; benchmark: string; variant: string }): number => {
    const index = order.findIndex((entry) => entry.model === row.model && entry.benchmark === row.benchmark && entry.variant === row.variant);
    return index === -1 ? order.length : index;
  };
  // Plan order (the listing is already sorted within a comparison: flips first, by problem).
  const rows = store.attribution.list(studyHash, version.segmenter, version.verifier, version.settingsHash).map((row, index) => ({ row, index }))
    .sort((left, right) => position(left.row) - position(right.row) || left.index - right.index).map(({ row }) => row);
  const firstErrors = new Map<string, StoredFirstError>();
  for (const row of rows) {
    const verification = store.attribution.verification(row.variantKey, version.segmenter, version.verifier);
    if (verification) firstErrors.set(row.variantKey, verification.firstError);
  }
  const flipRows = rows.filter((row) => row.role === "flip");
  const flips = flipRows.map((row) => flipOf(row, firstErrors.get(row.variantKey)));
  const summaries = store.attribution.kldSummaries(studyHash, version.segmenter, version.verifier, version.settingsHash);
  const groups = new Map<string, StoredAttribution[]>();
  for (const row of rows) {
    const name = [row.model, row.benchmark, row.baseline, row.variant].join("\0");
    groups.set(name, [...(groups.get(name) ?? []), row]);
  }
  const variants: VariantAttribution[] = [...groups.values()].map((group) => {
    const { model, benchmark, baseline, variant } = group[0] as StoredAttribution;
    const own = flips.filter((flip) => flip.model === model && flip.benchmark === benchmark && flip.variant === variant && flip.baseline === baseline);
    const controls = group.filter((row) => row.role === "control");
    const categories: Record<string, number> = Object.fromEntries(ERROR_CATEGORIES.map((category) => [category, 0]));
    const subtypes: Record<string, number> = Object.fromEntries(ERROR_SUBTYPES.map((subtype) => [subtype, 0]));
    let noneFound = 0;
    let untyped = 0;
    for (const flip of own) {
      if (flip.firstError === null) noneFound++;
      else if (flip.firstError.category === undefined || flip.firstError.subtype === undefined) untyped++;
      else {
        categories[flip.firstError.category] = (categories[flip.firstError.category] ?? 0) + 1;
        subtypes[flip.firstError.subtype] = (subtypes[flip.firstError.subtype] ?? 0) + 1;
      }
    }
    const kld = (direction: "forward" | "reverse"): KldFigures | null => {
      const summary = summaries.find((entry) => entry.model === model && entry.benchmark === benchmark && entry.variant === variant && entry.baseline === baseline && entry.direction === direction);
      return summary === undefined ? null : { texts: summary.texts, positions: summary.positions, meanKl: summary.meanKl, p99Kl: summary.p99Kl, sameTopPercent: summary.sameTopPercent };
    };
    return {
      model, benchmark, baseline, variant, flips: own.length, controls: controls.length,
      errorTypes: { categories, subtypes, noneFound, untyped },
      found: {
        firstError: own.filter((flip) => flip.firstError !== null).length,
        firstDivergence: own.filter((flip) => flip.firstDivergence !== null).length,
        firstVulnerable: own.filter((flip) => flip.firstVulnerable !== null).length,
      },
      divergenceKinds: count(own.map((flip) => flip.divergenceKind)),
      rescueOutcomes: count(own.map((flip) => flip.rescueOutcome)),
      mirrorOutcomes: count(own.map((flip) => flip.mirrorOutcome)),
      histograms: histograms(own),
      agreement: causalAgreement(locations(own)),
      controlsWithDivergence: controls.filter((row) => row.divergences.some((entry) => entry.direction === "forward" && entry.firstKind === "confident")).length,
      kld: { forward: kld("forward"), reverse: kld("reverse") },
    };
  });
  const first = rows[0] as StoredAttribution;
  return {
    results: {
      segmenter: version.segmenter, verifier: version.verifier, settingsHash: version.settingsHash, settings: first.settings, histogramBins: HISTOGRAM_BINS,
      variants, overall: { flips: flips.length, agreement: causalAgreement(locations(flips)), histograms: histograms(flips) }, flips,
    },
    rows: flipRows,
  };
}

/** The per-flip views of the HTML (texts from the store, positions decoded). */
export function flipViews(store: RunStore, results: AttributionResults, rows: readonly StoredAttribution[]): FlipView[] {
  return rows.map((row, index) => {
    const [fp, variant] = store.generations([row.baselineKey, row.variantKey]);
    const segments = (key: string): StoredSegment[] => store.attribution.verification(key, results.segmenter, results.verifier)?.segments ?? [];
    const positions = (direction: "forward" | "reverse"): PackedPosition[] => {
      const divergence = row.divergences.find((entry) => entry.direction === direction);
      return divergence === undefined ? [] : decodePositions(divergence.positions);
    };
    const flip = results.flips[index] as FlipAttribution;
    return {
      flip, anchor: flipAnchor(flip), fpText: fp?.text ?? "", variantText: variant?.text ?? "",
      fpSegments: segments(row.baselineKey), variantSegments: segments(row.variantKey), alignment: row.alignment,
      forward: positions("forward"), reverse: positions("reverse"),
    };
  });
}

const rate = (value: number): string => (Number.isNaN(value) ? "—" : `${(100 * value).toFixed(0)}%`);

/** The causal agreement table printed by `qreason attribute` (and the demo). */
export function attributionSummaryText(store: RunStore): string {
  const state = store.state.current();
  const record = runRecordOf(store);
  const built = state === undefined ? null : buildAttribution(store, state.studyHash, record?.comparisons ?? []);
  if (built === null) return "attribution: nothing attributed yet (no flips, or the attribute stage has not run)";
  const { results } = built;
  const header = ["benchmark", "variant", "flips", "controls", "error found", "divergence found", "vulnerable found", "vuln = div", "vuln = error", "div = error", "mean KL", "same top"];
  const agreementCell = (value: { pairs: number; exact: number }): string => (value.pairs === 0 ? "—" : `${rate(value.exact)} of ${value.pairs}`);
  const rows = results.variants.map((entry) => [
    entry.benchmark, entry.variant, String(entry.flips), String(entry.controls),
    String(entry.found.firstError), String(entry.found.firstDivergence), String(entry.found.firstVulnerable),
    agreementCell(entry.agreement.vulnerableVsDivergence), agreementCell(entry.agreement.vulnerableVsError), agreementCell(entry.agreement.divergenceVsError),
    entry.kld.forward?.meanKl === null || entry.kld.forward === null ? "—" : entry.kld.forward.meanKl.toFixed(4),
    entry.kld.forward?.sameTopPercent === null || entry.kld.forward === null ? "—" : `${entry.kld.forward.sameTopPercent.toFixed(1)}%`,
  ]);
  const overall = results.overall.agreement;
  rows.push(["all", "", String(results.overall.flips), "", String(overall.found.firstError), String(overall.found.firstDivergence), String(overall.found.firstVulnerable), agreementCell(overall.vulnerableVsDivergence), agreementCell(overall.vulnerableVsError), agreementCell(overall.divergenceVsError), "", ""]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]): string => cells.map((text, column) => (column >= 2 ? text.padStart(widths[column] as number) : text.padEnd(widths[column] as number))).join("  ");
  return [
    `attribution (${results.segmenter}, ${results.verifier}): steps agree exactly, over flips where both locators found one`,
    line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line),
  ].join("\n");
}
