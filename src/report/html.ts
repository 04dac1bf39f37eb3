/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, no scripts, no network; a
 * Content-Security-Policy forbids anything else) that opens from disk. Every value that came from a model
 * or a data file is escaped by the `html` template (escape.ts).
 */
import type { ComparisonResult, CellResult, ProblemView, ReportData, Results, VariantInfo } from "./results.ts";
import { ALL_BENCHMARKS, problemAnchor } from "./results.ts";
import { accuracyChartSpec, lengthChartSpec, renderSvg, type LengthBox } from "./charts.ts";
import { html, trusted, type SafeHtml } from "./escape.ts";
import { restorationSection } from "./restoration.ts";
import { ATTRIBUTION_STYLE, attributionSection } from "./attributionHtml.ts";
import { variantFactsSection } from "./variantFactsHtml.ts";

const percent = (fraction: number): string => `${(100 * fraction).toFixed(1)}%`;
const points = (value: number): string => `${value > 0 ? "+" : ""}${value.toFixed(1)}`;
const pValue = (p: number): string => (p < 0.001 ? "< 0.001" : p.toFixed(3));
const interval = (low: number, high: number): string => `[${(100 * low).toFixed(1)}, ${(100 * high).toFixed(1)}]`;

function variantLabel(results: Results, model: string, variant: string): string {
  const models = new Set(results.variants.map((entry) => entry.model));
  return models.size > 1 ? `${model} · ${variant}` : variant;
}

const flipsAnchor = (comparison: Pick<ComparisonResult, "model" | "benchmark" | "variant">): string =>
  `flips-${[comparison.model, comparison.benchmark, comparison.variant].join("--").replace(/[^A-Za-z0-9_-]+/g, "-")}`;

const STYLE = `
:root { color-scheme: light; --fg: #1d1f23; --muted: #5f6670; --line: #d9dde3; --soft: #f5f7fa; --bad: #b3261e; --good: #1e7b34; --base: #4c78a8; --variant: #e45756; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 22px 0 8px; } h4 { font-size: 13px; margin: 0 0 6px; }
p.meta, .muted { color: var(--muted); } .meta { font-size: 13px; }
nav { margin: 12px 0 0; font-size: 13px; } nav a { margin-right: 14px; }
a { color: #1f5fa8; text-decoration: none; } a:hover { text-decoration: underline; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.banner { background: #fff4e5; border: 1px solid #f0c36d; padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; } .chart svg { max-width: 100%; height: auto; }
.drop { color: var(--bad); font-weight: 600; } .gain { color: var(--good); font-weight: 600; }
.status { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; background: var(--soft); }
.status-correct { background: #e3f4e7; color: var(--good); } .status-wrong { background: #fde7e5; color: var(--bad); }
.status-no_answer, .status-unparsable, .status-timeout { background: #fff1d6; color: #8a5300; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 4px 0; font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
article.problem { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 16px 0; }
article.problem:target { border-color: #1f5fa8; box-shadow: 0 0 0 3px #cfe0f5; }
.outputs { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 12px; margin-top: 8px; }
.output.baseline h4 { color: var(--base); } .output h4 { color: var(--variant); }
details > summary { cursor: pointer; color: var(--muted); } dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0; font-size: 13px; }
dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
`;

