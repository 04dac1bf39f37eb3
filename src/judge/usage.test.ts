/** Token and cost accounting per judge. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageLedger, costOf } from "./usage.ts";

describe("usage", () => {
  it("prices tokens per million, input and output apart", () => {
    const cost = costOf({ calls: 3, promptTokens: 2_000_000, completionTokens: 500_000 }, { inputPerMTok: 0.55, outputPerMTok: 2.19 });
    assert.ok(Math.abs(cost - (1.1 + 1.095)) < 1e-12, String(cost));
  });

  it("sums by judge and leaves unpriced judges without a cost", () => {
    const ledger = new UsageLedger();
    ledger.add("r1", { calls: 1, promptTokens: 1000, completionTokens: 200 });
    ledger.add("local", { calls: 2, promptTokens: 10, completionTokens: 5 });
    ledger.add("r1", { calls: 2, promptTokens: 3000, completionTokens: 800 });
    assert.deepEqual(ledger.rows({ r1: { inputPerMTok: 1, outputPerMTok: 10 } }), [
      { judge: "r1", calls: 3, promptTokens: 4000, completionTokens: 1000, cost: (4000 * 1 + 1000 * 10) / 1e6 },
      { judge: "local", calls: 2, promptTokens: 10, completionTokens: 5, cost: null },
    ]);
    assert.deepEqual(ledger.usageOf("nobody"), { calls: 0, promptTokens: 0, completionTokens: 0 });
  });
});
