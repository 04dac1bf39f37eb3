/**
 * Stage 3, normalize: an extracted answer string → the same answer with presentation removed. Pure
 * string rewriting that never changes the value: math delimiters, `\left`/`\right`, `\dfrac`, spacing
 * commands, digit-group separators, degree signs, currency, units, trailing punctuation. Gold and
 * predicted answers go through the same function.
 */

/** Scale words after a number: `2 million` is 2 × 10^6. */
const SCALE_WORDS: Record<string, number> = { hundred: 2, thousand: 3, million: 6, billion: 9, trillion: 12 };

/** Words that name a unit; `\text{ cm}^2` and a trailing ` dollars` are presentation, not value. */
const UNIT_WORDS = new Set(
  (
    "mm cm m km in inch inches ft foot feet yd yard yards mi mile miles meter meters metre metres " +
    "centimeter centimeters centimetre centimetres kilometer kilometers millimeter millimeters " +
    "g gm kg mg gram grams kilogram kilograms lb lbs pound pounds oz ounce ounces ton tons " +
    "s sec secs second seconds min mins minute minutes h hr hrs hour hours day days week weeks " +
    "month months year years dollar dollars cent cents degree degrees deg radian radians rad " +
    "unit units sq square cubic per mph kmh l liter liters litre litres ml gallon gallons cup cups " +
    "mph km/h m/s cm^2 cm^3 m^2 m^3 percent points point times hours. minutes."
  ).split(" "),
);
/** Unit words safe to drop from plain text too (not single letters, which are usually variables). */
const PLAIN_UNIT = new RegExp(
  // Starts only where a run of spaces starts (not inside it): `\s*` from every space of a long run is quadratic.
  String.raw`(?<=[\d}]|(?<!\s)\s)\s*(?:square |cubic |sq\.? )?(?:` +
    [...UNIT_WORDS].filter((word) => word.length >= 2 && /^[a-z]+$/.test(word) && word !== "in" && word !== "min" && word !== "per" && word !== "deg").join("|") +
    String.raw`)(?:\^\{?[23]\}?|²|³)?\.?$`,
  "i",
);

