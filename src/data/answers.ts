/**
 * Canonical gold-answer strings. Sources write the same number differently (AIME24 `"025"`, AIME25 `25`,
 * AMC `27.0`, GSM8K `1,000`); a Problem's `answer` is always the plain form, and loaders keep the
 * original value in `meta.originalAnswer`.
 */

const PLAIN_INTEGER = /^([+-]?)0*(\d+)$/;

/**
 * The plain form of a number given as a JSON number or a numeric string: `27.0` → `"27"`,
 * `"025"` → `"25"`, `-1.0` → `"-1"`, `0.5` → `"0.5"`. Strings that are not plain decimal numbers are
 * returned trimmed and unchanged (they are not numbers, e.g. `\frac{1}{2}`).
 */
export function canonicalNumber(value: number | string): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    // Integers print without ".0"; other values print in JavaScript's shortest round-trip form.
    return Object.is(value, -0) ? "0" : String(value);
  }
  const text = value.trim();
  const integer = PLAIN_INTEGER.exec(text);
  if (integer) {
    const [, sign, digits] = integer;
    if (digits === "0") return "0";
    return `${sign === "-" ? "-" : ""}${digits}`;
  }
  // "27.0", "-1.50": drop the trailing zeros of a plain decimal. Anything else is left alone.
  const decimal = /^([+-]?)(\d+)\.(\d*?)0*$/.exec(text);
  if (decimal) {
    const [, sign, whole, fraction] = decimal;
    const wholePart = canonicalNumber(`${sign}${whole}`);
    if (!fraction) return wholePart;
    return `${wholePart === "0" && sign === "-" ? "-0" : wholePart}.${fraction}`;
  }
  return text;
}

/**
 * The final answer of a GSM8K solution: what follows the last `####`, with thousands separators
 * removed (`#### 1,000` → `1000`). Undefined when the solution has no `####`.
 */
export function gsm8kFinalAnswer(solution: string): string | undefined {
  const marker = solution.lastIndexOf("####");
  if (marker === -1) return undefined;
  const answer = solution.slice(marker + 4).trim().replaceAll(",", "");
  return answer ? canonicalNumber(answer) : undefined;
}

/** The GSM8K solution without its final `#### n` line (calculator annotations `<<a*b=c>>` are kept). */
export function gsm8kSolutionBody(solution: string): string {
  const marker = solution.lastIndexOf("####");
  return (marker === -1 ? solution : solution.slice(0, marker)).trimEnd();
}

/**
 * OlympiadBench writes final answers with inline-math delimiters, sometimes several per answer
 * (`$69$,$84$`, `$f(n)=n$, $g(n)=1$`). The canonical form drops the unescaped `$` and a trailing period:
 * `69,84`, `f(n)=n, g(n)=1`. The grader compares math, not TeX delimiters.
 */
export function stripMathDelimiters(answer: string): string {
  return answer
    .replace(/(?<!\\)\$/g, "")
    .trim()
    .replace(/\.$/, "")
    .trim();
}
