/** The seeded human audit sample. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditSample } from "./audit.ts";

const keys = Array.from({ length: 3366 }, (_, index) => `gen-${index}`);

describe("auditSample", () => {
  it("takes ⌈2 %⌉ of the keys, the same for any order of them", () => {
    const sample = auditSample(keys, { seed: 7 });
    assert.equal(sample.length, 68); // ⌈0.02 · 3366⌉ = ⌈67.32⌉
    assert.deepEqual(auditSample([...keys].reverse(), { seed: 7 }), sample);
    assert.equal(new Set(sample).size, sample.length);
  });

  it("changes with the seed and keeps at least one item of a small run", () => {
    const other = auditSample(keys, { seed: 8 });
    assert.ok(other.filter((key) => auditSample(keys, { seed: 7 }).includes(key)).length < 10);
    assert.equal(auditSample(keys.slice(0, 10), { seed: 7 }).length, 1);
    assert.deepEqual(auditSample([], { seed: 7 }), []);
    assert.deepEqual(auditSample(keys, { seed: 7, rate: 0 }), []);
  });

  it("is exact at round counts, and growing the key set only lets new keys in ahead of old ones", () => {
    assert.equal(auditSample(keys.slice(0, 100), { seed: 1, rate: 0.02 }).length, 2);
    const first = keys.slice(0, 1000);
    const ranking = auditSample(first, { seed: 1, rate: 1 });
    const large = auditSample(keys, { seed: 1, rate: 0.1 });
    const old = large.filter((key) => first.includes(key));
    assert.deepEqual(old, ranking.slice(0, old.length));
  });

  it("refuses rates outside [0, 1] and bad seeds", () => {
    assert.throws(() => auditSample(keys, { seed: 1, rate: 1.5 }), RangeError);
    assert.throws(() => auditSample(keys, { seed: -1 }), RangeError);
  });
});
