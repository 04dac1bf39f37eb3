/**
 * The report's human-review section: how many flips people reviewed in `qreason view` (accepted,
 * overridden, the audit queue), and how far the judge panel's and the step verifier's labels agree with
 * theirs (src/review `reviewSummary`: agreement share and Krippendorff's alpha per field).
 */
import { reviewSummary, RunReview, type ReviewSummary } from "../review/index.ts";
import type { RunStore } from "../store/index.ts";
import { html, type SafeHtml } from "./escape.ts";

export type { ReviewSummary };

export function reviewOf(store: RunStore): ReviewSummary {
  return reviewSummary(new RunReview(store, { reviewer: "report" }).items());
}

const share = (field: ReviewSummary["agreement"][number]["step"]): string =>
  field.items === 0 ? "–" : `${field.agreeing}/${field.items} (${((field.rate ?? 0) * 100).toFixed(0)}%)${field.alpha === null ? "" : `, α ${field.alpha.toFixed(2)}`}`;
const sourceName = (source: "panel" | "verifier"): string => (source === "panel" ? "judge panel" : "step verifier");

export function reviewMarkdown(review: ReviewSummary): string[] {
  const lines = ["## Human review", ""];
  lines.push(
    `${review.reviewed} of ${review.flips} flips reviewed in \`qreason view\` (${review.accepted} accepted, ${review.overridden} overridden)` +
      `${review.reviewers.length ? ` by ${review.reviewers.join(", ")}` : ""}; audit queue: ${review.audit.reviewed} of ${review.audit.sampled} reviewed.`,
    "",
  );
  if (review.agreement.length > 0) {
    lines.push("| human vs | flips | first error step | category | subtype |", "|---|---|---|---|---|");
    for (const entry of review.agreement) lines.push(`| ${sourceName(entry.source)} | ${entry.flips} | ${share(entry.step)} | ${share(entry.category)} | ${share(entry.subtype)} |`);
    lines.push("", "Agreeing / labelled by both, with Krippendorff's alpha (nominal) where defined.", "");
  }
  return lines;
}

export function reviewSection(review: ReviewSummary): SafeHtml {
  const rows = review.agreement.map(
    (entry) => html`<tr><td>${sourceName(entry.source)}</td><td class="num">${entry.flips}</td><td>${share(entry.step)}</td><td>${share(entry.category)}</td><td>${share(entry.subtype)}</td></tr>`,
  );
  return html`<section id="review"><h2>Human review</h2>
<p>${review.reviewed} of ${review.flips} flips reviewed in <code>qreason view</code> (${review.accepted} accepted, ${review.overridden} overridden); audit queue: ${review.audit.reviewed} of ${review.audit.sampled} reviewed.</p>
${review.agreement.length === 0 ? html`<p class="muted">No reviewed flip to compare the automatic labels with.</p>` : html`<table><thead><tr><th>human vs</th><th class="num">flips</th><th>first error step</th><th>category</th><th>subtype</th></tr></thead><tbody>${rows}</tbody></table>`}
</section>`;
}
