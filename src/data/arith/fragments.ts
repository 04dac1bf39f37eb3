/**
 * Story fragments. Each one states a fact (and adds the gold steps it needs) or returns undefined,
 * unchanged, when its numbers cannot fit the level. `steps` says how many gold steps it adds.
 */
import { fractionWord, quantityOperand, type Entity, type StoryBuilder } from "./story.ts";

export interface Fragment {
  name: string;
  steps: number;
  apply(story: StoryBuilder, current: Entity): Entity | undefined;
}

function nowAsk(story: StoryBuilder, owner: string): string {
  return `How many ${story.item.plural} does ${owner} have now?`;
}

function hasAsk(story: StoryBuilder, owner: string): string {
  return `How many ${story.item.plural} does ${owner} have?`;
}

/** The first fact about a person: a plain count (no step) or containers of items (one step). */
export function baseGiven(story: StoryBuilder, owner: string): Entity {
  const high = Math.max(9, Math.floor(story.spec.maxValue / 3));
  const count = story.given(story.random.int(5, high));
  story.say(`${owner} has ${count.text} ${story.item.plural}.`, [count], [owner]);
  return { owner, value: count.value, operand: quantityOperand(count), ask: hasAsk(story, owner) };
}

export function baseGroups(story: StoryBuilder, owner: string): Entity | undefined {
  const groups = story.random.int(2, story.spec.maxFactor);
  const eachHigh = Math.min(Math.floor(story.spec.maxValue / groups), Math.max(12, Math.floor(story.spec.maxValue / 8)));
  if (eachHigh < 2) return undefined;
  const groupCount = story.given(groups);
  const each = story.given(story.random.int(2, eachHigh));
  if (!story.fits(groups * each.value)) return undefined;
  const { container, plural } = story.item;
  story.say(`${owner} has ${groupCount.text} ${container} with ${each.text} ${plural} in each.`, [groupCount, each], [owner]);
  const operand = story.step("*", quantityOperand(groupCount), quantityOperand(each), `${owner}'s ${plural}`);
  return { owner, value: groups * each.value, operand, ask: hasAsk(story, owner) };
}

const GAIN_VERBS = [["buys", "buying"], ["finds", "finding"], ["gets", "getting"]] as const;
const LOSS_VERBS = [["loses", "losing"], ["sells", "selling"], ["donates", "donating"]] as const;

const growAdd: Fragment = {
  name: "grow-add",
  steps: 1,
  apply(story, current) {
    const amount = story.smallAmount(story.spec.maxValue - current.value);
    if (amount === undefined || !story.fits(current.value + amount)) return undefined;
    const quantity = story.given(amount);
    const [verb, gerund] = story.random.pick(GAIN_VERBS);
    const { plural } = story.item;
    story.say(`${current.owner} ${verb} ${quantity.text} more ${plural}.`, [quantity]);
    const operand = story.step("+", current.operand, quantityOperand(quantity), `${current.owner}'s ${plural} after ${gerund} more`);
    return { owner: current.owner, value: current.value + amount, operand, ask: nowAsk(story, current.owner) };
  },
};

const growSubtract: Fragment = {
  name: "grow-subtract",
  steps: 1,
  apply(story, current) {
    const amount = story.smallAmount(current.value - 2);
    if (amount === undefined || !story.fits(current.value - amount)) return undefined;
    const quantity = story.given(amount);
    const { plural } = story.item;
    let description: string;
    if (story.random.chance(1, 2)) {
      const friend = story.newName();
      story.say(`${current.owner} gives ${quantity.text} ${plural} to ${friend}.`, [quantity]);
      description = `${current.owner}'s ${plural} after giving some away`;
    } else {
      const [verb, gerund] = story.random.pick(LOSS_VERBS);
      story.say(`${current.owner} ${verb} ${quantity.text} ${plural}.`, [quantity]);
      description = `${current.owner}'s ${plural} after ${gerund} some`;
    }
    const operand = story.step("-", current.operand, quantityOperand(quantity), description);
    return { owner: current.owner, value: current.value - amount, operand, ask: nowAsk(story, current.owner) };
  },
};

const keepFraction: Fragment = {
  name: "keep-fraction",
  steps: 1,
  apply(story, current) {
    const divisors = story.fractionDivisors(current.value);
    if (divisors.length === 0) return undefined;
    const divisor = story.random.pick(divisors);
    const quantity = story.given(divisor, fractionWord(divisor));
    const { plural } = story.item;
    story.say(`${current.owner} keeps ${quantity.text} of the ${plural} and gives the rest away.`, [quantity]);
    const operand = story.step("/", current.operand, quantityOperand(quantity), `${plural} ${current.owner} keeps`);
    return { owner: current.owner, value: current.value / divisor, operand, ask: nowAsk(story, current.owner) };
  },
};