const TEXT_COMMANDS = /\\(?:text|textbf|textit|textrm|textsf|texttt|textnormal|mbox|hbox|mathrm|mathbf|mathit|mathsf|mathtt|mathnormal|boldsymbol|bm|rm|bf|it)\s*\{/g;

/** Characters that any LaTeX-level rewrite below starts from; answers without them skip those rewrites. */
const LATEX_MARKERS = /[\\$%°~{]/;

export function normalizeAnswer(answer: string): string {
  let text = answer.trim();
  // An en dash where a minus belongs (`–5`, `(–1, 2)`, `x = –3`), never between two values (`3–5`).
  if (text.includes("\u2013")) text = text.replace(/(^|[\s([{,=+*/^])\u2013(?=\s*[\d\\a-zA-Z(.])/g, "$1-");
  // Currency: `€50`, `50€`, `£50`, `USD 1000`, `\text{Rs. }50` — a sign or code beside a number.
  if (/[€£¥₹]|USD|EUR|GBP|INR|Rs/.test(text)) {
    text = text
      .replace(/[€£¥₹]\s*(?=[\d.])|(?<=\d)\s*[€£¥₹]/g, "")
      .replace(/^(?:\\text\{\s*)?(?:USD|EUR|GBP|INR|Rs\.?)\s*\}?\s*(?=[\d.])/, "");
  }
  if (LATEX_MARKERS.test(text)) text = normalizeLatex(text);
  // Base subscripts: `1011_{(2)}` → `1011_{2}`, `(1011)_2` → `1011_2`.
  if (text.includes("_")) text = text.replace(/_\{\s*\((\d+)\)\s*\}/g, "_{$1}").replace(/\(([0-9A-Z]+)\)(?=_\{?\d)/g, "$1");
  if (text.includes(".")) text = text.replace(/\b(?:np|math|sp|sympy)\.(?=[a-z])/g, ""); // np.arcsin(...) in Minerva's gold
  if (text.includes("mod")) text = text.replace(/\(\s*mod\s*\d+\s*\)\s*$/, "").trimEnd(); // `7 (mod 9)` in plain text
  text = scaleWords(text);
  text = stripUnits(text);
  text = text.replace(/\s+/g, " ").trim();
  if (text.includes(":")) text = text.replace(/(\d)\s*:\s*(?=\d)/g, "$1:"); // a ratio or a time: `3 : 1` is `3:1`
  text = text.replace(/^(?:\\text\{\s*\}|\s)+|(?:\\text\{\s*\}|\s)+$/g, "");
  text = text.replace(/(?<!\\)[.;,]+$/, "").trim(); // "5." at the end of a sentence
  // `1 000 000`: digit groups split by plain spaces (no reading of two integers side by side means a product);
  // `1 0 8`, `\mathbf{2 3}`: single digits spaced, which LaTeX's math mode renders as 108 and 23.
  if (/^-?(?:\d{1,3}(?: \d{3})+(?:\.\d+)?|\d(?: \d)+)$/.test(text)) text = text.replace(/ /g, "");
  return clockTime(text) ?? mixedNumber(text) ?? text;
}

/** `\text{ for } k \in \mathbb{Z}`, `\text{where } n \ge 1`: words that open a qualifier after a value. */
const QUALIFIER = /\\text\{\s*(?:for|where|when|with)\b[^{}]{0,200}\}/;
const SEPARATORS = ["\\qquad", "\\quad", "\\,", "\\;", "\\:", "\\!", "\\ ", ","];

/**
 * `\frac{\pi}{6} + k\pi \text{ for } k \in \mathbb{Z}`, `5 \quad \text{for all } n`: the value without
 * its closing qualifier (and the spacing before it). Trimmed by hand: a pattern anchored at the end
 * backtracks quadratically through a long run of spaces.
 */
function withoutQualifier(text: string): string {
  const found = QUALIFIER.exec(text);
  if (!found) return text;
  let end = found.index;
  for (let before = -1; before !== end; ) {
    before = end;
    while (end > 0 && /\s/.test(text[end - 1]!)) end--;
    const separator = SEPARATORS.find((candidate) => text.startsWith(candidate, end - candidate.length));
    if (separator) end -= separator.length;
  }
  return end === 0 ? text : text.slice(0, end);
}

const UNIT_VECTOR = /\\(?:mathbf|boldsymbol|bm|vec|hat)\s*(?:\{\s*([ijk])\s*\}|([ijk])(?![A-Za-z]))/g;

/**
 * `\mathbf{i} + 2\mathbf{j}`, `3\hat{i} - \hat{k}`: a vector in the unit vectors, written as its tuple of
 * components (`(1, 2)`; three when `k` appears). Only a sum whose every term is a coefficient times one unit
 * vector is rewritten; anything else (a bold `i` inside other math) is left alone.
 */
function unitVectors(text: string): string {
  if (!/\\(?:mathbf|boldsymbol|bm|vec|hat)/.test(text) || text.includes("\uE000")) return text;
  const marked = text.replace(UNIT_VECTOR, (_whole, braced: string | undefined, bare: string | undefined) => `\uE000${braced ?? bare}`);
  if (!marked.includes("\uE000")) return text;
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < marked.length; index++) {
    const char = marked[index]!;
    if (char === "{" || char === "(" || char === "[") depth++;
    else if (char === "}" || char === ")" || char === "]") depth--;
    else if ((char === "+" || char === "-") && depth === 0 && marked.slice(start, index).trim() !== "") {
      terms.push(marked.slice(start, index));
      start = index;
    }
  }
  terms.push(marked.slice(start));
  const components = new Map<string, string>();
  for (const term of terms) {
    const match = /^\s*([+-]?)\s*([^\uE000]*?)\s*(?:\\cdot|\*)?\s*\uE000([ijk])\s*$/.exec(term);
    if (!match || components.has(match[3]!)) return text;
    const coefficient = match[2]!.trim() === "" ? "1" : match[2]!.trim();
    components.set(match[3]!, `${match[1] === "-" ? "-" : ""}${coefficient}`);
  }
  const axes = components.has("k") ? ["i", "j", "k"] : ["i", "j"];
  return `(${axes.map((axis) => components.get(axis) ?? "0").join(",")})`;
}

/** `2 million`, `2.5\text{ million dollars}`: a scale word multiplies the number (it is not a label to drop). */
function scaleWords(text: string): string {
  if (!/hundred|thousand|million|billion|trillion/i.test(text)) return text;
  return text.replace(/(\d)\s*(\\text\{\s*)?(hundred|thousand|million|billion|trillion)s?(?![A-Za-z])\s*/gi, (_whole, digit: string, brace: string | undefined, word: string) => {
    const power = SCALE_WORDS[word.toLowerCase()]!;
    return `${digit}\\times 10^{${power}}${brace ? " \\text{ " : " "}`;
  });
}

/** `2 1/3`, `-1 3/4` in plain text: a whole number and a proper fraction after a space are a mixed number. */
function mixedNumber(text: string): string | undefined {
  const match = /^(-?\d+)\s+(\d+)\/(\d+)$/.exec(text);
  if (!match || BigInt(match[2]!) >= BigInt(match[3]!)) return undefined;
  return `${match[1]}\\frac{${match[2]}}{${match[3]}}`;
}

/** `9 a.m.`, `9\text{ a.m.}`, `\text{1:03 PM}`, `1:03pm` → one spelling (`9:00am`, `1:03pm`): a time of day. */
function clockTime(text: string): string | undefined {
  const match = /^(?:\\text\{\s*)?(\d{1,2})(?::(\d{2}))?\s*(?:\\text\{\s*)?([ap])\.?\s*m\.?\s*\}?\s*\}?$/i.exec(text);
  return match ? `${Number(match[1])}:${match[2] ?? "00"}${match[3]!.toLowerCase()}m` : undefined;
}

function normalizeLatex(answer: string): string {
  let text = stripMathDelimiters(answer);
  // An answer passed with its box still on (`\boxed{5}`): the box is presentation.
  for (let match = WHOLE_BOX.exec(text); match && balanced(match[1]!); match = WHOLE_BOX.exec(text)) {
    text = stripMathDelimiters(match[1]!);
  }
  text = text.replace(/(?<!\\)\$/g, " "); // leftover inline-math signs inside a multi-part answer
  text = text.replace(/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![A-Za-z])/g, "");
  text = text.replace(/\\minus(?![A-Za-z])/g, "-");
  // `{3}\over{4}`, `{3 \over 4}`: the TeX primitive spelling of a fraction.
  if (text.includes("\\over")) {
    text = text
      .replace(/\{([^{}]*)\}\s*\\over(?![A-Za-z])\s*\{([^{}]*)\}/g, "\\frac{$1}{$2}")
      .replace(/\{([^{}]*?)\\over(?![A-Za-z])([^{}]*)\}/g, "\\frac{$1}{$2}")
      .replace(/^([^{}]+?)\\over(?![A-Za-z])([^{}]+)$/, "\\frac{$1}{$2}");
  }
  text = unitVectors(text);
  text = text.replace(/\\text\{\s*-\s*\}/g, "-"); // `\text{−}3`
  text = text.replace(/\\text\{\s*(?:infinity|infinite)\s*\}/gi, "\\infty");

  // The real line: `\mathbb{R}`, `\mathbb R`, `\R`, `\Bbb{R}` (not `\mathbb{R}^2`, the plane).
  text = text.replace(/\\(?:mathbb|Bbb)\s*(?:\{\s*R\s*\}|R(?![A-Za-z]))(?!\s*\^)|\\R(?![A-Za-z])(?!\s*\^)|ℝ(?!\s*\^)/g, "(-\\infty,\\infty)");
  text = repeatingDecimals(text);
  text = text.replace(/\\(?:d|t|c)frac(?![A-Za-z])/g, "\\frac").replace(/\\(?:d|t)binom(?![A-Za-z])/g, "\\binom");
  // \left( \right) \bigl| ...: sizing only. `\left.` and `\right.` are invisible delimiters.
  text = text.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)(?![A-Za-z])\s*\.?/g, "");
  text = text.replace(TEXT_COMMANDS, "\\text{");
  // `\boxed{\text{The answer is } 12}`: the marker copied into the box is not part of the answer.
  text = text.replace(/^\\text\{\s*(?:the\s+)?(?:final\s+)?answer\s+is\s*:?\s*\}\s*(?=\S)/i, "");
  text = withoutQualifier(text);
  // `\text{A,D}`: several choice letters, read as a list of them.
  text = text.replace(/^\\text\{\s*(\(?[A-Z]\)?(?:\s*,\s*\(?[A-Z]\)?)+)\s*\}\s*[.;]?$/, "$1");
  text = scaleWords(text);
  // `\text{all real numbers}`: the real line in words.
  text = text.replace(/^\\text\{\s*(?:the\s+)?(?:set\s+of\s+)?all\s+real\s+(?:numbers|values|x)\s*\}$|^\\text\{\s*all\s+reals\s*\}$/i, "(-\\infty,\\infty)");
  text = removedPoints(text);
  // `\{x \mid x > 2\}`, `\{x : x \ne 0\}`, `\{x \in \mathbb{R} \mid x \le 3\}`: a set of one variable given by an
  // inequality is that inequality (an equation is not rewritten: `\{x \mid x^2 = 4\}` is not 4).
  text = text.replace(/^\\\{\s*([A-Za-z])\s*(?:\\in\s*\(-\\infty,\\infty\)\s*)?(?:\\mid|\||:|\\colon)\s*([^{}]*?(?:<|>|\\le|\\ge|\\ne|\\neq|\\leq|\\geq)[^{}]*?)\s*\\\}$/, (whole, variable: string, condition: string) =>
    new RegExp(`(?<![A-Za-z\\\\])${variable}(?![A-Za-z])`).test(condition) ? condition : whole,
  );
  // `2.3 \times 10^5 \text{ J}`, `12\mathrm{kg\cdot m^2}`, `8.314\mathrm{~J/(mol \cdot K)}`: letters in text closing a value are
  // its unit (variables are not set in text); `\mathrm{e}` and `\mathrm{i}` are the constants.
  text = text.replace(
    /(?<=[\d}])(?:\s|\\[,;:!]|~)*\\text\{[\s~]*(?![ei][\s~]*\}|[ap]\.?\s*m\b)[A-Za-z][A-Za-z\s~/.^\d()-]*(?:\\cdot[A-Za-z\s~/.^\d()-]*)*\}(?:\s*\^\s*\{?-?\d\}?)?\s*$/,
    "",
  );
  // `12\,\text{m}^2`, `5\mathrm{~g}`: a one-letter unit in text after a number, closing the answer, is a unit.
  // (One spacing group, not `\s*` before it: two quantifiers over the same spaces backtrack quadratically.)
  text = text.replace(/(\d)(?:\\[,;:!]|~|\s)*\\text\{[\s~]*(?:m|g|s|h|l|L)[\s~]*\}(?:\s*\^\s*\{?[23]\}?)?\s*$/, "$1");
  text = text.replace(/\\text\{\s*([A-Za-z])\s*\}/g, "$1"); // \mathrm{e}, \text{x}: one letter is a symbol
  text = text.replace(/\\text\{([^{}A-Za-z]*\d[^{}A-Za-z]*)\}/g, "$1"); // \text{19}: no words, just math
  // Digit groups: 1{,}000, 10,\!080, 1\,000, 1\!000 → 1,000 (the parser reads grouped digits).
  // `0{,}5`, `3{,}14`: `{,}` before anything but a group of three digits is a decimal comma.
  text = text.replace(/(\d)\{,\}(?=\d)(?!\d{3}(?!\d))/g, "$1.");
  text = text.replace(/\{,\}/g, ",").replace(/,\\!\s*/g, ",").replace(/(\d)\\[,!:;]\s*(?=\d{3}(?!\d))/g, "$1,");
  // Spacing commands; `\\` (a matrix row break) is kept, so `\\ 2` is not read as `\ ` (a space).
  text = text.replace(/\\\\|\\(?:[!,;:\s]|(?:quad|qquad|enspace|thinspace|medspace|thickspace)(?![A-Za-z]))/g, (match) =>
    match === "\\\\" ? match : match === "\\!" ? "" : " ",
  );
  text = text.replace(/~/g, " ");
  // `\15`, `\$\15`: a stray backslash before a digit (no command starts with one) is a typo, not math.
  text = text.replace(/(?<!\\)\\(?=\d)/g, "");
  // `\sin 60^\circ`, `\cos(45°)`: a trigonometric function of degrees, converted to radians (elsewhere degrees are only stripped).
  text = text.replace(
    /\\(sin|cos|tan|cot|sec|csc)\s*(?:\(\s*(-?\d+(?:\.\d+)?)\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree)\s*\)|\{?\s*(\d+(?:\.\d+)?)\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree)\s*\}?)/g,
    (_whole, name: string, inParens: string | undefined, bare: string | undefined) => `\\${name}(\\frac{${inParens ?? bare}\\pi}{180})`,
  );
  // Temperatures: 10^\circ C, 10^{\circ}\text{F}, 10\,^\circ\mathrm{C} → 10 (the scale letter is not a variable).
  text = text.replace(/(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\degree)\s*(?:\\text\{\s*[CF]\s*\}|[CF](?![A-Za-z]))/g, "");
  // Degrees: 90^\circ, 90^{\circ}, 90°, \degree.
  text = text.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree|°|(?<=\d)\s*\\deg(?![A-Za-z])(?=\s*$)/g, "");
  text = text.replace(/\\%|%/g, "\\%").replace(/\\text\{\s*percent\s*\}/g, "\\%");
  text = text.replace(/\\\$|\\dollar(?![A-Za-z])/g, "");
  // `7 \pmod{9}`, `x \equiv 7 \pmod 9`, `7 \mod 9`, `7 (\bmod 9)`: the modulus closing an answer states its context.
  // (No leading `\s*` in the pattern: tried from every space of a long run it is quadratic; trimmed after.)
  if (text.includes("mod")) text = text.replace(/(?:\\(?:pmod|bmod|mod)(?![A-Za-z])\s*(?:\{\s*\d+\s*\}|\d+)|\(\s*\\?(?:bmod|mod)\s*\d+\s*\))\s*$/, "").trimEnd();
  text = text.replace(/^\\approx(?![A-Za-z])\s*/, ""); // `\approx 1.6667`: the approximation is the answer
  text = text.replace(/\\(?:le|leq|leqslant|leqq)(?![A-Za-z])/g, "\\le ").replace(/\\(?:ge|geq|geqslant|geqq)(?![A-Za-z])/g, "\\ge ");
  text = text.replace(/\\(?:neq|ne)(?![A-Za-z])/g, "\\ne ");
  text = text.replace(/\\(?:infin|infinity)(?![A-Za-z])/g, "\\infty");
  text = text.replace(/\\(?:vert)(?![A-Za-z])/g, "|").replace(/\\(?:lvert|rvert)(?![A-Za-z])/g, "|");
  text = text.replace(/\\(?:dots|ldots|cdots)(?![A-Za-z])/g, "\\ldots");
  return text;
}

