/**
 * Difficulty levels 1-5: more steps, larger numbers, more distractor sentences. Numbers stay moderate
 * so a tiny model can learn the task while low-bit rounding still hurts its arithmetic (see README).
 */

export interface LevelSpec {
  level: number;
  /** Number of solution steps: drawn uniformly from [minSteps, maxSteps]. */
  minSteps: number;
  maxSteps: number;
  /** Every given number and every intermediate result lies in [2, maxValue]. */
  maxValue: number;
  /** Largest number a count is multiplied by (`k times as many`, `g bags`). */
  maxFactor: number;
  /** Largest number a count is divided by (`shared among k friends`). */
  maxDivisor: number;
  /** Irrelevant sentences with numbers inserted into the question. */
  distractors: number;
}

export const LEVELS: readonly LevelSpec[] = [
  { level: 1, minSteps: 2, maxSteps: 2, maxValue: 99, maxFactor: 5, maxDivisor: 5, distractors: 0 },
  { level: 2, minSteps: 2, maxSteps: 3, maxValue: 200, maxFactor: 6, maxDivisor: 6, distractors: 0 },
  { level: 3, minSteps: 3, maxSteps: 4, maxValue: 500, maxFactor: 9, maxDivisor: 8, distractors: 1 },
  { level: 4, minSteps: 4, maxSteps: 5, maxValue: 1000, maxFactor: 9, maxDivisor: 9, distractors: 1 },
  { level: 5, minSteps: 5, maxSteps: 6, maxValue: 3000, maxFactor: 12, maxDivisor: 10, distractors: 2 },
];

export function levelSpec(level: number): LevelSpec {
  const spec = LEVELS[level - 1];
  if (!spec || !Number.isInteger(level)) throw new RangeError(`arith levels are 1-5, got ${level}`);
  return spec;
}
