/**
 * The flips list's filters as URL query parameters: read from a request (unknown values are ignored, so a
 * stale link still opens), written back into the links of the list and of each flip (so j/k on a flip page
 * walks the filtered list).
 */
import type { FlipFilter } from "../review/index.ts";

export const FILTER_NAMES = ["variant", "benchmark", "category", "judges", "audit", "reviewed"] as const;

const yesNo = (value: string | undefined): boolean | undefined => (value === "yes" ? true : value === "no" ? false : undefined);

export function parseFilter(query: Record<string, string | undefined>): FlipFilter {
  const filter: FlipFilter = {};
  if (query.variant) filter.variant = query.variant;
  if (query.benchmark) filter.benchmark = query.benchmark;
  if (query.category) filter.category = query.category;
  if (query.judges === "all" || query.judges === "split" || query.judges === "none") filter.judges = query.judges;
  const audit = yesNo(query.audit);
  if (audit !== undefined) filter.audit = audit;
  const reviewed = yesNo(query.reviewed);
  if (reviewed !== undefined) filter.reviewed = reviewed;
  return filter;
}

/** The filter as a query string ("" for none), in a fixed order. */
export function filterQuery(filter: FlipFilter): string {
  const parameters = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = filter[name];
    if (value === undefined) continue;
    parameters.set(name, typeof value === "boolean" ? (value ? "yes" : "no") : value);
  }
  const text = parameters.toString();
  return text === "" ? "" : `?${text}`;
}

export function flipHref(key: string, filter: FlipFilter): string {
  return `/flip/${encodeURIComponent(key)}${filterQuery(filter)}`;
}
