/**
 * fetchModel end to end on a wheel served from a local folder (pip's --find-links, no index): the real pip
 * of the engine's venv downloads it, the real zip reader extracts the GGUF, the real engine converts it.
 * The GGUF is a tiny llama exported by qreason's own exporter. Checked: the HF directory and manifest, that a
 * second fetch does nothing, that a damaged cache is fetched again, and that a wrong pin or a missing
 * package fails clearly and leaves no half-made model behind.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { isQreasonError } from "../errors.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { tinyGgufModel } from "../testing/tinyModels.ts";
import { inspectCachedModel } from "./cache.ts";
import { fetchModel, type FetchProgress } from "./fetch.ts";
import type { KnownModel } from "./registry.ts";

let scratch: string;
let wheels: string;
let model: KnownModel;

const sha256 = async (file: string): Promise<string> => createHash("sha256").update(await readFile(file)).digest("hex");

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-fetch-"));
  wheels = path.join(scratch, "wheels");
  const gguf = await tinyGgufModel("llama");
  const wheel = path.join(wheels, "qreason_tiny_model-0.0.1-py3-none-any.whl");
  execFileSync(enginePython, [
    "-c",
    `import os, sys, zipfile
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[2], "qreason_tiny_model/tiny.gguf")
    z.writestr("qreason_tiny_model-0.0.1.dist-info/METADATA", "Metadata-Version: 2.1\\nName: qreason-tiny-model\\nVersion: 0.0.1\\n")
    z.writestr("qreason_tiny_model-0.0.1.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("qreason_tiny_model-0.0.1.dist-info/RECORD", "")`,
    wheel,
    gguf,
  ]);
  model = {
    name: "tiny",
    id: "tiny-llama",
    title: "tiny llama",
    homepage: "https://example.invalid/",
    license: "test",
    parameters: "tiny",
    quantization: "F32",
    description: "a tiny random llama in a local wheel",
    source: {
      kind: "pypi-wheel",
      package: "qreason-tiny-model",
      version: "0.0.1",
      wheel: path.basename(wheel),
      wheelSha256: await sha256(wheel),
      wheelBytes: (await stat(wheel)).size,
      member: "qreason_tiny_model/tiny.gguf",
      ggufSha256: await sha256(gguf),
      ggufBytes: (await stat(gguf)).size,
    },
  };
});
after(() => rm(scratch, { recursive: true, force: true }));

const local = (root: string, extra: Partial<Parameters<typeof fetchModel>[1]> = {}): Parameters<typeof fetchModel>[1] => ({
  root,
  python: enginePython,
  projectRoot,
  pipArgs: ["--no-index", "--find-links", wheels, "--no-cache-dir"],
  ...extra,
});

void test("fetches a wheel with pip, extracts and converts its GGUF, records provenance; a second fetch does nothing", async () => {
  const root = path.join(scratch, "cache-ok");
  const stages = new Set<FetchProgress["stage"]>();
  const result = await fetchModel(model, local(root, { onProgress: (progress) => stages.add(progress.stage) }));
  assert.equal(result.cached, false);
  assert.deepEqual([...stages].sort(), ["convert", "download", "extract", "verify"]);
  assert.deepEqual(readdirSync(result.hf).sort(), ["config.json", "generation_config.json", "model.safetensors", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"]);
  assert.equal(await sha256(result.gguf), model.source.ggufSha256);
  assert.equal(result.manifest.source.wheelSha256, model.source.wheelSha256);
  assert.equal(result.manifest.hf.files["model.safetensors"]?.sha256, await sha256(path.join(result.hf, "model.safetensors")));
  assert.deepEqual(result.manifest.gguf.tensorTypes, { F32: 21 });
  assert.equal(result.manifest.hf.preTokenizer, "gpt-2");
  const config = JSON.parse(await readFile(path.join(result.hf, "config.json"), "utf8")) as { hidden_size: number; architectures: string[] };
  assert.deepEqual([config.architectures[0], config.hidden_size], ["LlamaForCausalLM", 64]);
  assert.deepEqual(readdirSync(result.directory).sort(), ["hf", "model.gguf", "qreason-model.json"], "no staging folder left");

  // Cached: no pip at all (an empty find-links folder would make pip fail).
  const again = await fetchModel(model, local(root, { pipArgs: ["--no-index", "--find-links", path.join(scratch, "nothing")] }));
  assert.equal(again.cached, true);

  // A damaged cache is not taken for a fetched model, and fetching repairs it.
  await writeFile(path.join(result.hf, "config.json"), "{}");
  assert.equal(inspectCachedModel(root, model).state, "incomplete");
  const repaired = await fetchModel(model, local(root));
  assert.equal(repaired.cached, false);
  assert.equal(inspectCachedModel(root, model).state, "fetched");
});

void test("a wheel that does not match its pin is refused, and nothing is left in the cache", async () => {
  const root = path.join(scratch, "cache-bad-pin");
  const pinned = { ...model, source: { ...model.source, wheelSha256: "0".repeat(64) } };
  await assert.rejects(fetchModel(pinned, local(root)), (error: Error) => {
    assert.ok(isQreasonError(error) && error.code === "E_CHECKSUM");
    assert.match(error.message, /qreason pins 0{64}/);
    return true;
  });
  assert.ok(!existsSync(path.join(root, model.id)), "no empty model folder left");
  assert.equal(inspectCachedModel(root, pinned).state, "absent");
});

void test("a package pip cannot find is an E_NETWORK error quoting pip", async () => {
  const root = path.join(scratch, "cache-missing");
  const missing = { ...model, source: { ...model.source, version: "9.9.9" } };
  await assert.rejects(fetchModel(missing, local(root)), (error: Error) => {
    assert.ok(isQreasonError(error) && error.code === "E_NETWORK");
    assert.match(error.message, /qreason-tiny-model==9\.9\.9[\s\S]*(No matching distribution|Could not find)/);
    return true;
  });
  assert.ok(!existsSync(path.join(root, model.id, "hf")));
});
