/**
 * The random human audit (seed 003: 2 % of judged failures, whatever the panel decided): a seeded sample
 * of item keys. Each key's rank is sha256(seed, key), so the sample depends only on the seed and the set of
 * keys, never on their order; the first ⌈rate · n⌉ keys by rank are audited (at least one when rate > 0 and
 * there is anything to audit, so a small run still gets a check).
 */
import { createHash } from "node:crypto";

export const DEFAULT_AUDIT_RATE = 0.02;

export interface AuditOptions {
  rate?: number;
  seed: number;
}

export function auditRank(key: string, seed: number): string {
  return createHash("sha256").update(`qreason-audit\u0000${seed}\u0000${key}`).digest("hex");
}

/** The audited keys, in rank order. Duplicate keys count once. */
export function auditSample(keys: Iterable<string>, options: AuditOptions): string[] {
  const rate = options.rate ?? DEFAULT_AUDIT_RATE;
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`the audit rate must be in [0, 1], got ${rate}`);
  if (!Number.isInteger(options.seed) || options.seed < 0) throw new RangeError(`the audit seed must be a non-negative integer, got ${options.seed}`);
  const unique = [...new Set(keys)];
  const count = Math.ceil(rate * unique.length - 1e-9);
  if (count === 0) return [];
  return unique
    .map((key) => ({ key, rank: auditRank(key, options.seed) }))
    .sort((left, right) => (left.rank < right.rank ? -1 : left.rank > right.rank ? 1 : 0))
    .slice(0, count)
    .map((entry) => entry.key);
}
