/**
 * Reads shared/data/PROVENANCE.md for the tests: the record count of each file (summary table) and its
 * pinned sha256 (the sha256 block), so the registry is checked against the document, not a copy of it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export interface ProvenanceEntry {
  records: number;
  bytes: number;
  sha256?: string;
}

export function readProvenance(dataDir: string): Map<string, ProvenanceEntry> {
  const text = readFileSync(path.join(dataDir, "PROVENANCE.md"), "utf8");
  const entries = new Map<string, ProvenanceEntry>();
  for (const match of text.matchAll(/^\| ([a-z0-9_]+\/[\w.]+) \| ([\d,]+)(?: files)? \| ([\d,]+) \|/gm)) {
    entries.set(match[1] as string, {
      records: Number((match[2] as string).replaceAll(",", "")),
      bytes: Number((match[3] as string).replaceAll(",", "")),
    });
  }
  for (const match of text.matchAll(/^([0-9a-f]{64}) {2}(\S+)$/gm)) {
    const entry = entries.get(match[2] as string);
    if (entry) entry.sha256 = match[1];
  }
  return entries;
}
