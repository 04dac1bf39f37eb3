/**
 * Judge configuration: a study's `judges:` block and a `judges.yaml`, resolved with defaults, and rejected
 * with the line and field at fault. Keys are never accepted in a file, only the name of their variable.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { QreasonError } from "../errors.ts";
import { parseStudy } from "../study/load.ts";
import { requiredKeyVariables } from "./config.ts";
import { loadJudgesFile, parseJudgesFile } from "./judgesFile.ts";

const PANEL = `
baseline: r1
retries: 1
sampling: { max_tokens: 512 }
audit: { rate: 0.05 }
members:
  - name: r1
    endpoint: { base_url: "https://api.example.com/v1/", model: deepseek-reasoner, api_key_env: DEEPSEEK_API_KEY }
    price: { input_per_mtok: 0.55, output_per_mtok: 2.19 }
    sampling: { temperature: 0.6, seed: 3 }
  - name: smol
    llamacpp: { gguf: models/smol.gguf, context_size: 4096 }
    structured: false
    retries: 4
  - name: ref
    engine: { hf: models/reference/hf }
`;

function rejected(text: string): QreasonError {
  try {
    parseJudgesFile(text, "/cfg/judges.yaml", { checkFiles: false });
  } catch (error) {
    assert.ok(error instanceof QreasonError, String(error));
    return error;
  }
  assert.fail("expected the judges file to be rejected");
}

describe("judges file", () => {
  it("resolves members, sources, defaults and layered sampling", () => {
    const panel = parseJudgesFile(PANEL, "/cfg/judges.yaml", { seed: 9, checkFiles: false });
    assert.equal(panel.baseline, "r1");
    assert.deepEqual(panel.audit, { rate: 0.05, seed: 9 });
    assert.deepEqual([panel.verifier, panel.concurrency, panel.positionProbes], [true, 2, 20], "20 position-bias pairs by default");
    const [r1, smol, ref] = panel.members;
    assert.deepEqual(r1?.source, { kind: "endpoint", endpoint: { baseUrls: ["https://api.example.com/v1"], model: "deepseek-reasoner", api: "chat", apiKeyEnv: "DEEPSEEK_API_KEY" } });
    assert.deepEqual(r1?.price, { inputPerMTok: 0.55, outputPerMTok: 2.19 });
    assert.deepEqual(r1?.sampling, { temperature: 0.6, topP: 1, topK: 0, maxTokens: 512, stop: [], seed: 3 });
    assert.deepEqual([r1?.maxAttempts, r1?.structured], [2, true]);
    assert.deepEqual(smol?.source, { kind: "llamacpp", gguf: "/cfg/models/smol.gguf", contextSize: 4096 });
    assert.deepEqual([smol?.maxAttempts, smol?.structured, smol?.sampling.seed, smol?.sampling.temperature], [5, false, 9, 0]);
    assert.deepEqual(ref?.source, { kind: "engine", hf: "/cfg/models/reference/hf", device: "auto", dtype: "auto" });
    assert.deepEqual(requiredKeyVariables(panel), ["DEEPSEEK_API_KEY"]);
  });

  it("accepts the block under a top-level judges: key, and defaults the baseline to the first member", () => {
    const panel = parseJudgesFile("judges:\n  members:\n    - { name: a, llamacpp: { gguf: a.gguf } }\n", "/cfg/j.yaml", { checkFiles: false });
    assert.deepEqual([panel.baseline, panel.audit.rate, panel.members[0]?.maxAttempts], ["a", 0.02, 3]);
  });

  it("takes the position-bias check's pair count, 0 turning it off", () => {
    const probes = (value: string) => parseJudgesFile(`position_bias: { probes: ${value} }\nmembers:\n  - { name: a, llamacpp: { gguf: a.gguf } }\n`, "/cfg/j.yaml", { checkFiles: false }).positionProbes;
    assert.deepEqual([probes("5"), probes("0")], [5, 0]);
  });

  const cases: [string, string, number, string, RegExp][] = [
    ["a key instead of its variable's name", "members:\n  - name: r1\n    endpoint:\n      base_url: https://x.test/v1\n      model: m\n      api_key: sk-live-123\n", 6, "members[0].endpoint.api_key", /never holds a key: .* api_key_env/],
    ["a key pasted into api_key_env", "members:\n  - name: r1\n    endpoint: { base_url: 'https://x.test/v1', model: m, api_key_env: 'sk-live-123' }\n", 3, "members[0].endpoint.api_key_env", /NAME of an environment variable/],
    ["two sources", "members:\n  - name: a\n    llamacpp: { gguf: a.gguf }\n    engine: { hf: d }\n", 4, "members[0].engine", /one source/],
    ["no source", "members:\n  - name: a\n", 2, "members[0]", /needs endpoint .*, llamacpp .* or engine/],
    ["an unknown baseline", "baseline: b\nmembers:\n  - { name: a, llamacpp: { gguf: a.gguf } }\n", 1, "baseline", /no judge named 'b'/],
    ["a duplicate name", "members:\n  - { name: a, llamacpp: { gguf: a.gguf } }\n  - { name: a, llamacpp: { gguf: b.gguf } }\n", 3, "members[1].name", /duplicate judge 'a'/],
    ["a misspelled key", "members:\n  - { name: a, llamacpp: { gguf: a.gguf }, retires: 2 }\n", 2, "members[0].retires", /did you mean 'retries'/],
    ["n > 1", "members:\n  - { name: a, llamacpp: { gguf: a.gguf }, sampling: { n: 4 } }\n", 2, "members[0].sampling.n", /one verdict per call/],
    ["a completions-only endpoint", "members:\n  - { name: a, endpoint: { base_url: 'http://x.test/v1', model: m, api: completions } }\n", 2, "members[0].endpoint.api", /chat/],
    ["an audit rate above 1", "audit: { rate: 2 }\nmembers:\n  - { name: a, llamacpp: { gguf: a.gguf } }\n", 1, "audit.rate", /./],
    ["a negative probe count", "position_bias: { probes: -1 }\nmembers:\n  - { name: a, llamacpp: { gguf: a.gguf } }\n", 1, "position_bias.probes", /./],
  ];
  for (const [name, text, line, field, message] of cases) {
    it(`rejects ${name}, naming line ${line} and ${field}`, () => {
      const error = rejected(text);
      assert.deepEqual([error.location.line, error.location.field], [line, field], error.message);
      assert.match(error.message, message);
      assert.ok(!error.message.includes("sk-live-123"), "a pasted key is not echoed");
    });
  }

  it("checks that local judge models exist, and says when the file is missing", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), "qreason-judges-"));
    writeFileSync(path.join(directory, "judges.yaml"), "members:\n  - { name: a, llamacpp: { gguf: missing.gguf } }\n");
    await assert.rejects(loadJudgesFile(path.join(directory, "judges.yaml")), (error: QreasonError) => /no such file: .*missing\.gguf/.test(error.message) && error.location.line === 2);
    await assert.rejects(loadJudgesFile(path.join(directory, "nope.yaml")), (error: QreasonError) => error.code === "E_NOT_FOUND");
  });
});

describe("a study's judges: block", () => {
  const study = (judges: string) => `models:\n  - gguf: m.gguf\nbenchmarks: [arith]\nseed: 4\njudges:\n${judges}`;

  it("resolves into Study.judges with the study's seed and folder", () => {
    const loaded = parseStudy(study("  members:\n    - { name: a, llamacpp: { gguf: j.gguf } }\n"), "/studies/s/study.yaml");
    assert.equal(loaded.judges?.members[0]?.source.kind, "llamacpp");
    assert.deepEqual(loaded.judges?.members[0]?.source, { kind: "llamacpp", gguf: "/studies/s/j.gguf" });
    assert.deepEqual(loaded.judges?.audit, { rate: 0.02, seed: 4 });
  });

  it("reports problems at their line in the study file", () => {
    assert.throws(
      () => parseStudy(study("  baseline: zz\n  members:\n    - { name: a, llamacpp: { gguf: j.gguf } }\n"), "/studies/s/study.yaml"),
      (error: QreasonError) => error.location.line === 6 && error.location.field === "judges.baseline",
    );
  });

  it("leaves a study without judges as it was", () => {
    assert.equal(parseStudy("models:\n  - gguf: m.gguf\nbenchmarks: [arith]\n", "/studies/s/study.yaml").judges, undefined);
  });
});
