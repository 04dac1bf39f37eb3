/**
 * The report's attribution section: error types per variant from the step verifier (the shared taxonomy),
 * histograms of the first-error, first-divergence and first-vulnerable steps by relative position, the
 * causal agreement rates, the KLD summary, and per flip the two solutions step by step, aligned, with
 * those steps marked and every token's margins (shading and a tooltip). All model text goes through the
 * escaping `html` template.
 */
import type { TopLevelSpec } from "vega-lite";
import type { PackedPosition } from "../attribute/index.ts";
import type { StoredSegment } from "../store/index.ts";
import { ERROR_CATEGORIES, ERROR_SUBTYPES } from "../taxonomy/index.ts";
import type { AttributionResults, FlipView, VariantAttribution } from "./attribution.ts";
import { renderSvg } from "./charts.ts";
import { html, trusted, type SafeHtml } from "./escape.ts";

/** Flips shown token by token at most (the rest are in results.json and the review UI). */
export const MAX_FLIP_VIEWS = 200;

export const ATTRIBUTION_STYLE = `
.steps { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 12px; margin-top: 8px; }
.step { font: 12.5px/1.6 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; border: 1px solid var(--line); border-radius: 5px; padding: 3px 8px; background: #fff; }
.step.gap { border-style: dashed; color: var(--muted); background: transparent; }
.step .badge { font: 11px system-ui, sans-serif; padding: 0 5px; border-radius: 3px; margin-right: 4px; color: #fff; }
.b-error { background: #b3261e; } .b-divergence { background: #7b4bb7; } .b-vulnerable { background: #d97706; } .b-unrecoverable { background: #0f766e; }
.step.m-error { border-left: 4px solid #b3261e; } .step.m-vulnerable { box-shadow: inset 0 0 0 1px #d97706; } .step.m-divergence { background: #f6f0fd; }
.t0 { background: #fbd5d0; } .t1 { background: #fde6c8; } .t2 { background: #fdf3d8; } .dv { text-decoration: underline 2px #7b4bb7; }
.legend { font-size: 12px; color: var(--muted); }
`;

const percent = (value: number | null | undefined, digits = 0): string => (value === null || value === undefined || Number.isNaN(value) ? "—" : `${(100 * value).toFixed(digits)}%`);
const fixed = (value: number | null | undefined, digits = 4): string => (value === null || value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(digits));

function histogramSpec(results: AttributionResults): TopLevelSpec {
  const bins = results.histogramBins;
  const names = { firstError: "first error (verifier)", firstDivergence: "first divergence", firstVulnerable: "first vulnerable (rescue)" } as const;
  const values = (Object.keys(names) as (keyof typeof names)[]).flatMap((name) =>
    results.overall.histograms[name].map((count, bin) => ({ locator: names[name], bin: `${(100 * bin) / bins}–${(100 * (bin + 1)) / bins}%`, order: bin, count })),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Where flips went wrong: step position in fp's solution (${results.overall.flips} flips)`,
    width: 520,
    height: 180,
    config: { axis: { labelFontSize: 11, titleFontSize: 11 }, title: { fontSize: 13, anchor: "start" as const }, view: { stroke: null } },
    data: { values },
    mark: { type: "bar" },
    encoding: {
      x: { field: "bin", type: "ordinal", sort: { field: "order" }, title: "relative step position (0% first step … 100% last)" },
      xOffset: { field: "locator" },
      y: { field: "count", type: "quantitative", title: "flips" },
      color: {
        field: "locator", type: "nominal",
        scale: { domain: [names.firstError, names.firstDivergence, names.firstVulnerable], range: ["#b3261e", "#7b4bb7", "#d97706"] },
        legend: { orient: "top", title: null, labelLimit: 240 },
      },
    },
  } as TopLevelSpec;
}

function agreementCell(rate: { pairs: number; exact: number; withinOne: number }): SafeHtml {
  return rate.pairs === 0 ? html`<td class="num">—</td>` : html`<td class="num">${percent(rate.exact)} <span class="muted">(±1: ${percent(rate.withinOne)}; n=${rate.pairs})</span></td>`;
}

