/**
 * Stage 1, clean: a raw model output → text the extractor can read. Drops a closed reasoning block
 * (`<think>…</think>`: the answer follows it), reads `<answer>…</answer>` tags as "Answer: …", cuts the
 * next few-shot item a base model invents after its answer (a line opening with `Question:`, `Q:` or
 * `Problem:`, the stops of lm-eval's GSM8K and Minerva MATH prompts, once some text precedes it), drops
 * GSM8K's calculator annotations (`2+1=<<2+1=3>>3`: a base model shown GSM8K's own solutions as examples
 * writes them too), control characters and invisible spaces, and spells Unicode math (−, ×, √, π, ≤, ²,
 * ½, °) the LaTeX way so later stages handle one notation.
 */

// A symbol spelled as a command takes the spaces after it, so `6 × 10` reads as one run (`6 \times 10`).
const UNICODE_MATH: Array<[RegExp, string]> = [
  [/[\u2212\u2012\u2010\u2011\uFE63\uFF0D]/g, "-"], // minus sign, hyphens
  [/(\d)[ \t]+\u2013[ \t]+(?=\\?\$?\d)/g, "$1 - "], // "22 – 7": an en dash typed for minus (a range is unspaced)
  [/×[ \t]*/g, "\\times "],
  [/[·⋅∙][ \t]*/g, "\\cdot "],
  [/÷[ \t]*/g, "\\div "],
  [/√/g, " sqrt"],
  [/π[ \t]*/g, "\\pi "],
  [/∞[ \t]*/g, "\\infty "],
  [/(?:≤|⩽)[ \t]*/g, "\\le "],
  [/(?:≥|⩾)[ \t]*/g, "\\ge "],
  [/≠[ \t]*/g, "\\ne "],
  [/≈[ \t]*/g, "\\approx "],
  [/±[ \t]*/g, "\\pm "],
  [/∓[ \t]*/g, "\\mp "],
  [/∪[ \t]*/g, "\\cup "],
  [/∈[ \t]*/g, "\\in "],
  [/…[ \t]*/g, "\\ldots "],
  [/°/g, "^\\circ"],
  [/²/g, "^2"],
  [/³/g, "^3"],
  [/½/g, "\\frac{1}{2}"],
  [/⅓/g, "\\frac{1}{3}"],
  [/⅔/g, "\\frac{2}{3}"],
  [/¼/g, "\\frac{1}{4}"],
  [/¾/g, "\\frac{3}{4}"],
  [/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, " "], // no-break and typographic spaces
  [/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g, ""], // zero-width and bidi controls
  [/\p{Extended_Pictographic}\uFE0F?/gu, ""], // emoji (✅ Final Answer) carry no math
];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[^\u0009\u000A\u0020-\u007E]/;

/** A line opening the next item of a few-shot prompt: where a base model's answer to this one ended. */
const NEXT_ITEM = /\n[ \t]*(?:Question|Problem|Q)[ \t]*:/;

/** GSM8K's calculator annotation: `<<expression=result>>` right before the result, which the text repeats. */
const CALCULATOR = /<<[^<>\n]{0,200}=[^<>\n]{0,200}>>/g;

/**
 * `<answer>42</answer>` (R1-style answer tags) as an answer label, "Answer: 42". Scanned with indexOf, not a
 * lazy regex: a tag left open before a long text would make one backtrack through the rest of the output.
 */
function answerTags(text: string): string {
  const lower = text.toLowerCase();
  let out = "";
  let from = 0;
  for (let open = lower.indexOf("<answer>"); open !== -1; open = lower.indexOf("<answer>", from)) {
    const close = lower.indexOf("</answer>", open + 8);
    if (close === -1) break;
    out += `${text.slice(from, open)}\nAnswer: ${text.slice(open + 8, close).trim()}\n`;
    from = close + 9;
  }
  return out + text.slice(from);
}

export function cleanOutput(output: string): string {
  let text = output;
  const thinkEnd = text.lastIndexOf("</think>");
  if (thinkEnd !== -1) {
    const after = text.slice(thinkEnd + "</think>".length);
    text = after.trim() === "" ? text.replace(/<\/?think>/g, "") : after;
  }
  const next = NEXT_ITEM.exec(text);
  if (next && text.slice(0, next.index).trim() !== "") text = text.slice(0, next.index);
  if (text.includes("<<")) text = text.replace(CALCULATOR, "");
  if (/<answer>/i.test(text)) text = answerTags(text);
  // `\mathbf{2 3 3}`, `\mathbf{- 1 0}`, `\mathbf{6 7 \pi}`: digits spaced inside bold math are one number,
  // as LaTeX sets them (OlympiadBench).
  if (text.includes("\\mathbf")) {
    // Bounded content, then checked: an unbounded pattern here backtracks quadratically on a long run of digits.
    text = text.replace(/\\mathbf\{([^{}]{1,80})\}/g, (whole, inner: string) =>
      /^[-+\s\d.]*\d/.test(inner) ? `\\mathbf{${inner.trim().replace(/(?<=\d|^[-+])\s+(?=\d)/g, "")}}` : whole,
    );
  }
  // Most outputs are plain printable ASCII: nothing below applies to them.
  if (!NEEDS_WORK.test(text)) return text;
  text = text.replace(/\r\n?/g, "\n");
  // Control characters (other than tab and newline) carry no meaning and can confuse the scanners.
  text = text.replace(CONTROL, "");
  for (const [pattern, replacement] of UNICODE_MATH) text = text.replace(pattern, replacement);
  return text;
}
