/**
 * Study files that must be rejected, each with the line and field the error must name, and studies that
 * must load, with what they resolve to. Cases are tables: YAML text in, located issues out.
 */
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { QreasonError } from "../errors.ts";
import { parseStudy, validateStudy, type LoadStudyOptions, type LocatedIssue } from "./load.ts";

const FILE = "/studies/demo/study.yaml";
const KNOWN: LoadStudyOptions = {
  known: {
    benchmarks: ["gsm8k", "math500", "math", "arith"],
    llamacppTypes: [
      { name: "Q8_0", imatrix: "optional" },
      { name: "Q4_K_M", imatrix: "optional" },
      { name: "Q2_K", imatrix: "optional" },
      { name: "IQ3_XXS", imatrix: "required" },
    ],
  },
};

const issuesOf = (text: string, options: LoadStudyOptions = {}): LocatedIssue[] => {
  const result = validateStudy(text, FILE, options);
  assert.equal(result.ok, false, "expected the study to be rejected");
  return result.ok ? [] : result.issues;
};

/** [name, yaml, expected issues as [line, field, message pattern], options?] */
type InvalidCase = [string, string, [number, string, RegExp][], LoadStudyOptions?];

const GGUF_MODEL = "models:\n  - gguf: model.gguf\n";

const invalid: InvalidCase[] = [
  ["misspelled top-level key", "modles:\n  - gguf: m.gguf\nbenchmarks: [arith]\n", [
    [1, "models", /missing required field/],
    [1, "modles", /unknown key 'modles' \(did you mean 'models'\?\)/],
  ]],
  ["misspelled sampling key", `${GGUF_MODEL}benchmarks: [arith]\nsampling:\n  temprature: 0.6\n`, [[5, "sampling.temprature", /did you mean 'temperature'\?/]]],
  ["dash instead of underscore", `${GGUF_MODEL}benchmarks: [arith]\nsampling:\n  max-tokens: 10\n`, [[5, "sampling.max-tokens", /did you mean 'max_tokens'\?/]]],
  ["seed is not a number", `seed: abc\n${GGUF_MODEL}benchmarks: [arith]\n`, [[1, "seed", /expected number, got the string 'abc'/]]],
  ["no benchmarks", GGUF_MODEL, [[1, "benchmarks", /missing required field/]]],
  ["empty model list", "models: []\nbenchmarks: [arith]\n", [[1, "models", /declare at least one model/]]],
  ["w_bits out of range", `${GGUF_MODEL}    hf: hf\n    backend: engine\n    variants:\n      - fp\n      - engine:\n          method: rtn\n          w_bits: 5\nbenchmarks: [arith]\n`, [
    [9, "models[0].variants[1].engine.w_bits", /number 5 is not allowed \(one of: 2, 3, 4, 8\)/],
  ]],
  ["enum typo", `${GGUF_MODEL}benchmarks: [arith]\nprompt:\n  style: chatt\n`, [[5, "prompt.style", /'chatt' is not allowed; did you mean 'chat'\?/]]],
  ["an API key in the file", "models:\n  - endpoint:\n      base_url: http://127.0.0.1:8000/v1\n      model: m\n      api_key: sk-123\nbenchmarks: [arith]\n", [
    [5, "models[0].endpoint.api_key", /never holds a key: put it in an environment variable and name that variable in api_key_env/],
  ]],
  ["a key where the variable name goes", "models:\n  - endpoint:\n      base_url: http://127.0.0.1:8000/v1\n      model: m\n      api_key_env: sk-live-123\nbenchmarks: [arith]\n", [
    [5, "models[0].endpoint.api_key_env", /NAME of an environment variable/],
  ]],
  ["endpoint URL without scheme", "models:\n  - endpoint:\n      base_url: localhost:8000\n      model: m\nbenchmarks: [arith]\n", [
    [3, "models[0].endpoint.base_url", /http:\/\/ or https:\/\//],
  ]],
  ["endpoint with no URL", "models:\n  - endpoint: { model: m }\nbenchmarks: [arith]\n", [[2, "models[0].endpoint", /needs base_url/]]],
  ["both base_url and base_urls", "models:\n  - endpoint:\n      model: m\n      base_url: http://a:1/v1\n      base_urls: [http://b:1/v1]\nbenchmarks: [arith]\n", [
    [5, "models[0].endpoint.base_urls", /either base_url or base_urls/],
  ]],
  ["model without a source", "models:\n  - name: x\nbenchmarks: [arith]\n", [[2, "models[0]", /needs hf .*, gguf .* or endpoint/]]],
  ["variant with two sources", `${GGUF_MODEL}    hf: hf\n    variants:\n      - llamacpp: Q8_0\n        engine: { method: rtn, w_bits: 4 }\nbenchmarks: [arith]\n`, [
    [6, "models[0].variants[0].engine", /one source; this one has llamacpp and engine/],
  ]],
  ["gptq without calibration", "models:\n  - hf: hf\n    variants:\n      - engine: { method: gptq, w_bits: 4 }\nbenchmarks: [arith]\n", [
    [4, "models[0].variants[0].engine", /gptq needs calibration data/],
  ]],
  ["another method's setting", "models:\n  - hf: hf\n    variants:\n      - engine:\n          method: gptq\n          w_bits: 4\n          alpha: 0.5\n          calibration: { file: c.txt }\nbenchmarks: [arith]\n", [
    [7, "models[0].variants[0].engine.alpha", /'alpha' is a smoothquant setting; this recipe's method is gptq/],
  ]],
  ["rtn given calibration", "models:\n  - hf: hf\n    variants:\n      - engine:\n          method: rtn\n          w_bits: 4\n          calibration: { file: c.txt }\nbenchmarks: [arith]\n", [
    [7, "models[0].variants[0].engine.calibration", /rtn uses no calibration data/],
  ]],
  ["rtn without bits", "models:\n  - hf: hf\n    variants:\n      - engine: { method: rtn }\nbenchmarks: [arith]\n", [[4, "models[0].variants[0].engine.w_bits", /rtn needs w_bits/]]],
  ["smoothquant at 4 bits", "models:\n  - hf: hf\n    variants:\n      - engine:\n          method: smoothquant\n          w_bits: 4\n          calibration: { benchmark: gsm8k }\nbenchmarks: [arith]\n", [
    [6, "models[0].variants[0].engine.w_bits", /W8A8: w_bits must be 8/],
  ]],
  ["duplicate variant names", `${GGUF_MODEL}    variants:\n      - name: low\n        llamacpp: Q2_K\n      - name: low\n        llamacpp: Q4_K_M\nbenchmarks: [arith]\n`, [
    [6, "models[0].variants[1].name", /duplicate variant 'low'/],
  ]],
  ["duplicate derived variant names", `${GGUF_MODEL}    variants: [Q8_0, q8_0]\nbenchmarks: [arith]\n`, [[3, "models[0].variants[1]", /duplicate variant 'Q8_0' \(give it a name\)/]]],
  ["fp used as another variant's name", `${GGUF_MODEL}    variants:\n      - name: fp\n        llamacpp: Q8_0\nbenchmarks: [arith]\n`, [[4, "models[0].variants[0].name", /reserved for the unquantized baseline/]]],
  ["attribute: unknown rescue search", `${GGUF_MODEL}benchmarks: [arith]\nattribute:\n  rescue: binary\n`, [[5, "attribute.rescue", /'binary' is not allowed/]]],
  ["attribute: misspelled key", `${GGUF_MODEL}benchmarks: [arith]\nattribute:\n  control: 5\n`, [[5, "attribute.control", /did you mean 'controls'\?/]]],
  ["attribute: negative threshold", `${GGUF_MODEL}benchmarks: [arith]\nattribute:\n  margin_threshold: -1\n`, [[5, "attribute.margin_threshold", /^must be at least 0, got -1$/]]],
  ["missing baseline", `${GGUF_MODEL}    baseline: q8\n    variants: [Q8_0]\nbenchmarks: [arith]\n`, [[3, "models[0].baseline", /no variant named 'q8'; did you mean 'Q8_0'\?/]]],
  ["n samples at temperature 0", `${GGUF_MODEL}benchmarks: [arith]\nsampling:\n  n: 8\n`, [[5, "sampling.n", /8 copies of the greedy answer/]]],
  ["n samples at temperature 0, benchmark level", `${GGUF_MODEL}benchmarks:\n  - name: arith\n    sampling: { n: 4 }\n`, [[5, "benchmarks[0].sampling.n", /copies of the greedy answer/]]],
  ["unknown benchmark", `${GGUF_MODEL}benchmarks: [arith, gsm8]\n`, [[3, "benchmarks[1].name", /unknown benchmark 'gsm8'; did you mean 'gsm8k'\?/]], KNOWN],
  ["unknown llama.cpp type", `${GGUF_MODEL}    variants:\n      - Q4KM\nbenchmarks: [arith]\n`, [[4, "models[0].variants[0].llamacpp.type", /unknown llama.cpp type 'Q4KM'; did you mean 'Q4_K_M'\?/]], KNOWN],
  ["implausible llama.cpp type (no registry)", `${GGUF_MODEL}    variants: [fp16ish]\nbenchmarks: [arith]\n`, [[3, "models[0].variants[0].llamacpp.type", /not a llama.cpp quantization type/]]],
  ["i-quant without imatrix", `${GGUF_MODEL}    variants: [IQ3_XXS]\nbenchmarks: [arith]\n`, [[3, "models[0].variants[0].llamacpp.type", /IQ3_XXS needs an importance matrix/]], KNOWN],
  ["pure that is not a boolean", `${GGUF_MODEL}    variants:\n      - { llamacpp: { type: Q2_K, pure: yes please } }\nbenchmarks: [arith]\n`, [[4, "models[0].variants[0].llamacpp.pure", /boolean/]]],
  ["kv_cache on the engine", "models:\n  - hf: hf\n    variants:\n      - name: kv\n        kv_cache: q8_0\nbenchmarks: [arith]\n", [[5, "models[0].variants[0].kv_cache", /on the engine use an engine recipe with kv_bits/]]],
  ["bad kv_cache type", `${GGUF_MODEL}    variants:\n      - kv_cache: q3_k\nbenchmarks: [arith]\n`, [[4, "models[0].variants[0].kv_cache", /'Q3_K' is not allowed \(one of: F16, Q8_0, Q4_0\)/]]],
  ["engine recipe on a GGUF-only model", `${GGUF_MODEL}    variants:\n      - engine: { method: rtn, w_bits: 4 }\nbenchmarks: [arith]\n`, [
    [4, "models[0].variants[0].engine", /an engine recipe cannot run on the model's 'llamacpp' backend/],
  ]],
  ["engine backend without an HF directory", `${GGUF_MODEL}    backend: engine\nbenchmarks: [arith]\n`, [[3, "models[0].backend", /engine backend loads a Hugging Face directory/]]],
  ["llama.cpp variant on an endpoint", "models:\n  - endpoint: { base_url: 'http://127.0.0.1:1/v1', model: m }\n    variants: [Q4_K_M]\nbenchmarks: [arith]\n", [
    [3, "models[0].variants[0].llamacpp", /cannot run on the model's 'openai' backend/],
  ]],
  ["unnamed existing GGUF variant", `${GGUF_MODEL}    variants:\n      - gguf: other.gguf\nbenchmarks: [arith]\n`, [[4, "models[0].variants[0]", /a gguf variant needs a name/]]],
  ["mapping without a file", `${GGUF_MODEL}benchmarks:\n  - name: gsm8k\n    mapping: { question: q }\n`, [[5, "benchmarks[0].mapping", /this benchmark has no file/]]],
  ["benchmark with name and file", `${GGUF_MODEL}benchmarks:\n  - name: gsm8k\n    file: x.jsonl\n`, [[5, "benchmarks[0].file", /either a registered name or a JSONL file/]]],
  ["duplicate benchmark labels", `${GGUF_MODEL}benchmarks:\n  - gsm8k\n  - name: gsm8k\n    size: 10\n`, [[5, "benchmarks[1]", /duplicate benchmark label 'gsm8k'/]]],
  ["unknown template", `${GGUF_MODEL}benchmarks: [arith]\nprompt:\n  template: step_by_step\n`, [[5, "prompt.template", /unknown prompt template 'step_by_step'; did you mean 'step-by-step'\?/]]],
  ["user format without the question", `${GGUF_MODEL}benchmarks: [arith]\nprompt:\n  user: "Solve it."\n`, [[5, "prompt.user", /must contain \{question\}/]]],
  ["top_p of 0 and a zero size", `${GGUF_MODEL}benchmarks:\n  - name: gsm8k\n    size: 0\nsampling:\n  top_p: 0\n`, [
    [5, "benchmarks[0].size", /^must be greater than 0, got 0$/],
    [7, "sampling.top_p", /^must be greater than 0, got 0$/],
  ]],
  ["no variants: zod's '>=1 items' said as a count", `${GGUF_MODEL}    variants: []\nbenchmarks: [arith]\n`, [[3, "models[0].variants", /^needs at least 1 entry$/]]],
  ["newer study version", `version: 2\n${GGUF_MODEL}benchmarks: [arith]\n`, [[1, "version", /reads study files of version 1/]]],
  ["YAML syntax error", "models:\n  - gguf: m.gguf\n benchmarks: [arith]\n", [[3, "", /not valid YAML/]]],
  ["duplicate YAML key", `${GGUF_MODEL}benchmarks: [arith]\nbenchmarks: [gsm8k]\n`, [[4, "", /not valid YAML: Map keys must be unique/]]],
  ["empty file", "# nothing yet\n", [[1, "", /the study file is empty/]]],
  ["a list instead of a mapping", "- gguf: m.gguf\n", [[1, "", /expected object, got a list/]]],
  ["several problems, reported together in line order", "models:\n  - gguf: m.gguf\n    variants: [Q8_0, {kv_cache: q2}]\nbenchmarks: [arith]\nsampling:\n  temperature: -1\n  stpo: x\nruntime:\n  thread: 2\n", [
    [3, "models[0].variants[1].kv_cache", /'Q2' is not allowed/],
    [6, "sampling.temperature", /^must be at least 0, got -1$/],
    [7, "sampling.stpo", /did you mean 'stop'\?/],
    [9, "runtime.thread", /did you mean 'threads'\?/],
  ]],
  ["cross-field rules apply once the shapes are right", "models:\n  - gguf: m.gguf\n    variants: [Q8_0, Q8_0]\n    baseline: fp16\nbenchmarks: [arith]\nsampling:\n  n: 2\n", [
    [3, "models[0].variants[1]", /duplicate variant/],
    [4, "models[0].baseline", /no variant named 'fp16'/],
    [7, "sampling.n", /copies of the greedy answer/],
  ]],
];

for (const [name, yaml, expected, options] of invalid) {
  test(`rejects: ${name}`, () => {
    const issues = issuesOf(yaml, options);
    assert.equal(issues.length, expected.length, `issues: ${JSON.stringify(issues)}`);
    expected.forEach(([line, field, pattern], index) => {
      const issue = issues[index];
      assert.equal(issue?.field, field, JSON.stringify(issue));
      assert.equal(issue?.line, line, JSON.stringify(issue));
      assert.match(issue?.message ?? "", pattern);
    });
  });
}

test("parseStudy throws one E_INPUT QreasonError naming file, line and field, listing every problem", () => {
  const yaml = "models:\n  - gguf: m.gguf\nbenchmarks: [arith]\nsampling:\n  temprature: 1\n  top_pp: 1\n";
  assert.throws(
    () => parseStudy(yaml, FILE),
    (error: unknown) => {
      assert.ok(error instanceof QreasonError);
      assert.equal(error.code, "E_INPUT");
      assert.deepEqual(error.location, { file: FILE, line: 5, field: "sampling.temprature" });
      assert.match(error.describe(), /^\/studies\/demo\/study.yaml:5: field 'sampling.temprature': unknown key 'temprature'/);
      assert.match(error.message, /1 more problem in this file:\)\n {2}\/studies\/demo\/study.yaml:6: field 'sampling.top_pp': unknown key 'top_pp' \(did you mean 'top_p'\?\)/);
      return true;
    },
  );
});

test("a minimal study gets every default", () => {
  const study = parseStudy("models:\n  - gguf: ../models/ref.gguf\nbenchmarks: [arith]\n", FILE);
  assert.equal(study.name, "study");
  assert.equal(study.file, FILE);
  assert.equal(study.directory, "/studies/demo");
  assert.equal(study.seed, 0);
  const [model] = study.models;
  assert.deepEqual(model?.source, { kind: "local", gguf: "/studies/models/ref.gguf" });
  assert.equal(model?.name, "ref");
  assert.equal(model?.backend, "llamacpp");
  assert.deepEqual(model?.variants, [{ name: "fp", recipe: { kind: "fp" } }]);
  assert.deepEqual(model?.runtime, { batchSize: 8, concurrency: 4, timeoutSeconds: 600, retries: 3, device: "auto", dtype: "auto" });
  assert.equal(model?.prompt.template, "step-by-step");
  assert.equal(model?.prompt.style, "chat");
  assert.match(model?.prompt.instruction ?? "", /Step N:.*\\boxed\{answer\}/);
  assert.deepEqual(study.benchmarks, [
    { label: "arith", subset: { benchmark: "arith", seed: 0 }, sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 1024, n: 1, seed: 0, stop: [] } },
  ]);
});

const FULL = `
name: full-study
seed: 7
output: runs/full
models:
  - name: qwen
    hf: ~/models/qwen
    runtime: { batch_size: 32 }
    prompt: { template: boxed }
    variants:
      - engine:
          method: gptq
          w_bits: 4
          calibration: { benchmark: gsm8k, samples: 64 }
      - engine: { method: awq, w_bits: 3, group_size: 64, calibration: { file: calib.txt } }
      - engine: { method: smoothquant, calibration: { benchmark: gsm8k, split: train } }
      - engine: { method: none, kv_bits: 8 }
      - name: community-awq
        hf: /models/qwen-awq
  - gguf: ../ref.gguf
    baseline: Q8_0
    variants:
      - { llamacpp: Q2_K, kv_cache: Q8_0 }
      - Q8_0
      - { name: small, llamacpp: { type: IQ3_XXS, imatrix: imatrix.dat } }
      - { kv_cache: q4_0 }
      - { llamacpp: { type: Q2_K, pure: true } }
  - endpoint:
      base_urls: ["http://127.0.0.1:8000/v1/", "http://127.0.0.1:8001/v1"]
      model: Qwen/Qwen2.5-Math-7B-Instruct
      api_key_env: VLLM_API_KEY
    variants:
      - name: awq-served
        endpoint: { base_url: "http://127.0.0.1:8002/v1", model: qwen-awq, api: completions }
benchmarks:
  - name: math500
    levels: [5, 3, 3]
    subjects: [algebra]
    size: 100
    sampling: { max_tokens: 2048, n: 4 }
  - file: data/mine.jsonl
    mapping: { question: problem, id: uid }
    seed: 3
sampling:
  temperature: 0.6
  stop: "</s>"
runtime:
  threads: 2
  concurrency: 16
`;

test("a full study resolves recipes, names, paths, merges and overrides", () => {
  const study = parseStudy(FULL, FILE, KNOWN);
  assert.equal(study.output, "/studies/demo/runs/full");
  const [qwen, ref, served] = study.models;
  assert.ok(qwen && ref && served);

  assert.deepEqual(qwen.source, { kind: "local", hf: path.join(os.homedir(), "models/qwen") });
  assert.equal(qwen.backend, "engine");
  assert.deepEqual(qwen.variants.map((variant) => variant.name), ["fp", "gptq-w4-g128", "awq-w3-g64", "smoothquant-w8a8", "none-kv8", "community-awq"]);
  assert.deepEqual(qwen.variants[1]?.recipe, {
    kind: "engine",
    recipe: { method: "gptq", w_bits: 4, group_size: 128, sym: true, exclude: ["lm_head"], damp: 0.01, act_order: false, block_size: 128,
      calibration: { benchmark: "gsm8k", split: "train", samples: 64, seq_len: 2048, seed: 7 } },
  });
  assert.deepEqual(qwen.variants[2]?.recipe, {
    kind: "engine",
    recipe: { method: "awq", w_bits: 3, group_size: 64, sym: false, exclude: ["lm_head"], clip: true, grid: 20,
      calibration: { file: "/studies/demo/calib.txt", samples: 128, seq_len: 2048, seed: 7 } },
  });
  assert.deepEqual(qwen.variants[3]?.recipe, {
    kind: "engine",
    recipe: { method: "smoothquant", w_bits: 8, group_size: -1, sym: true, a_bits: 8, alpha: 0.5, exclude: ["lm_head"],
      calibration: { benchmark: "gsm8k", split: "train", samples: 128, seq_len: 2048, seed: 7 } },
  });
  assert.deepEqual(qwen.variants[4]?.recipe, { kind: "engine", recipe: { method: "none", exclude: ["lm_head"], kv_bits: 8 } });
  assert.deepEqual(qwen.variants[5]?.recipe, { kind: "hf", path: "/models/qwen-awq" });
  assert.deepEqual(qwen.runtime, { batchSize: 32, concurrency: 16, timeoutSeconds: 600, retries: 3, device: "auto", dtype: "auto", threads: 2 });
  assert.equal(qwen.prompt.template, "boxed");
  assert.match(qwen.prompt.system ?? "", /reason step by step/);

  assert.equal(ref.name, "ref");
  assert.equal(ref.baseline, "Q8_0");
  assert.deepEqual(ref.variants.map((variant) => variant.name), ["Q8_0", "Q2_K-kv-q8_0", "small", "fp-kv-q4_0", "Q2_K-pure"]);
  assert.deepEqual(ref.variants[1]?.recipe, { kind: "llamacpp", type: "Q2_K", kvCache: "Q8_0" });
  assert.deepEqual(ref.variants[2]?.recipe, { kind: "llamacpp", type: "IQ3_XXS", imatrix: "/studies/demo/imatrix.dat" });
  assert.deepEqual(ref.variants[4]?.recipe, { kind: "llamacpp", type: "Q2_K", pure: true });
  assert.equal(ref.prompt.template, "step-by-step");

  assert.equal(served.name, "Qwen2.5-Math-7B-Instruct");
  assert.equal(served.backend, "openai");
  assert.deepEqual(served.source, {
    kind: "endpoint",
    endpoint: { baseUrls: ["http://127.0.0.1:8000/v1", "http://127.0.0.1:8001/v1"], model: "Qwen/Qwen2.5-Math-7B-Instruct", api: "chat", apiKeyEnv: "VLLM_API_KEY" },
  });
  assert.deepEqual(served.variants[1], { name: "awq-served", recipe: { kind: "endpoint", endpoint: { baseUrls: ["http://127.0.0.1:8002/v1"], model: "qwen-awq", api: "completions" } } });

  const [math500, mine] = study.benchmarks;
  assert.deepEqual(math500, {
    label: "math500",
    subset: { benchmark: "math500", seed: 7, size: 100, levels: [3, 5], subjects: ["algebra"] },
    sampling: { temperature: 0.6, topP: 1, topK: 0, maxTokens: 2048, n: 4, seed: 7, stop: ["</s>"] },
  });
  assert.deepEqual(mine?.subset, { benchmark: "jsonl:/studies/demo/data/mine.jsonl", seed: 3, mapping: { questionField: "problem", idField: "uid" } });
  assert.equal(mine?.label, "mine");
  assert.equal(mine?.sampling.n, 1);
});

test("raw prompt style makes endpoints default to the completions API", () => {
  const study = parseStudy("models:\n  - endpoint: { base_url: 'http://127.0.0.1:8080', model: llama }\nbenchmarks: [gsm8k]\nprompt:\n  template: question-answer\n  few_shot: 4\n", FILE);
  const model = study.models[0];
  assert.equal(model?.source.kind === "endpoint" && model.source.endpoint.api, "completions");
  assert.equal(model?.prompt.style, "raw");
  assert.equal(model?.prompt.fewShot, 4);
});

test("attribute: true takes the defaults; a block overrides them; the study seed seeds the control sample", () => {
  const on = parseStudy(`seed: 7\n${GGUF_MODEL}benchmarks: [arith]\nattribute: true\n`, FILE);
  assert.deepEqual(on.attribute, { controls: 10, topK: 10, marginThreshold: 1, rescue: "bisect", mirror: true, seed: 7 });
  const tuned = parseStudy(`${GGUF_MODEL}benchmarks: [arith]\nattribute:\n  controls: 0\n  top_k: 20\n  margin_threshold: 2.5\n  rescue: linear\n  mirror: false\n  max_flips: 50\n`, FILE);
  assert.deepEqual(tuned.attribute, { controls: 0, topK: 20, marginThreshold: 2.5, rescue: "linear", mirror: false, maxFlips: 50, seed: 0 });
  assert.equal(parseStudy(`${GGUF_MODEL}benchmarks: [arith]\n`, FILE).attribute, undefined);
});

test("a number past 2^53 is reported once, by the field's own ceiling, not also as zod's 'Too big: <=9007199254740991'", () => {
  const error = (() => {
    try {
      parseStudy(`${GGUF_MODEL}benchmarks: [arith]\nsampling:\n  max_tokens: 1e300\n`, "/studies/huge.yaml");
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  assert.ok(error instanceof QreasonError);
  assert.equal(error.describe(), "/studies/huge.yaml:5: field 'sampling.max_tokens': must be at most 1,048,576");
});
