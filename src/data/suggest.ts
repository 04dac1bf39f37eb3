/** "Did you mean ...?" for names users type: the closest known name by edit distance, if close enough. */

/**
 * Edit distance with adjacent transpositions (optimal string alignment): insert, delete, substitute or
 * swap two neighbours, each costs 1. So `tset` is 1 away from `test`, as a typist would expect.
 */
export function editDistance(left: string, right: string): number {
  const rows: number[][] = [Array.from({ length: right.length + 1 }, (_, index) => index)];
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const above = rows[row - 1] as number[];
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

/**
 * The known name closest to `name` (case-insensitive), or undefined when even the closest needs more
 * edits than a third of its length: `gsm8` → `gsm8k`, `math-500` → `math500`, `foo` → nothing. Failing
 * that, the one name that extends what was typed.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  if (best && best.distance <= Math.max(1, Math.floor(best.name.length / 3))) return best.name;
  // A unique name that starts with what was typed: `minerva` → `minerva_math`.
  const extensions = wanted.length >= 3 ? known.filter((candidate) => candidate.toLowerCase().startsWith(wanted)) : [];
  return extensions.length === 1 ? extensions[0] : undefined;
}
