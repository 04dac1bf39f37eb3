/**
 * Records real judge replies of real local models into src/judge/__fixtures__/recorded-replies.json, for
 * src/judge/replay.test.ts (a loopback OpenAI-compatible server replays them to the endpoint judge).
 *
 * Sources:
 * - `engine-http`: the engine's OpenAI-compatible HTTP server (`qreason-engine serve --http`) on SmolLM2's
 *   Hugging Face directory (the bundled reference model's 512-token context cannot hold a judge prompt);
 *   the response bodies are stored exactly as the server sent them.
 * - `llamacpp`: SmolLM2-135M-Instruct (the GGUF `qreason models fetch smollm2` caches) through the llamacpp
 *   backend; the reply text, finish reason and token counts are the model's, wrapped in the chat-completion
 *   envelope an OpenAI-compatible server sends (node-llama-cpp has no HTTP server of its own).
 *
 * Each case asks one judge question (src/judge/prompt.ts) under settings that tend to produce one kind of
 * reply (schema-enforced JSON, free text with prose before JSON, a reply cut off by the token limit, a
 * refusal under a system turn that asks for one, malformed JSON), and keeps what the model really wrote;
 * `parsed` is what parseVerdict made of it at recording time. Keep fixtures small: explanations are bounded.
 *
 *     npx node scripts/record-judge-replies.ts [--smollm2 MODEL_DIR]   # default $QREASON_MODELS/smollm2-135m-instruct
 */
import { writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import os from "node:os";
import path from "node:path";
import { backends, type Backend, type ChatMessage } from "../src/backends/index.ts";
import { forDecoding, judgeMessages, parseVerdict, verdictResponseFormat, type JudgeInput } from "../src/judge/index.ts";
import { startEngineHttpServer } from "../src/backends/openai/testServers.testutil.ts";
import { projectRoot } from "../src/testing/paths.ts";

export interface RecordedReply {
  name: string;
  source: "engine-http" | "llamacpp";
  model: string;
  input: JudgeInput;
  request: { messages: ChatMessage[]; max_tokens: number; response_format?: unknown };
  /** The chat completion body: engine-http exactly as the server sent it; llamacpp the reply in its envelope. */
  response: { choices: ({ message: { role?: string; content: string }; finish_reason: string } & Record<string, unknown>)[]; usage: { prompt_tokens: number; completion_tokens: number } & Record<string, unknown> } & Record<string, unknown>;
  parsed: { ok: true; step: number } | { ok: false; reason: string };
}

const INPUT: JudgeInput = {
  problem: "A shop sells pencils at 3 dollars each. Ana buys 4 pencils and pays with a 20 dollar bill. How much change does she get?",
  steps: ["Step 1: 4 pencils cost 4 * 3 = 12 dollars.", "Step 2: The change is 20 - 12 = 9 dollars.", "\\boxed{9}"],
};

const REFUSAL_SYSTEM = "You are a cautious assistant. You never grade or review anyone's work; you politely refuse such requests in one sentence.";

interface Setting {
  name: string;
  messages: ChatMessage[];
  maxTokens: number;
  structured: boolean;
}

const settings: Setting[] = [
  { name: "schema-enforced", messages: judgeMessages(INPUT), maxTokens: 160, structured: true },
  { name: "free text", messages: judgeMessages(INPUT), maxTokens: 220, structured: false },
  { name: "cut off by the token limit", messages: judgeMessages(INPUT), maxTokens: 24, structured: true },
  { name: "refusal", messages: [{ role: "system", content: REFUSAL_SYSTEM }, ...judgeMessages(INPUT).slice(1)], maxTokens: 60, structured: false },
];

function envelope(model: string, text: string, finishReason: string, promptTokens: number, completionTokens: number): RecordedReply["response"] {
  return {
    id: "chatcmpl-recorded",
    object: "chat.completion",
    created: 0,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: finishReason }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function parsedOf(text: string): RecordedReply["parsed"] {
  const parsed = parseVerdict(text, INPUT.steps.length);
  return parsed.ok ? { ok: true, step: parsed.value.firstErrorStep } : { ok: false, reason: parsed.reason };
}

async function fromLlamaCpp(gguf: string): Promise<RecordedReply[]> {
  const backend: Backend = await backends.llamacpp.create({ model: gguf, parallel: 1 });
  const out: RecordedReply[] = [];
  try {
    for (const setting of settings) {
      const responseFormat = setting.structured ? forDecoding(verdictResponseFormat(INPUT.steps.length), 200) : undefined;
      const [result] = await backend.generate([{ prompt: setting.messages, sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: setting.maxTokens, seed: 0, stop: [] }, ...(responseFormat ? { responseFormat } : {}) }]);
      if (result === undefined) throw new Error("no result");
      const finish = result.finishReason === "length" ? "length" : "stop";
      out.push({
        name: `smollm2: ${setting.name}`, source: "llamacpp", model: "SmolLM2-135M-Instruct Q4_1", input: INPUT,
        request: { messages: setting.messages, max_tokens: setting.maxTokens, ...(responseFormat ? { response_format: { type: "json_schema", json_schema: { name: responseFormat.name, schema: responseFormat.schema } } } : {}) },
        response: envelope("smollm2-135m-instruct", result.text, finish, result.promptTokens, result.completionTokens),
        parsed: parsedOf(result.text),
      });
      console.error(`recorded smollm2: ${setting.name}: ${JSON.stringify(out.at(-1)?.parsed)}`);
    }
  } finally {
    await backend.close();
  }
  return out;
}

/**
 * POST JSON over node:http with one generous deadline (default 20 min): fetch's undici client gives up after
 * 300 s without response headers, and the engine sends none until the reply is generated, which on a loaded
 * 2-core machine can take longer. One request at a time, so the engine never queues.
 */
function postJson(url: string, body: unknown, timeoutMs = 1_200_000): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = httpRequest(url, { method: "POST", headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        try {
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
        } catch (error) {
          reject(error as Error);
        }
      });
      response.on("error", reject);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`${url}: no reply within ${timeoutMs / 1000} s`)));
    request.on("error", reject);
    request.end(payload);
  });
}

