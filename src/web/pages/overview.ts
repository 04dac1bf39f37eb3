/**
 * The run at a glance: each cell's accuracy with its interval, each comparison's drop with the paired
 * bootstrap interval and McNemar's p, flips and rescues (linked to the filtered flips list), the review's
 * progress and how far the automatic labels agree with the people who reviewed them.
 */
import { html } from "hono/html";
import type { Results } from "../../report/index.ts";
import type { ReviewSummary } from "../../review/index.ts";
import { percent, points, type Html } from "./layout.ts";

export interface OverviewData {
  results: Results;
  summary: ReviewSummary;
  judged: boolean;
  attributed: boolean;
}

export function agreementTable(summary: ReviewSummary): Html {
  if (summary.agreement.length === 0) return html`<p class="muted">No reviewed flip has an automatic label to compare with yet.</p>`;
  const cell = (field: ReviewSummary["agreement"][number]["step"]): Html =>
    html`<td>${field.items === 0 ? "–" : `${field.agreeing}/${field.items} (${percent(field.rate, 0)})`}</td><td>${field.alpha === null ? "–" : field.alpha.toFixed(2)}</td>`;
  return html`<table class="grid agreement">
<thead><tr><th>human vs</th><th>flips</th><th>step agrees</th><th>α</th><th>category agrees</th><th>α</th><th>subtype agrees</th><th>α</th></tr></thead>
<tbody>${summary.agreement.map((entry) => html`<tr><td>${entry.source === "panel" ? "judge panel" : "step verifier"}</td><td>${entry.flips}</td>${cell(entry.step)}${cell(entry.category)}${cell(entry.subtype)}</tr>`)}</tbody>
</table>
<p class="muted">α: Krippendorff's alpha (nominal), agreement corrected for chance; "–" when undefined.</p>`;
}

export function overviewPage(data: OverviewData): Html {
  const { results, summary } = data;
  const query = (variant: string, benchmark: string): string => `/flips?${new URLSearchParams({ variant, benchmark }).toString()}`;
  return html`<h1>${results.study.name}</h1>
<p class="muted">grader ${results.grader ?? "(nothing graded yet)"} · ${results.run.complete ? "complete" : "incomplete"} run ·
judge verdicts: ${data.judged ? "stored" : "none stored (the judge stage has not run)"} ·
attribution: ${data.attributed ? "stored" : "none stored (the attribute stage has not run)"}</p>
<section>
<h2>Variants</h2>
<table class="grid" id="cells">
<thead><tr><th>model</th><th>variant</th><th>benchmark</th><th>accuracy</th><th>95% interval</th><th>graded</th><th>format failures</th></tr></thead>
<tbody>${results.cells.map(
    (cell) => html`<tr><td>${cell.model}</td><td>${cell.variant}</td><td>${cell.benchmark}</td><td class="num">${percent(cell.accuracy.score)}</td>
<td class="num">${percent(cell.accuracy.interval.low)} – ${percent(cell.accuracy.interval.high)}</td><td class="num">${cell.graded}/${cell.planned}</td><td class="num">${cell.statuses.formatFailures}</td></tr>`,
  )}</tbody>
</table>
</section>
<section>
<h2>Drops</h2>
<table class="grid" id="comparisons">
<thead><tr><th>model</th><th>benchmark</th><th>baseline → variant</th><th>baseline</th><th>variant</th><th>drop (points)</th><th>paired 95% interval of the change</th><th>McNemar p</th><th>flips</th><th>rescues</th></tr></thead>
<tbody>${results.comparisons.map(({ model, benchmark, baseline, variant, comparison }) => {
    const { headline, difference, mcnemar } = comparison;
    return html`<tr><td>${model}</td><td>${benchmark}</td><td>${baseline} → ${variant}</td><td class="num">${headline.baselinePercent.toFixed(1)}%</td><td class="num">${headline.variantPercent.toFixed(1)}%</td>
<td class="num">${points(headline.absoluteDropPoints)}</td><td class="num">${points(difference.interval.low * 100)} … ${points(difference.interval.high * 100)}</td><td class="num">${mcnemar.pValue.toPrecision(2)}</td>
<td class="num">${benchmark === "all benchmarks" ? comparison.flips.length : html`<a href="${query(variant, benchmark)}">${comparison.flips.length}</a>`}</td><td class="num">${comparison.rescues.length}</td></tr>`;
  })}</tbody>
</table>
</section>
<section>
<h2>Review</h2>
<p id="progress">${summary.reviewed} of ${summary.flips} flips reviewed (${summary.accepted} accepted, ${summary.overridden} overridden) ·
<a href="/audit">audit queue</a>: ${summary.audit.reviewed} of ${summary.audit.sampled} reviewed · <a href="/flips?reviewed=no">unreviewed flips</a></p>
${agreementTable(summary)}
</section>`;
}
