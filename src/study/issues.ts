/** Validation problems found while resolving a study, each tied to the field it is about. */
import { statSync, type Stats } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FieldPath } from "./locate.ts";

export interface StudyIssue {
  path: FieldPath;
  message: string;
}

/** A file or directory the study reads, to check for existence once the study is resolved. */
export interface InputPath {
  at: FieldPath;
  path: string;
  kind: "file" | "directory";
}

/** Collects every problem of a file so the user fixes them in one go, not one run at a time. */
export class IssueList {
  readonly items: StudyIssue[] = [];
  readonly inputPaths: InputPath[] = [];

  /** Resolves a path the study reads (see resolveStudyPath) and remembers it for the existence check. */
  inputPath(at: FieldPath, directory: string, value: string, kind: InputPath["kind"]): string {
    const resolved = resolveStudyPath(directory, value);
    this.inputPaths.push({ at, path: resolved, kind });
    return resolved;
  }

  /** Records a problem once (a study-level setting merged into every benchmark is reported once). */
  add(path: FieldPath, message: string): void {
    const duplicate = this.items.some((item) => item.message === message && item.path.length === path.length && item.path.every((segment, index) => segment === path[index]));
    if (!duplicate) this.items.push({ path, message });
  }

  /** Adds a problem for every remembered path that is missing or of the wrong kind. */
  checkInputPaths(): void {
    for (const { at, path: inputPath, kind } of this.inputPaths) {
      let stats: Stats;
      try {
        stats = statSync(inputPath);
      } catch {
        this.add(at, `no such ${kind}: ${inputPath}`);
        continue;
      }
      if (kind === "file" && !stats.isFile()) this.add(at, `expected a file, found a directory: ${inputPath}`);
      if (kind === "directory" && !stats.isDirectory()) this.add(at, `expected a directory, found a file: ${inputPath}`);
    }
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}

/** `~/x` → home; absolute paths stay; anything else is relative to the study file's folder. */
export function resolveStudyPath(directory: string, value: string): string {
  if (value === "~" || value.startsWith("~/")) return path.join(os.homedir(), value.slice(1));
  return path.resolve(directory, value);
}

/** A display name from a file or model name: `Qwen/Qwen2.5-7B-Instruct` → `Qwen2.5-7B-Instruct`. */
export function nameFrom(value: string): string {
  const base = value.replace(/[\\/]+$/, "").split(/[\\/]/).pop() ?? value;
  const cleaned = base
    .replace(/\.(gguf|jsonl?|ya?ml)$/i, "")
    .replace(/[^A-Za-z0-9._+-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "");
  return cleaned === "" ? "model" : cleaned;
}
