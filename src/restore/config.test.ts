import assert from "node:assert/strict";
import { test } from "node:test";
import { validateStudy } from "../study/index.ts";

const base = `name: s
models:
  - name: m
    gguf: /dev/null
    variants: [Q4_K_M, { llamacpp: { type: Q2_K, pure: true } }]
benchmarks:
  - { name: arith, split: test, size: 10 }
`;

function issues(restore: string): { line?: number; field: string; message: string }[] {
  const result = validateStudy(`${base}${restore}`, "/tmp/study.yaml", { checkFiles: false });
  return result.ok ? [] : result.issues;
}

test("restore block: defaults, seed 003's numbers", () => {
  const result = validateStudy(`${base}restore:\n  variants: [Q2_K-pure]\n`, "/tmp/study.yaml", { checkFiles: false });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  const restore = result.study.restore;
  assert.equal(restore?.pairs, 545);
  assert.deepEqual(restore?.methods, ["dpo", "sft"]);
  assert.equal(restore?.training.rank, 32);
  assert.equal(restore?.training.alpha, 64);
  assert.equal(restore?.training.loss, "sigmoid");
  assert.equal(restore?.leakage, "exclude");
  assert.equal(restore?.train, undefined, "default: each benchmark's train split, chosen at run time");
});

test("restore block: located mistakes", () => {
  const cases: [string, RegExp, string][] = [
    ["restore:\n  variants: [Q3_K_S]\n", /no variant named 'Q3_K_S' \(variants: Q4_K_M, Q2_K-pure\)/, "restore.variants"],
    ["restore:\n  variants: [fp]\n", /is the baseline/, "restore.variants"],
    ["restore:\n  variants: [Q4_K_M]\n  pairz: 10\n", /'pairz' \(did you mean 'pairs'\?\)/, "restore.pairz"],
    ["restore:\n  variants: [Q4_K_M]\n  methods: [sft]\n  ablation: true\n", /add dpo to methods/, "restore.ablation"],
    ["restore:\n  variants: [Q4_K_M]\n  methods: [dpo, sft+dpo]\n", /sft\+dpo trains DPO from the sft adapter: add sft to methods/, "restore.methods"],
    ["restore:\n  variants: [Q4_K_M]\n  methods: [dpo, sft-dpo]\n", /did you mean 'sft\+dpo'/, "restore.methods[1]"],
    ["restore:\n  variants: [Q4_K_M]\n  training: { sft_weight: 0.5 }\n", /only loss 'sigmoid\+sft'/, "restore.training.sft_weight"],
  ];
  for (const [yaml, message, field] of cases) {
    const found = issues(yaml);
    assert.ok(found.some((issue) => message.test(issue.message) && issue.field === field), `${yaml}: ${JSON.stringify(found)}`);
  }
});

test("restore block: sft+dpo beside sft", () => {
  const result = validateStudy(`${base}restore:\n  variants: [Q2_K-pure]\n  methods: [dpo, sft+dpo, sft]\n`, "/tmp/study.yaml", { checkFiles: false });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  assert.deepEqual(result.study.restore?.methods, ["dpo", "sft+dpo", "sft"]);
});