/**
 * `(-\infty,\infty) \setminus \{-2, 3\}` (the real line after `\mathbb{R}` was spelled out), also with `\backslash` or
 * `-`: the real line without those points, written as the union of open intervals between them. Only plain
 * numbers and fractions of integers are ordered here; anything else is left as written.
 */
function removedPoints(text: string): string {
  const match = /^\(-\\infty,\\infty\)\s*(?:\\setminus|\\backslash|-)\s*\\\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\\\}$/.exec(text);
  if (!match) return text;
  const points: Array<{ text: string; value: number }> = [];
  for (const item of match[1]!.split(",")) {
    const point = item.trim();
    const fraction = /^(-?)\\frac\s*(?:\{(\d+)\}|(\d))\s*(?:\{(\d+)\}|(\d))$/.exec(point);
    const value = /^-?\d+(?:\.\d+)?$/.test(point)
      ? Number(point)
      : fraction
        ? (fraction[1] ? -1 : 1) * (Number(fraction[2] ?? fraction[3]) / Number(fraction[4] ?? fraction[5]))
        : NaN;
    if (!Number.isFinite(value) || points.length >= 16) return text;
    points.push({ text: point, value });
  }
  points.sort((a, b) => a.value - b.value);
  if (points.some((point, index) => index > 0 && point.value === points[index - 1]!.value)) return text;
  const ends = ["-\\infty", ...points.map((point) => point.text), "\\infty"];
  return ends.slice(1).map((end, index) => `(${ends[index]},${end})`).join("\\cup");
}

