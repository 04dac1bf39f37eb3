/**
 * One flip: the question and gold answer; fp's and the variant's solutions side by side, step-aligned
 * (src/steps `alignSteps`); on fp's side the first divergence and first vulnerable step, on the variant's the
 * reverse divergence and the step fp cannot recover from, and on both the per-token heat (when the attribute
 * stage stored them); on the variant's side the verifier's result per step and the first error as the
 * verifier, the panel and the reviewer place it; the judges' votes with their
 * explanations; and the review form (a plain POST form; the page script adds the keys).
 */
import { html } from "hono/html";
import type { FirstErrorResult } from "../../attribute/index.ts";
import type { AttributionView, FlipFilter, FlipItem, TokenHeat } from "../../review/index.ts";
import type { StoredReview } from "../../store/index.ts";
import { alignSteps, type StepCheck, type StepSegment, type StepsVerification } from "../../steps/index.ts";
import { ERROR_CATEGORIES, SUBTYPES, subtypeInfo } from "../../taxonomy/index.ts";
import { filterQuery, flipHref } from "../filters.ts";
import { heatPieces, KL_STEPS } from "../heat.ts";
import { TOKEN_FIELD } from "../security.ts";
import { labelText } from "./flips.ts";
import { stepName, type Html } from "./layout.ts";

export interface FlipPageData {
  item: FlipItem;
  filter: FlipFilter;
  position: { index: number; total: number; previous: string | null; next: string | null };
  fpText: string;
  variantText: string;
  fpSteps: StepsVerification;
  fpSegments: StepSegment[];
  findings: FirstErrorResult;
  attribution: AttributionView | null;
  history: StoredReview[];
  token: string;
  saved: boolean;
}

function checkBadge(check: StepCheck | undefined): Html {
  if (check === undefined) return html``;
  const refuted = check.claims.filter((claim) => claim.status === "refuted");
  return html`<span class="check check-${check.status}" title="step verifier: ${check.status}">${check.status}</span>${refuted.map(
    (claim) => html`<span class="claim">${claim.text}${claim.expected !== undefined ? html` <small>(is ${claim.expected}, states ${claim.stated ?? "?"})</small>` : ""}</span>`,
  )}`;
}

function segmentText(text: string, segment: StepSegment, tokens: readonly TokenHeat[]): Html {
  if (tokens.length === 0) return html`${segment.text}`;
  return html`${heatPieces(text, segment.start, segment.end, tokens).map((piece) =>
    piece.token === null
      ? piece.text
      : html`<span class="tok heat-${piece.level}${piece.token.diverged ? " diverged" : ""}" title="KL ${piece.token.kl === null ? "–" : piece.token.kl.toFixed(3)} · margin ${piece.token.margin === null ? "–" : piece.token.margin.toFixed(2)}">${piece.text}</span>`,
  )}`;
}

function marker(kind: string, text: string): Html {
  return html`<span class="marker marker-${kind}">${text}</span>`;
}

function fpCell(data: FlipPageData, index: number | undefined): Html {
  if (index === undefined) return html`<td class="gap"></td>`;
  const segment = data.fpSegments[index] as StepSegment;
  const check = data.fpSteps.steps.find((step) => step.segment === index);
  const markers = [
    data.attribution?.divergenceStep === index ? marker("divergence", "first divergence") : "",
    data.attribution?.vulnerableStep === index ? marker("vulnerable", "first vulnerable step") : "",
  ];
  return html`<td class="seg fp" data-fp-step="${index}"><span class="num">${index + 1}</span> ${markers}<div class="text">${segmentText(data.fpText, segment, data.attribution?.tokens ?? [])}</div>${checkBadge(check)}</td>`;
}

