/**
 * generate: for each variant with generations still to make, in plan order, starts its backend (the
 * artifact is made first if missing), keys its tasks with the facts the backend reports, and asks for
 * exactly the keys without a stored result, with a bounded number in flight; results and errors go into
 * the store in batched transactions (generate.ts). A variant whose keys are all stored is skipped without
 * starting anything. A backend that fails many times in a row is given up on for that variant (its cells
 * record why); the rest stays pending.
 */
import type { PlannedVariant } from "../../study/index.ts";
import { generateTasks } from "../generate.ts";
import { requestsInFlight } from "../openBackend.ts";
import { storeVariantKeys, variantCells, variantPending } from "./cells.ts";
import type { OpenedVariant, Stage, StageContext, StageOutcome } from "./types.ts";
import { isVariantError, recordVariantFailure, variantFailure } from "./variantFailures.ts";

/** `context.shared` entry: generations made by this command, per "model\0variant". */
export const GENERATED = "generate:made";

export function generatedThisCommand(context: Pick<StageContext, "shared">): Map<string, number> {
  let made = context.shared.get(GENERATED) as Map<string, number> | undefined;
  if (made === undefined) {
    made = new Map();
    context.shared.set(GENERATED, made);
  }
  return made;
}

async function generateVariant(context: StageContext, variant: PlannedVariant): Promise<{ generated: number; failed: number; stopped?: string }> {
  const { store, plan } = context;
  const name = { model: variant.model, variant: variant.variant };
  const book = await context.tasks();
  let opened: OpenedVariant;
  try {
    opened = await context.backends.open(variant);
  } catch (error) {
    // Ctrl-C during quantization or a backend's start surfaces as their "cancelled" error: not a failure.
    if (context.signal.aborted) return { generated: 0, failed: 0 };
    throw error;
  }
  const { model, backend, prepared, facts } = opened;
  try {
    const tasks = book.tasksFor(model, variant, facts);
    storeVariantKeys(store, plan.studyHash, variant, tasks, facts);
    const keys = tasks.map((task) => task.key);
    const pendingKeys = new Set(store.pending(keys));
    // Two benchmark labels over the same problems with the same sampling share keys: ask each once.
    let todo = tasks.filter((task) => pendingKeys.delete(task.key));
    context.emit({ type: "generate-start", ...name, total: tasks.length, pending: todo.length });
    let generated = 0;
    let stopped: string | undefined;
    // The endpoint backend retries inside (with backoff, honouring Retry-After); the others get rounds here.
    const rounds = backend.kind === "openai" ? 0 : model.runtime.retries;
    for (let round = 0; round <= rounds && todo.length > 0 && !context.signal.aborted; round++) {
      const outcome = await generateTasks(todo, backend, store, {
        inFlight: requestsInFlight(model, prepared),
        backendKind: backend.kind,
        backendVersion: backend.version,
        ...(backend.kind === "llamacpp" ? { requestTimeoutMs: Math.round(model.runtime.timeoutSeconds * 1000) } : {}),
        signal: context.signal,
        ...(context.settings.flushSize !== undefined ? { flushSize: context.settings.flushSize } : {}),
        ...(context.settings.flushMs !== undefined ? { flushMs: context.settings.flushMs } : {}),
        onOutcome: (ok, sample) => context.emit({ type: "generated", ...name, ok, sample }),
      });
      generated += outcome.generated;
      stopped = outcome.stopped;
      if (stopped !== undefined) break;
      const retry = new Set(outcome.failedKeys);
      todo = todo.filter((task) => retry.has(task.key));
    }
    const failed = store.failures(keys).length;
    store.cells.setStopped(variantCells(store, plan.studyHash, variant).map((cell) => cell.id), stopped ?? null);
    context.emit({ type: "generate-end", ...name, generated, failed, ...(stopped !== undefined ? { stopped } : {}) });
    return { generated, failed, ...(stopped !== undefined ? { stopped } : {}) };
  } finally {
    await backend.close();
  }
}

export const generateStage: Stage = {
  name: "generate",
  summary: "ask each variant's backend for every generation without a stored result",
  offline: false,
  pending(store) {
    const state = store.state.current();
    if (state === undefined) return { count: 0, unit: "generations" };
    let pending = 0;
    let failed = 0;
    let unkeyed = 0;
    for (const cell of store.cells.progress(state.studyHash)) {
      if (cell.keyed === 0) {
        pending += cell.planned;
        unkeyed++;
      } else {
        pending += cell.planned - cell.generated;
        failed += cell.failed;
      }
    }
    const details = [
      ...(failed > 0 ? [`${failed} failed before (asked again)`] : []),
      ...(unkeyed > 0 ? [`${unkeyed} cell(s) keyed once their backend starts`] : []),
    ];
    return { count: pending, unit: "generations", ...(details.length > 0 ? { detail: details.join("; ") } : {}) };
  },
  async run(context): Promise<StageOutcome> {
    const made = generatedThisCommand(context);
    let generated = 0;
    let failed = 0;
    let stopped = 0;
    const failedVariants: string[] = [];
    for (const variant of context.plan.variants) {
      if (context.signal.aborted) break;
      const left = variantPending(context.store, context.plan.studyHash, variant);
      if (left.keyed && left.pending === 0) continue;
      // Its quantization failed in this command: asking again would only repeat the failure.
      if (variantFailure(context, variant) !== undefined) {
        failedVariants.push(`${variant.model}/${variant.variant}`);
        continue;
      }
      let outcome: Awaited<ReturnType<typeof generateVariant>>;
      try {
        outcome = await generateVariant(context, variant);
      } catch (error) {
        if (context.signal.aborted || !isVariantError(error)) throw error;
        recordVariantFailure(context, "generate", variant, error); // what it stored stays; the others go on
        failedVariants.push(`${variant.model}/${variant.variant}`);
        continue;
      }
      made.set(`${variant.model}\0${variant.variant}`, (made.get(`${variant.model}\0${variant.variant}`) ?? 0) + outcome.generated);
      generated += outcome.generated;
      failed += outcome.failed;
      if (outcome.stopped !== undefined) stopped++;
    }
    // Every variant of the run failed: nothing went on, so the first failure is the command's error.
    const first = variantFailure(context, context.plan.variants[0] as PlannedVariant);
    if (!context.signal.aborted && context.plan.variants.length > 0 && context.plan.variants.every((variant) => variantFailure(context, variant) !== undefined) && first !== undefined) {
      throw first.error;
    }
    return {
      status: context.signal.aborted ? "interrupted" : "done",
      counts: { generated, failed, stopped, failedVariants: failedVariants.length },
      ...(failedVariants.length > 0 ? { message: `no generations for ${failedVariants.join(", ")} (failed; see above); the other variants ran` } : {}),
    };
  },
};
