/**
 * plan: stores the study and the plan it expands to, picks each benchmark's problems (stored, so grading
 * reads gold answers from the store), records the variants, and lays out the cells (model × variant ×
 * benchmark label) with their generation keys wherever the backend facts are already known (endpoints,
 * and the memo of a variant that ran before with unchanged files). Runs on every `qreason run`: the study
 * file is its input, and running it again on an unchanged study changes nothing in the store.
 */
import { writeRunRecordFile, runRecordOf } from "../../store/index.ts";
import { storeVariantKeys, variantCells } from "./cells.ts";
import type { Stage, StageOutcome } from "./types.ts";

export const planStage: Stage = {
  name: "plan",
  summary: "store the study and its plan, pick the problems, lay out the cells and their generation keys",
  offline: false,
  pending(store) {
    const state = store.state.current();
    return state === undefined ? { count: 1, unit: "plans", detail: "no plan stored yet" } : { count: 0, unit: "plans", detail: `study ${state.studyHash.slice(-12)}` };
  },
  async run(context): Promise<StageOutcome> {
    const { store, study, plan } = context;
    const book = await context.tasks();
    if (context.signal.aborted) return { status: "interrupted", counts: {} };
    const problems = book.allProblems();
    let keyed = 0;
    store.transaction(() => {
      store.saveStudy({ hash: plan.studyHash, name: study.name, sourceFile: study.file, resolved: study });
      store.state.savePlan(plan.studyHash, plan);
      store.putProblems(problems);
      for (const variant of plan.variants) {
        store.putVariant({ model: variant.model, name: variant.variant, recipeHash: variant.recipeHash, kind: variant.recipe.kind, recipe: variant.recipe });
      }
      store.state.begin({ studyHash: plan.studyHash, studyFile: study.file, qreasonVersion: context.settings.qreasonVersion });
      const cells = plan.variants.flatMap((variant) =>
        study.benchmarks.map((benchmark) => ({
          model: variant.model,
          variant: variant.variant,
          recipeHash: variant.recipeHash,
          benchmark: benchmark.label,
          planned: (book.problems.get(benchmark.label)?.length ?? 0) * benchmark.sampling.n,
        })),
      );
      store.cells.define(plan.studyHash, cells);
      for (const variant of plan.variants) {
        const facts = context.backends.knownFacts(variant);
        if (facts === undefined) {
          // Unknown facts (first run, or a model file changed since): keys come when its backend starts.
          for (const cell of variantCells(store, plan.studyHash, variant)) if (cell.keyed > 0) store.cells.clearKeys(cell.id);
          continue;
        }
        storeVariantKeys(store, plan.studyHash, variant, book.tasksFor(context.model(variant.model), variant, facts), facts);
        keyed++;
      }
    });
    const record = runRecordOf(store);
    if (record !== undefined) writeRunRecordFile(context.runDirectory, record);
    return { status: "done", counts: { problems: problems.length, variants: plan.variants.length, keyed } };
  },
};