function variantCell(data: FlipPageData, index: number | undefined): Html {
  if (index === undefined) return html`<td class="gap"></td>`;
  const segment = data.findings.segments[index] as StepSegment;
  const check = data.findings.steps.steps.find((step) => step.segment === index);
  const { item } = data;
  const markers = [
    item.verifier.firstErrorStep === index ? marker("verifier", `first error (verifier${data.findings.first ? `: ${data.findings.first.reason}` : ""})`) : "",
    item.judges?.panel?.firstErrorStep === index ? marker("panel", "first error (panel)") : "",
    item.human?.firstErrorStep === index ? marker("human", `first error (${item.human.reviewer})`) : "",
    data.attribution?.reverseDivergenceStep === index ? marker("divergence", "fp diverges here") : "",
    data.attribution?.unrecoverableStep === index ? marker("vulnerable", "fp cannot recover from here") : "",
  ];
  const selected = (item.label.firstErrorStep ?? -2) === index;
  return html`<td class="seg variant${selected ? " selected" : ""}" data-step="${index}"><span class="num">${index + 1}</span> ${markers}<div class="text">${segmentText(data.variantText, segment, data.attribution?.variantTokens ?? [])}</div>${checkBadge(check)}</td>`;
}

function rescueNote(outcome: string | null, step: number | null, located: string, never: string): string {
  if (outcome === "located") return located.replace("STEP", stepName(step));
  if (outcome === "not-reproduced") return "the failure was not reproduced from the bare prompt";
  if (outcome === "never") return never;
  return "not stored";
}

