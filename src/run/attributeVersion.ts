/**
 * Versions attribution results are stored under, derived like the grader's (graderVersion.ts): the
 * segmenter's own version (`SEGMENTER_VERSION`, bumped when segment boundaries change), and the verifier
 * version, a hash of every source file of the step verifiers and of attribution (`src/steps/**`,
 * `src/attribute/**`, tests excluded). An edit to either makes every pair pending again for the attribute
 * stage; the old rows stay under their old versions. The settings (top-k, margin threshold, rescue
 * search) are hashed apart, so a study that changes them asks again too.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalJson, sha256Hex } from "../store/index.ts";
import { SEGMENTER_VERSION } from "../steps/index.ts";
import { DEFAULT_ATTRIBUTE, type AttributeSpec, type Study } from "../study/index.ts";
import { graderSources } from "./graderVersion.ts";

export const VERIFIER_NAME = "qreason-verify";

export interface AttributeVersion {
  segmenter: string;
  /** `qreason-verify/<12 hex of the sources>`. */
  verifier: string;
}

const SOURCE_DIRECTORIES = ["../steps/", "../attribute/"].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));

/** The verifier version of the sources in `directories`. */
export function deriveVerifierVersion(directories: readonly string[] = SOURCE_DIRECTORIES): string {
  const digest = (content: string | Buffer): string => createHash("sha256").update(content).digest("hex");
  const listing = directories.flatMap((directory) =>
    graderSources(directory).map((file) => `${path.basename(directory)}/${file}\0${digest(readFileSync(path.join(directory, file)))}`),
  );
  return `${VERIFIER_NAME}/${digest(listing.join("\n")).slice(0, 12)}`;
}

let current: AttributeVersion | undefined;

/** The versions this process attributes under (computed on first use). */
export function currentAttributeVersion(): AttributeVersion {
  current ??= { segmenter: SEGMENTER_VERSION, verifier: deriveVerifierVersion() };
  return current;
}

/** The attribute settings of a study: its `attribute:` block, or the defaults (`qreason attribute` on a study without one). */
export function attributeSettings(study: Study): AttributeSpec {
  return study.attribute ?? { ...DEFAULT_ATTRIBUTE, seed: study.seed };
}

/** Hash of the settings that change a pair's result (the control count and flip cap choose pairs; they are not in it). */
export function settingsHash(settings: AttributeSpec): string {
  const { controls: _controls, maxFlips: _maxFlips, seed: _seed, ...shaping } = settings;
  return `attr-v1-${sha256Hex(canonicalJson(shaping)).slice(0, 16)}`;
}