function variantRows(variants: readonly VariantAttribution[]): { types: SafeHtml[]; agreement: SafeHtml[]; kld: SafeHtml[] } {
  return {
    types: variants.map((entry) => html`<tr><td>${entry.benchmark}</td><td>${entry.variant}</td><td class="num">${entry.flips}</td>
${ERROR_CATEGORIES.map((category) => html`<td class="num">${entry.errorTypes.categories[category] ?? 0}</td>`)}<td class="num">${entry.errorTypes.untyped}</td><td class="num">${entry.errorTypes.noneFound}</td>
<td>${ERROR_SUBTYPES.filter((subtype) => (entry.errorTypes.subtypes[subtype] ?? 0) > 0).map((subtype) => `${subtype.replaceAll("_", " ")} ${entry.errorTypes.subtypes[subtype]}`).join(", ")}</td></tr>`),
    agreement: variants.map((entry) => html`<tr><td>${entry.benchmark}</td><td>${entry.variant}</td><td class="num">${entry.flips}</td><td class="num">${entry.controls}</td>
<td class="num">${entry.found.firstError}</td><td class="num">${entry.found.firstDivergence}${entry.found.firstDivergence > 0 ? html` <span class="muted">(${Object.entries(entry.divergenceKinds).map(([kind, count]) => `${kind} ${count}`).join(", ")})</span>` : ""}</td><td class="num">${entry.found.firstVulnerable}</td>
${agreementCell(entry.agreement.vulnerableVsDivergence)}${agreementCell(entry.agreement.vulnerableVsError)}${agreementCell(entry.agreement.divergenceVsError)}
<td class="num">${Object.entries(entry.rescueOutcomes).map(([outcome, count]) => `${outcome} ${count}`).join(", ")}</td><td class="num">${entry.controlsWithDivergence}/${entry.controls}</td></tr>`),
    kld: variants.map((entry) => html`<tr><td>${entry.benchmark}</td><td>${entry.variant}</td>
<td class="num">${entry.kld.forward?.positions ?? 0}</td><td class="num">${fixed(entry.kld.forward?.meanKl)}</td><td class="num">${fixed(entry.kld.forward?.p99Kl)}</td><td class="num">${entry.kld.forward?.sameTopPercent === null || entry.kld.forward === null ? "—" : entry.kld.forward.sameTopPercent.toFixed(2)}%</td>
<td class="num">${entry.kld.reverse?.positions ?? 0}</td><td class="num">${fixed(entry.kld.reverse?.meanKl)}</td><td class="num">${fixed(entry.kld.reverse?.p99Kl)}</td><td class="num">${entry.kld.reverse?.sameTopPercent === null || entry.kld.reverse === null ? "—" : entry.kld.reverse.sameTopPercent.toFixed(2)}%</td></tr>`),
  };
}

/** Shading by the lower of the two margins (nats): < 0.5 strong, < 1 medium, < 2 light. */
function shade(position: PackedPosition): string {
  const margin = Math.min(position.fpMargin, position.variantMargin);
  return margin < 0.5 ? "t0" : margin < 1 ? "t1" : margin < 2 ? "t2" : "";
}

function stepTokens(text: string, segment: StoredSegment, positions: readonly PackedPosition[]): SafeHtml[] {
  const parts: SafeHtml[] = [];
  let cursor = segment.start;
  for (const position of positions) {
    const start = Math.max(position.start, segment.start);
    const end = Math.min(position.end, segment.end);
    if (end <= start || start < cursor) continue;
    if (start > cursor) parts.push(html`${text.slice(cursor, start)}`);
    const classes = [shade(position), position.diverges ? "dv" : ""].filter((name) => name !== "").join(" ");
    const title = `fp margin ${fixed(position.fpMargin, 2)} · variant margin ${fixed(position.variantMargin, 2)} · KL ${fixed(position.kl, 3)} · p fp ${fixed(position.fpProbability, 3)} / variant ${fixed(position.variantProbability, 3)}`;
    parts.push(html`<span class="${classes}" title="${title}">${text.slice(start, end)}</span>`);
    cursor = end;
  }
  if (cursor < segment.end) parts.push(html`${text.slice(cursor, segment.end)}`);
  return parts;
}

function stepBlock(text: string, segments: readonly StoredSegment[], index: number | null, positions: readonly PackedPosition[], marks: Record<string, number | null | undefined>): SafeHtml {
  if (index === null) return html`<div class="step gap">(no counterpart)</div>`;
  const segment = segments[index];
  if (segment === undefined) return html`<div class="step gap">(step ${index} not stored)</div>`;
  const on = Object.entries(marks).filter(([, step]) => step === index).map(([name]) => name);
  return html`<div class="step ${on.map((name) => `m-${name}`).join(" ")}">${on.map((name) => html`<span class="badge b-${name}">${name}</span>`)}${stepTokens(text, segment, positions)}</div>`;
}

function flipArticle(view: FlipView): SafeHtml {
  const { flip } = view;
  const fpMarks = { error: flip.firstError?.fpStep, divergence: flip.firstDivergence, vulnerable: flip.firstVulnerable };
  const variantMarks = { error: flip.firstError?.step, divergence: flip.reverseDivergence, unrecoverable: flip.unrecoverable };
  const rows = view.alignment.map(([fp, variant]) => html`${stepBlock(view.fpText, view.fpSegments, fp, view.forward, fpMarks)}${stepBlock(view.variantText, view.variantSegments, variant, view.reverse, variantMarks)}`);
  const error = flip.firstError;
  return html`<article class="problem" id="${view.anchor}"><h3>${flip.problemId} <span class="muted">— ${flip.variant} on ${flip.benchmark}</span></h3>
<p class="meta">verifier: ${error === null ? "no error found" : html`step ${(error.step ?? 0) + 1} (${error.subtype ?? "untyped"}${error.category ? `, ${error.category}` : ""}; ${error.reason ?? ""}${error.certain === false ? ", not certain" : ""})`}
 · first divergence: ${flip.firstDivergence === null ? "none" : `fp step ${flip.firstDivergence + 1}${flip.divergenceKind !== null && flip.divergenceKind !== "confident" ? ` (${flip.divergenceKind === "departure" ? "fp unsure: the first top-1 departure" : "no top-1 departure: the largest log-prob drop"})` : ""}`}
 · prefix rescue: ${flip.rescueOutcome ?? "—"}${flip.firstVulnerable !== null ? ` at fp step ${flip.firstVulnerable + 1}` : ""}
 · mirror: ${flip.mirrorOutcome ?? "—"}${flip.unrecoverable !== null ? ` at variant step ${flip.unrecoverable + 1}` : ""} · ${flip.continuations} continuation(s)</p>
<div class="steps"><h4>${flip.baseline} (right)</h4><h4>${flip.variant} (wrong)</h4>${rows}</div></article>`;
}

