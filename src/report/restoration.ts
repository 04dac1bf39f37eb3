/**
 * The report's restoration section (results.json `restoration`, report.html `#restoration`): per restored
 * variant, the table the restore stage stored — fp, the variant, DPO, the baselines beside it (SFT on the
 * chosen solutions, margin repair, the no-training control) and the ablation by error type — with each
 * row's recovered fraction of the gap and its paired bootstrap interval, and how the pairs were mined.
 */
import type { RestoreTable } from "../restore/index.ts";
import type { RunStore } from "../store/index.ts";
import { html, type SafeHtml } from "./escape.ts";

export interface RestorationResult {
  model: string;
  variant: string;
  table: RestoreTable;
  /** Problems left out because a row lacks a graded sample for them. */
  missing: number;
  pairs: { all: Record<string, unknown>; ablation: { category: string; pairs: number }[] };
  leakage: { excluded: number; evaluationSplits: { label: string; problems: number }[] };
  base: string;
  computedAt: string;
}

export function storedRestorations(store: RunStore, studyHash: string, grader: string | null): RestorationResult[] {
  if (grader === null) return [];
  return store.restore.results(studyHash, grader).map((entry) => ({ ...(entry.result as Omit<RestorationResult, "model" | "variant" | "computedAt">), model: entry.model, variant: entry.variant, computedAt: entry.computedAt }));
}

const percent = (fraction: number): string => `${(100 * fraction).toFixed(1)}%`;
const signedPoints = (fraction: number): string => `${fraction > 0 ? "+" : ""}${(100 * fraction).toFixed(1)}`;
const range = (low: number, high: number): string => `[${(100 * low).toFixed(1)}, ${(100 * high).toFixed(1)}]`;
const pValue = (p: number): string => (p < 0.001 ? "< 0.001" : p.toFixed(3));

function recoveredCell(row: RestoreTable["rows"][number]): SafeHtml | string {
  const recovered = row.recovered;
  if (recovered === undefined) return "";
  if (recovered.estimate === undefined) return "— (no gap)";
  const text = `${(100 * recovered.estimate).toFixed(0)}%`;
  const spread = recovered.interval === undefined ? "" : ` [${(100 * recovered.interval.low).toFixed(0)}, ${(100 * recovered.interval.high).toFixed(0)}]`;
  return html`<b>${text}</b>${spread}`;
}

export function restorationSection(restorations: readonly RestorationResult[]): SafeHtml {
  if (restorations.length === 0) return html``;
  const blocks = restorations.map((entry) => {
    const rows = entry.table.rows.map((row) => {
      const versus = row.versusVariant;
      return html`<tr><td>${row.name}${row.category !== undefined ? html` <span class="muted">(${row.category} pairs only)</span>` : ""}</td><td>${row.role}</td><td class="num">${row.pairs ?? ""}</td>
<td class="num">${percent(row.accuracy)} ${range(row.interval.low, row.interval.high)}</td>
<td class="num">${versus === undefined ? "" : html`${signedPoints(versus.difference.estimate)} ${range(versus.difference.interval.low, versus.difference.interval.high)}`}</td>
<td class="num">${versus === undefined ? "" : pValue(versus.mcnemar.pValue)}</td>
<td class="num">${row.versusFp === undefined ? "" : signedPoints(row.versusFp.difference.estimate)}</td>
<td class="num">${recoveredCell(row)}</td>
<td class="num">${row.training?.wall_seconds === undefined ? "" : `${Number(row.training.wall_seconds).toFixed(0)} s`}</td></tr>`;
    });
    const counts = entry.pairs.all as { kept?: number; available?: number; keptByCategory?: Record<string, number>; duplicates?: number; sameProblem?: number; candidates?: number };
    const categories = Object.entries(counts.keptByCategory ?? {}).map(([category, count]) => `${category} ${count}`).join(", ");
    return html`<h3>${entry.model} · ${entry.variant}</h3>
<p class="muted">${entry.table.problems} evaluation problems (paired; ${entry.missing} left out for a missing grade). Pairs: ${counts.kept ?? 0} of ${counts.available ?? 0} available (${categories}), mined from ${counts.candidates ?? 0} training problems; ${entry.leakage.excluded} training problem(s) excluded as equal to an evaluation problem of ${entry.leakage.evaluationSplits.map((split) => `${split.label} (${split.problems})`).join(", ")}. Trained over ${entry.base === "gguf-dequantized" ? "the GGUF's dequantized weights, evaluated as a llama.cpp LoRA on the quantized GGUF" : "the variant's own weights"}.</p>
<table><thead><tr><th>row</th><th>role</th><th class="num">pairs</th><th class="num">accuracy [95%]</th><th class="num">vs variant, pts [95%]</th><th class="num">McNemar p</th><th class="num">vs fp, pts</th><th class="num">recovered [95%]</th><th class="num">training</th></tr></thead>
<tbody>${rows}</tbody></table>`;
  });
  return html`<section id="restoration"><h2>Restoration</h2>
<p class="muted">A LoRA adapter over the frozen quantized weights, trained on pairs from training problems only (chosen: fp's correct solution; rejected: the variant's wrong one). Recovered = (restored − variant) / (fp − variant) on the same problems, with a paired bootstrap 95% interval (${restorations[0]?.table.resamples ?? 0} resamples, seeded). Rows marked "(… pairs only)" are the ablation by error type.</p>
${blocks}</section>`;
}

export function restorationMarkdown(restorations: readonly RestorationResult[]): string {
  if (restorations.length === 0) return "";
  const parts = ["## Restoration", ""];
  for (const entry of restorations) {
    parts.push(`### ${entry.model} · ${entry.variant}`, "", "| row | pairs | accuracy | vs variant (pts) | recovered [95%] |", "|---|---|---|---|---|");
    for (const row of entry.table.rows) {
      const recovered = row.recovered?.estimate === undefined ? "" : `${(100 * row.recovered.estimate).toFixed(0)}%${row.recovered.interval ? ` [${(100 * row.recovered.interval.low).toFixed(0)}, ${(100 * row.recovered.interval.high).toFixed(0)}]` : ""}`;
      parts.push(`| ${row.name}${row.category ? ` (${row.category} only)` : ""} | ${row.pairs ?? ""} | ${percent(row.accuracy)} | ${row.versusVariant ? signedPoints(row.versusVariant.difference.estimate) : ""} | ${recovered} |`);
    }
    parts.push("");
  }
  return parts.join("\n");
}
