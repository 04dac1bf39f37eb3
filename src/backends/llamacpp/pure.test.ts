/** The backend's pure helpers: stop-string search, log-probs from partial logits, chat rendering, head sizes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isQreasonError } from "../../errors.ts";
import { defaultThreads, headSizes } from "./backend.ts";
import { renderChat } from "../chatTemplate.ts";
import { logNormalizer, scorePosition } from "./logprobs.ts";
import { findStop, tailTokenWindow } from "./stopStrings.ts";

describe("findStop", () => {
  const cases: Array<[string, string[], number, number]> = [
    ["The answer is 5.\n\nQuestion:", ["\n\nQuestion:"], 0, 16],
    ["abc STOP def END", ["END", "STOP"], 0, 4], // the earliest wins, not the first listed
    ["abc STOP def", ["STOP"], 5, -1], // searching from after it
    ["nothing here", ["x", ""], 0, -1], // empty stops are ignored
    ["", ["a"], 0, -1],
  ];
  for (const [text, stops, from, expected] of cases) {
    it(`${JSON.stringify(text)} ${JSON.stringify(stops)} from ${from} -> ${expected}`, () => {
      assert.equal(findStop(text, stops, from), expected);
    });
  }

  it("the tail window covers the longest stop string", () => {
    assert.ok(tailTokenWindow(["ab", "\n\nQuestion:"]) >= "\n\nQuestion:".length);
  });
});

describe("scorePosition", () => {
  // Full distribution over 4 tokens, so the exact answer is known.
  const all = new Map([
    [0, 2.0],
    [1, 1.0],
    [2, 0.5],
    [3, -1.0],
  ]);
  const max = 2.0;
  const total = [...all.values()].reduce((sum, logit) => sum + Math.exp(logit - max), 0);
  const exactLogZ = Math.log([...all.values()].reduce((sum, logit) => sum + Math.exp(logit), 0));

  it("logNormalizer equals log-sum-exp", () => {
    assert.ok(Math.abs(logNormalizer(max, total) - exactLogZ) < 1e-12);
  });

  it("gives the target's log-prob, the top-k and the top-1 minus top-2 margin from partial logits", () => {
    // llama.cpp returns only the top 2 plus the target (token 3).
    const partial = new Map([
      [0, 2.0],
      [1, 1.0],
      [3, -1.0],
    ]);
    const score = scorePosition({ logits: partial, totalLogitWeight: total }, 3, { topK: 2, included: 2 }, (token) => `t${token}`);
    assert.equal(score.token, "t3");
    assert.equal(score.id, 3);
    assert.equal(score.rank, null, "outside the top 2 llama.cpp returned: rank unknown");
    assert.ok(Math.abs(score.logprob - (-1.0 - exactLogZ)) < 1e-12);
    assert.deepEqual(score.top.map((alternative) => alternative.token), ["t0", "t1"]);
    assert.ok(Math.abs(score.top[0]!.logprob - (2.0 - exactLogZ)) < 1e-12);
    assert.equal(score.margin, 1.0);
    const inside = scorePosition({ logits: partial, totalLogitWeight: total }, 1, { topK: 2, included: 3 }, String);
    assert.equal(inside.rank, 1);
  });

  it("fails loudly when the target's logit is missing", () => {
    assert.throws(() => scorePosition({ logits: new Map([[0, 1]]), totalLogitWeight: 1 }, 5, { topK: 1, included: 1 }, String), /target token 5/);
  });
});

describe("renderChat", () => {
  const template =
    "{% for message in messages %}{{ bos_token }}{{ message['role'] }}: {{ message['content'] }}{{ eos_token }}\n{% endfor %}" +
    "{% if add_generation_prompt %}{{ bos_token }}assistant: {% endif %}";

  it("renders with the special tokens and the generation prompt", () => {
    const text = renderChat(template, [{ role: "user", content: "2+2?" }], { bos: "<s>", eos: "</s>" });
    assert.equal(text, "<s>user: 2+2?</s>\n<s>assistant: ");
  });

  it("turns a template's raise_exception into an E_INPUT", () => {
    const strict = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}ok";
    assert.throws(
      () => renderChat(strict, [{ role: "system", content: "x" }], { bos: null, eos: null }),
      (error) => isQreasonError(error) && error.code === "E_INPUT" && /no system role/.test(error.message),
    );
  });

  it("reports a template that does not parse", () => {
    assert.throws(() => renderChat("{% for %}", [], { bos: null, eos: null }), (error) => isQreasonError(error) && /does not parse/.test(error.message));
  });
});

describe("headSizes", () => {
  it("reads key/value lengths, or derives them from hidden size and heads", () => {
    assert.deepEqual(headSizes({ general: { architecture: "llama" }, llama: { attention: { key_length: 128, value_length: 128 } } }), {
      key: 128,
      value: 128,
    });
    assert.deepEqual(headSizes({ general: { architecture: "qwen2" }, qwen2: { embedding_length: 64, attention: { head_count: 4 } } }), {
      key: 16,
      value: 16,
    });
    assert.equal(headSizes({ general: {} }), undefined);
  });
});

describe("defaultThreads", () => {
  const cases: Array<[number, number, number]> = [
    [4, 2, 1], // 2 cores: one for llama.cpp, one for Node
    [1, 16, 1],
    [4, 16, 4],
    [32, 16, 15],
    [4, 1, 1],
  ];
  for (const [parallel, cores, expected] of cases) {
    it(`${parallel} sequences on ${cores} cores -> ${expected}`, () => assert.equal(defaultThreads(parallel, cores), expected));
  }
});
