/**
 * Where each token of a continuation sits in its text. Backends report offsets in different units (the
 * Python engine and vLLM count code points, JavaScript strings count UTF-16 units), and llama.cpp reports
 * none, so: `tokenOffsets` finds them by decoding growing runs of tokens (the engine's offsets.py does the
 * same), and `codePointsToUtf16` converts code-point offsets into JavaScript string indices.
 */

const REPLACEMENT = "\uFFFD";

/** How much of `expected` the decoded `piece` spells, ignoring trailing U+FFFD that stand for a character
 * whose bytes are not all decoded yet; undefined when it is not a prefix. */
function matched(piece: string, expected: string): { length: number | undefined; partial: boolean } {
  let end = piece.length;
  while (end > 0 && piece[end - 1] === REPLACEMENT && expected[end - 1] !== REPLACEMENT) end -= 1;
  return { length: expected.startsWith(piece.slice(0, end)) ? end : undefined, partial: end < piece.length };
}

/**
 * [start, end) of every token of `ids` in `text` (UTF-16 units). A token that ends inside a character gets
 * an empty span and the token that completes it owns the character, so spans are contiguous and join to
 * `text`. `exact` is false when the tokens do not decode back to `text`; the offsets are then the best
 * contiguous approximation. Each step decodes only the tokens since the last clean character boundary.
 */
export function tokenOffsets(
  decode: (ids: readonly number[]) => string,
  ids: readonly number[],
  text: string,
): { offsets: Array<[number, number]>; exact: boolean } {
  const offsets: Array<[number, number]> = [];
  let exact = true;
  let anchorToken = 0;
  let anchorChar = 0;
  let previous = 0;
  for (let index = 0; index < ids.length; index += 1) {
    let found = matched(decode(ids.slice(anchorToken, index + 1)), text.slice(anchorChar));
    let end = found.length === undefined ? undefined : anchorChar + found.length;
    if (end === undefined) {
      found = matched(decode(ids.slice(0, index + 1)), text);
      end = found.length;
    }
    let partial = found.partial;
    if (end === undefined) {
      exact = false;
      end = previous;
      partial = true;
    }
    end = Math.max(end, previous);
    offsets.push([previous, end]);
    previous = end;
    if (!partial) {
      anchorToken = index + 1;
      anchorChar = end;
    }
  }
  if (offsets.length > 0 && previous !== text.length) {
    exact = false;
    offsets[offsets.length - 1]![1] = text.length;
  }
  return { offsets, exact };
}

/** A function from code-point offsets in `text` to UTF-16 offsets (identity when `text` has no astral characters). */
export function codePointsToUtf16(text: string): (codePoint: number) => number {
  let astral = false;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      astral = true;
      break;
    }
  }
  if (!astral) return (codePoint) => Math.min(codePoint, text.length);
  const starts: number[] = [];
  let unit = 0;
  for (const character of text) {
    starts.push(unit);
    unit += character.length;
  }
  starts.push(unit);
  return (codePoint) => starts[Math.min(Math.max(codePoint, 0), starts.length - 1)]!;
}