export async function renderHtml(data: ReportData): Promise<string> {
  const { results } = data;
  const sections = [
    await accuracySection(results),
    variantFactsSection(results),
    dropSection(results),
    flipSection(results),
    ...(results.attribution !== null || data.flips.length > 0 ? [await attributionSection(results.attribution, data.flips)] : []),
    await lengthSection(results),
    levelSection(results),
    restorationSection(results.restoration ?? []),
    provenanceSection(results),
    problemSection(results, data.problems),
    failureSection(results),
  ];
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${results.study.name} — qreason report</title>
<style>${trusted(STYLE + ATTRIBUTION_STYLE)}</style>
</head>
<body>
<main>
${header(results)}
${sections}
<p class="meta">Written by qreason ${results.qreasonVersion} at ${results.generatedAt}. Machine-readable: results.json, generations.jsonl; tables: summary.md.</p>
</main>
</body>
</html>
`;
  return page.value;
}

function header(results: Results): SafeHtml {
  const { run } = results;
  const state = run.interrupted
    ? "This run was interrupted: the figures cover what was generated; run `qreason run` again to finish it."
    : !run.complete
      ? "Some generations are missing (failed or not run yet): the figures cover what was generated; run `qreason run` again to retry."
      : undefined;
  return html`<header>
<h1>${results.study.name}</h1>
${results.study.description ? html`<p>${results.study.description}</p>` : ""}
<p class="meta">Study ${results.study.file} · hash ${results.study.hash.slice(-12)} · started ${run.startedAt}${run.finishedAt ? ` · finished ${run.finishedAt}` : ""} · grader ${results.grader}</p>
${state ? html`<div class="banner">${state}</div>` : ""}
<nav><a href="#accuracy">Accuracy</a><a href="#drops">Drops</a><a href="#flips">Flips</a>${results.attribution !== null ? html`<a href="#attribution">Where flips went wrong</a>` : ""}<a href="#lengths">Lengths</a>${(results.restoration ?? []).length > 0 ? html`<a href="#restoration">Restoration</a>` : ""}<a href="#provenance">Provenance</a><a href="#problems">Problems side by side</a>${results.failures.length > 0 ? html`<a href="#failures">Failures</a>` : ""}</nav>
</header>`;
}

function cellsOf(results: Results, benchmark: string): CellResult[] {
  return results.cells.filter((cell) => cell.benchmark === benchmark);
}

function isBaseline(results: Results, model: string, variant: string): boolean {
  return results.variants.some((entry) => entry.model === model && entry.variant === variant && entry.isBaseline);
}

async function accuracySection(results: Results): Promise<SafeHtml> {
  const blocks: SafeHtml[] = [];
  for (const benchmark of results.benchmarks) {
    const cells = cellsOf(results, benchmark.label).filter((cell) => cell.accuracy.problems > 0);
    if (cells.length === 0) {
      blocks.push(html`<h3>${benchmark.label}</h3><p class="muted">No graded generations yet.</p>`);
      continue;
    }
    const spec = accuracyChartSpec(
      `${benchmark.label} (${benchmark.problems} problems${benchmark.sampling.n > 1 ? `, ${benchmark.sampling.n} samples each` : ""})`,
      cells.map((cell) => ({
        label: variantLabel(results, cell.model, cell.variant),
        isBaseline: isBaseline(results, cell.model, cell.variant),
        score: cell.accuracy.score,
        low: cell.accuracy.interval.low,
        high: cell.accuracy.interval.high,
      })),
    );
    const rows = cells.map((cell) => {
      const s = cell.statuses;
      return html`<tr><td>${variantLabel(results, cell.model, cell.variant)}</td><td class="num">${percent(cell.accuracy.score)}</td><td class="num">${interval(cell.accuracy.interval.low, cell.accuracy.interval.high)}</td>
<td class="num">${cell.accuracy.problems}</td><td class="num">${s.correct}</td><td class="num">${s.wrong}</td><td class="num">${s.no_answer}</td><td class="num">${s.unparsable}</td><td class="num">${s.timeout}</td><td class="num">${cell.generated}/${cell.planned}</td><td class="num">${cell.failures}</td></tr>`;
    });
    blocks.push(html`<h3>${benchmark.label}</h3>
<div class="charts"><div class="chart">${trusted(await renderSvg(spec))}</div></div>
<table><thead><tr><th>variant</th><th class="num">accuracy</th><th class="num">95% interval</th><th class="num">problems</th><th class="num">correct</th><th class="num">wrong</th><th class="num">no answer</th><th class="num">unparsable</th><th class="num">timeout</th><th class="num">generated</th><th class="num">errors</th></tr></thead>
<tbody>${rows}</tbody></table>`);
  }
  return html`<section id="accuracy"><h2>Accuracy by variant</h2>
<p class="muted">Intervals: Wilson score interval (one sample per problem) or a normal interval over problems of mean@n (several samples).</p>
${blocks}</section>`;
}

function dropSection(results: Results): SafeHtml {
  if (results.comparisons.length === 0) return html`<section id="drops"><h2>Drop against the baseline</h2><p class="muted">No comparisons yet.</p></section>`;
  const rows = results.comparisons.map((entry) => {
    const c = entry.comparison;
    const drop = c.headline.absoluteDropPoints;
    return html`<tr><td>${entry.benchmark}</td><td>${variantLabel(results, entry.model, entry.variant)}</td><td class="num">${c.problems.paired}</td>
<td class="num">${percent(c.baseline.score)}</td><td class="num">${percent(c.variant.score)}</td>
<td class="num ${drop > 0 ? "drop" : drop < 0 ? "gain" : ""}">${points(-drop)}</td>
<td class="num">${c.headline.relativeDropPercent === null ? "—" : `${points(-c.headline.relativeDropPercent)}%`}</td>
<td class="num">${points(100 * c.difference.estimate)} ${interval(c.difference.interval.low, c.difference.interval.high)}</td>
<td class="num">${pValue(c.mcnemar.pValue)}</td>
<td class="num">${entry.benchmark === ALL_BENCHMARKS ? String(c.flips.length) : html`<a href="#${flipsAnchor(entry)}">${c.flips.length}</a>`}</td><td class="num">${c.rescues.length}</td>
<td class="num">${c.statuses.variant.formatFailures} (${c.statuses.baseline.formatFailures})</td></tr>`;
  });
  return html`<section id="drops"><h2>Drop against the baseline</h2>
<p class="muted">Δ in percentage points (negative: the variant lost). Paired Δ: per-problem difference with a paired bootstrap 95% interval (resampling problems). McNemar: exact two-sided test on the discordant problems (flips vs rescues). Format failures: no answer, unparsable or timeout — variant (baseline).</p>
<table><thead><tr><th>benchmark</th><th>variant</th><th class="num">paired problems</th><th class="num">baseline</th><th class="num">variant</th><th class="num">Δ pts</th><th class="num">Δ relative</th><th class="num">paired Δ pts [95%]</th><th class="num">McNemar p</th><th class="num">flips</th><th class="num">rescues</th><th class="num">format failures</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function flipRows(results: Results, entry: ComparisonResult, kind: "flips" | "rescues"): SafeHtml {
  const list = entry.comparison[kind];
  if (list.length === 0) return html`<p class="muted">No ${kind}.</p>`;
  const rows = list.map(
    (flip) => html`<tr><td><a href="#${problemAnchor(entry.model, entry.benchmark, flip.problemId)}">${flip.problemId}</a></td><td class="num">${flip.level ?? ""}</td><td>${flip.subject ?? ""}</td>
<td><span class="status status-${flip.baselineStatus}">${flip.baselineStatus}</span></td><td><span class="status status-${flip.variantStatus}">${flip.variantStatus}</span></td></tr>`,
  );
  return html`<table><thead><tr><th>problem</th><th class="num">level</th><th>subject</th><th>${entry.baseline}</th><th>${entry.variant}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function flipSection(results: Results): SafeHtml {
  const blocks = results.comparisons
    .filter((entry) => entry.benchmark !== ALL_BENCHMARKS)
    .map((entry) => {
      const c = entry.comparison;
      const causes = Object.entries(c.flipCauses).filter(([, count]) => count > 0).map(([status, count]) => `${count} ${status}`).join(", ");
      return html`<div id="${flipsAnchor(entry)}"><h3>${variantLabel(results, entry.model, entry.variant)} on ${entry.benchmark}: ${c.flips.length} flips, ${c.rescues.length} rescues</h3>
${c.flips.length > 0 ? html`<p class="muted">How the flipped answers failed: ${causes}.${c.pairing === "sample-0" ? " Flips compare sample 0 of each side." : ""}</p>` : ""}
<details ${c.flips.length <= 40 ? trusted("open") : ""}><summary>Flips: ${entry.baseline} right, ${entry.variant} not</summary>${flipRows(results, entry, "flips")}</details>
<details><summary>Rescues: ${entry.variant} right, ${entry.baseline} not</summary>${flipRows(results, entry, "rescues")}</details></div>`;
    });
  return html`<section id="flips"><h2>Flips</h2><p class="muted">Each problem links to its outputs side by side.</p>${blocks}</section>`;
}

function lengthBox(results: Results, cell: CellResult, measure: "tokens" | "steps"): LengthBox[] {
  const summary = cell.lengths[measure];
  if (summary === null) return [];
  const { p10, p25, median, p75, p90, mean } = summary;
  return [{ label: variantLabel(results, cell.model, cell.variant), isBaseline: isBaseline(results, cell.model, cell.variant), p10, p25, median, p75, p90, mean }];
}

async function lengthSection(results: Results): Promise<SafeHtml> {
  const blocks: SafeHtml[] = [];
  for (const benchmark of results.benchmarks) {
    const cells = cellsOf(results, benchmark.label).filter((cell) => cell.accuracy.problems > 0);
    if (cells.length === 0) continue;
    const tokens = await renderSvg(lengthChartSpec(`${benchmark.label}: completion tokens`, "tokens", cells.flatMap((cell) => lengthBox(results, cell, "tokens"))));
    const steps = await renderSvg(lengthChartSpec(`${benchmark.label}: solution steps`, "steps", cells.flatMap((cell) => lengthBox(results, cell, "steps"))));
    const rows = results.comparisons
      .filter((entry) => entry.benchmark === benchmark.label)
      .map((entry) => {
        const { tokens: tokenTest, steps: stepTest } = entry.comparison.lengths;
        const cellsFor = (measure: typeof tokenTest) =>
          measure === null
            ? html`<td class="num">—</td><td class="num">—</td><td class="num">—</td>`
            : html`<td class="num">${measure.baseline.mean.toFixed(1)} → ${measure.variant.mean.toFixed(1)}</td><td class="num">${measure.meanRatio === null ? "—" : `${measure.meanRatio.toFixed(2)}×`}</td><td class="num">${pValue(measure.test.pGreater)}</td>`;
        return html`<tr><td>${variantLabel(results, entry.model, entry.variant)}</td>${cellsFor(tokenTest)}${cellsFor(stepTest)}</tr>`;
      });
    blocks.push(html`<h3>${benchmark.label}</h3><div class="charts"><div class="chart">${trusted(tokens)}</div><div class="chart">${trusted(steps)}</div></div>
${rows.length > 0 ? html`<table><thead><tr><th rowspan="2">variant</th><th colspan="3">tokens</th><th colspan="3">steps</th></tr>
<tr><th class="num">mean baseline → variant</th><th class="num">ratio</th><th class="num">p (longer)</th><th class="num">mean baseline → variant</th><th class="num">ratio</th><th class="num">p (longer)</th></tr></thead><tbody>${rows}</tbody></table>` : ""}`);
  }
  return html`<section id="lengths"><h2>Output lengths</h2>
<p class="muted">Per problem, paired with the baseline, over all outputs (right or wrong). p (longer): one-sided Wilcoxon signed-rank test that the variant writes longer outputs. Steps: "Step N" lines, or sentences where an output labels none.</p>
${blocks}</section>`;
}

function levelSection(results: Results): SafeHtml {
  const blocks = results.comparisons
    .filter((entry) => entry.benchmark !== ALL_BENCHMARKS && entry.comparison.byLevel.length > 1)
    .map((entry) => {
      const rows = entry.comparison.byLevel.map(
        (group) => html`<tr><td>${group.group}</td><td class="num">${group.problems}</td><td class="num">${percent(group.baseline.score)}</td><td class="num">${percent(group.variant.score)}</td><td class="num">${points(-100 * group.drop)}</td><td class="num">${group.flips}</td><td class="num">${group.rescues}</td></tr>`,
      );
      return html`<h3>${variantLabel(results, entry.model, entry.variant)} on ${entry.benchmark}</h3><table><thead><tr><th>level</th><th class="num">problems</th><th class="num">baseline</th><th class="num">variant</th><th class="num">Δ pts</th><th class="num">flips</th><th class="num">rescues</th></tr></thead><tbody>${rows}</tbody></table>`;
    });
  if (blocks.length === 0) return html``;
  return html`<section id="levels"><h2>By difficulty level</h2>${blocks}</section>`;
}

function field(object: unknown, ...path: string[]): unknown {
  let value: unknown = object;
  for (const key of path) value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function quantizationFacts(variant: VariantInfo): SafeHtml {
  const manifest = variant.manifest;
  if (manifest === null || manifest === undefined) return html``;
  const bits = field(manifest, "output", "quantizedBitsPerWeight");
  const type = field(manifest, "type");
  const sqnr = field(manifest, "summary", "final_output_sqnr_db");
  const error = field(manifest, "summary", "mean_rel_error");
  return html`${typeof type === "string" ? html`<dt>llama.cpp type</dt><dd>${type}${typeof bits === "number" ? ` (${bits.toFixed(3)} bits per quantized weight)` : ""}</dd>` : ""}
${typeof sqnr === "number" ? html`<dt>output SQNR</dt><dd>${sqnr.toFixed(2)} dB</dd>` : ""}${typeof error === "number" ? html`<dt>mean relative layer error</dt><dd>${error.toFixed(4)}</dd>` : ""}
<dt>quantizer manifest</dt><dd><details><summary>show</summary><pre>${JSON.stringify(manifest, null, 2)}</pre></details></dd>`;
}

function provenanceSection(results: Results): SafeHtml {
  const blocks = results.variants.map((variant) => {
    const provenance = variant.provenance;
    const backend = field(provenance, "backend", "version");
    const prompt = field(provenance, "prompt");
    const template = field(prompt, "template");
    return html`<h3>${variantLabel(results, variant.model, variant.variant)}${variant.isBaseline ? " (baseline)" : ""}</h3>
<dl>
<dt>recipe</dt><dd><code>${JSON.stringify(variant.recipe)}</code></dd>
<dt>recipe hash</dt><dd>${variant.recipeHash}</dd>
<dt>model identity</dt><dd>${variant.modelIdentity ?? "not recorded (never run)"}</dd>
<dt>artifact</dt><dd>${variant.artifactPath ?? "—"}</dd>
<dt>backend</dt><dd>${variant.backend}${typeof backend === "string" ? ` — ${backend}` : ""}</dd>
${quantizationFacts(variant)}
${typeof template === "string" ? html`<dt>prompt template</dt><dd>${template} <details><summary>show</summary><pre>${JSON.stringify(prompt, null, 2)}</pre></details></dd>` : ""}
<dt>sampling</dt><dd><code>${JSON.stringify(field(provenance, "sampling") ?? null)}</code></dd>
<dt>runtime</dt><dd><code>${JSON.stringify(field(provenance, "runtime") ?? null)}</code></dd>
${variant.status ? html`<dt>generations</dt><dd>${variant.status.total - variant.status.pending}/${variant.status.total} done${variant.status.failed > 0 ? `, ${variant.status.failed} failed` : ""}${variant.status.stopped ? ` — stopped: ${variant.status.stopped}` : ""}</dd>` : ""}
</dl>`;
  });
  return html`<section id="provenance"><h2>Provenance</h2><p class="muted">What produced each variant's results. Generation keys hash the model identity, recipe, backend and version, rendered prompt, sampling parameters and sample index.</p>${blocks}</section>`;
}

function problemSection(results: Results, problems: readonly ProblemView[]): SafeHtml {
  if (problems.length === 0) return html`<section id="problems"><h2>Problems side by side</h2><p class="muted">No flips or rescues to show.</p></section>`;
  const articles = problems.map((problem) => {
    const outputs = problem.outputs.map(
      (output) => html`<div class="output ${isBaseline(results, problem.model, output.variant) ? "baseline" : ""}">
<h4>${output.variant} <span class="status status-${output.status}">${output.status}</span> <span class="muted">answer: ${output.extracted ?? "none"} · ${output.completionTokens} tokens · ${output.finishReason}</span></h4>
<pre>${output.text}</pre></div>`,
    );
    return html`<article class="problem" id="${problem.anchor}"><h3>${problem.problemId} <span class="muted">— ${problem.benchmark}${new Set(results.variants.map((v) => v.model)).size > 1 ? `, ${problem.model}` : ""}</span></h3>
<pre>${problem.question}</pre><p>Gold answer: <strong>${problem.gold}</strong></p><div class="outputs">${outputs}</div></article>`;
  });
  return html`<section id="problems"><h2>Problems side by side</h2><p class="muted">Every problem some variant flipped or rescued, with sample 0 of each variant.</p>${articles}</section>`;
}

function failureSection(results: Results): SafeHtml {
  if (results.failures.length === 0) return html``;
  const rows = results.failures.slice(0, 500).map(
    (failure) => html`<tr><td>${variantLabel(results, failure.model, failure.variant)}</td><td>${failure.problemId}</td><td class="num">${failure.sampleIndex}</td><td class="num">${failure.attempts}</td><td>${failure.error}</td></tr>`,
  );
  return html`<section id="failures"><h2>Failed generations</h2><p class="muted">${results.failures.length} generation(s) failed and will be retried by the next \`qreason run\`.</p>
<table><thead><tr><th>variant</th><th>problem</th><th class="num">sample</th><th class="num">attempts</th><th>error</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
