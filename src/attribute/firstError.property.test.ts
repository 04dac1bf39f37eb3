/**
 * Property tests on the arith testbed: the first error located deterministically is never later than the
 * first false equation in the text, whatever surface the solution is written in; the generic verifier
 * refutes exactly the false equations; injected errors are recovered at the step they were put in, with
 * the subtype their kind implies. The false equations are found by an independent oracle (a regex over the
 * format-aligned lines and BigInt arithmetic), never by the code under test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random, arithGold, generateArithSplit, type ArithGold } from "../data/arith/index.ts";
import { INJECTION_KINDS, injectError, verifySteps } from "../steps/index.ts";
import { locateFirstError } from "./firstError.ts";

const problems = generateArithSplit("train", { size: 150 }).map((problem) => ({ gold: arithGold(problem), solution: problem.solution as string }));
const LINE = /^Step (\d+): ([^:\n]+): (\d+) ([-+*/]) (\d+) = (-?\d+)\.$/;

/** Index of the first line whose `a op b = c` is false (BigInt, exact); undefined when all hold. */
function firstFalseLine(aligned: string): number | undefined {
  const lines = aligned.split("\n");
  for (const [index, line] of lines.entries()) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [a, b, c] = [BigInt(match[3]!), BigInt(match[5]!), BigInt(match[6]!)];
    const op = match[4];
    const holds = op === "+" ? a + b === c : op === "-" ? a - b === c : op === "*" ? a * b === c : b !== 0n && a === b * c;
    if (!holds) return index;
  }
  return undefined;
}

type Style = "aligned" | "latex" | "prose";
const STYLES: readonly Style[] = ["aligned", "latex", "prose"];
const LATEX_OP: Record<string, string> = { "+": "+", "-": "-", "*": "\\times", "/": "\\div" };
const PROSE_OP: Record<string, string> = { "+": "+", "-": "−", "*": "×", "/": "÷" };

/** The same solution in another surface form, with where each original line went. */
function restyle(aligned: string, style: Style): { text: string; lines: [number, number][] } {
  const pieces: string[] = [];
  for (const line of aligned.split("\n")) {
    const match = LINE.exec(line);
    const box = /^\\boxed\{(.*)\}$/.exec(line);
    const label = /^Step (\d+): (.*)$/.exec(line);
    if (style === "latex" && !match && label) pieces.push(`**Step ${label[1]}:** ${label[2]}`);
    else if (style === "aligned" || (!match && !box)) pieces.push(line);
    else if (box) pieces.push(style === "latex" ? `Final answer: $\\boxed{${box[1]}}$` : `The answer is \\boxed{${box[1]}}.`);
    else if (style === "latex") pieces.push(`**Step ${match![1]}:** ${match![2]}: $${match![3]} ${LATEX_OP[match![4]!]} ${match![5]} = ${match![6]}$`);
    else pieces.push(`Then ${match![2]} = ${match![3]} ${PROSE_OP[match![4]!]} ${match![5]} = ${match![6]}.`);
  }
  const separator = style === "prose" ? " " : "\n";
  const lines: [number, number][] = [];
  let offset = 0;
  for (const piece of pieces) {
    lines.push([offset, offset + piece.length]);
    offset += piece.length + separator.length;
  }
  return { text: pieces.join(separator), lines };
}

const lineOf = (lines: readonly [number, number][], offset: number): number => lines.findIndex(([start, end]) => offset >= start && offset <= end);

function check(gold: ArithGold, aligned: string, style: Style, context: string): { generic?: number; first?: number; oracle?: number } {
  const { text, lines } = restyle(aligned, style);
  const oracle = firstFalseLine(aligned);
  const generic = verifySteps(text);
  const refuted = generic.firstRefuted && generic.steps.find((step) => step.segment === generic.firstRefuted!.segment)!.claims[generic.firstRefuted.claim]!;
  const genericLine = refuted ? lineOf(lines, refuted.start) : undefined;
  assert.equal(genericLine, oracle, `the generic verifier refutes exactly the first false equation (${style}): ${context}\n${text}`);
  const located = locateFirstError(text, { arith: gold });
  const firstLine = located.first ? lineOf(lines, located.first.start) : undefined;
  if (oracle !== undefined) {
    assert.ok(firstLine !== undefined && firstLine <= oracle, `first error at line ${firstLine}, a false equation at ${oracle} (${style}): ${context}\n${text}`);
  }
  return { generic: genericLine, first: firstLine, oracle };
}

