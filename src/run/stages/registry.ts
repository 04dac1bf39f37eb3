/**
 * The stages of a run, in the order they run. A new stage (attribute, judge, restore) plugs in by
 * implementing `Stage` (types.ts) and taking its place here; `qreason run`, `qreason status` and the
 * single-stage commands pick it up from this list.
 */
import { QreasonError } from "../../errors.ts";
import { attributeStage } from "./attribute.ts";
import { compareStage } from "./compare.ts";
import { generateStage } from "./generate.ts";
import { gradeStage } from "./grade.ts";
import { planStage } from "./plan.ts";
import { quantizeStage } from "./quantize.ts";
import { reportStage } from "./report.ts";
import { restoreStage } from "./restore.ts";
import type { Stage } from "./types.ts";

export const STAGES: readonly Stage[] = [planStage, quantizeStage, generateStage, gradeStage, compareStage, attributeStage, restoreStage, reportStage];

export function stageNamed(name: string, registry: readonly Stage[] = STAGES): Stage {
  const stage = registry.find((candidate) => candidate.name === name);
  if (stage === undefined) throw new QreasonError("E_USAGE", `no stage named '${name}' (stages: ${registry.map((entry) => entry.name).join(", ")})`);
  return stage;
}
