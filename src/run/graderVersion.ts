/**
 * The grader's version, derived instead of bumped by hand: a hash of every source file of the grader
 * (`src/grade/**\/*.ts`, tests excluded) and the version of the CAS package it calls
 * (`@cortex-js/compute-engine`). Any edit to the grader, or a CAS upgrade, gives a new version; grades are
 * stored per version, so the old ones stay and the results they belong to become pending for the grade
 * stage. Derived once per process (a few milliseconds).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QreasonError } from "../errors.ts";

export const GRADER_NAME = "qreason-grade";
export const CAS_PACKAGE = "@cortex-js/compute-engine";

export interface GraderVersion {
  /** What grades are stored under: `qreason-grade/<12 hex of the sources>+ce<CAS version>`. */
  name: string;
  sourcesHash: string;
  casVersion: string;
  files: number;
}

const isTest = (file: string): boolean => /\.test\.ts$/.test(file);

/** Every grader source file under `sourceDirectory`, as sorted paths relative to it. */
export function graderSources(sourceDirectory: string): string[] {
  const entries = readdirSync(sourceDirectory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !isTest(entry.name))
    .map((entry) => path.relative(sourceDirectory, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/** The CAS package's version, from the nearest node_modules above `from`. */
export function casVersion(from: string): string {
  for (let directory = path.resolve(from); ; directory = path.dirname(directory)) {
    const file = path.join(directory, "node_modules", ...CAS_PACKAGE.split("/"), "package.json");
    if (existsSync(file)) return String((JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "unknown");
    if (path.dirname(directory) === directory) {
      throw new QreasonError("E_NOT_FOUND", `the grader's CAS package ${CAS_PACKAGE} is not installed (run \`bash scripts/setup.sh\`)`, { file: from });
    }
  }
}

/** The version of the grader whose sources are in `sourceDirectory` and whose CAS is `cas`. */
export function deriveGraderVersion(sourceDirectory: string, cas: string): GraderVersion {
  const files = graderSources(sourceDirectory);
  if (files.length === 0) throw new QreasonError("E_NOT_FOUND", "no grader source files found", { file: sourceDirectory });
  // Each file's path and content hash, in order: a renamed or moved file changes the version too.
  const digest = (content: string | Buffer): string => createHash("sha256").update(content).digest("hex");
  const listing = files.map((file) => `${file}\0${digest(readFileSync(path.join(sourceDirectory, file)))}`).join("\n");
  const sourcesHash = digest(`${listing}\ncas\0${cas}`);
  return { name: `${GRADER_NAME}/${sourcesHash.slice(0, 12)}+ce${cas}`, sourcesHash, casVersion: cas, files: files.length };
}

const GRADE_SOURCES = fileURLToPath(new URL("../grade/", import.meta.url));
let current: GraderVersion | undefined;

/** The grader this process grades with (computed on first use). */
export function currentGrader(): GraderVersion {
  current ??= deriveGraderVersion(GRADE_SOURCES, casVersion(GRADE_SOURCES));
  return current;
}
