/**
 * Where the math is in a model output: the stretches of text a segmenter must never cut and a claim
 * finder must read as formulas. Display math (`$$…$$`, `\[…\]`, `\begin{align}…\end{align}` and the other
 * display environments) and inline math (`$…$`, `\(…\)`), plus `\boxed{…}` with balanced braces and GSM8K
 * calculator annotations `<<…>>`, which hold math of their own.
 *
 * Inline `$` follows pandoc's rule, which keeps currency out: an opening `$` has a non-space character
 * right after it, a closing `$` a non-space character right before it and no digit right after it, and the
 * math ends at a blank line. So `$3 and $5` is text, `$3x = 36$` is math. `\$` is a literal dollar.
 */

export type MathSpanKind = "display" | "inline" | "boxed" | "annotation";

export interface MathSpan {
  kind: MathSpanKind;
  /** The whole span, delimiters included. */
  start: number;
  end: number;
  /** The formula inside the delimiters. */
  contentStart: number;
  contentEnd: number;
  /** The environment name for `\begin{…}` blocks. */
  environment?: string;
}

const DISPLAY_ENVIRONMENTS = new Set([
  "align", "align*", "aligned", "equation", "equation*", "gather", "gather*", "gathered", "multline", "multline*",
  "eqnarray", "eqnarray*", "split", "displaymath", "math", "flalign", "flalign*", "alignat", "alignat*", "cases",
]);

/** Index of the `}` closing the `{` just before `from`, or -1. */
export function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let position = from; position < text.length; position++) {
    const char = text[position];
    if (char === "\\") {
      position++; // `\{` and `\}` do not count
    } else if (char === "{") {
      depth++;
    } else if (char === "}") {
      depth--;
      if (depth === 0) return position;
    }
  }
  return -1;
}

function isEscaped(text: string, position: number): boolean {
  let backslashes = 0;
  for (let index = position - 1; index >= 0 && text[index] === "\\"; index--) backslashes++;
  return backslashes % 2 === 1;
}

/** The closing `$` of inline math opened at `open`, by pandoc's rule; -1 if none. */
function inlineDollarEnd(text: string, open: number): number {
  const first = text.charAt(open + 1);
  if (first === "" || /\s/.test(first)) return -1;
  for (let position = open + 1; position < text.length; position++) {
    const char = text[position];
    if (char === "\n" && /^\n[ \t]*\n/.test(text.slice(position))) return -1; // math never crosses a blank line
    if (char !== "$" || isEscaped(text, position)) continue;
    if (text[position + 1] === "$") return -1; // `$a$$b$` is not what a model means; leave it alone
    if (/\s/.test(text.charAt(position - 1)) || /\d/.test(text.charAt(position + 1))) continue;
    return position;
  }
  return -1;
}

/** Every math span of `text`, in order, none overlapping (an outer span swallows what is inside it). */
export function findMathSpans(text: string): MathSpan[] {
  const spans: MathSpan[] = [];
  let position = 0;
  const push = (span: MathSpan): void => {
    spans.push(span);
    position = span.end;
  };
  while (position < text.length) {
    const char = text[position];
    if (char === "\\" && !isEscaped(text, position)) {
      const rest = text.slice(position, position + 8);
      if (rest.startsWith("\\[") || rest.startsWith("\\(")) {
        const closer = rest.startsWith("\\[") ? "\\]" : "\\)";
        const close = text.indexOf(closer, position + 2);
        if (close !== -1) {
          push({ kind: rest.startsWith("\\[") ? "display" : "inline", start: position, end: close + 2, contentStart: position + 2, contentEnd: close });
          continue;
        }
      }
      const begin = /^\\begin\{([A-Za-z]+\*?)\}/.exec(text.slice(position, position + 40));
      if (begin && DISPLAY_ENVIRONMENTS.has(begin[1] as string)) {
        const closer = `\\end{${begin[1]}}`;
        const close = text.indexOf(closer, position + begin[0].length);
        if (close !== -1) {
          push({
            kind: "display", start: position, end: close + closer.length,
            contentStart: position + begin[0].length, contentEnd: close, environment: begin[1] as string,
          });
          continue;
        }
      }
      const boxed = /^\\(?:boxed|fbox)\s*\{/.exec(text.slice(position, position + 12));
      if (boxed) {
        const close = closingBrace(text, position + boxed[0].length);
        if (close !== -1) {
          push({ kind: "boxed", start: position, end: close + 1, contentStart: position + boxed[0].length, contentEnd: close });
          continue;
        }
      }
      position += 2; // any other command, or an escaped character such as `\$`
      continue;
    }
    if (char === "$") {
      if (text[position + 1] === "$") {
        const close = text.indexOf("$$", position + 2);
        if (close !== -1) {
          push({ kind: "display", start: position, end: close + 2, contentStart: position + 2, contentEnd: close });
          continue;
        }
        position += 2;
        continue;
      }
      const close = inlineDollarEnd(text, position);
      if (close !== -1) {
        push({ kind: "inline", start: position, end: close + 1, contentStart: position + 1, contentEnd: close });
        continue;
      }
    }
    if (char === "<" && text[position + 1] === "<") {
      const close = text.indexOf(">>", position + 2);
      if (close !== -1 && !text.slice(position, close).includes("\n")) {
        push({ kind: "annotation", start: position, end: close + 2, contentStart: position + 2, contentEnd: close });
        continue;
      }
    }
    position++;
  }
  return spans;
}

/** The span containing `position` (start inclusive, end exclusive), if any. */
export function spanAt(spans: readonly MathSpan[], position: number): MathSpan | undefined {
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const span = spans[middle] as MathSpan;
    if (position < span.start) high = middle - 1;
    else if (position >= span.end) low = middle + 1;
    else return span;
  }
  return undefined;
}
