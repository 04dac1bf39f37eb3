/**
 * summary.md: the run's tables in the style of the quantization studies — score, absolute drop and
 * relative drop per variant — then the paired statistics, format failures, lengths and provenance.
 * Everything that comes from a study file, an endpoint or a run (description, names, ids, recipes, model
 * identities, versions, paths) is text, never markup: `&`, `<`, `>` become entities (a renderer would
 * otherwise pass raw HTML through: `<img onerror>`, `<script>`), Markdown's inline syntax is
 * backslash-escaped, and table cells also escape `|` and fold line breaks.
 */
import type { Results } from "./results.ts";
import { ALL_BENCHMARKS } from "./results.ts";
import { restorationMarkdown } from "./restoration.ts";
import { variantFactsRows } from "./variantFacts.ts";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** `value` as literal Markdown text: no HTML, no emphasis, links, images or code spans. */
export function markdownText(value: string): string {
  return value
    .replace(/[&<>]/g, (character) => ENTITIES[character] as string)
    .replace(/[\\`*[\]!]/g, "\\$&")
    .replace(/(^|[^A-Za-z0-9])_|_(?=[^A-Za-z0-9]|$)/g, (match) => match.replace("_", "\\_")); // snake_case stays readable
}

/** Table cells: values from outside are passed through markdownText first (see below); cells escape `|`. */
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
  // Names come from the study file: escaped once here, so every table and list shows them as text.
  const label = (model: string, variant: string): string => markdownText(multiModel ? `${model} · ${variant}` : variant);
  const parts: string[] = [`# ${markdownText(results.study.name)}`, ""];
  if (results.study.description) parts.push(markdownText(results.study.description), "");
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
        // Nothing graded (an interrupted run, a failed variant): no score, not a zero.
        entry.graded === 0 ? "—" : `${pct(entry.accuracy.score)} [${pct(entry.accuracy.interval.low)}, ${pct(entry.accuracy.interval.high)}]`,
        headline ? signed(-headline.absoluteDropPoints) : "—",
        headline && headline.relativeDropPercent !== null ? `${signed(-headline.relativeDropPercent)}%` : "—",
        comparison ? `${comparison.comparison.flips.length} / ${comparison.comparison.rescues.length}` : "—",
        comparison ? pValue(comparison.comparison.mcnemar.pValue) : "—",
        `${entry.statuses.formatFailures}`,
        `${entry.graded}/${entry.planned}${entry.generated > entry.graded ? ` (${entry.generated} generated)` : ""}`,
      ];
    });
    parts.push(`### ${markdownText(benchmark.label)} (${benchmark.problems} problems)`, "");
    parts.push(table(["variant", "score", "Δ pts", "Δ rel", "flips / rescues", "McNemar p", "format failures", "graded / planned"], rows), "");
  }

  if ((results.variantFacts ?? []).length > 0) {
    const facts = variantFactsRows(results.variantFacts, (model, variant) => (multiModel ? `${model} · ${variant}` : variant));
    parts.push("## Variants", "");
    parts.push("Bits per weight over every tensor of the file and its tensor types (from the quantizer's manifest), generations stopped at max_tokens, final answers that differ from the baseline's on the same problem, mean KL divergence from the baseline (where the attribute stage measured it).", "");
    parts.push(table(facts.header, facts.rows.map((row) => row.map(markdownText))), "");
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
            markdownText(benchmark),
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
      const shown = ids.slice(0, 50).map((id) => markdownText(String(id))).join(", ");
      parts.push(`- **${label(model, variant)}** on ${markdownText(benchmark)}: ${ids.length === 0 ? "none" : shown + (ids.length > 50 ? `, … (${ids.length} in all; see report.html)` : "")}`);
    }
    parts.push("");
  }

  const restoration = restorationMarkdown(results.restoration ?? []);
  if (restoration !== "") parts.push(restoration);
  parts.push("## Provenance", "");
  parts.push(
    table(
      ["variant", "recipe", "model identity", "backend"],
      results.variants.map((variant) => {
        const version = (variant.provenance as { backend?: { version?: string } } | null)?.backend?.version;
        return [
          label(variant.model, variant.variant),
          markdownText(JSON.stringify(variant.recipe)),
          variant.modelIdentity === null || variant.modelIdentity === undefined ? "—" : markdownText(variant.modelIdentity),
          markdownText(`${variant.backend}${version ? ` (${version})` : ""}`),
        ];
      }),
    ),
    "",
  );
  parts.push(`Grader: ${markdownText(String(results.grader))}. Study: ${markdownText(String(results.study.file))} (hash ${results.study.hash}). qreason ${markdownText(results.qreasonVersion)}.`, "");
  return parts.join("\n");
}
