/**
 * Stop strings over a growing completion. A stop string can be split across tokens, and a token can end
 * mid-character, so the check looks at decoded text, not tokens; only the recent tail is scanned each step.
 */

/** Where the earliest stop string starts in `text` at or after `from`; -1 if none does. */
export function findStop(text: string, stops: readonly string[], from = 0): number {
  let earliest = -1;
  for (const stop of stops) {
    if (stop.length === 0) continue;
    const at = text.indexOf(stop, Math.max(0, from));
    if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
  }
  return earliest;
}

/** How many trailing tokens to decode so that any stop string that just completed lies inside them. */
export function tailTokenWindow(stops: readonly string[]): number {
  const longest = stops.reduce((max, stop) => Math.max(max, stop.length), 0);
  // A token holds at least one byte of text; the slack covers partial characters at the edges.
  return longest + 8;
}
