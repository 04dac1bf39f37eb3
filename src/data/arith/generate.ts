/**
 * One arith problem from a uint32 seed and a level: pick a story shape, build it fragment by fragment,
 * insert distractors, check that every number is unambiguous, and number the quantities in question order.
 * A draft that fails a check is dropped and the same random stream tries again, so the result depends on
 * (seed, level, ARITH_VERSION) only.
 */
import { CHAIN_FRAGMENTS, baseGiven, baseGroups } from "./fragments.ts";
import { levelSpec } from "./levels.ts";
import { Random } from "./random.ts";
import { renderSolution } from "./format.ts";
import { StoryBuilder, quantityOperand, type DraftOperand, type DraftQuantity, type Entity } from "./story.ts";
import type { ArithMeta, ArithOperand, ArithQuantity, ArithStep } from "./types.ts";

export const ARITH_VERSION = 1;

export interface GeneratedArith {
  question: string;
  solution: string;
  answer: number;
  level: number;
  /** The operations used, in the fixed order add, sub, mul, div, joined by `_` (e.g. `add_mul`). */
  subject: string;
  meta: ArithMeta;
}

const MAX_ATTEMPTS = 500;

export function generateArithProblem(seed: number, level: number): GeneratedArith {
  const spec = levelSpec(level);
  const random = new Random(seed);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const story = new StoryBuilder(random, spec);
    const stepCount = random.int(spec.minSteps, spec.maxSteps);
    const question = buildStory(story, stepCount);
    if (question === undefined || story.steps.length !== stepCount) continue;
    addDistractors(story);
    story.say(question.text, question.quantities);
    if (!numbersAreDistinct(story)) continue;
    return finish(story, seed);
  }
  // Never seen in practice (drafts succeed within a few attempts); failing loudly beats a silent change.
  throw new Error(`arith: no problem for seed ${seed} level ${level} after ${MAX_ATTEMPTS} attempts`);
}

type Shape = "chain" | "chain-share" | "chain-pair" | "branches";

/** The closing sentence(s): what is asked, with any number they state (`among 4 friends`). */
interface Closing {
  text: string;
  quantities: DraftQuantity[];
}

/** Builds the facts and returns the closing question, or undefined when the draft fails. */
function buildStory(story: StoryBuilder, stepCount: number): Closing | undefined {
  const shape = story.random.weighted<Shape>([["chain", 3], ["chain-share", 1], ["chain-pair", 2], ["branches", 3]]);
  const { plural } = story.item;
  if (shape === "chain") {
    const chain = buildChain(story, stepCount);
    return chain && { text: chain.current.ask, quantities: [] };
  }
  if (shape === "chain-share") {
    const chain = buildChain(story, stepCount - 1);
    if (!chain) return undefined;
    const { current } = chain;
    const divisors = story.divisors(current.value);
    if (divisors.length === 0) return undefined;
    const friends = story.given(story.random.pick(divisors));
    story.step("/", current.operand, quantityOperand(friends), `${plural} for each friend`);
    return {
      text: `${current.owner} shares the ${plural} equally among ${friends.text} friends. How many ${plural} does each friend get?`,
      quantities: [friends],
    };
  }
  if (shape === "chain-pair") {
    const chain = buildChain(story, stepCount - 1);
    if (!chain) return undefined;
    const others = [...chain.latest.values()].filter((entity) => entity.owner !== chain.current.owner);
    if (others.length === 0) return undefined;
    return combine(story, story.random.pick(others), chain.current, false);
  }
  const pooled = stepCount >= 3 && story.random.chance(1, 3);
  const rest = stepCount - (pooled ? 2 : 1);
  const firstBudget = story.random.int(0, rest);
  const first = buildChain(story, firstBudget);
  const second = first && buildChain(story, rest - firstBudget);
  if (!first || !second) return undefined;
  return combine(story, first.current, second.current, pooled);
}

/** The last step(s): both counts together, their difference, or together shared among friends. */
function combine(story: StoryBuilder, first: Entity, second: Entity, pooled: boolean): Closing | undefined {
  const { plural } = story.item;
  const total = first.value + second.value;
  if (pooled) {
    const divisors = story.divisors(total);
    if (divisors.length === 0 || !story.fits(total)) return undefined;
    const together = story.step("+", first.operand, second.operand, `${first.owner} and ${second.owner} together`);
    const friends = story.given(story.random.pick(divisors));
    story.step("/", together, quantityOperand(friends), `${plural} for each friend`);
    return {
      text: `${first.owner} and ${second.owner} put their ${plural} together and share them equally among ` +
        `${friends.text} friends. How many ${plural} does each friend get?`,
      quantities: [friends],
    };
  }
  if (story.random.chance(1, 2) && first.value !== second.value) {
    const [larger, smaller] = first.value > second.value ? [first, second] : [second, first];
    if (!story.fits(larger.value - smaller.value)) return undefined;
    story.step("-", larger.operand, smaller.operand, `how many more ${larger.owner} has than ${smaller.owner}`);
    return { text: `How many more ${plural} does ${larger.owner} have than ${smaller.owner}?`, quantities: [] };
  }
  if (!story.fits(total)) return undefined;
  story.step("+", first.operand, second.operand, `${first.owner} and ${second.owner} together`);
  return { text: `How many ${plural} do ${first.owner} and ${second.owner} have together?`, quantities: [] };
}

