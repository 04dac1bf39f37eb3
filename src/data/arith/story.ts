/**
 * The story builder: GSM8K-style sentences about people and their items, each fact that needs a
 * computation adding one gold step. Fragments check their numbers before they write anything, so a
 * fragment that cannot fit the level's limits leaves the story unchanged and the caller tries another.
 */
import type { LevelSpec } from "./levels.ts";
import type { Random } from "./random.ts";
import type { ArithOp } from "./types.ts";
import { FRACTION_WORDS, ITEMS, NAMES, OTHER_THINGS, type ItemKind } from "./vocabulary.ts";

export interface DraftQuantity {
  value: number;
  text: string;
  role: "given" | "distractor";
}

export type DraftOperand = { kind: "quantity"; quantity: DraftQuantity } | { kind: "step"; step: number };

export interface DraftStep {
  op: ArithOp;
  left: DraftOperand;
  right: DraftOperand;
  result: number;
  description: string;
}

export interface Sentence {
  text: string;
  /** Quantities in the order the sentence states them. */
  quantities: DraftQuantity[];
  /** People this sentence introduces. */
  introduces: string[];
}

/** A person's current count: a question number or a step result. */
export interface Entity {
  owner: string;
  value: number;
  operand: DraftOperand;
  /** The question that asks for this count. */
  ask: string;
}

export function applyOp(op: ArithOp, left: number, right: number): number {
  switch (op) {
    case "+": return left + right;
    case "-": return left - right;
    case "*": return left * right;
    case "/": return left / right;
  }
}

export class StoryBuilder {
  readonly random: Random;
  readonly spec: LevelSpec;
  readonly item: ItemKind;
  readonly sentences: Sentence[] = [];
  readonly steps: DraftStep[] = [];
  private readonly freeNames: string[];

  constructor(random: Random, spec: LevelSpec) {
    this.random = random;
    this.spec = spec;
    this.item = random.pick(ITEMS);
    this.freeNames = random.shuffle(NAMES);
  }

  newName(): string {
    const name = this.freeNames.pop();
    if (name === undefined) throw new RangeError("ran out of names");
    return name;
  }

  fits(value: number): boolean {
    return Number.isInteger(value) && value >= 2 && value <= this.spec.maxValue;
  }

  given(value: number, text = String(value)): DraftQuantity {
    return { value, text, role: "given" };
  }

  say(text: string, quantities: DraftQuantity[] = [], introduces: string[] = []): void {
    this.sentences.push({ text, quantities, introduces });
  }

  valueOf(operand: DraftOperand): number {
    if (operand.kind === "quantity") return operand.quantity.value;
    const step = this.steps[operand.step - 1];
    if (!step) throw new RangeError(`no step ${operand.step}`);
    return step.result;
  }

  /** Adds a gold step; callers have already checked that its result fits. */
  step(op: ArithOp, left: DraftOperand, right: DraftOperand, description: string): DraftOperand {
    const result = applyOp(op, this.valueOf(left), this.valueOf(right));
    if (!this.fits(result)) throw new RangeError(`step result ${result} does not fit level ${this.spec.level}`);
    const capitalized = description.charAt(0).toUpperCase() + description.slice(1);
    this.steps.push({ op, left, right, result, description: capitalized });
    return { kind: "step", step: this.steps.length };
  }

  /** A number to add or subtract: small next to the level's range, at least 2. */
  smallAmount(limit: number): number | undefined {
    const high = Math.min(limit, Math.max(9, Math.floor(this.spec.maxValue / 5)));
    return high < 2 ? undefined : this.random.int(2, high);
  }

  /** Divisors of `value` in [2, maxDivisor] that leave a quotient of at least 2. */
  divisors(value: number, minimum = 2): number[] {
    const found: number[] = [];
    for (let divisor = minimum; divisor <= this.spec.maxDivisor; divisor++) {
      if (value % divisor === 0 && value / divisor >= 2) found.push(divisor);
    }
    return found;
  }

  /** Divisors that have a word form (`half`, `a third`, ...). */
  fractionDivisors(value: number, minimum = 2): number[] {
    return this.divisors(value, minimum).filter((divisor) => FRACTION_WORDS.has(divisor));
  }

  otherThing(): string {
    return this.random.pick(OTHER_THINGS);
  }
}

export function quantityOperand(quantity: DraftQuantity): DraftOperand {
  return { kind: "quantity", quantity };
}

export function fractionWord(divisor: number): string {
  const word = FRACTION_WORDS.get(divisor);
  if (word === undefined) throw new RangeError(`no word for 1/${divisor}`);
  return word;
}
