/**
 * The flips list: a filter form (a plain GET form: it works without script) and one row per flip with its
 * current label, where that label came from, the judges' agreement, audit and review marks.
 */
import { html } from "hono/html";
import type { FlipFilter, FlipItem } from "../../review/index.ts";
import { ERROR_CATEGORIES, subtypeInfo } from "../../taxonomy/index.ts";
import { flipHref } from "../filters.ts";
import { stepName, type Html } from "./layout.ts";

export interface FlipsPageData {
  title: string;
  items: FlipItem[];
  filter: FlipFilter;
  variants: string[];
  benchmarks: string[];
  /** The audit queue hides the filter form's audit choice. */
  audit?: boolean;
}

function select(name: string, label: string, current: string | undefined, options: readonly (readonly [string, string])[]): Html {
  return html`<label>${label} <select name="${name}"><option value="">any</option>${options.map(
    ([value, text]) => html`<option value="${value}"${current === value ? html` selected` : ""}>${text}</option>`,
  )}</select></label>`;
}

const yesNo = (value: boolean | undefined): string | undefined => (value === undefined ? undefined : value ? "yes" : "no");

export function labelText(item: FlipItem): Html {
  const { label } = item;
  if (label.firstErrorStep === null && label.subtype === null && label.category === null) return html`<span class="muted">no label</span>`;
  const kind = label.subtype ? subtypeInfo(label.subtype).label : (label.category ?? "no error");
  return html`<span class="label source-${label.source}">${kind} · ${stepName(label.firstErrorStep)}</span> <small class="muted">${label.source}</small>`;
}

export function flipsPage(data: FlipsPageData): Html {
  const { filter } = data;
  const pairs = (values: readonly string[]): [string, string][] => values.map((value) => [value, value]);
  return html`<h1>${data.title}</h1>
<form class="filters" method="get" action="${data.audit ? "/audit" : "/flips"}" id="filters">
${select("variant", "variant", filter.variant, pairs(data.variants))}
${select("benchmark", "benchmark", filter.benchmark, pairs(data.benchmarks))}
${select("category", "error category", filter.category, [...pairs(ERROR_CATEGORIES), ["none", "none"]])}
${select("judges", "judges", filter.judges, [["all", "agree"], ["split", "split"], ["none", "no votes"]])}
${data.audit ? "" : select("audit", "audit queue", yesNo(filter.audit), [["yes", "in it"], ["no", "not in it"]])}
${select("reviewed", "reviewed", yesNo(filter.reviewed), [["yes", "yes"], ["no", "no"]])}
<button type="submit">Filter</button>
</form>
<p class="muted" id="count">${data.items.length} flip${data.items.length === 1 ? "" : "s"}</p>
<table class="grid flips" id="flips">
<thead><tr><th>variant</th><th>benchmark</th><th>problem</th><th>question</th><th>graded</th><th>label</th><th>judges</th><th></th></tr></thead>
<tbody>${data.items.map(
    (item) => html`<tr data-key="${item.key}" class="${item.reviewed ? "reviewed" : ""}"><td>${item.variant}</td><td>${item.benchmark}</td>
<td><a class="open" href="${flipHref(item.key, filter)}">${item.problemId}</a></td><td class="question">${item.question.length > 120 ? `${item.question.slice(0, 117)}…` : item.question}</td>
<td>${item.variantStatus}</td><td>${labelText(item)}</td><td>${item.judges === null ? html`<span class="muted">–</span>` : item.judges.agreement}</td>
<td>${item.queue.map((reason) => html`<span class="badge audit" title="in the audit queue: ${reason}">${reason === "audit" ? "audit" : reason.replaceAll("_", " ")}</span>`)}${item.reviewed ? html`<span class="badge done" title="reviewed by ${item.human?.reviewer ?? ""}">reviewed</span>` : ""}</td></tr>`,
  )}</tbody>
</table>`;
}