void test("gold solutions: nothing refuted, no first error, in every style", () => {
  for (const { gold, solution } of problems) {
    for (const style of STYLES) {
      const { text } = restyle(solution, style);
      assert.equal(verifySteps(text).firstRefuted, undefined, text);
      assert.equal(locateFirstError(text, { arith: gold }).first, undefined, text);
    }
  }
});

void test("injected errors: the first error never comes after the first false equation; computational slips found exactly", () => {
  const random = new Random(4242);
  let cases = 0;
  const subtypes = new Map<string, Map<string, number>>();
  for (const { gold } of problems) {
    for (const kind of INJECTION_KINDS) {
      const steps = kind.startsWith("answer-") ? [gold.steps.length] : gold.steps.map((step) => step.index);
      for (const step of steps) {
        for (const propagate of [true, false]) {
          const injected = injectError(gold, { kind, step, propagate }, random);
          if (!injected) continue;
          // A format break is relative to the labelled layout ("Step 2: Tom's apples." has no equation), so
          // format injections keep their labels (aligned or LaTeX); the others rotate through all styles.
          const style = (kind === "format" ? STYLES[cases % 2] : STYLES[cases % STYLES.length]) as Style;
          cases++;
          const context = `${kind} at step ${step}${propagate ? " carried" : ""}`;
          check(gold, injected.text, style, context);
          const located = locateFirstError(restyle(injected.text, style).text, { arith: gold }).first;
          const expected = injected.expected.firstError;
          assert.ok(located, `${context} (${style}): nothing located in\n${restyle(injected.text, style).text}`);
          if (expected.part === "step") {
            const { lines } = restyle(injected.text, style);
            assert.equal(lineOf(lines, located.start), expected.position - 1, `${context}: located at the injected step (${style})`);
          } else {
            assert.equal(located.part, "answer", context);
          }
          if (kind === "computational") {
            assert.deepEqual([located.subtype, located.category, located.certain], ["computational_error", "execution", true], context);
          }
          const byKind = subtypes.get(kind) ?? new Map<string, number>();
          byKind.set(String(located.subtype), (byKind.get(String(located.subtype)) ?? 0) + 1);
          subtypes.set(kind, byKind);
        }
      }
    }
  }
  assert.ok(cases > 3000, `only ${cases} cases`);
  // Each injected kind lands in the subtypes its definition allows.
  const allowed: Record<string, string[]> = {
    "computational": ["computational_error"], "wrong-operation": ["procedural_error"],
    "wrong-quantity": ["procedural_error", "contextual_oversight"], "skipped-step": ["procedural_error"],
    "extra-step": ["procedural_error", "contextual_oversight"], "format": ["null"],
    "answer-computational": ["computational_error"], "answer-format": ["null"],
  };
  for (const [kind, counts] of subtypes) {
    for (const subtype of counts.keys()) assert.ok(allowed[kind]?.includes(subtype), `${kind} mapped to ${subtype}`);
  }
  console.log(`checked ${cases} injected solutions:`, JSON.stringify(Object.fromEntries([...subtypes].map(([kind, counts]) => [kind, Object.fromEntries(counts)]))));
});

void test("random corruptions of gold solutions: the first false equation is refuted exactly", () => {
  const random = new Random(99);
  let refuted = 0;
  for (const { gold, solution } of problems) {
    for (let round = 0; round < 4; round++) {
      const lines = solution.split("\n");
      const changes = random.int(1, 3);
      for (let change = 0; change < changes; change++) {
        const index = random.int(0, lines.length - 2);
        const match = LINE.exec(lines[index]!);
        if (!match) continue;
        const field = random.pick([3, 5, 6]);
        const parts = match.slice(1);
        parts[field - 1] = String(Number(parts[field - 1]) + random.pick([-3, -1, 1, 2, 10]));
        if (Number(parts[field - 1]) < 0) continue;
        lines[index] = `Step ${parts[0]}: ${parts[1]}: ${parts[2]} ${parts[3]} ${parts[4]} = ${parts[5]}.`;
      }
      const result = check(gold, lines.join("\n"), STYLES[round % STYLES.length] as Style, "corrupted");
      if (result.oracle !== undefined) refuted++;
    }
  }
  assert.ok(refuted > 300, `only ${refuted} corrupted solutions had a false equation`);
});