interface Chain {
  current: Entity;
  /** Each person's latest count. */
  latest: Map<string, Entity>;
}

/** One person's story continued by fragments until it has used exactly `budget` steps. */
function buildChain(story: StoryBuilder, budget: number): Chain | undefined {
  const owner = story.newName();
  const groups = budget >= 1 && story.random.chance(1, 3) ? baseGroups(story, owner) : undefined;
  let current = groups ?? baseGiven(story, owner);
  let remaining = budget - (groups ? 1 : 0);
  const latest = new Map([[owner, current]]);
  while (remaining > 0) {
    let next: Entity | undefined;
    for (let tries = 0; tries < 12 && next === undefined; tries++) {
      const fragment = story.random.weighted(CHAIN_FRAGMENTS);
      if (fragment.steps <= remaining) next = fragment.apply(story, current);
      if (next) remaining -= fragment.steps;
    }
    if (!next) return undefined;
    current = next;
    latest.set(current.owner, current);
  }
  return { current, latest };
}

/** Distractor sentences: a number about someone or something the question does not ask about. */
function addDistractors(story: StoryBuilder): void {
  for (let count = 0; count < story.spec.distractors; count++) {
    const position = story.random.int(0, story.sentences.length);
    const known = story.sentences.slice(0, position).flatMap((sentence) => sentence.introduces);
    const template = story.random.int(0, known.length > 0 ? 2 : 0);
    const value = template === 2 ? story.random.int(6, 80) : story.random.int(2, Math.min(99, story.spec.maxValue));
    const quantity: DraftQuantity = { value, text: String(value), role: "distractor" };
    let text: string;
    if (template === 0) text = `${story.newName()} has ${quantity.text} ${story.otherThing()}.`;
    else if (template === 1) text = `${story.random.pick(known)} also has ${quantity.text} ${story.otherThing()}.`;
    else text = `${story.random.pick(known)} is ${quantity.text} years old.`;
    story.sentences.splice(position, 0, { text, quantities: [quantity], introduces: [] });
  }
}

/**
 * Every step result differs from every other and from every number in the question, so a value in a
 * model's output names exactly one quantity: the step verifier relies on it.
 */
function numbersAreDistinct(story: StoryBuilder): boolean {
  const results = story.steps.map((step) => step.result);
  const stated = new Set(story.sentences.flatMap((sentence) => sentence.quantities.map((quantity) => quantity.value)));
  if (new Set(results).size !== results.length) return false;
  if (results.some((result) => stated.has(result))) return false;
  // Distractors must not repeat a needed number either (a distractor "12" next to a given "12" is ambiguous).
  const givens = new Set<number>();
  const distractors: number[] = [];
  for (const sentence of story.sentences) {
    for (const quantity of sentence.quantities) {
      if (quantity.role === "given") givens.add(quantity.value);
      else distractors.push(quantity.value);
    }
  }
  return distractors.every((value) => !givens.has(value)) && new Set(distractors).size === distractors.length;
}

const OP_NAMES = [["+", "add"], ["-", "sub"], ["*", "mul"], ["/", "div"]] as const;

function finish(story: StoryBuilder, seed: number): GeneratedArith {
  const ids = new Map<DraftQuantity, string>();
  const quantities: ArithQuantity[] = [];
  for (const sentence of story.sentences) {
    for (const quantity of sentence.quantities) {
      const id = `q${quantities.length + 1}`;
      ids.set(quantity, id);
      quantities.push({ id, value: quantity.value, text: quantity.text, role: quantity.role });
    }
  }
  const operand = (draft: DraftOperand): ArithOperand => {
    if (draft.kind === "step") return { source: "step", step: draft.step, value: story.valueOf(draft) };
    const id = ids.get(draft.quantity);
    if (id === undefined) throw new Error("arith: a step uses a quantity the question does not state");
    return { source: "question", quantity: id, value: draft.quantity.value };
  };
  const steps: ArithStep[] = story.steps.map((step, index) => ({
    index: index + 1,
    op: step.op,
    operands: [operand(step.left), operand(step.right)],
    result: step.result,
    description: step.description,
  }));
  const answer = steps[steps.length - 1]?.result;
  if (answer === undefined) throw new Error("arith: a problem without steps");
  const subject = OP_NAMES.filter(([op]) => steps.some((step) => step.op === op)).map(([, name]) => name).join("_");
  return {
    question: story.sentences.map((sentence) => sentence.text).join(" "),
    solution: renderSolution(steps, answer),
    answer,
    level: story.spec.level,
    subject,
    meta: { version: ARITH_VERSION, seed, quantities, steps },
  };
}
