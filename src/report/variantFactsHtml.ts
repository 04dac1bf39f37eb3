/** report.html's "Variants" section: the per-variant facts of variantFacts.ts as a table (every value escaped). */
import { html, type SafeHtml } from "./escape.ts";
import type { Results } from "./results.ts";
import { variantFactsRows } from "./variantFacts.ts";

export function variantFactsSection(results: Results): SafeHtml {
  const facts = results.variantFacts ?? [];
  if (facts.length === 0) return html``;
  const multiModel = new Set(results.variants.map((entry) => entry.model)).size > 1;
  const { header, rows } = variantFactsRows(facts, (model, variant) => (multiModel ? `${model} · ${variant}` : variant));
  const body = rows.map((row) => html`<tr>${row.map((cell, column) => (column === 0 || column === 2 || column === 7 ? html`<td>${cell}</td>` : html`<td class="num">${cell}</td>`))}</tr>`);
  return html`<section id="variants"><h2>Variants</h2>
<p class="muted">Bits per weight over every tensor of the file and its tensor types (from the quantizer's manifest; "same file as" marks byte-identical files), generations stopped at max_tokens, final answers that differ from the baseline's on the same problem and sample, and the mean KL divergence from the baseline where the attribute stage measured it.</p>
<table><thead><tr>${header.map((title, column) => (column === 0 || column === 2 || column === 7 ? html`<th>${title}</th>` : html`<th class="num">${title}</th>`))}</tr></thead><tbody>${body}</tbody></table></section>`;
}
