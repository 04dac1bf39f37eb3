/**
 * "Did you mean ...?" for keys and names typed in a study file. (The data module has the same helper for
 * benchmark names; this copy keeps the study loader free of runtime imports from other modules.)
 */

/**
 * Edit distance where inserting, deleting or substituting a character, or swapping two adjacent ones,
 * costs 1 (optimal string alignment): `stpo` is one edit from `stop`, as a typist would count it.
 */
export function editDistance(left: string, right: string): number {
  const rows: number[][] = [];
  for (let row = 0; row <= left.length; row++) {
    rows.push([row]);
    for (let column = 1; column <= right.length; column++) {
      if (row === 0) {
        (rows[0] as number[]).push(column);
        continue;
      }
      const current = rows[row] as number[];
      const previous = rows[row - 1] as number[];
      const same = left[row - 1] === right[column - 1];
      let best = Math.min((previous[column] as number) + 1, (current[column - 1] as number) + 1, (previous[column - 1] as number) + (same ? 0 : 1));
      if (row > 1 && column > 1 && left[row - 1] === right[column - 2] && left[row - 2] === right[column - 1]) {
        best = Math.min(best, ((rows[row - 2] as number[])[column - 2] as number) + 1);
      }
      current.push(best);
    }
  }
  return (rows[left.length] as number[])[right.length] as number;
}

/**
 * The candidate closest to `name` ignoring case and `-`/`_`, if it is within a third of its length
 * (at least 1 edit): `temprature` → `temperature`, `max-tokens` → `max_tokens`, `q4km` → `Q4_K_M`.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const simplify = (value: string): string => value.toLowerCase().replace(/[-_\s]/g, "");
  const wanted = simplify(name);
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, simplify(candidate));
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

/** `; did you mean 'x'?` or the empty string, to follow a "no such name" clause. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const suggestion = closestName(name, candidates);
  return suggestion === undefined ? "" : `; did you mean '${suggestion}'?`;
}
