/**
 * Attribution of injected errors on the bundled reference model, through real backends (llama.cpp
 * embedded, and the Python engine over stdio): nothing here is mocked. For arith problems the reference
 * model solves, its own solution is "fp" and the same solution with a computational slip injected at a
 * known step j (src/steps/inject.ts) is the "variant's". Whatever the model does, a correct attribution
 * must put the verifier's first error at step j; the reverse divergence (fp scored on the wrong
 * solution) where fp confidently objects, at step j; and the mirror of prefix rescue — the model
 * continuing the wrong solution cut after step k — must turn wrong exactly from k = j, because the model
 * carries the numbers it is handed. The forward rescue has nothing to rescue (the "variant" is the model
 * itself, right from the bare prompt): not-reproduced.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createEngineBackend } from "../../backends/engine/index.ts";
import { createLlamaCppBackend } from "../../backends/llamacpp/index.ts";
import type { Backend, SamplingParams, ScoreResult } from "../../backends/index.ts";
import { Random, arithGold, generateArithSplit } from "../../data/arith/index.ts";
import { gradeOne } from "../../grade/index.ts";
import { injectError } from "../../steps/index.ts";
import { DEFAULT_ATTRIBUTE } from "../../study/index.ts";
import { enginePython, projectRoot } from "../../testing/paths.ts";
import { attributePair } from "./attributePair.ts";
import type { AttributionPair } from "./pairs.ts";

const REFERENCE_GGUF = path.join(projectRoot, "models", "reference", "model.gguf");
const REFERENCE_HF = path.join(projectRoot, "models", "reference", "hf");
const GREEDY: SamplingParams = { temperature: 0, topP: 1, topK: 0, maxTokens: 160, seed: 0, stop: [] };
const settings = { ...DEFAULT_ATTRIBUTE, seed: 0 };

// The engine decodes one token per Python step on the CPU: one problem is enough to show the same result.
const harnesses: { name: string; problems: number; open: () => Promise<Backend> }[] = [
  { name: "llamacpp", problems: 4, open: () => createLlamaCppBackend({ model: REFERENCE_GGUF, gpu: false, parallel: 2, contextSize: 512, threads: 1 }) },
  { name: "engine (stdio)", problems: 1, open: () => createEngineBackend({ python: enginePython, model: REFERENCE_HF, cwd: projectRoot, dtype: "fp32", device: "cpu" }) },
];

for (const harness of harnesses) {
  describe(`attribution of injected slips on the reference model: ${harness.name}`, () => {
    let backend: Backend;
    before(async () => {
      backend = await harness.open();
    });
    after(async () => {
      await backend?.close();
    });

    test("verifier, reverse divergence and the mirror of prefix rescue all recover the injected step", { timeout: 600_000 }, async () => {
      const random = new Random(5);
      let checked = 0;
      for (const problem of generateArithSplit("test", { size: 12, seed: 3 })) {
        if (checked >= harness.problems) break;
        const gold = arithGold(problem);
        if (gold.steps.length < 3) continue;
        const prompt = `${problem.question}\n`;
        const [own] = await backend.generate([{ prompt, sampling: GREEDY }]);
        const fpText = own!.text;
        // Only problems the model solves, in exactly the testbed's own format (what the injection writes).
        if (!gradeOne({ gold: problem.answer, output: fpText }).correct || fpText.trim() !== (problem.solution as string).trim()) continue;
        const j = random.int(2, gold.steps.length);
        const injected = injectError(gold, { kind: "computational", step: j, propagate: true }, random);
        if (injected === undefined) continue;
        const pair: AttributionPair = {
          role: "flip", model: "reference", benchmark: "arith", benchmarkName: "arith", baseline: "fp", variant: "injected", problemId: problem.id,
          baselineKey: "fp-key", variantKey: "injected-key", variantStatus: "wrong",
        };
        const fpOnFp = backend.score([{ prompt, continuation: fpText, topK: settings.topK }]).then(([result]) => result as ScoreResult);
        const { record, verifications } = await attributePair({
          pair, prompt, fpText, variantText: injected.text, gold: problem.answer, arith: gold, sampling: GREEDY, settings,
          fp: backend, variant: backend, fpOnFp: () => fpOnFp,
        });
        const step = j - 1; // segment index of gold step j in the format-aligned text
        const context = `${problem.id}, slip at step ${j}:\n${injected.text}`;
        assert.equal(record.firstErrorVariantStep, step, context);
        assert.equal(verifications[1]?.firstError.subtype, "computational_error", context);
        assert.equal(record.firstErrorFpStep, step, context);
        assert.equal(record.reverseDivergenceVariantStep, step, context);
        assert.equal(record.divergences.find((entry) => entry.direction === "reverse")?.firstKind, "confident", context);
        assert.deepEqual([record.mirrorOutcome, record.unrecoverableVariantStep], ["located", step], context);
        assert.equal(record.rescueOutcome, "not-reproduced", context);
        // Teacher-forcing the model against itself: no confident divergence, KL 0 at every position.
        const forward = record.divergences.find((entry) => entry.direction === "forward");
        assert.notEqual(forward?.firstKind, "confident");
        assert.ok((forward?.maxKl ?? 1) < 1e-6, `forward max KL ${forward?.maxKl}`);
        for (const continuation of record.continuations.filter((entry) => entry.side === "mirror")) {
          assert.equal(continuation.status === "correct", continuation.k < j, `mirror k=${continuation.k}: ${continuation.text}`);
        }
        checked++;
      }
      assert.equal(checked, harness.problems, `only ${checked} problems checked`);
    });
  });
}
