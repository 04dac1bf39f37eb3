/**
 * Test support: a loopback OpenAI-compatible server that plays a deterministic "model", and the JSONL
 * benchmark it can answer. Questions are "What is A + B?"; the model named `reference` always answers
 * right, others answer wrong on a fixed share of problems (and drop the boxed answer on some), so a study
 * has real flips. Requests are counted; answers can be delayed, and chosen prompts refused.
 */
import { writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackOptions {
  /** Delay before each answer, in ms. */
  delayMs?: number;
  /** Answer 400 (not retried) when this returns true for the prompt text. */
  refuse?: (prompt: string) => boolean;
  /** A text to answer instead of the model's own (e.g. an XSS payload), or undefined. */
  override?: (model: string, prompt: string) => string | undefined;
  /** The finish reason to report (default "stop"); "length" plays an answer cut at max_tokens. */
  finishReason?: (model: string, prompt: string) => "stop" | "length";
}

export interface LoopbackServer {
  baseUrl: string;
  /** Generation requests received (asked), answered (200) and refused (4xx). */
  received: number;
  answered: number;
  refused: number;
  /** Resolves once every request received has been replied to (even to a client that has gone). */
  settled(): Promise<void>;
  options: LoopbackOptions;
  close(): Promise<void>;
}

/** The "model": answers A + B, wrong on some problems unless it is the reference. */
export function answer(model: string, prompt: string): string {
  const match = /What is (\d+) \+ (\d+)\?(?![\s\S]*What is)/.exec(prompt);
  if (match === null) return "I do not know.";
  const left = Number(match[1]);
  const right = Number(match[2]);
  const modelHash = [...model].reduce((sum, character) => (sum * 31 + character.charCodeAt(0)) % 1009, 0);
  const hash = (left * 31 + right * 7 + modelHash * 13) % 10;
  const wrong = model !== "reference" && hash < 3;
  const sum = left + right + (wrong ? 1 : 0);
  const boxed = !(model !== "reference" && hash === 9);
  return `Step 1: Add the numbers: ${left} + ${right} = ${sum}.\n${boxed ? `\\boxed{${sum}}` : `So it is about ${sum}`}`;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

export async function startLoopback(options: LoopbackOptions = {}): Promise<LoopbackServer> {
  const state = { received: 0, answered: 0, refused: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = request.url ?? "";
      if (request.method === "GET" && url.endsWith("/models")) {
        send(response, 200, { object: "list", data: [{ id: "reference", object: "model" }] });
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { model?: string; prompt?: string; messages?: { content: string }[] };
      state.received++;
      const prompt = body.prompt ?? (body.messages ?? []).map((message) => message.content).join("\n");
      const reply = (): void => {
        if (options.refuse?.(prompt)) {
          state.refused++;
          send(response, 400, { error: { message: "refused by the test server", type: "invalid_request_error" } });
          return;
        }
        state.answered++;
        const text = options.override?.(body.model ?? "", prompt) ?? answer(body.model ?? "", prompt);
        const finishReason = options.finishReason?.(body.model ?? "", prompt) ?? "stop";
        const usage = { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: Math.ceil(text.length / 4), total_tokens: 0 };
        if (url.endsWith("/chat/completions")) {
          send(response, 200, { id: "x", object: "chat.completion", created: 0, model: body.model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: finishReason }], usage });
        } else {
          send(response, 200, { id: "x", object: "text_completion", created: 0, model: body.model, choices: [{ index: 0, text, finish_reason: finishReason }], usage });
        }
      };
      if (options.delayMs) setTimeout(reply, options.delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const loopback: LoopbackServer = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get received() {
      return state.received;
    },
    settled: async () => {
      while (state.answered + state.refused < state.received) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    get answered() {
      return state.answered;
    },
    get refused() {
      return state.refused;
    },
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return loopback;
}

/** Writes `count` problems "What is A + B?" (seeded, distinct) as a JSONL benchmark file. */
export function writeSumsBenchmark(file: string, count: number, extra: { id: string; question: string; answer: string }[] = []): void {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const left = 10 + ((index * 7919) % 890);
    const right = 10 + ((index * 104729) % 890);
    lines.push(JSON.stringify({ id: `sum-${index}`, question: `What is ${left} + ${right}?`, answer: String(left + right) }));
  }
  for (const item of extra) lines.push(JSON.stringify(item));
  writeFileSync(file, `${lines.join("\n")}\n`);
}

/** A study of the sums benchmark on loopback endpoints: `reference` as fp, and named endpoint variants. */
export function sumsStudy(options: { baseUrl: string; benchmarkFile: string; variants: string[]; size?: number; concurrency?: number; name?: string; n?: number }): string {
  const variants = options.variants.map((model) => `      - { name: ${model}, endpoint: { base_url: "${options.baseUrl}", model: ${model} } }`).join("\n");
  return `name: ${options.name ?? "sums"}
seed: 0
models:
  - name: loop
    endpoint: { base_url: "${options.baseUrl}", model: reference }
    variants:
${variants}
benchmarks:
  - file: ${JSON.stringify(options.benchmarkFile)}
    label: sums
${options.size !== undefined ? `    size: ${options.size}\n` : ""}prompt:
  template: question-answer
sampling:
  temperature: ${options.n !== undefined && options.n > 1 ? 0.7 : 0}
  max_tokens: 64
${options.n !== undefined ? `  n: ${options.n}\n` : ""}runtime:
  concurrency: ${options.concurrency ?? 8}
  retries: 0
  timeout_s: 30
`;
}
