/**
 * Long model outputs for `npm run bench:grade` (1–4k characters of realistic solution prose), generated
 * deterministically from a seed in the styles instruction-tuned models write: Qwen-style numbered steps
 * with `\( \)` math ending in a box, Llama-style "## Step N:" headings ending "The final answer is:
 * $\boxed{X}$", a prose conclusion with a bold value, GSM8K's `#### X`, an "**Answer:**" sentence, the
 * Minerva closing line, an output without any answer, and a repetition loop cut off at the token limit.
 * The numbers in the steps are the kind of arithmetic a solution carries; nothing is graded for accuracy.
 */
import type { GradeItem } from "../src/grade/index.ts";
import { seededRandom } from "../src/grade/evaluate.ts";

export const LONG_STYLES = ["qwen_boxed", "llama_steps", "prose_bold", "gsm8k_hash", "answer_sentence", "minerva", "no_answer", "truncated_loop"] as const;
export type LongStyle = (typeof LONG_STYLES)[number];

const NOUNS = ["apples", "tickets", "pages", "miles", "eggs", "marbles", "dollars", "students", "boxes", "cookies"];
const NAMES = ["Ana", "Marcus", "Priya", "Tom", "Leila", "Kenji", "Rosa", "Sam"];

function step(random: () => number, index: number, latex: boolean): string {
  const a = 2 + Math.floor(random() * 90);
  const b = 2 + Math.floor(random() * 40);
  const noun = NOUNS[Math.floor(random() * NOUNS.length)]!;
  const name = NAMES[Math.floor(random() * NAMES.length)]!;
  const product = a * b;
  const sum = a + b;
  const math = (text: string) => (latex ? `\\(${text}\\)` : text);
  const forms = [
    `${name} starts with ${a} ${noun} and gets ${b} more, so the total is ${math(`${a} + ${b} = ${sum}`)} ${noun}.`,
    `Each of the ${a} groups holds ${b} ${noun}, which gives ${math(`${a} \\times ${b} = ${product}`)} ${noun} in all.`,
    `Next we subtract the ${b} ${noun} that were used: ${math(`${sum} - ${b} = ${a}`)}. This leaves ${a} ${noun} for the rest of the problem.`,
    `To find the share per person we divide: ${math(`\\frac{${product}}{${b}} = ${a}`)}, so each person receives ${a} ${noun}.`,
    `We check the units carefully: the rate is ${a} ${noun} per hour over ${b} hours, and ${math(`${a} \\cdot ${b} = ${product}`)} matches the count above.`,
  ];
  const body = forms[Math.floor(random() * forms.length)]!;
  return latex ? `${index}. **Step ${index}:** ${body}` : body;
}

function steps(random: () => number, count: number, latex: boolean, separator = "\n\n"): string {
  return Array.from({ length: count }, (_, index) => step(random, index + 1, latex)).join(separator);
}

/** One output of `style` stating `gold` (a MATH-style LaTeX answer or a GSM8K number). */
export function longOutput(style: LongStyle, gold: string, seed: number): GradeItem {
  const random = seededRandom(seed);
  const count = 5 + Math.floor(random() * 16); // 5–20 steps: roughly 1–4k characters
  switch (style) {
    case "qwen_boxed":
      return { gold, output: `To solve the problem, we break it into steps.\n\n${steps(random, count, true)}\n\nTherefore, the final answer is \\(\\boxed{${gold}}\\).` };
    case "llama_steps":
      return {
        gold,
        output: `${Array.from({ length: count }, (_, index) => `## Step ${index + 1}: Work out part ${index + 1}\n${step(random, index + 1, false)}`).join("\n\n")}\n\nThe final answer is: $\\boxed{${gold}}$`,
      };
    case "prose_bold":
      return { gold, output: `${steps(random, count, false, " ")}\n\nTherefore, after all of these steps, ${NAMES[seed % NAMES.length]} ends up with **${gold} ${NOUNS[seed % NOUNS.length]}**.` };
    case "gsm8k_hash":
      return { gold, output: `${steps(random, count, false, "\n")}\n#### ${gold}` };
    case "answer_sentence":
      return { gold, output: `${steps(random, count, true)}\n\n**Answer:** The value we were asked for is $${gold}$.` };
    case "minerva":
      return { gold, output: `${steps(random, count, false, " ")}\nFinal Answer: The final answer is $${gold}$. I hope it is correct.` };
    case "no_answer":
      return { gold, output: `${steps(random, count, false, " ").replace(/\d+/g, "several")}\n\nI could not finish the computation with the information given.` };
    case "truncated_loop":
      return {
        gold,
        finishReason: "length",
        output: `${steps(random, 3, false, " ")}\n${Array.from({ length: 60 + count * 4 }, (_, index) => `Step ${index + 4}: add the ${NOUNS[index % NOUNS.length]} again.`).join("\n")}\nStep`,
      };
  }
}

/** `perStyle` outputs of every style, cycling through `golds` (numeric golds for the GSM8K-style ones). */
export function longOutputs(mathGolds: string[], numberGolds: string[], perStyle: number): GradeItem[] {
  const items: GradeItem[] = [];
  LONG_STYLES.forEach((style, styleIndex) => {
    const golds = style === "prose_bold" || style === "gsm8k_hash" || style === "truncated_loop" ? numberGolds : mathGolds;
    for (let index = 0; index < perStyle; index++) items.push(longOutput(style, golds[index % golds.length]!, styleIndex * 100_003 + index));
  });
  return items;
}
