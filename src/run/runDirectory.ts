/**
 * Where a run goes when the command line does not say: the study's `output`, else
 * `runs/<study name>-<8 hex of the study file's path>` under the current folder. Keyed by the file, not by
 * its content: running an edited study again reuses the same directory, and the content-hashed generation
 * keys decide what is still valid (nothing stale is ever read back as a result).
 */
import path from "node:path";
import { sha256Hex } from "../store/index.ts";
import type { Study } from "../study/index.ts";

export function defaultRunDirectory(study: Pick<Study, "name" | "file" | "output">, workingDirectory: string): string {
  if (study.output !== undefined) return study.output;
  return path.join(workingDirectory, "runs", `${study.name}-${sha256Hex(path.resolve(study.file)).slice(0, 8)}`);
}
