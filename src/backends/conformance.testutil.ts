/**
 * The Backend spec's conformance cases: what every backend must do, as functions of a Backend. Shared by
 * conformance.test.ts (which runs them on every backend) and the openai fixture recorder (which runs them
 * against the engine's HTTP server and records the exchanges the replay backend answers from).
 *
 * Two models: the bundled reference model (trained, so greedy output is readable text, with BOS; raw
 * prompts) and the tiny random llama of src/testing/tinyModels.ts (it has a chat template; no BOS).
 */
import assert from "node:assert/strict";
import type { Backend, ChatMessage, GenerateRequest, SamplingParams, ScoreRequest, ScoreResult } from "./types.ts";

export type ConformanceModel = "reference" | "chat";

export interface ConformanceCase {
  name: string;
  model: ConformanceModel;
  run(backend: Backend): Promise<void>;
}

export const GREEDY: SamplingParams = { temperature: 0, topP: 1, topK: 0, maxTokens: 48, seed: 0, stop: [] };

/** arith test problems (`qreason data export arith --split test`): the reference model's own prompt format. */
export const REFERENCE_QUESTIONS = [
  "Rosa has 10 coins. Ivan has 4 fewer coins than Rosa. How many coins do Rosa and Ivan have together?\n",
  "Max has 28 stickers. Maya has 2 sheets with 20 stickers in each. How many stickers does Maya have?\n",
];
export const REFERENCE_SOLUTION = "Step 1: Ivan's coins: 10 - 4 = 6.\nStep 2: Rosa and Ivan together: 10 + 6 = 16.\n\\boxed{16}";

export const CHAT: ChatMessage[] = [
  { role: "system", content: "You solve arithmetic." },
  { role: "user", content: "What is 3 + 4?" },
];
export const CHAT_REPLY = " 3 + 4 = 7, so the answer is \\boxed{7}.";

export const VERDICT_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["answer", "sure"],
  properties: { answer: { enum: ["yes", "no"] }, sure: { type: "boolean" } },
} as const;

/** The properties every ScoreResult must have for `request`. */
export function checkScore(result: ScoreResult, request: ScoreRequest, options: { ids: boolean }): void {
  const { continuation, topK } = request;
  assert.ok(result.tokens.length > 0, "some tokens are scored");
  assert.ok(result.promptTokens >= 1);
  // Over the OpenAI format, alternatives that decode alike collapse (a random model's partial-byte tokens).
  const known = options.ids ? [] : result.warnings.filter((warning) => /collapsed/.test(warning));
  assert.deepEqual(result.warnings, known, "no warnings for a clean prompt/continuation boundary");
  let position = result.tokens[0]!.offset[0];
  for (const [index, token] of result.tokens.entries()) {
    const where = `token ${index} ${JSON.stringify(token.token)}`;
    assert.equal(token.offset[0], position, `${where}: offsets are contiguous`);
    assert.ok(token.offset[1] >= token.offset[0] && token.offset[1] <= continuation.length, where);
    if (!token.token.includes("\uFFFD")) assert.equal(continuation.slice(...token.offset), token.token, `${where}: its offsets hold its text`);
    position = token.offset[1];
    assert.ok(token.logprob <= 1e-6, `${where}: log-prob ${token.logprob} <= 0`);
    if (options.ids) assert.equal(token.top.length, topK, `${where}: k = ${topK} alternatives`);
    // The OpenAI format keys alternatives by text: those that decode alike (partial bytes, "\uFFFD") collapse.
    else assert.ok(token.top.length <= topK && token.top.length >= Math.min(topK, 1), `${where}: up to k = ${topK} alternatives`);
    for (let k = 1; k < token.top.length; k += 1) assert.ok(token.top[k - 1]!.logprob >= token.top[k]!.logprob, `${where}: top is sorted`);
    assert.ok(token.margin >= 0, `${where}: margin >= 0`);
    if (token.rank !== null && topK > 0) {
      assert.equal(token.rank === 0, token.top[0]!.token === token.token, `${where}: rank 0 <=> it is top[0]`);
      if (token.rank < topK) assert.ok(Math.abs(token.top[token.rank]!.logprob - token.logprob) < 1e-4, `${where}: top[rank] is the token`);
    }
    if (token.rank === null && known.length === 0) {
      assert.ok(!token.top.some((alternative) => alternative.token === token.token && alternative.id === token.id), `${where}: rank null => not in the top-k`);
    }
    if (options.ids) {
      assert.ok(Number.isInteger(token.id), `${where}: has an id`);
      if (token.rank === 0 && topK > 0) assert.equal(token.top[0]!.id, token.id);
    }
  }
  assert.equal(position, continuation.length, "the offsets reach the continuation's end");
  if (result.tokens[0]!.offset[0] === 0) {
    assert.equal(result.tokens.map((token) => continuation.slice(...token.offset)).join(""), continuation, "the spans join to the continuation");
  }
}