/**
 * `0.\overline{3}`, `1.2\overline{45}` (also `\dot{3}`): a repeating decimal, rewritten as the exact fraction it
 * denotes, so it compares like `\frac{1}{3}` and not like a truncated decimal.
 */
function repeatingDecimals(text: string): string {
  if (!/\\(?:overline|dot)/.test(text)) return text;
  return text.replace(/(\d*)\.(\d*)\\(?:overline|dot)\s*\{(\d+)\}/g, (_whole, whole: string, fixed: string, repeated: string) => {
    const withRepeat = BigInt(`${whole}${fixed}${repeated}` || "0");
    const withoutRepeat = BigInt(`${whole}${fixed}` || "0");
    let numerator = withRepeat - withoutRepeat;
    let denominator = (10n ** BigInt(repeated.length) - 1n) * 10n ** BigInt(fixed.length);
    const divisor = gcd(numerator, denominator);
    numerator /= divisor;
    denominator /= divisor;
    return denominator === 1n ? `${numerator}` : `\\frac{${numerator}}{${denominator}}`;
  });
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

const WHOLE_BOX = /^\\(?:boxed|fbox)\s*\{([\s\S]*)\}$/;

/** Braces that never close more than they opened (so `\boxed{1} + \boxed{2}` is not one box). */
function balanced(text: string): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === "\\") index++;
    else if (char === "{") depth++;
    else if (char === "}" && --depth < 0) return false;
  }
  return depth === 0;
}

