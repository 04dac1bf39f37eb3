/**
 * Training data for the reference model: each problem as `{prompt, completion, text}` in the solution
 * format of format.ts. The engine's `train-reference` reads `prompt`, `completion` and `answer`
 * (it trains on `<bos>prompt completion<eos>`); `text` is the same pair joined, for trainers that want one string.
 */
import type { Problem } from "../types.ts";
import { renderPrompt } from "./format.ts";

export interface ArithTrainingRecord {
  id: string;
  prompt: string;
  completion: string;
  /** prompt + completion */
  text: string;
  answer: string;
  level?: number;
}

export function arithTrainingRecord(problem: Problem): ArithTrainingRecord {
  if (problem.solution === undefined) throw new RangeError(`problem '${problem.id}' has no solution to train on`);
  const prompt = renderPrompt(problem.question);
  return {
    id: problem.id,
    prompt,
    completion: problem.solution,
    text: prompt + problem.solution,
    answer: problem.answer,
    ...(problem.level === undefined ? {} : { level: problem.level }),
  };
}

/** One JSON line (with its line break) per problem, in order. */
export function* arithTrainingJsonl(problems: Iterable<Problem>): Generator<string> {
  for (const problem of problems) yield `${JSON.stringify(arithTrainingRecord(problem))}\n`;
}
