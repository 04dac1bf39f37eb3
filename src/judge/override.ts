/**
 * `qreason judge <run-dir> --judges ... --baseline ...`: the panel a command seats instead of the study's,
 * without editing the study. A judges file replaces the study's panel; names seat some of its members (in
 * the order named); a baseline names the designated baseline judge. A changed panel has another panel hash,
 * so its decisions are stored beside the study panel's, never over them.
 */
import { QreasonError } from "../errors.ts";
import type { PanelSpec } from "./config.ts";

export interface PanelOverride {
  /** A panel that replaces the study's (a judges file). */
  panel?: PanelSpec;
  /** Seat only these members (of the study's panel, or of `panel`), in this order. */
  members?: readonly string[];
  /** The baseline judge (one of the seated members). */
  baseline?: string;
  /** Pairs of the position-bias check (0: off); does not change the panel hash. */
  positionProbes?: number;
}

/** The panel `override` makes of the study's (`undefined` when the study declares none and nothing replaces it). */
export function overridePanel(study: PanelSpec | undefined, override: PanelOverride | undefined): PanelSpec | undefined {
  if (override === undefined) return study;
  const base = override.panel ?? study;
  if (base === undefined) {
    if (override.members !== undefined || override.baseline !== undefined || override.positionProbes !== undefined) {
      throw new QreasonError("E_USAGE", "this run's study declares no judges to choose from: pass a judges file instead (--judges judges.yaml, docs/judges.md)", { field: "judges" });
    }
    return undefined;
  }
  const names = base.members.map((member) => member.name);
  let members = base.members;
  if (override.members !== undefined) {
    if (override.members.length === 0) throw new QreasonError("E_USAGE", `--judges names no judge (the panel has ${names.join(", ")})`, { field: "judges" });
    const unknown = override.members.filter((name) => !names.includes(name));
    if (unknown.length > 0) throw new QreasonError("E_USAGE", `no judge named ${unknown.map((name) => `'${name}'`).join(", ")} in the ${override.panel ? "judges file" : "study"} (its judges: ${names.join(", ")})`, { field: "judges" });
    const repeated = override.members.filter((name, index) => override.members?.indexOf(name) !== index);
    if (repeated.length > 0) throw new QreasonError("E_USAGE", `--judges names ${repeated.map((name) => `'${name}'`).join(", ")} twice: a judge has one vote`, { field: "judges" });
    members = override.members.map((name) => base.members.find((member) => member.name === name) as PanelSpec["members"][number]);
  }
  const seated = members.map((member) => member.name);
  let baseline = base.baseline;
  if (override.baseline !== undefined) {
    if (!seated.includes(override.baseline)) throw new QreasonError("E_USAGE", `--baseline '${override.baseline}' is not on the panel (seated: ${seated.join(", ")})`, { field: "baseline" });
    baseline = override.baseline;
  } else if (!seated.includes(baseline)) {
    baseline = seated[0] as string; // the study's baseline sat out: the first seated judge, as the study's default
  }
  return { ...base, members: [...members], baseline, ...(override.positionProbes !== undefined ? { positionProbes: override.positionProbes } : {}) };
}

/** `--judges` text: comma-separated judge names. */
export function judgeNames(text: string): string[] {
  return text.split(",").map((name) => name.trim()).filter((name) => name.length > 0);
}