const greedy = (prompt: string | ChatMessage[], overrides: Partial<SamplingParams> = {}): GenerateRequest => ({
  prompt,
  sampling: { ...GREEDY, ...overrides },
});

/** Where `text`'s first step line ends (after its line break): a cut on a clean token boundary. */
function afterFirstStep(text: string): number {
  const end = text.indexOf("\n");
  assert.ok(end > 0, `a first step line in ${JSON.stringify(text)}`);
  return end + 1;
}

export const CONFORMANCE_CASES: ConformanceCase[] = [
  {
    name: "score a raw prompt: offsets, log-probs, ranks, top-k",
    model: "reference",
    async run(backend) {
      const requests: ScoreRequest[] = [
        { prompt: REFERENCE_QUESTIONS[0]!, continuation: REFERENCE_SOLUTION, topK: 5 },
        { prompt: REFERENCE_QUESTIONS[1]!, continuation: "Step 1: Maya's stickers: 2 * 20 = 40.\n\\boxed{40}", topK: 1 },
      ];
      const results = await backend.score(requests);
      for (const [index, result] of results.entries()) checkScore(result!, requests[index]!, { ids: backend.kind !== "openai" });
      // A trained model scoring its own kind of solution: most tokens are its top-1.
      const top1 = results[0]!.tokens.filter((token) => token.rank === 0).length;
      assert.ok(top1 / results[0]!.tokens.length > 0.8, `${top1} of ${results[0]!.tokens.length} tokens are the model's top-1`);
    },
  },
  {
    name: "score a chat prompt (template + generation prompt), k honoured",
    model: "chat",
    async run(backend) {
      const requests: ScoreRequest[] = [
        { prompt: CHAT, continuation: CHAT_REPLY, topK: 3 },
        { prompt: CHAT, continuation: CHAT_REPLY, topK: 0 },
      ];
      const results = await backend.score(requests);
      for (const [index, result] of results.entries()) checkScore(result!, requests[index]!, { ids: backend.kind !== "openai" });
      const exact = results[0]!.warnings.length === 0; // collapsed alternatives make margins depend on k
      assert.deepEqual(
        results[1]!.tokens.map((token) => [token.logprob.toFixed(4), exact ? token.margin.toFixed(4) : ""]),
        results[0]!.tokens.map((token) => [token.logprob.toFixed(4), exact ? token.margin.toFixed(4) : ""]),
        "k changes only the alternatives",
      );
      const [raw] = await backend.score([{ prompt: "What is 3 + 4?", continuation: CHAT_REPLY, topK: 3 }]);
      assert.notDeepEqual(raw!.tokens.map((token) => token.logprob), results[0]!.tokens.map((token) => token.logprob), "the template is applied");
    },
  },
  {
    name: "score with an empty prompt: from BOS where there is one, else from the first token",
    model: "chat",
    async run(backend) {
      const continuation = "Step 1: Tom has 3 apples";
      const [result] = await backend.score([{ prompt: "", continuation, topK: 2 }]);
      // The tiny tokenizer adds no BOS: its first token is context, the scored tokens start after it.
      assert.ok(result!.tokens[0]!.offset[0] > 0 && result!.promptTokens === 1, JSON.stringify(result!.tokens[0]));
      assert.equal(result!.tokens.at(-1)!.offset[1], continuation.length);
    },
  },
  {
    name: "greedy generation is deterministic, alone or batched",
    model: "reference",
    async run(backend) {
      const [first, second] = await backend.generate([greedy(REFERENCE_QUESTIONS[0]!), greedy(REFERENCE_QUESTIONS[1]!)]);
      const [again] = await backend.generate([greedy(REFERENCE_QUESTIONS[0]!)]);
      assert.equal(again!.text, first!.text);
      assert.notEqual(first!.text, second!.text);
      assert.match(first!.text, /^Step 1: /, "the reference model answers in its format");
    },
  },
  {
    name: "finish reasons: stop at the end-of-sequence token, length at maxTokens",
    model: "reference",
    async run(backend) {
      const [done, cut] = await backend.generate([greedy(REFERENCE_QUESTIONS[0]!, { maxTokens: 120 }), greedy(REFERENCE_QUESTIONS[0]!, { maxTokens: 5 })]);
      assert.equal(done!.finishReason, "stop");
      assert.match(done!.text, /\\boxed\{\d+\}$/);
      assert.equal(cut!.finishReason, "length");
      assert.equal(cut!.completionTokens, 5);
      assert.ok(done!.text.startsWith(cut!.text));
      assert.ok(done!.promptTokens > 0 && done!.promptTokens === cut!.promptTokens);
    },
  },
  {
    name: "stop strings end the text before the stop",
    model: "reference",
    async run(backend) {
      const [free] = await backend.generate([greedy(REFERENCE_QUESTIONS[0]!)]);
      const stop = "\nStep 2";
      assert.ok(free!.text.includes(stop), free!.text);
      const [stopped] = await backend.generate([greedy(REFERENCE_QUESTIONS[0]!, { stop: [stop, "never-there"] })]);
      assert.equal(stopped!.text, free!.text.slice(0, free!.text.indexOf(stop)));
      assert.equal(stopped!.finishReason, "stop");
    },
  },
  {
    name: "an assistant prefix continues the reply: prefix + result = the full greedy reply",
    model: "reference",
    async run(backend) {
      const [full] = await backend.generate([greedy(REFERENCE_QUESTIONS[0]!, { maxTokens: 120 })]);
      const prefix = full!.text.slice(0, afterFirstStep(full!.text));
      const [continued] = await backend.generate([{ ...greedy(REFERENCE_QUESTIONS[0]!, { maxTokens: 120 }), assistantPrefix: prefix }]);
      assert.equal(continued!.text, full!.text.slice(prefix.length), "the result excludes the prefix");
      assert.equal(continued!.finishReason, "stop");
      assert.ok(continued!.promptTokens > full!.promptTokens, "the prefix counts as prompt");
      assert.equal(continued!.completionTokens + (continued!.promptTokens - full!.promptTokens), full!.completionTokens);
    },
  },
  {
    name: "an assistant prefix on a chat prompt follows the template's generation prompt",
    model: "chat",
    async run(backend) {
      const prefix = "Step 1: 3 + 4 = 7";
      const [continued, plain] = await backend.generate([
        { ...greedy(CHAT, { maxTokens: 8 }), assistantPrefix: prefix },
        greedy(CHAT, { maxTokens: 8 }),
      ]);
      assert.equal(continued!.completionTokens, 8);
      assert.notEqual(continued!.text, plain!.text);
      // The same as scoring: the prefixed reply's first generated token is the top-1 after the prefix.
      const [scored] = await backend.score([{ prompt: CHAT, continuation: prefix, topK: 1 }]);
      assert.ok(scored!.promptTokens + scored!.tokens.length <= continued!.promptTokens + 1);
      assert.equal(continued!.promptTokens, scored!.promptTokens + scored!.tokens.length);
    },
  },
  {
    name: "a JSON schema constrains the output (a random model writes valid JSON)",
    model: "chat",
    async run(backend) {
      const responseFormat = { type: "json_schema" as const, name: "verdict", schema: VERDICT_SCHEMA };
      const results = await backend.generate([
        { ...greedy(CHAT, { maxTokens: 160 }), responseFormat },
        { ...greedy("Question: is 3 + 4 = 7?", { maxTokens: 160, temperature: 1, seed: 3 }), responseFormat },
      ]);
      for (const result of results) {
        assert.deepEqual(result.warnings, []);
        assert.equal(result.finishReason, "stop", result.text);
        const value = JSON.parse(result.text) as Record<string, unknown>;
        assert.deepEqual(Object.keys(value).sort(), ["answer", "sure"]);
        assert.ok(["yes", "no"].includes(value.answer as string) && typeof value.sure === "boolean", result.text);
      }
      const [free] = await backend.generate([greedy(CHAT, { maxTokens: 40 })]);
      assert.throws(() => JSON.parse(free!.text), "unconstrained, the random model writes no JSON");
    },
  },
  {
    name: "schema keywords the backend does not enforce are warnings",
    model: "chat",
    async run(backend) {
      const schema = { type: "object", required: ["n"], additionalProperties: false, properties: { n: { type: "integer", minimum: 0 } } };
      const [result] = await backend.generate([{ ...greedy(CHAT, { maxTokens: 60 }), responseFormat: { type: "json_schema", name: "count", schema } }]);
      assert.equal(result!.warnings.length, 1, JSON.stringify(result!.warnings));
      assert.match(result!.warnings[0]!, /minimum/);
    },
  },
];
