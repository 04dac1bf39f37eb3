/**
 * summary.md: the run's tables in the style of the quantization studies — score, absolute drop and
 * relative drop per variant — then the paired statistics, format failures, lengths and provenance.
 * Markdown table cells are escaped (`|`, line breaks) since labels come from study files.
 */
import { judgeTables } from "../judge/report.ts";
import type { Results } from "./results.ts";
import { ALL_BENCHMARKS } from "./results.ts";

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const pct = (fraction: number): string => (100 * fraction).toFixed(1);
const signed = (value: number): string => `${value > 0 ? "+" : ""}${value.toFixed(1)}`;
const pValue = (p: number): string => (p < 0.001 ? "<0.001" : p.toFixed(3));

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map(cell).join(" | ")} |`;
  return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

export function renderMarkdown(results: Results): string {
  const multiModel = new Set(results.variants.map((variant) => variant.model)).size > 1;
  const label = (model: string, variant: string): string => (multiModel ? `${model} · ${variant}` : variant);
  const parts: string[] = [`# ${results.study.name}`, ""];
  if (results.study.description) parts.push(results.study.description, "");
  if (results.run.interrupted) parts.push("> This run was interrupted; the tables cover what was generated. Run `qreason run` again to finish it.", "");
  else if (!results.run.complete) parts.push("> Some generations are missing or failed; the tables cover what was generated.", "");

  parts.push("## Accuracy and drop against the baseline", "");
  parts.push("Score in %, with its 95% interval; Δ in percentage points and relative to the baseline (negative: lost).", "");
  for (const benchmark of results.benchmarks) {
    const cells = results.cells.filter((entry) => entry.benchmark === benchmark.label);
    const rows = cells.map((entry) => {
      const comparison = results.comparisons.find((candidate) => candidate.benchmark === benchmark.label && candidate.model === entry.model && candidate.variant === entry.variant);
      const headline = comparison?.comparison.headline;
      return [
        label(entry.model, entry.variant),
        `${pct(entry.accuracy.score)} [${pct(entry.accuracy.interval.low)}, ${pct(entry.accuracy.interval.high)}]`,
        headline ? signed(-headline.absoluteDropPoints) : "—",
        headline && headline.relativeDropPercent !== null ? `${signed(-headline.relativeDropPercent)}%` : "—",
        comparison ? `${comparison.comparison.flips.length} / ${comparison.comparison.rescues.length}` : "—",
        comparison ? pValue(comparison.comparison.mcnemar.pValue) : "—",
        `${entry.statuses.formatFailures}`,
        `${entry.generated}/${entry.planned}`,
      ];
    });
    parts.push(`### ${benchmark.label} (${benchmark.problems} problems)`, "");
    parts.push(table(["variant", "score", "Δ pts", "Δ rel", "flips / rescues", "McNemar p", "format failures", "generated"], rows), "");
  }

  const overall = results.comparisons.filter((entry) => entry.benchmark === ALL_BENCHMARKS);
  if (overall.length > 0) {
    parts.push("### All benchmarks together", "");
    parts.push(
      table(
        ["variant", "baseline", "variant score", "Δ pts", "Δ rel", "paired Δ [95%]"],
        overall.map(({ model, variant, comparison }) => [
          label(model, variant),
          pct(comparison.baseline.score),
          pct(comparison.variant.score),
          signed(-comparison.headline.absoluteDropPoints),
          comparison.headline.relativeDropPercent === null ? "—" : `${signed(-comparison.headline.relativeDropPercent)}%`,
          `${signed(100 * comparison.difference.estimate)} [${signed(100 * comparison.difference.interval.low)}, ${signed(100 * comparison.difference.interval.high)}]`,
        ]),
      ),
      "",
    );
  }

  const paired = results.comparisons.filter((entry) => entry.benchmark !== ALL_BENCHMARKS);
  if (paired.length > 0) {
    parts.push("## Paired statistics and lengths", "");
    parts.push(
      table(
        ["benchmark", "variant", "paired Δ pts [95% bootstrap]", "McNemar p", "flip causes", "tokens baseline → variant", "p (longer)"],
        paired.map(({ benchmark, model, variant, comparison }) => {
          const tokens = comparison.lengths.tokens;
          const causes = Object.entries(comparison.flipCauses).filter(([, count]) => count > 0).map(([status, count]) => `${count} ${status}`).join(", ");
          return [
            benchmark,
            label(model, variant),
            `${signed(100 * comparison.difference.estimate)} [${signed(100 * comparison.difference.interval.low)}, ${signed(100 * comparison.difference.interval.high)}]`,
            pValue(comparison.mcnemar.pValue),
            causes || "—",
            tokens ? `${tokens.baseline.mean.toFixed(1)} → ${tokens.variant.mean.toFixed(1)}` : "—",
            tokens ? pValue(tokens.test.pGreater) : "—",
          ];
        }),
      ),
      "",
    );
    parts.push("## Flipped problems (baseline right, variant wrong)", "");
    for (const { benchmark, model, variant, comparison } of paired) {
      const ids = comparison.flips.map((flip) => flip.problemId);
      parts.push(`- **${label(model, variant)}** on ${benchmark}: ${ids.length === 0 ? "none" : ids.slice(0, 50).join(", ") + (ids.length > 50 ? `, … (${ids.length} in all; see report.html)` : "")}`);
    }
    parts.push("");
  }

  parts.push("## Provenance", "");
  parts.push(
    table(
      ["variant", "recipe", "model identity", "backend"],
      results.variants.map((variant) => {
        const version = (variant.provenance as { backend?: { version?: string } } | null)?.backend?.version;
        return [label(variant.model, variant.variant), JSON.stringify(variant.recipe), variant.modelIdentity ?? "—", `${variant.backend}${version ? ` (${version})` : ""}`];
      }),
    ),
    "",
  );
  parts.push(`Grader: ${results.grader}. Study: ${results.study.file} (hash ${results.study.hash}). qreason ${results.qreasonVersion}.`, "");
  if (results.judges !== undefined) {
    parts.push("## Judges", "");
    for (const entry of judgeTables(results.judges)) {
      parts.push(`### ${entry.title}`, "");
      if (entry.note !== undefined) parts.push(entry.note, "");
      if (entry.rows.length > 0) parts.push(table(entry.header, entry.rows), "");
    }
  }
  return parts.join("\n");
}
