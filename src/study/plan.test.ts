import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStudy } from "./load.ts";
import { expandPlan, sampleSeed, studyHash, variantHash } from "./plan.ts";

const STUDY = `
seed: 5
models:
  - name: ref
    gguf: model.gguf
    variants: [Q8_0, Q4_K_M, { name: tiny, llamacpp: Q2_K }]
  - endpoint: { base_url: "http://127.0.0.1:8000/v1", model: m }
benchmarks:
  - arith
  - name: gsm8k
    size: 50
    sampling: { n: 3, temperature: 0.7 }
`;

test("a plan lists every (model, variant, benchmark, sample) job, baseline first, with per-sample seeds", () => {
  const plan = expandPlan(parseStudy(STUDY, "/s/study.yaml"));
  // ref: 4 variants × (1 + 3 samples); endpoint model: 1 variant × (1 + 3).
  assert.equal(plan.jobs.length, 4 * 4 + 1 * 4);
  assert.deepEqual(plan.variants.map((variant) => [variant.model, variant.variant, variant.isBaseline]), [
    ["ref", "fp", true], ["ref", "Q8_0", false], ["ref", "Q4_K_M", false], ["ref", "tiny", false], ["m", "fp", true],
  ]);
  const gsm8k = plan.jobs.filter((job) => job.model === "ref" && job.variant === "Q8_0" && job.benchmark === "gsm8k");
  assert.deepEqual(gsm8k.map((job) => [job.sampleIndex, job.sampling.seed, job.sampling.temperature]), [[0, 5, 0.7], [1, 6, 0.7], [2, 7, 0.7]]);
  assert.deepEqual(gsm8k[0]?.subset, { benchmark: "gsm8k", seed: 5, size: 50 });
  assert.equal(plan.jobs[0]?.variant, "fp");
  assert.deepEqual(plan.comparisons.filter((comparison) => comparison.benchmark === "arith").map((comparison) => `${comparison.model}:${comparison.baseline}→${comparison.variant}`), [
    "ref:fp→Q8_0", "ref:fp→Q4_K_M", "ref:fp→tiny",
  ]);
  assert.equal(plan.comparisons.length, 6);
});

test("variant hashes follow the recipe, not the name; each recipe field changes them", () => {
  const hash = variantHash({ kind: "llamacpp", type: "Q4_K_M" });
  assert.match(hash, /^variant:v1:[0-9a-f]{64}$/);
  const plan = expandPlan(parseStudy(STUDY, "/s/study.yaml"));
  const byName = new Map(plan.variants.map((variant) => [variant.variant, variant.recipeHash]));
  assert.equal(byName.get("Q4_K_M"), hash);
  // Renamed, same recipe: same hash.
  const renamed = expandPlan(parseStudy(STUDY.replace("{ name: tiny, llamacpp: Q2_K }", "{ name: smallest, llamacpp: Q2_K }"), "/s/study.yaml"));
  assert.equal(renamed.variants.find((variant) => variant.variant === "smallest")?.recipeHash, byName.get("tiny"));
  const distinct = [
    variantHash({ kind: "llamacpp", type: "Q4_K_M", kvCache: "Q8_0" }),
    variantHash({ kind: "llamacpp", type: "Q4_K_M", imatrix: "/x/imatrix.dat" }),
    variantHash({ kind: "llamacpp", type: "Q4_K_S" }),
    variantHash({ kind: "fp" }),
    variantHash({ kind: "engine", recipe: { method: "rtn", w_bits: 4, group_size: 128, sym: true, exclude: ["lm_head"] } }),
    variantHash({ kind: "engine", recipe: { method: "rtn", w_bits: 4, group_size: 128, sym: false, exclude: ["lm_head"] } }),
    variantHash({ kind: "engine", recipe: { method: "rtn", w_bits: 4, group_size: 64, sym: true, exclude: ["lm_head"] } }),
    hash,
  ];
  assert.equal(new Set(distinct).size, distinct.length);
});

test("studies that mean the same hash the same; any change to what they ask changes the hash", () => {
  const base = parseStudy(STUDY, "/s/study.yaml");
  const reordered = parseStudy(STUDY.replace("name: gsm8k\n    size: 50", "size: 50\n    name: gsm8k"), "/s/study.yaml");
  assert.equal(studyHash(reordered), studyHash(base));
  // Where the file sits is not part of what it asks (its resolved paths are).
  assert.equal(studyHash({ ...base, file: "/elsewhere/study.yaml", directory: "/elsewhere" }), studyHash(base));
  assert.notEqual(studyHash(parseStudy(STUDY.replace("size: 50", "size: 51"), "/s/study.yaml")), studyHash(base));
  assert.notEqual(studyHash(parseStudy(STUDY.replace("seed: 5", "seed: 6"), "/s/study.yaml")), studyHash(base));
});

test("sample seeds are distinct per sample and wrap at 2^32", () => {
  assert.equal(sampleSeed(0, 0), 0);
  assert.equal(sampleSeed(10, 3), 13);
  assert.equal(sampleSeed(2 ** 32 - 1, 1), 0);
});

test("a format's stop strings join each job's: the question-answer template stops at the next question", () => {
  const study = (prompt: string, sampling = "") => `
models:
  - name: ref
    gguf: model.gguf
    prompt: ${prompt}
    variants: [Q8_0]
benchmarks:
  - name: gsm8k
    size: 5${sampling}
`;
  const stops = (yaml: string) => [...new Set(expandPlan(parseStudy(yaml, "/s/study.yaml")).jobs.map((job) => JSON.stringify(job.sampling.stop)))];
  assert.deepEqual(stops(study("{ template: question-answer, few_shot: 4 }")), [JSON.stringify(["\nQuestion:"])]);
  // The benchmark's own stops come first; one the template also has is not repeated.
  assert.deepEqual(stops(study("{ template: question-answer }", "\n    sampling: { stop: [\"</s>\", \"\\nQuestion:\"] }")), [JSON.stringify(["</s>", "\nQuestion:"])]);
  // A study can replace the format's stops, or turn them off; chat templates have none.
  assert.deepEqual(stops(study("{ template: question-answer, stop: \"\\n\\n\" }")), [JSON.stringify(["\n\n"])]);
  assert.deepEqual(stops(study("{ template: question-answer, stop: [] }")), [JSON.stringify([])]);
  assert.deepEqual(stops(study("{ template: step-by-step }")), [JSON.stringify([])]);
  // What a job stops at is part of what it asks, so the study's hash follows it.
  assert.notEqual(studyHash(parseStudy(study("{ template: question-answer }"), "/s/study.yaml")),
    studyHash(parseStudy(study("{ template: question-answer, stop: [] }"), "/s/study.yaml")));
});