/** Two steps: the part given away, then what is left (a third or less, so part and rest differ). */
const giveFraction: Fragment = {
  name: "give-fraction",
  steps: 2,
  apply(story, current) {
    const divisors = story.fractionDivisors(current.value, 3);
    if (divisors.length === 0) return undefined;
    const divisor = story.random.pick(divisors);
    const part = current.value / divisor;
    if (!story.fits(current.value - part)) return undefined;
    const quantity = story.given(divisor, fractionWord(divisor));
    const friend = story.newName();
    const { plural } = story.item;
    story.say(`${current.owner} gives ${quantity.text} of the ${plural} to ${friend}.`, [quantity]);
    const given = story.step("/", current.operand, quantityOperand(quantity), `${plural} ${current.owner} gives to ${friend}`);
    const operand = story.step("-", current.operand, given, `${current.owner}'s ${plural} left`);
    return { owner: current.owner, value: current.value - part, operand, ask: nowAsk(story, current.owner) };
  },
};

/** Two steps: the new containers' items, then the new total. */
const buyGroups: Fragment = {
  name: "buy-groups",
  steps: 2,
  apply(story, current) {
    const room = story.spec.maxValue - current.value;
    const groups = story.random.int(2, story.spec.maxFactor);
    const eachHigh = Math.min(Math.floor(room / groups), Math.max(12, Math.floor(story.spec.maxValue / 10)));
    if (eachHigh < 2) return undefined;
    const each = story.random.int(2, eachHigh);
    if (!story.fits(groups * each) || !story.fits(current.value + groups * each)) return undefined;
    const groupCount = story.given(groups);
    const eachCount = story.given(each);
    const { container, plural } = story.item;
    story.say(`${current.owner} buys ${groupCount.text} more ${container} with ${eachCount.text} ${plural} in each.`, [groupCount, eachCount]);
    const bought = story.step("*", quantityOperand(groupCount), quantityOperand(eachCount), `${plural} in the new ${container}`);
    const operand = story.step("+", current.operand, bought, `${current.owner}'s ${plural} now`);
    return { owner: current.owner, value: current.value + groups * each, operand, ask: nowAsk(story, current.owner) };
  },
};

const relateMore: Fragment = {
  name: "relate-more",
  steps: 1,
  apply(story, current) {
    const amount = story.smallAmount(story.spec.maxValue - current.value);
    if (amount === undefined || !story.fits(current.value + amount)) return undefined;
    const quantity = story.given(amount);
    const owner = story.newName();
    const { plural } = story.item;
    story.say(`${owner} has ${quantity.text} more ${plural} than ${current.owner}.`, [quantity], [owner]);
    const operand = story.step("+", current.operand, quantityOperand(quantity), `${owner}'s ${plural}`);
    return { owner, value: current.value + amount, operand, ask: hasAsk(story, owner) };
  },
};

const relateFewer: Fragment = {
  name: "relate-fewer",
  steps: 1,
  apply(story, current) {
    const amount = story.smallAmount(current.value - 2);
    if (amount === undefined || !story.fits(current.value - amount)) return undefined;
    const quantity = story.given(amount);
    const owner = story.newName();
    const { plural } = story.item;
    story.say(`${owner} has ${quantity.text} fewer ${plural} than ${current.owner}.`, [quantity], [owner]);
    const operand = story.step("-", current.operand, quantityOperand(quantity), `${owner}'s ${plural}`);
    return { owner, value: current.value - amount, operand, ask: hasAsk(story, owner) };
  },
};

const relateTimes: Fragment = {
  name: "relate-times",
  steps: 1,
  apply(story, current) {
    const high = Math.min(story.spec.maxFactor, Math.floor(story.spec.maxValue / current.value));
    if (high < 2) return undefined;
    const factor = story.random.int(2, high);
    const quantity = factor === 2 && story.random.chance(1, 2) ? story.given(2, "twice") : story.given(factor);
    const owner = story.newName();
    const { plural } = story.item;
    const times = quantity.text === "twice" ? "twice" : `${quantity.text} times`;
    story.say(`${owner} has ${times} as many ${plural} as ${current.owner}.`, [quantity], [owner]);
    const operand = story.step("*", current.operand, quantityOperand(quantity), `${owner}'s ${plural}`);
    return { owner, value: current.value * factor, operand, ask: hasAsk(story, owner) };
  },
};

const relateFraction: Fragment = {
  name: "relate-fraction",
  steps: 1,
  apply(story, current) {
    const divisors = story.fractionDivisors(current.value);
    if (divisors.length === 0) return undefined;
    const divisor = story.random.pick(divisors);
    const quantity = story.given(divisor, fractionWord(divisor));
    const owner = story.newName();
    const { plural } = story.item;
    story.say(`${owner} has ${quantity.text} as many ${plural} as ${current.owner}.`, [quantity], [owner]);
    const operand = story.step("/", current.operand, quantityOperand(quantity), `${owner}'s ${plural}`);
    return { owner, value: current.value / divisor, operand, ask: hasAsk(story, owner) };
  },
};

/** Fragments that continue a chain, with how often each is tried. */
export const CHAIN_FRAGMENTS: readonly (readonly [Fragment, number])[] = [
  [growAdd, 3],
  [growSubtract, 3],
  [keepFraction, 2],
  [giveFraction, 2],
  [buyGroups, 2],
  [relateMore, 3],
  [relateFewer, 3],
  [relateTimes, 3],
  [relateFraction, 3],
];
