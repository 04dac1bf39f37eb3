import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from "./retry.ts";

test("retryable statuses are the transient ones", () => {
  const cases: Array<[number, boolean]> = [
    [429, true], [500, true], [502, true], [503, true], [504, true], [408, true],
    [400, false], [401, false], [403, false], [404, false], [422, false], [501, false],
  ];
  for (const [status, expected] of cases) assert.equal(isRetryableStatus(status), expected, String(status));
});

test("backoff doubles per attempt, is capped, and jitters within the upper half", () => {
  const policy = { baseMs: 100, maxMs: 1000 };
  const cases: Array<[number, number, number]> = [
    // attempt, random, expected
    [0, 0, 50], [0, 1, 100], [1, 0, 100], [1, 0.5, 150], [2, 1, 400], [3, 1, 800], [4, 1, 1000], [10, 0, 500],
  ];
  for (const [attempt, random, expected] of cases) {
    assert.equal(backoffDelayMs(attempt, policy, () => random), expected, `attempt ${attempt} random ${random}`);
  }
});

test("Retry-After is read as seconds or as an HTTP date", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const cases: Array<[string | null, number | undefined]> = [
    ["3", 3000], ["0", 0], ["1.5", 1500], [" 2 ", 2000],
    ["Thu, 01 Jan 2026 00:00:10 GMT", 10_000],
    ["Wed, 31 Dec 2025 23:59:00 GMT", 0], // in the past: no wait
    [null, undefined], ["", undefined], ["soon", undefined], ["-5", undefined],
  ];
  for (const [header, expected] of cases) assert.equal(parseRetryAfterMs(header, now), expected, String(header));
});
