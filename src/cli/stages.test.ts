/**
 * The run's event printer off a terminal (CI logs, `| tee`), fed the events restoreAdapters.ts builds while
 * it trains an adapter (its own trainingStarted / trainingStep, then the export): an announcement line with
 * the pair count, progress lines with the loss after the count, the export line — not a bar per step.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunEvent } from "../run/events.ts";
import { trainingStarted, trainingStep, type AdapterJob } from "../run/restoreAdapters.ts";
import { readConfig } from "./config.ts";
import { eventPrinter } from "./stages.ts";

function printed(events: RunEvent[]): string[] {
  const lines: string[] = [];
  const config = { ...readConfig({}), interactive: false };
  const printer = eventPrinter(config, false, { write: (line) => lines.push(line) });
  for (const event of events) printer.onEvent(event);
  printer.stop();
  return lines;
}

test("adapter training prints the pair count, one progress line with the last loss, then the export", () => {
  const name = { model: "reference", variant: "Q2_K-pure dpo" };
  const job: AdapterJob = { name: "dpo", method: "dpo", pairSet: "all", dataFile: "pairs.jsonl", dataSha256: "0".repeat(64), pairs: 30 };
  const steps = Array.from({ length: 30 }, (_, index) =>
    trainingStep(name, job, { event: "progress", step: index + 1, total: 30, loss: 0.7 - index * 0.01, reward_margin: null, reward_accuracy: index === 29 ? 1 : null, elapsed_s: index }));
  const lines = printed([
    trainingStarted(name, job),
    ...steps,
    { type: "prepare", ...name, message: "exporting the adapter as a llama.cpp LoRA GGUF" },
  ]);
  assert.equal(lines[0], "qreason: reference/Q2_K-pure dpo: training dpo on 30 pairs");
  const progress = lines.filter((line) => line.includes(": training dpo: "));
  assert.ok(progress.length >= 1 && progress.length <= 11, lines.join("\n"));
  assert.match(progress.at(-1) ?? "", /training dpo: 30\/30 \(100%\), [\d.]+\/s — loss 0\.410, reward acc 1\.00$/);
  assert.equal(lines.at(-1), "qreason: reference/Q2_K-pure dpo: exporting the adapter as a llama.cpp LoRA GGUF");
});

test("an unchanged message is said once; quiet prints nothing", () => {
  const event: RunEvent = { type: "prepare", model: "m", variant: "v", message: "dequantizing the GGUF" };
  assert.deepEqual(printed([event, event]), ["qreason: m/v: dequantizing the GGUF"]);
  const lines: string[] = [];
  const printer = eventPrinter({ ...readConfig({}), interactive: false }, true, { write: (line) => lines.push(line) });
  printer.onEvent(event);
  printer.stop();
  assert.deepEqual(lines, []);
});
