/**
 * How deeply a JSON text nests arrays and objects, read from the text before it is parsed. JSON.parse
 * accepts any depth, but JSON.stringify, structured clone (worker threads) and every recursive walk of the
 * value overflow the stack somewhere past a few thousand levels: a record that deep must be refused when it
 * is read, with its file and line, not crash whatever touches it later.
 */

/** Deeper than any real record (benchmark rows and model outputs nest a handful of levels). */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of `[`/`{` in `text`, ignoring brackets inside strings; stops counting past `limit`. */
export function jsonNestingDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index++;
      else if (code === 0x22 /* " */) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x5d /* ] */ || code === 0x7d /* } */) depth--;
  }
  return deepest;
}
