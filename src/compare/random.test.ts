import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "./random.ts";

test("seeded generator: reproducible, seed-dependent, uniform enough", () => {
  const first = seededRandom(42);
  const again = seededRandom(42);
  const other = seededRandom(43);
  const a = Array.from({ length: 5 }, () => first.next());
  assert.deepEqual(Array.from({ length: 5 }, () => again.next()), a);
  assert.notDeepEqual(Array.from({ length: 5 }, () => other.next()), a);
  // Chi-square of 100,000 draws over 10 bins: 9 degrees of freedom, 99.9 % quantile 27.9.
  const random = seededRandom(5);
  const bins = new Array<number>(10).fill(0);
  const draws = 100_000;
  for (let draw = 0; draw < draws; draw++) {
    const value = random.next();
    assert.ok(value >= 0 && value < 1);
    bins[random.below(10)]! += 1;
  }
  const expected = draws / 10;
  const chiSquare = bins.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
  assert.ok(chiSquare < 27.9, `chi-square ${chiSquare}`);
});
