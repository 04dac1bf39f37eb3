/**
 * "Did you mean ...?" for the names users type: study keys, recipe and benchmark names, commands and options.
 * One helper for every module, so a typo is suggested the same way wherever it is made.
 */

/**
 * Edit distance where inserting, deleting or substituting a character, or swapping two adjacent ones,
 * costs 1 (optimal string alignment): `stpo` is one edit from `stop`, as a typist would count it.
 */
export function editDistance(left: string, right: string): number {
  const rows: number[][] = [Array.from({ length: right.length + 1 }, (_, index) => index)];
  for (let row = 1; row <= left.length; row++) {
    const above = rows[row - 1] as number[];
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      let best = Math.min(
        (above[column - 1] as number) + (left[row - 1] === right[column - 1] ? 0 : 1),
        (above[column] as number) + 1,
        (current[column - 1] as number) + 1,
      );
      if (row > 1 && column > 1 && left[row - 1] === right[column - 2] && left[row - 2] === right[column - 1]) {
        best = Math.min(best, ((rows[row - 2] as number[])[column - 2] as number) + 1);
      }
      current.push(best);
    }
    rows.push(current);
  }
  return (rows[left.length] as number[])[right.length] as number;
}

const simplify = (value: string): string => value.toLowerCase().replace(/[-_\s]/g, "");

/**
 * The candidate closest to `name`, ignoring case and `-`/`_`/spaces, if it is within a third of its length
 * (at least 1 edit): `temprature` → `temperature`, `max-tokens` → `max_tokens`, `q4km` → `Q4_K_M`,
 * `gsm9k` → `gsm8k`. Failing that, the one candidate that extends what was typed (`minerva` →
 * `minerva_math`), or the one that what was typed extends (`--output` → `--out`); at least 3 characters
 * either way, and never a guess between two.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = simplify(name);
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, simplify(candidate));
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  if (best !== undefined && best.distance <= Math.max(1, Math.floor(best.name.length / 3))) return best.name;
  if (wanted.length < 3) return undefined;
  const longer = candidates.filter((candidate) => simplify(candidate).startsWith(wanted));
  if (longer.length > 0) return longer.length === 1 ? longer[0] : undefined;
  const shorter = candidates.filter((candidate) => simplify(candidate).length >= 3 && wanted.startsWith(simplify(candidate)));
  return shorter.length === 1 ? shorter[0] : undefined;
}

/** `; did you mean 'x'?` or the empty string, to follow a "no such name" clause. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const suggestion = closestName(name, candidates);
  return suggestion === undefined ? "" : `; did you mean '${suggestion}'?`;
}
