/** `qreason kld` end to end: the real CLI, a tiny GGUF and its Q4_0 quantization, benchmark and JSONL texts. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { KldSummary } from "../../kld/index.ts";
import { quantizeGguf } from "../../quantize/index.ts";
import { blockFriendlyGguf } from "../../quantize/testModels.ts";
import { projectRoot, sharedDataDir } from "../../testing/paths.ts";
import { runQreason } from "../../testing/cli.ts";

const qreason = (args: string[]) => runQreason(args, { env: { QREASON_DATA: sharedDataDir, QREASON_OFFLINE: "1" }, timeoutMs: 300_000 });

describe("qreason kld", () => {
  let dir = "";
  let base = "";
  let variant = "";
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "qreason-cli-kld-"));
    base = await blockFriendlyGguf();
    variant = path.join(dir, "q4_0.gguf");
    await quantizeGguf({ model: base, type: "Q4_0", out: variant, threads: 1 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const common = (): string[] => ["--base", base, "--variant", variant, "--cpu", "--threads", "1"];

  it("compares on the baseline's own solutions to benchmark questions and streams positions", async () => {
    const positions = path.join(dir, "positions.jsonl");
    const run = await qreason(["kld", ...common(), "--benchmark", "gsm8k", "--limit", "2", "--max-tokens", "16", "--positions", positions, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { summary: KldSummary; source: string };
    assert.equal(result.source, "gsm8k baseline solutions");
    assert.ok(result.summary.kld.mean > 0);
    const lines = (await readFile(positions, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { kld: number; sameTop: boolean });
    assert.equal(lines.length, result.summary.positions);
    assert.ok(Math.abs(lines.reduce((sum, line) => sum + line.kld, 0) / lines.length - result.summary.kld.mean) < 1e-9);
    assert.equal((100 * lines.filter((line) => line.sameTop).length) / lines.length, result.summary.sameTopPercent);
  });

  it("compares on a JSONL of texts and prints a readable summary", async () => {
    const texts = path.join(dir, "texts.jsonl");
    await writeFile(texts, '{"text": "Step 1: Tom has 3 apples and buys 4 more, so 3 + 4 = 7."}\n');
    const run = await qreason(["kld", ...common(), "--texts", texts, "--variant-kv-cache", "q8_0"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /with a Q8_0 KV cache/);
    assert.match(run.stdout, /mean KLD +\d+\.\d+ ± \d/);
    assert.match(run.stdout, /same top-1 +\d+\.\d+ %/);
  });

  const failures: Array<[string, () => string[], number, RegExp]> = [
    ["neither --benchmark nor --texts", () => ["kld", ...common()], 2, /exactly one of --benchmark/],
    ["both --benchmark and --texts", () => ["kld", ...common(), "--benchmark", "gsm8k", "--texts", "t.jsonl"], 2, /exactly one/],
    ["an unknown benchmark", () => ["kld", ...common(), "--benchmark", "gsm9k"], 1, /gsm9k/],
    ["a missing texts file", () => ["kld", ...common(), "--texts", path.join(dir, "none.jsonl")], 1, /E_NOT_FOUND.*none\.jsonl/],
    ["a variant that is not a GGUF", () => ["kld", "--base", base, "--variant", path.join(projectRoot, "package.json"), "--benchmark", "gsm8k"], 1, /E_INPUT.*package\.json.*not a GGUF/],
    ["a seed that is not an integer", () => ["kld", ...common(), "--benchmark", "gsm8k", "--seed", "x"], 2, /--seed must be an integer/],
    ["a bad KV-cache type", () => ["kld", ...common(), "--benchmark", "gsm8k", "--variant-kv-cache", "Q3"], 2, /--variant-kv-cache/],
    // inputs6 audit: an existing --positions failed only after both models loaded and the baseline generated.
    ["an existing --positions file, before any model loads", () => ["kld", ...common(), "--benchmark", "gsm8k", "--positions", path.join(projectRoot, "package.json")], 2, /E_USAGE.*package\.json: the --positions file exists; give a new path/],
    ["a --positions in a missing folder", () => ["kld", ...common(), "--benchmark", "gsm8k", "--positions", path.join(dir, "none", "p.jsonl")], 1, /E_NOT_FOUND.*--positions's folder does not exist/],
  ];
  for (const [label, args, code, pattern] of failures) {
    it(`fails clearly on ${label}`, async () => {
      const run = await qreason(args());
      assert.equal(run.code, code, run.stderr);
      assert.match(run.stderr, pattern);
      assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
    });
  }
});
