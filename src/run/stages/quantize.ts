/**
 * quantize: makes the artifact of every variant that still has generations to make and that qreason
 * makes itself (llama.cpp types, engine recipes, GGUF exports of HF folders), unless it is already there.
 * A variant whose generations are all stored is never quantized again, even if its artifact was deleted.
 */
import { existsSync } from "node:fs";
import { currentPlan, type RunStore } from "../../store/index.ts";
import type { ModelSpec, PlannedVariant, Study } from "../../study/index.ts";
import { variantPending } from "./cells.ts";
import { clearVariantFailure, isVariantError, recordVariantFailure } from "./variantFailures.ts";
import type { Stage, StagePending, StageOutcome } from "./types.ts";

/** Whether qreason makes the variant's artifact (rather than using a given file, folder or endpoint). */
export function madeByQreason(model: ModelSpec, variant: PlannedVariant): boolean {
  const recipe = variant.recipe;
  switch (recipe.kind) {
    case "llamacpp":
    case "engine":
      return true;
    case "hf":
      return model.backend === "llamacpp";
    case "fp":
      return model.backend === "llamacpp" && model.source.kind === "local" && model.source.gguf === undefined;
    default:
      return false;
  }
}

function modelOf(study: Study, name: string): ModelSpec | undefined {
  return study.models.find((model) => model.name === name);
}

/** The variants qreason makes that have generations to make, by whether their artifact is already recorded and present. */
function toMake(store: RunStore): { missing: PlannedVariant[]; present: PlannedVariant[] } {
  const current = currentPlan(store);
  if (current === undefined) return { missing: [], present: [] };
  const recorded = new Map(store.variants().map((row) => [`${row.model}\0${row.name}\0${row.recipeHash}`, row.artifactPath]));
  const missing: PlannedVariant[] = [];
  const present: PlannedVariant[] = [];
  for (const variant of current.plan.variants) {
    const model = modelOf(current.study, variant.model);
    if (model === undefined || !madeByQreason(model, variant)) continue;
    if (variantPending(store, current.studyHash, variant).pending === 0) continue;
    const artifact = recorded.get(`${variant.model}\0${variant.variant}\0${variant.recipeHash}`);
    (artifact != null && existsSync(artifact) ? present : missing).push(variant);
  }
  return { missing, present };
}

export const quantizeStage: Stage = {
  name: "quantize",
  summary: "make the quantized artifacts (llama.cpp types, engine recipes, GGUF exports) that pending generations need",
  offline: false,
  pending(store): StagePending {
    const { missing } = toMake(store);
    return { count: missing.length, unit: "variants", ...(missing.length > 0 ? { detail: missing.map((variant) => `${variant.model}/${variant.variant}`).join(", ") } : {}) };
  },
  async run(context): Promise<StageOutcome> {
    const { missing, present } = toMake(context.store);
    let made = 0;
    const failed: string[] = [];
    // Present artifacts are checked too (a changed source makes them again); that costs a stat each.
    for (const variant of [...missing, ...present]) {
      if (context.signal.aborted) return { status: "interrupted", counts: { made } };
      try {
        const prepared = await context.backends.prepare(variant);
        if (prepared.made) made++;
        clearVariantFailure(context, "quantize", variant);
      } catch (error) {
        // Ctrl-C surfaces as the quantizer's "cancelled" error: the pipeline calls that interrupted.
        if (context.signal.aborted || !isVariantError(error)) throw error;
        recordVariantFailure(context, "quantize", variant, error); // the other variants go on
        failed.push(`${variant.model}/${variant.variant}`);
      }
    }
    return {
      status: context.signal.aborted ? "interrupted" : "done",
      counts: { made, checked: missing.length + present.length, failed: failed.length },
      ...(failed.length > 0 ? { message: `quantization failed for ${failed.join(", ")}; the other variants go on` } : {}),
    };
  },
};
