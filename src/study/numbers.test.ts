/**
 * Regression (issue 12): numeric study fields had no ceiling and no rounding. `runtime.timeout_s: 12.3456`
 * reached AbortSignal.timeout as 12345.6 ms (a RangeError inside the run); 3,000,000 overflowed setTimeout,
 * which then fired after 1 ms, so every request timed out. The same class: counts that turn into threads,
 * sequences, allocations or generated problems. Each is now bounded where the study is read, with its line.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_TIMER_MS, timerMs } from "../backends/index.ts";
import { createOpenAIBackend } from "../backends/openai/index.ts";
import { isQreasonError } from "../errors.ts";
import { parseStudy, validateStudy } from "./load.ts";

const FILE = "/studies/numbers.yaml";
const base = (runtime: string, extra = "") => `models:\n  - gguf: m.gguf\nbenchmarks:\n  - name: arith${extra}\nruntime:\n${runtime}`;

test("timeout_s is rounded to whole milliseconds and bounded to a day", () => {
  const study = parseStudy(base("  timeout_s: 12.3456\n"), FILE);
  assert.equal(study.models[0]!.runtime.timeoutSeconds, 12.346);
  assert.ok(Number.isInteger(Math.round(study.models[0]!.runtime.timeoutSeconds * 1000)));
  for (const [value, pattern] of [["3000000", /must be at most 86400/], ["0", /must be at least 0.001/], ["-5", /must be at least 0.001/], [".inf", /expected number|Infinity|must be at most/]] as const) {
    const result = validateStudy(base(`  timeout_s: ${value}\n`), FILE);
    assert.equal(result.ok, false, value);
    const issue = result.ok ? undefined : result.issues[0];
    assert.equal(issue?.field, "runtime.timeout_s", value);
    assert.equal(issue?.line, 6, value);
    assert.match(issue?.message ?? "", pattern, value);
  }
});

test("counts that become threads, sequences, allocations or generated problems have ceilings", () => {
  const cases: Array<[string, string, string, RegExp]> = [
    [base("  threads: 100000\n"), "runtime.threads", "6", /must be at most 1,024/],
    [base("  batch_size: 1000000\n"), "runtime.batch_size", "6", /must be at most 4,096/],
    [base("  concurrency: 99999999\n"), "runtime.concurrency", "6", /must be at most 4,096/],
    [base("  context_size: 1000000000\n"), "runtime.context_size", "6", /must be at most 1,048,576/],
    [base("  retries: 1\n", "\n    size: 1000000000"), "benchmarks[0].size", "5", /must be at most 1,000,000/],
    [`${base("  retries: 1\n")}sampling:\n  max_tokens: 100000000\n`, "sampling.max_tokens", "8", /must be at most 1,048,576/],
    [`${base("  retries: 1\n")}sampling:\n  top_k: 100000000\n`, "sampling.top_k", "8", /Too big|at most/],
    [`${base("  retries: 1\n")}judges:\n  concurrency: 99999999\n  members:\n    - name: j\n      llamacpp: { gguf: j.gguf }\n`, "judges.concurrency", "8", /must be at most 4,096/],
    [`${base("  retries: 1\n")}judges:\n  members:\n    - name: j\n      llamacpp: { gguf: j.gguf, threads: 100000 }\n`, "judges.members[0].llamacpp.threads", "10", /must be at most 1,024/],
  ];
  for (const [yaml, field, line, pattern] of cases) {
    const result = validateStudy(yaml, FILE);
    assert.equal(result.ok, false, field);
    const issue = result.ok ? undefined : result.issues[0];
    assert.equal(issue?.field, field);
    assert.equal(String(issue?.line), line, field);
    assert.match(issue?.message ?? "", pattern, field);
  }
});

test("backends refuse time budgets a timer cannot hold, whoever calls them", async () => {
  assert.equal(timerMs(12345.6, "t"), 12346);
  assert.equal(timerMs(1004.9999999999999, "t"), 1005);
  for (const bad of [0, 0.4, -1, 3e9, MAX_TIMER_MS + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => timerMs(bad, "t"), (error) => isQreasonError(error) && error.code === "E_USAGE" && error.location.field === "t", String(bad));
  }
  await assert.rejects(createOpenAIBackend({ baseUrls: ["http://127.0.0.1:9/v1"], model: "m", timeoutMs: 3_000_000_000 }), /time budget must be between 1 ms/);
});
