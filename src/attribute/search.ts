/**
 * Finding where a 0…n sequence of yes/no outcomes turns from no to yes, with as few (expensive) outcomes
 * as possible. Each outcome is a model continuation, so the search is over an injected async function.
 *
 * Assumption (monotonicity): outcome(k) is no for k < k* and yes for k ≥ k*. Then
 * - `bisect` finds k* with about log₂(n) + 2 calls (0 and n first, together; then halving; with
 *   `probesPerRound` > 1, that many points per round, evaluated concurrently, for batching backends);
 * - `linear` walks k = 0, 1, … and stops at the first yes (k* + 1 calls);
 * - `exhaustive` evaluates every k and reports how far the outcomes are from monotone.
 * Without monotonicity: `bisect` still returns a true transition (outcome(k−1) = no and outcome(k) = yes,
 * both evaluated directly: the invariant of the search), but not necessarily the smallest, and it answers
 * "none" when outcome(n) is no even if some smaller k says yes; `linear` returns the smallest yes but cannot
 * see later reversals; `exhaustive` sees everything. Evaluated outcomes are never recomputed (memoized),
 * so a nondeterministic outcome (sampling) is read once per k.
 */

export type SearchStrategy = "bisect" | "linear" | "exhaustive";

export interface SearchOptions {
  strategy?: SearchStrategy;
  /** Points evaluated concurrently per round (bisect) or at a time (exhaustive); default 1. */
  probesPerRound?: number;
}

export interface TransitionSearch {
  strategy: SearchStrategy;
  /** The largest k (outcomes are for k = 0 … n). */
  n: number;
  /** Every evaluated outcome, in the order evaluated. */
  evaluations: { k: number; outcome: boolean }[];
  /** The smallest k with a yes that the strategy found; undefined when it found none. */
  k?: number;
  /** outcome(k) = yes and (k = 0 or outcome(k−1) = no), both evaluated directly. */
  verified: boolean;
  /** Pairs a < b among the evaluated points with outcome(a) = yes and outcome(b) = no. */
  violations: number;
}

export async function searchTransition(n: number, outcome: (k: number) => Promise<boolean>, options: SearchOptions = {}): Promise<TransitionSearch> {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a natural number, not ${n}`);
  const strategy = options.strategy ?? "bisect";
  const probes = Math.max(1, Math.floor(options.probesPerRound ?? 1));
  const memo = new Map<number, Promise<boolean>>();
  const evaluations: { k: number; outcome: boolean }[] = [];
  const evaluate = (k: number): Promise<boolean> => {
    let pending = memo.get(k);
    if (!pending) {
      pending = outcome(k).then((result) => {
        evaluations.push({ k, outcome: result });
        return result;
      });
      memo.set(k, pending);
    }
    return pending;
  };
  let found: number | undefined;
  if (strategy === "linear") {
    for (let k = 0; k <= n && found === undefined; k++) if (await evaluate(k)) found = k;
  } else if (strategy === "exhaustive") {
    for (let from = 0; from <= n; from += probes) {
      await Promise.all(Array.from({ length: Math.min(probes, n + 1 - from) }, (_, offset) => evaluate(from + offset)));
    }
    found = evaluations.filter((entry) => entry.outcome).reduce<number | undefined>((min, entry) => (min === undefined || entry.k < min ? entry.k : min), undefined);
  } else {
    const [atZero, atEnd] = await Promise.all([evaluate(0), evaluate(n)]);
    if (atZero) found = 0;
    else if (atEnd) {
      let low = 0; // outcome(low) = no
      let high = n; // outcome(high) = yes
      while (high - low > 1) {
        const count = Math.min(probes, high - low - 1);
        const points = Array.from({ length: count }, (_, index) => low + Math.round(((index + 1) * (high - low)) / (count + 1)));
        const unique = [...new Set(points)].filter((point) => point > low && point < high);
        const results = await Promise.all(unique.map(evaluate));
        const firstYes = unique.find((_, index) => results[index]);
        const newHigh = firstYes ?? high;
        const below = unique.filter((point, index) => point < newHigh && !results[index]);
        low = below.length > 0 ? Math.max(...below) : low;
        high = newHigh;
      }
      found = high;
    }
  }
  const outcomes = new Map(evaluations.map((entry) => [entry.k, entry.outcome]));
  const verified = found !== undefined && outcomes.get(found) === true && (found === 0 || outcomes.get(found - 1) === false);
  let violations = 0;
  for (const earlier of evaluations) {
    for (const later of evaluations) if (earlier.k < later.k && earlier.outcome && !later.outcome) violations++;
  }
  return { strategy, n, evaluations, ...(found === undefined ? {} : { k: found }), verified, violations };
}
