/**
 * The hand-labeled corpus (corpus/): recorded outputs of real models (SmolLM2-135M-Instruct, the bundled
 * reference model) and hand-written outputs in the failure classes of issue 11. Every case must get the
 * status its label gives, and, where the label names the answer a careful reader takes, the grader must
 * have taken an equivalent one. Golds are checked against qreason's data registry (../shared/data).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { loadProblems } from "../../data/index.ts";
import { sharedDataDir } from "../../testing/paths.ts";
import { createGrader } from "../grade.ts";
import { recordedCases, type CorpusCase } from "./corpus/corpus.ts";
import { WRITTEN } from "./corpus/written.ts";

const recorded = recordedCases(path.join(import.meta.dirname, "corpus"));
const all: CorpusCase[] = [...recorded, ...WRITTEN.map((entry, index) => ({ ...entry, source: `written.ts #${index + 1}` }))];
const grader = createGrader();

void test("corpus: every gold is the data registry's own answer for its id", async () => {
  const mismatches: string[] = [];
  for (const benchmark of new Set(all.map((entry) => entry.benchmark))) {
    const problems = await loadProblems(benchmark, { dataDir: benchmark === "arith" ? os.tmpdir() : sharedDataDir, split: "test" });
    const golds = new Map(problems.map((problem) => [problem.id, problem.answer]));
    for (const entry of all.filter((candidate) => candidate.benchmark === benchmark)) {
      if (golds.get(entry.id) !== entry.gold) mismatches.push(`${entry.source} ${entry.id}: ${JSON.stringify(entry.gold)} vs ${JSON.stringify(golds.get(entry.id))}`);
    }
  }
  assert.deepEqual(mismatches, []);
});

for (const entry of all) {
  void test(`corpus ${entry.source} [${entry.label.category}] ${entry.id}: ${entry.label.status}`, () => {
    const result = grader.grade(entry.gold, entry.output, entry.finishReason);
    const explain = `${result.status} (${result.method ?? "no method"}, extracted ${JSON.stringify(result.extracted)}): ${result.reason}`;
    assert.equal(result.status, entry.label.status, explain);
    if (entry.label.answer) {
      assert.ok(result.extracted !== null, explain);
      assert.ok(grader.isEquivalent(entry.label.answer, result.extracted), `took ${JSON.stringify(result.extracted)}, the reader takes ${JSON.stringify(entry.label.answer)}`);
    }
  });
}

void test("corpus: size by category and source", (context) => {
  const counts = new Map<string, number>();
  for (const entry of all) {
    const origin = entry.source?.startsWith("written") ? "written" : entry.source!.split(":")[0]!;
    const key = `${origin} / ${entry.label.category} / ${entry.label.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of [...counts].sort()) context.diagnostic(`${String(count).padStart(4)}  ${key}`);
  assert.ok(all.length > 0);
});