/** `$x$`, `$$x$$`, `\(x\)`, `\[x\]` around the whole answer. */
export function stripMathDelimiters(answer: string): string {
  let text = answer.trim();
  for (;;) {
    const inner =
      /^\$\$([\s\S]*)\$\$$/.exec(text)?.[1] ??
      /^\$([^$]*)\$$/.exec(text)?.[1] ??
      /^\\\(([\s\S]*)\\\)$/.exec(text)?.[1] ??
      /^\\\[([\s\S]*)\\\]$/.exec(text)?.[1];
    if (inner === undefined) return text;
    text = inner.trim();
  }
}

/** `\text{ cm}^2`, `\mbox{ inches}`, `\text{ degrees}`, a trailing ` dollars`: dropped after a value. */
function stripUnits(text: string): string {
  const withoutTextUnits = text.replace(/\\text\{([^{}]*)\}(\s*\^\s*\{?[23]\}?)?/g, (whole, content: string, _power, offset: number) => {
    const words = content.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const before = text.slice(0, offset).trim();
    if (words.length === 0) return " ";
    if (before === "") return whole;
    if (words.every((word) => UNIT_WORDS.has(word))) return " ";
    // `65 \text{ children tickets }`, `9 \text{ multiples}`: words closing a value name what it counts.
    const atEnd = text.slice(offset + whole.length).trim() === "";
    return atEnd && /\d|\}/.test(before) && isLabel(words) ? " " : whole;
  });
  let result = withoutTextUnits.trim();
  for (let pass = 0; pass < 3; pass++) {
    const stripped = result.replace(PLAIN_UNIT, "").trim();
    if (stripped === result || stripped === "") break;
    result = stripped;
  }
  // "12 apples", "65 children tickets": plain words after a number label it.
  const label = TRAILING_WORDS.exec(result);
  if (label && isLabel(label[1]!.trim().split(/\s+/))) result = result.slice(0, label.index).trim();
  return result;
}

/** Plain lowercase words closing an answer, a space after a digit or a closing brace (`2RC` is math). */
const TRAILING_WORDS = /(?<=[\d}])\s+((?:[a-z][a-z'’.-]*\s*)+)$/;
/** Words that keep their meaning in an answer: separators, math words, clock times, text answers. */
const MEANINGFUL_WORDS = new Set(["and", "or", "pi", "sqrt", "sin", "cos", "tan", "log", "ln", "exp", "mod", "i", "e", "inf", "infinity", "am", "pm", "a.m", "p.m", "a.m.", "p.m.", "bc", "ad"]);

/** Words that only label a value ("children tickets", "multiples", "ways."): letters only, none meaningful. */
function isLabel(words: string[]): boolean {
  if (words.length === 0 || words.length > 6) return false;
  // `5 m`, `0.5 ab`: short letter runs are variables; a label has a real word in it.
  if (!words.some((word) => word.replace(/[.'’-]/g, "").length >= 3)) return false;
  return words.every((word) => /^[a-z][a-z'’-]*\.?$/i.test(word) && !MEANINGFUL_WORDS.has(word.toLowerCase().replace(/\.$/, "")) && !MEANINGFUL_WORDS.has(word.toLowerCase()));
}