async function fromEngineHttp(hfDir: string): Promise<RecordedReply[]> {
  const server = await startEngineHttpServer(hfDir);
  const out: RecordedReply[] = [];
  try {
    const served = ((await (await fetch(`${server.baseUrl}/models`)).json()) as { data: { id: string }[] }).data[0]?.id ?? "";
    for (const setting of settings.filter((entry) => entry.name !== "refusal")) {
      const responseFormat = setting.structured ? forDecoding(verdictResponseFormat(INPUT.steps.length), 200) : undefined;
      const body = {
        model: served, messages: setting.messages, max_tokens: setting.maxTokens, temperature: 0, seed: 0,
        ...(responseFormat ? { response_format: { type: "json_schema", json_schema: { name: responseFormat.name, schema: responseFormat.schema, strict: true } } } : {}),
      };
      const { status, json: reply } = await postJson(`${server.baseUrl}/chat/completions`, body);
      const json = reply as NonNullable<RecordedReply["response"]>;
      if (status !== 200) throw new Error(`engine HTTP ${status}: ${JSON.stringify(json)}`);
      const text = json.choices[0]?.message.content ?? "";
      out.push({
        name: `smollm2 on the engine's HTTP server: ${setting.name}`, source: "engine-http", model: "SmolLM2-135M-Instruct (HF, dequantized Q4_1)", input: INPUT,
        request: { messages: setting.messages, max_tokens: setting.maxTokens, ...(body.response_format ? { response_format: body.response_format } : {}) },
        response: json, parsed: parsedOf(text),
      });
      console.error(`recorded engine-http: ${setting.name}: ${JSON.stringify(out.at(-1)?.parsed)}`);
    }
  } finally {
    await server.close();
  }
  return out;
}

const flag = process.argv.indexOf("--smollm2");
const modelDir = flag >= 0 ? (process.argv[flag + 1] as string) : path.join(process.env.QREASON_MODELS ?? path.join(os.homedir(), ".cache", "qreason", "models"), "smollm2-135m-instruct");
const replies = [...(await fromLlamaCpp(path.join(modelDir, "model.gguf"))), ...(await fromEngineHttp(path.join(modelDir, "hf")))];
const file = path.join(projectRoot, "src", "judge", "__fixtures__", "recorded-replies.json");
await writeFile(file, `${JSON.stringify({ recordedAt: new Date().toISOString().slice(0, 10), replies }, null, 1)}\n`);
console.error(`wrote ${replies.length} replies to ${file}`);
