/**
 * The generation loop against a scripted Backend (a test double of what it calls, not of the loop): how
 * many requests it keeps in flight, how it batches commits, that it gives up on a dead backend after a
 * few failures, and that Ctrl-C leaves unfinished work pending instead of failed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Backend, GenerateRequest, GenerateResult } from "../backends/index.ts";
import { openRunStore, type RunStore } from "../store/index.ts";
import { generateTasks, type GenerationTask } from "./generate.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-run-generate-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let stores = 0;
const freshStore = (): RunStore => openRunStore(path.join(scratch, `store-${stores++}`));

function tasks(count: number): GenerationTask[] {
  return Array.from({ length: count }, (_, index) => ({
    key: `gen:test:${index}`,
    prompt: `question ${index}`,
    problem: { id: `p${index}`, benchmark: "b", question: `question ${index}`, answer: "1", meta: {} },
    job: {
      model: "m",
      variant: "v",
      variantHash: "variant:test",
      benchmark: "b",
      subset: { benchmark: "b", seed: 0 },
      sampleIndex: 0,
      sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 8, seed: 0, stop: [] },
    },
  }));
}

/** A backend that answers after `delayMs`, failing where `fails` says, and records its peak concurrency. */
function scriptedBackend(options: { delayMs?: number; fails?: (prompt: string) => boolean }): Backend & { calls: number; peak: number } {
  let inFlight = 0;
  const backend = {
    kind: "openai" as const,
    modelId: "scripted",
    version: "scripted 1",
    calls: 0,
    peak: 0,
    async generate(requests: GenerateRequest[], signal?: AbortSignal): Promise<GenerateResult[]> {
      backend.calls++;
      inFlight++;
      backend.peak = Math.max(backend.peak, inFlight);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, options.delayMs ?? 1);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(new Error("aborted"));
          });
        });
        const prompt = String(requests[0]?.prompt);
        if (options.fails?.(prompt)) throw new Error(`cannot answer ${prompt}`);
        return [{ text: `answer to ${prompt}`, finishReason: "stop", promptTokens: 2, completionTokens: 3, warnings: [] }];
      } finally {
        inFlight--;
      }
    },
    async score() {
      return [];
    },
    async close() {},
  };
  return backend;
}

const facts = { backendKind: "openai" as const, backendVersion: "scripted 1" };

test("keeps at most inFlight requests going and stores every outcome", async () => {
  const store = freshStore();
  const backend = scriptedBackend({ delayMs: 3, fails: (prompt) => prompt.endsWith(" 7") });
  const outcome = await generateTasks(tasks(40), backend, store, { ...facts, inFlight: 5 });
  assert.equal(backend.peak, 5);
  assert.equal(backend.calls, 40);
  assert.deepEqual({ generated: outcome.generated, failed: outcome.failed, failedKeys: outcome.failedKeys }, { generated: 39, failed: 1, failedKeys: ["gen:test:7"] });
  const keys = tasks(40).map((task) => task.key);
  assert.deepEqual(store.pending(keys), ["gen:test:7"], "the failure stays pending");
  assert.match(store.failures(keys)[0]?.error ?? "", /cannot answer question 7/);
  assert.equal(store.generations(keys)[0]?.text, "answer to question 0");
  store.close();
});

test("commits in batches: flushSize outcomes per transaction", async () => {
  const store = freshStore();
  const commits: number[] = [];
  const original = store.putGenerations.bind(store);
  store.putGenerations = (records) => {
    commits.push(records.length);
    original(records);
  };
  await generateTasks(tasks(50), scriptedBackend({ delayMs: 0 }), store, { ...facts, inFlight: 50, flushSize: 16, flushMs: 10_000 });
  assert.deepEqual(commits, [16, 16, 16, 2]);
  store.close();
});

test("gives up on a backend that keeps failing, leaving the rest untouched", async () => {
  const store = freshStore();
  const backend = scriptedBackend({ fails: () => true });
  const outcome = await generateTasks(tasks(200), backend, store, { ...facts, inFlight: 4, maxConsecutiveFailures: 10 });
  assert.match(outcome.stopped ?? "", /cannot answer/);
  assert.ok(backend.calls >= 10 && backend.calls <= 13, `stopped after ${backend.calls} calls`);
  assert.equal(store.failures().length, backend.calls, "each attempt that was made is stored as an error");
  assert.equal(store.counts().generations, 0);
  store.close();
});

test("Ctrl-C: requests in flight are dropped, not stored as errors; finished ones are stored", async () => {
  const store = freshStore();
  const controller = new AbortController();
  const backend = scriptedBackend({ delayMs: 20 });
  let seen = 0;
  const outcome = await generateTasks(tasks(100), backend, store, {
    ...facts,
    inFlight: 3,
    signal: controller.signal,
    onOutcome: () => {
      if (++seen === 6) controller.abort();
    },
  });
  assert.equal(outcome.failed, 0);
  assert.equal(store.failures().length, 0);
  assert.equal(store.counts().generations, outcome.generated);
  assert.ok(outcome.generated >= 6 && outcome.generated < 12, `${outcome.generated} stored`);
  store.close();
});

test("a request past its time budget is stored as a timeout error", async () => {
  const store = freshStore();
  const outcome = await generateTasks(tasks(2), scriptedBackend({ delayMs: 500 }), store, { ...facts, inFlight: 2, requestTimeoutMs: 30 });
  assert.equal(outcome.failed, 2);
  assert.match(store.failures()[0]?.error ?? "", /^E_TIMEOUT: no answer within 0.03 s/);
  store.close();
});