function attributionNote(attribution: AttributionView): Html {
  const divergence = attribution.divergenceStep === null ? "No divergence found on fp's text" : `First divergence at fp's ${stepName(attribution.divergenceStep)}`;
  const reverse = attribution.reverseDivergenceStep === null ? "" : `; on the variant's text fp first diverges at its ${stepName(attribution.reverseDivergenceStep)}`;
  const rescue = rescueNote(attribution.vulnerableOutcome, attribution.vulnerableStep, "first vulnerable STEP of fp (the variant continuing fp's text cut before it still fails, cut after it is right)", "no prefix of fp's solution rescues the variant");
  const mirror = rescueNote(attribution.mirrorOutcome, attribution.unrecoverableStep, "fp cannot recover from the variant's STEP on (fp continuing the variant's text cut after it fails, cut before it is right)", "fp recovers from every prefix of the variant's solution");
  const scored = attribution.tokens.length + attribution.variantTokens.length > 0;
  return html`${divergence}${reverse}. Prefix rescue: ${rescue}; mirror: ${mirror}.
${scored
    ? html`<span id="heat-legend">Token shading: KL(fp‖variant) at each token of the solution it sits in, ≥ ${KL_STEPS.map((step, index) => html`<span class="tok heat-${index + 1}">${step}</span> `)}(the other model's margin where KL is missing); outlined tokens diverged.</span>`
    : "No per-token scores stored."}`;
}

function alignedRows(data: FlipPageData): Html {
  const alignment = alignSteps(data.fpSegments, data.findings.segments);
  return html`<table class="aligned" id="aligned" data-alignment="${alignment.method}">
<thead><tr><th>${data.item.baseline} (baseline, graded ${data.item.baselineStatus})</th><th>${data.item.variant} (graded ${data.item.variantStatus})</th></tr></thead>
<tbody>${alignment.pairs.map((pair) => html`<tr class="by-${pair.by}">${fpCell(data, pair.fp)}${variantCell(data, pair.variant)}</tr>`)}</tbody>
</table>
<p class="muted">Aligned by ${alignment.method === "labels" ? "step labels" : "step similarity"}; empty cells are steps with no counterpart.
${data.attribution === null ? "No token scores or prefix rescue stored for this flip (the attribute stage has not run on it)." : attributionNote(data.attribution)}</p>`;
}

function judgesSection(item: FlipItem): Html {
  if (item.judges === null) return html`<section id="judges"><h2>Judges</h2><p class="muted">No judge verdicts stored for this flip.</p></section>`;
  const { panel, votes } = item.judges;
  return html`<section id="judges"><h2>Judges</h2>
${panel ? html`<p>Panel: <b>${stepName(panel.firstErrorStep)}</b> ${panel.subtype ?? ""} (decided by ${panel.decidedBy}, ${panel.support}/${panel.votes} votes)${panel.flags.length ? html` · flags: ${panel.flags.join(", ")}` : ""}</p>` : ""}
<table class="grid votes"><thead><tr><th>judge</th><th>first error</th><th>subtype</th><th>confidence</th><th>explanation</th></tr></thead>
<tbody>${votes.map((vote) =>
    vote.verdict
      ? html`<tr><td>${vote.judge}</td><td>${stepName(vote.verdict.firstErrorStep)}</td><td>${vote.verdict.subtype}</td><td class="num">${vote.verdict.confidence.toFixed(2)}</td><td class="explanation">${vote.verdict.explanation}</td></tr>`
      : html`<tr><td>${vote.judge}</td><td colspan="4" class="muted">no valid verdict: ${vote.missing ?? ""}</td></tr>`,
  )}</tbody></table></section>`;
}

function reviewForm(data: FlipPageData): Html {
  const { item } = data;
  const steps = data.findings.segments.length;
  const label = item.label;
  const proposal = item.proposal;
  return html`<section id="review"><h2>Review</h2>
<p>Label now: <span id="current-label">${labelText(item)}</span>${item.human ? html` <small class="muted">by ${item.human.reviewer} at ${item.human.createdAt}</small>` : ""}</p>
<p class="muted">Proposed (${proposal.source}): ${proposal.subtype ? subtypeInfo(proposal.subtype).label : (proposal.category ?? "nothing")} · ${stepName(proposal.firstErrorStep)}</p>
${data.saved ? html`<p class="saved" id="saved">Saved.</p>` : ""}
<form method="post" action="/flip/${encodeURIComponent(item.key)}/review${filterQuery(data.filter)}" id="review-form">
<input type="hidden" name="${TOKEN_FIELD}" value="${data.token}">
<label>first error <select name="firstErrorStep" id="step">
<option value=""${label.firstErrorStep === null ? html` selected` : ""}>(none)</option>
<option value="-1"${label.firstErrorStep === -1 ? html` selected` : ""}>no error</option>
${Array.from({ length: steps }, (_, index) => html`<option value="${index}"${label.firstErrorStep === index ? html` selected` : ""}>step ${index + 1}</option>`)}
</select></label>
<label>category <select name="category" id="category"><option value="">(from subtype)</option>${ERROR_CATEGORIES.map(
    (category) => html`<option value="${category}"${label.category === category ? html` selected` : ""}>${category}</option>`,
  )}</select></label>
<label>subtype <select name="subtype" id="subtype"><option value="">(none)</option>${SUBTYPES.map(
    (info) => html`<option value="${info.subtype}" data-key="${info.key}" data-category="${info.category}"${label.subtype === info.subtype ? html` selected` : ""}>${info.key} ${info.label}</option>`,
  )}</select></label>
<label class="note">note <textarea name="note" id="note" rows="2">${item.human?.note ?? ""}</textarea></label>
<button type="submit" name="action" value="accept" id="accept">Accept proposal (a)</button>
<button type="submit" name="action" value="override" id="override">Save override</button>
</form>
${data.history.length > 1 ? html`<details><summary>History (${data.history.length} reviews)</summary><ol>${data.history.map(
    (review) => html`<li>${review.createdAt} ${review.reviewer}: ${review.action} ${review.subtype ?? review.category ?? ""} ${stepName(review.firstErrorStep)}${review.note ? ` — ${review.note}` : ""}</li>`,
  )}</ol></details>` : ""}
</section>`;
}

export function flipPage(data: FlipPageData): Html {
  const { item, position } = data;
  return html`<nav class="pager">
${position.previous ? html`<a id="prev" rel="prev" href="${position.previous}">← previous (k)</a>` : html`<span class="muted">← previous</span>`}
<span>${position.index + 1} of ${position.total}</span>
${position.next ? html`<a id="next" rel="next" href="${position.next}">next (j) →</a>` : html`<span class="muted">next →</span>`}
<a href="/flips${filterQuery(data.filter)}">back to the list</a>
</nav>
<h1>${item.problemId} <small>${item.model} · ${item.benchmark} · ${item.baseline} → ${item.variant}</small>${item.queue.map((reason) => html` <span class="badge audit" title="in the audit queue: ${reason}">${reason === "audit" ? "audit" : reason.replaceAll("_", " ")}</span>`)}</h1>
<section class="problem"><h2>Question</h2><div class="question text">${item.question}</div><p>Gold answer: <b class="gold">${item.gold}</b></p></section>
<section><h2>Solutions</h2>${alignedRows(data)}</section>
${judgesSection(item)}
${reviewForm(data)}`;
}

export { flipHref };
