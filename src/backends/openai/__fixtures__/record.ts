/**
 * Records real responses of the engine's OpenAI-compatible HTTP server: on a tiny random llama into
 * engine-tiny-llama.json (replay.test.ts), and every conformance case (../../conformance.testutil.ts) on
 * its model into conformance-<model>.json (the replay harness of conformance.test.ts). Re-run after
 * changing the request bodies the openai backend sends or the engine's response format:
 *
 *     npx node src/backends/openai/__fixtures__/record.ts
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { projectRoot } from "../../../testing/paths.ts";
import { tinyHfModel } from "../../../testing/tinyModels.ts";
import { CONFORMANCE_CASES, type ConformanceModel } from "../../conformance.testutil.ts";
import type { GenerateRequest, ScoreRequest } from "../../types.ts";
import { createOpenAIBackend, type ChatTemplate, type FetchFunction } from "../index.ts";
import { hfChatTemplate, startEngineHttpServer } from "../testServers.testutil.ts";

export interface Exchange {
  method: string;
  path: string;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

export type RecordedCase =
  | { name: string; kind: "generate"; request: GenerateRequest; exchanges: Exchange[] }
  | { name: string; kind: "score"; request: ScoreRequest; exchanges: Exchange[] };

export interface Recording {
  recordedWith: string;
  modelsExchange: Exchange;
  cases: RecordedCase[];
}

/** Every exchange of the conformance cases of one model, and the chat template the backend was given. */
export interface ConformanceRecording {
  recordedWith: string;
  chatTemplate?: ChatTemplate;
  exchanges: Exchange[];
}

/** A fetch that appends every exchange to `into`. */
function recordingFetch(into: Exchange[]): FetchFunction {
  return async (url, init) => {
    const response = await fetch(url, init);
    const text = await response.clone().text();
    into.push({
      method: init.method ?? "GET",
      path: new URL(url).pathname,
      requestBody: typeof init.body === "string" ? JSON.parse(init.body) : null,
      status: response.status,
      responseBody: JSON.parse(text),
    });
    return response;
  };
}

async function recordConformance(model: ConformanceModel): Promise<void> {
  const dir = model === "reference" ? path.join(projectRoot, "models", "reference", "hf") : await tinyHfModel("llama");
  const server = await startEngineHttpServer(dir);
  const exchanges: Exchange[] = [];
  try {
    const chatTemplate = await hfChatTemplate(dir);
    const backend = await createOpenAIBackend({ baseUrls: [server.baseUrl], fetch: recordingFetch(exchanges), maxRetries: 0, chatTemplate });
    for (const entry of CONFORMANCE_CASES.filter((item) => item.model === model)) await entry.run(backend);
    const recording: ConformanceRecording = {
      recordedWith: `qreason-engine serve --http on ${model === "reference" ? "models/reference/hf" : "the tiny random llama of src/testing/tinyModels.ts"}`,
      chatTemplate,
      exchanges,
    };
    const target = path.join(import.meta.dirname, `conformance-${model}.json`);
    await writeFile(target, JSON.stringify(recording, null, 1) + "\n");
    console.log(`wrote ${exchanges.length} exchanges to ${target}`);
  } finally {
    await server.close();
  }
}

const GREEDY = { temperature: 0, topP: 1, topK: 0, maxTokens: 8, seed: 0, stop: [] };

async function main(): Promise<void> {
  const server = await startEngineHttpServer(await tinyHfModel("llama"));
  const exchanges: Exchange[] = [];
  try {
    const backend = await createOpenAIBackend({ baseUrls: [server.baseUrl], fetch: recordingFetch(exchanges), maxRetries: 0 });
    const modelsExchange = exchanges[0]!;
    const cases: RecordedCase[] = [];
    const take = () => exchanges.splice(0, exchanges.length);
    take();
    const generate = async (name: string, request: GenerateRequest) => {
      await backend.generate([request]).catch(() => undefined); // errors are recorded too
      cases.push({ name, kind: "generate", request, exchanges: take() });
    };

    await generate("raw prompt, greedy", { prompt: "Question: What is 12 * 7? Answer:", sampling: { ...GREEDY } });
    // A stop string the model is known to produce: taken from its own unconstrained sample.
    const sampling = { temperature: 0.8, topP: 0.9, topK: 20, maxTokens: 16, seed: 7, stop: [] as string[] };
    const [free] = await backend.generate([{ prompt: "Step 1: Tom has 3 apples", sampling }]);
    take();
    const stop = free!.text.slice(3).match(/[A-Za-z0-9]{2}/)?.[0];
    if (!stop) throw new Error(`no ASCII pair to stop at in ${JSON.stringify(free!.text)}`);
    await generate("raw prompt, sampled, stop string", { prompt: "Step 1: Tom has 3 apples", sampling: { ...sampling, stop: [stop] } });
    await generate("chat, greedy", {
      prompt: [
        { role: "system", content: "You solve arithmetic." },
        { role: "user", content: "What is 3 + 4?" },
      ],
      sampling: { ...GREEDY, maxTokens: 6 },
    });
    await generate("invalid top_p is a 400", { prompt: "x", sampling: { ...GREEDY, topP: 0 } });
    const scoreRequest: ScoreRequest = { prompt: "Question: What is 12 * 7?", continuation: " Answer: 84", topK: 3 };
    await backend.score([scoreRequest]);
    cases.push({ name: "score", kind: "score", request: scoreRequest, exchanges: take() });

    const recording: Recording = {
      recordedWith: "qreason-engine serve --http on the tiny random llama of src/testing/tinyModels.ts",
      modelsExchange,
      cases,
    };
    const target = path.join(import.meta.dirname, "engine-tiny-llama.json");
    await writeFile(target, JSON.stringify(recording, null, 2) + "\n");
    console.log(`wrote ${cases.length} cases to ${target}`);
  } finally {
    await server.close();
  }
}

if (import.meta.main) {
  await main();
  for (const model of ["reference", "chat"] as const) await recordConformance(model);
}
