/** `qreason quantize` end to end: the real CLI in a child process, for both routes (llama.cpp, Python engine). */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { blockFriendlyGguf } from "../../quantize/testModels.ts";
import { runQreason } from "../../testing/cli.ts";
import { tinyHfModel } from "../../testing/tinyModels.ts";

const qreason = (args: string[]) => runQreason(args, { timeoutMs: 300_000 });

describe("qreason quantize", () => {
  let dir = "";
  let gguf = "";
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "qreason-cli-quantize-"));
    gguf = await blockFriendlyGguf();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("sends a GGUF to llama.cpp and prints the result", async () => {
    const out = path.join(dir, "model-Q4_0.gguf");
    const run = await qreason(["quantize", "--model", gguf, "--recipe", "q4_0", "--out", out, "--threads", "1", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { engine: string; out: string; manifest: string; summary: { type: string } };
    assert.equal(result.engine, "llama.cpp");
    assert.equal(result.summary.type, "Q4_0");
    assert.ok(existsSync(out));
    assert.deepEqual(JSON.parse(await readFile(result.manifest, "utf8")), result.summary);
    const again = await qreason(["quantize", "--model", gguf, "--recipe", "Q4_0", "--out", out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /E_USAGE.*exists; pass --force/);
  });

  it("sends a Hugging Face directory to the Python engine with the recipe file", async () => {
    const hfDir = await tinyHfModel("llama");
    const recipe = path.join(dir, "rtn8.json");
    await writeFile(recipe, JSON.stringify({ method: "rtn", w_bits: 8, group_size: 32 }));
    const out = path.join(dir, "variant-rtn8");
    const run = await qreason(["quantize", "--model", hfDir, "--recipe", recipe, "--out", out, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { engine: string }).engine, "python");
    assert.ok(existsSync(path.join(out, "qreason-quant.json")));
    await writeFile(recipe, JSON.stringify({ method: "rtn", w_bits: 5 }));
    const bad = await qreason(["quantize", "--model", hfDir, "--recipe", recipe, "--out", path.join(dir, "bad")]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /w_bits/); // the engine's own message, passed through
    assert.match(bad.stderr, /E_QUANT/);
  });

  const failures: Array<[string, (context: { dir: string; gguf: string }) => Promise<string[]>, number, RegExp]> = [
    [
      "a file that is neither GGUF nor a directory",
      async ({ dir }) => {
        const file = path.join(dir, "weights.bin");
        await writeFile(file, "not a model");
        return ["--model", file, "--recipe", "Q8_0", "--out", path.join(dir, "x.gguf")];
      },
      1,
      /E_INPUT.*weights\.bin.*not a GGUF/,
    ],
    ["an unknown llama.cpp type", async ({ dir, gguf }) => ["--model", gguf, "--recipe", "Q4_K_XL", "--out", path.join(dir, "x.gguf")], 2, /E_USAGE.*Q4_K_M/],
    ["a mistyped llama.cpp type (the closest is named)", async ({ dir, gguf }) => ["--model", gguf, "--recipe", "Q4KM", "--out", path.join(dir, "x.gguf")], 2, /E_USAGE.*'Q4KM'; did you mean 'Q4_K_M'\?/],
    ["an IQ type without an imatrix", async ({ dir, gguf }) => ["--model", gguf, "--recipe", "IQ2_XS", "--out", path.join(dir, "x.gguf")], 1, /E_QUANT.*--imatrix/],
    ["a bad thread count", async ({ dir, gguf }) => ["--model", gguf, "--recipe", "Q8_0", "--out", path.join(dir, "x.gguf"), "--threads", "0"], 2, /--threads/],
    [
      "a GGUF-only flag on a directory",
      async ({ dir }) => ["--model", await tinyHfModel("llama"), "--recipe", "r.json", "--out", path.join(dir, "v"), "--imatrix", "m.dat"],
      2,
      /--imatrix applies to GGUF/,
    ],
  ];
  for (const [label, makeArgs, code, pattern] of failures) {
    it(`fails clearly on ${label}`, async () => {
      const run = await qreason(["quantize", ...(await makeArgs({ dir, gguf }))]);
      assert.equal(run.code, code, run.stderr);
      assert.match(run.stderr, pattern);
      assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
    });
  }
});