export async function attributionSection(results: AttributionResults | null, views: readonly FlipView[]): Promise<SafeHtml> {
  if (results === null) {
    return html`<section id="attribution"><h2>Where flips went wrong</h2><p class="muted">Not attributed yet: add <code>attribute: true</code> to the study, or run <code>qreason attribute &lt;run-dir&gt;</code>.</p></section>`;
  }
  const rows = variantRows(results.variants);
  const overall = results.overall.agreement;
  return html`<section id="attribution"><h2>Where flips went wrong</h2>
<p class="muted">Three locators per flip (fp right, variant wrong), compared in fp's steps: the step verifier's first error on the variant's solution (carried to fp's steps by the step alignment); the first divergence — the first step where the variant, teacher-forced on fp's solution, ranks another token first where fp was confident (margin ≥ the threshold; else the first top-1 departure; else the step of the largest drop in the log-probability of fp's token); and the first vulnerable step — the smallest k such that the variant, continuing fp's solution cut after step k, reaches the right answer. Versions: ${results.segmenter}, ${results.verifier}; settings <code>${JSON.stringify(results.settings)}</code>.</p>
<p><strong>Causal agreement over all ${results.overall.flips} flips:</strong> first vulnerable = first divergence ${percent(overall.vulnerableVsDivergence.exact)} (n=${overall.vulnerableVsDivergence.pairs}); first vulnerable = verifier's first error ${percent(overall.vulnerableVsError.exact)} (n=${overall.vulnerableVsError.pairs}); first divergence = first error ${percent(overall.divergenceVsError.exact)} (n=${overall.divergenceVsError.pairs}).</p>
<div class="charts"><div class="chart">${trusted(await renderSvg(histogramSpec(results)))}</div></div>
<h3>Error types of the flips (step verifier)</h3>
<table><thead><tr><th>benchmark</th><th>variant</th><th class="num">flips</th>${ERROR_CATEGORIES.map((category) => html`<th class="num">${category}</th>`)}<th class="num">untyped (format)</th><th class="num">no error found</th><th>subtypes</th></tr></thead><tbody>${rows.types}</tbody></table>
<h3>Agreement per variant</h3>
<table><thead><tr><th>benchmark</th><th>variant</th><th class="num">flips</th><th class="num">controls</th><th class="num">first error found</th><th class="num">divergence found</th><th class="num">vulnerable found</th><th class="num">vulnerable = divergence</th><th class="num">vulnerable = error</th><th class="num">divergence = error</th><th class="num">rescue outcomes</th><th class="num">controls with a confident divergence</th></tr></thead><tbody>${rows.agreement}</tbody></table>
<h3>KL divergence against fp (over attributed pairs)</h3>
<p class="muted">llama.cpp's figures over every position of the attributed pairs; KL over the top-k lists (src/attribute/README.md: with estimated tail mass). Forward: scored on fp's solutions; reverse: on the variant's.</p>
<table><thead><tr><th rowspan="2">benchmark</th><th rowspan="2">variant</th><th colspan="4">forward</th><th colspan="4">reverse</th></tr><tr><th class="num">positions</th><th class="num">mean KL</th><th class="num">p99 KL</th><th class="num">same top-1</th><th class="num">positions</th><th class="num">mean KL</th><th class="num">p99 KL</th><th class="num">same top-1</th></tr></thead><tbody>${rows.kld}</tbody></table>
<h3>Flips step by step</h3>
<p class="legend">Steps (numbered from 1 in the order the segmenter found them) side by side as aligned. Badges: <span class="badge b-error">error</span> verifier's first error · <span class="badge b-divergence">divergence</span> first divergence (on fp's side forward, on the variant's side reverse: where fp would have objected) · <span class="badge b-vulnerable">vulnerable</span> first vulnerable step · <span class="badge b-unrecoverable">unrecoverable</span> fp cannot recover from the variant's prefix through this step. Token shading: the lower of the two models' margins (<span class="t0">&lt; 0.5</span>, <span class="t1">&lt; 1</span>, <span class="t2">&lt; 2</span> nats); <span class="dv">underlined</span>: a diverging token. Hover a token for its margins, KL and probabilities.</p>
${views.slice(0, MAX_FLIP_VIEWS).map(flipArticle)}
${views.length > MAX_FLIP_VIEWS ? html`<p class="muted">${views.length - MAX_FLIP_VIEWS} more flips in results.json.</p>` : ""}
</section>`;
}
