/**
 * The grader's corpus of real and hand-written outputs, labeled by hand: the recorded model outputs in
 * the `*.jsonl` files beside this file (see README.md) and the hand-written cases of written.ts. Each case
 * carries the label a careful reader gives: the status, the answer they take (when there is one), and
 * the category of output it stands for.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { FinishReason, GradeStatus } from "../../types.ts";

export interface CorpusLabel {
  /** correct / wrong / no_answer: what a careful reader decides. */
  status: Extract<GradeStatus, "correct" | "wrong" | "no_answer">;
  /** The final answer the reader takes from the output (when they take one and it is not ambiguous). */
  answer?: string | null;
  /** The kind of output: boxed, marker, marker_sentence, conclusion, bold, multi_part, text_gold, equation, ... */
  category: string;
  note?: string;
}

export interface CorpusCase {
  /** The problem's id in qreason's data registry (`gsm8k/test/0`, `math/test/602`, `arith/test/0-0`). */
  id: string;
  benchmark: string;
  gold: string;
  output: string;
  finishReason?: FinishReason;
  label: CorpusLabel;
  /** Recorded cases: the file and line they came from. */
  source?: string;
}

interface RecordedLine {
  id: string;
  benchmark: string;
  model: string;
  prompt_style: string;
  gold: string;
  output: string;
  finish_reason: FinishReason;
  label: CorpusLabel;
}

/** Every recorded case of the `*.jsonl` files in `directory`, in file and line order. */
export function recordedCases(directory: string): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const file of readdirSync(directory).filter((name) => name.endsWith(".jsonl")).sort()) {
    readFileSync(path.join(directory, file), "utf8")
      .split("\n")
      .forEach((line, index) => {
        if (line.trim() === "") return;
        const record = JSON.parse(line) as RecordedLine;
        cases.push({
          id: record.id,
          benchmark: record.benchmark,
          gold: record.gold,
          output: record.output,
          finishReason: record.finish_reason,
          label: record.label,
          source: `${file}:${index + 1}`,
        });
      });
  }
  return cases;
}
