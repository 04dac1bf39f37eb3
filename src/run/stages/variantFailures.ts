/**
 * One variant's failure is that variant's, not the run's: a quantization that fails, a backend that does
 * not load, a generation loop that throws — the quantize and generate stages record it on the variant's
 * cells (`stopped`, "failed in <stage>: <error>"; the run record, `qreason status`, the report and the
 * summary show it), tell the printer, and go on with the other variants. A variant that failed in quantize
 * is not tried again by generate in the same command; the next `qreason run` tries it again.
 * Errors that are not a variant's own (the run store cannot be written, a bug) still stop the run, and so
 * does a failure of every variant of the run (there is nothing to go on with): the first one's error is
 * the command's, as it would be without isolation.
 */
import { QreasonError } from "../../errors.ts";
import type { PlannedVariant } from "../../study/index.ts";
import { variantCells } from "./cells.ts";
import type { StageContext } from "./types.ts";

/** `context.shared` entry: failures of this command, per "model\0variant". */
export const VARIANT_FAILURES = "variant:failed";

/** The prefix of a cell's `stopped` text when its variant failed (rather than a backend being given up on). */
export const FAILED_PREFIX = "failed in ";

const NOT_A_VARIANTS_OWN = new Set(["E_STORE", "E_INTERNAL", "E_BUSY", "E_OUTPUT"]);

export function failuresOf(context: Pick<StageContext, "shared">): Map<string, { text: string; error: unknown }> {
  let failures = context.shared.get(VARIANT_FAILURES) as Map<string, { text: string; error: unknown }> | undefined;
  if (failures === undefined) {
    failures = new Map();
    context.shared.set(VARIANT_FAILURES, failures);
  }
  return failures;
}

export function variantFailure(context: Pick<StageContext, "shared">, variant: PlannedVariant): { text: string; error: unknown } | undefined {
  return failuresOf(context).get(`${variant.model}\0${variant.variant}`);
}

/** Whether `error` belongs to one variant (and the run can go on without it). */
export function isVariantError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return !(typeof code === "string" && NOT_A_VARIANTS_OWN.has(code));
}

function messageOf(error: unknown): string {
  if (error instanceof QreasonError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && code.startsWith("E_") ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Records that `variant` failed in `stage`, on its cells and for the rest of this command; returns the text stored. */
export function recordVariantFailure(context: StageContext, stage: string, variant: PlannedVariant, error: unknown): string {
  const text = `${FAILED_PREFIX}${stage}: ${messageOf(error)}`;
  failuresOf(context).set(`${variant.model}\0${variant.variant}`, { text, error });
  context.store.cells.setStopped(
    variantCells(context.store, context.plan.studyHash, variant).map((cell) => cell.id),
    text,
  );
  context.emit({ type: "variant-failed", model: variant.model, variant: variant.variant, stage, message: text });
  return text;
}

/** Clears a failure `stage` recorded on the variant's cells before (its step succeeded this time). */
export function clearVariantFailure(context: StageContext, stage: string, variant: PlannedVariant): void {
  const cells = variantCells(context.store, context.plan.studyHash, variant).filter((cell) => cell.stopped?.startsWith(`${FAILED_PREFIX}${stage}:`));
  if (cells.length > 0) context.store.cells.setStopped(cells.map((cell) => cell.id), null);
}
