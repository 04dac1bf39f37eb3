/**
 * What each backend the restore stage opened said about itself (model identity, backend version), kept in
 * `<run>/restore/backend-facts.json` so a re-run can key its tasks without starting the backend, and skip
 * the start when every key is stored — as the generate stage skips a variant whose stored cell keys are
 * all done. Anything pending, and the backend starts and its facts are read (and kept) again.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BackendFacts } from "./fingerprint.ts";

function factsFile(runDirectory: string): string {
  return path.join(runDirectory, "restore", "backend-facts.json");
}

function readAll(runDirectory: string): Record<string, BackendFacts> {
  const file = factsFile(runDirectory);
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, BackendFacts>) : {};
  } catch {
    return {}; // a damaged cache only costs a backend start
  }
}

/** The facts a backend opened for `id` reported last time, if any. */
export function cachedFacts(runDirectory: string, id: string): BackendFacts | undefined {
  const facts = readAll(runDirectory)[id];
  return facts !== undefined && typeof facts.modelIdentity === "string" && typeof facts.backendVersion === "string" ? facts : undefined;
}

/** Keeps `facts` for `id` (written whole, then renamed into place). */
export function rememberFacts(runDirectory: string, id: string, facts: BackendFacts): void {
  const all = readAll(runDirectory);
  all[id] = { modelIdentity: facts.modelIdentity, backendVersion: facts.backendVersion };
  const file = factsFile(runDirectory);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
