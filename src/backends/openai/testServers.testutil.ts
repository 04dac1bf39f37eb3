/**
 * Real local servers for the openai backend's tests: the engine's own HTTP server on a tiny model, and a
 * scriptable node:http server (replayed recordings, 429s, 500s, silence).
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { onLines } from "../../io/lines.ts";
import { enginePython, projectRoot } from "../../testing/paths.ts";
import type { ChatTemplate } from "./protocol.ts";

/** The chat template of a Hugging Face model directory, as the openai backend's chatTemplate option takes it. */
export async function hfChatTemplate(dir: string): Promise<ChatTemplate | undefined> {
  const config = JSON.parse(await readFile(path.join(dir, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
  const template = await readFile(path.join(dir, "chat_template.jinja"), "utf8").catch(() => config.chat_template);
  if (typeof template !== "string") return undefined;
  return { template, bosToken: config.bos_token as string | undefined, eosToken: config.eos_token as string | undefined };
}

export interface RunningServer {
  /** Base URL with the /v1 prefix. */
  baseUrl: string;
  close(): Promise<void>;
}

/** `qreason-engine serve --http --port 0` on `modelDir`; resolves once it listens. */
export async function startEngineHttpServer(modelDir: string): Promise<RunningServer> {
  const child = spawn(enginePython, ["-m", "qreason_engine.cli", "serve", "--http", "--port", "0", "--quiet", "--model", modelDir], {
    cwd: projectRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    let first = true;
    onLines(child.stdout, (line) => {
      if (first) resolve(line);
      first = false;
    });
    void exited.then(() => reject(new Error(`engine HTTP server exited before listening:\n${stderr}`)));
  });
  const { url } = JSON.parse(firstLine) as { url: string };
  return {
    baseUrl: `${url}/v1`,
    close: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type Responder = (request: ReceivedRequest, response: ServerResponse) => void;

export interface ScriptedServer extends RunningServer {
  received: ReceivedRequest[];
}

/** A loopback server that answers each request with `respond` (after reading its JSON body). */
export async function startScriptedServer(respond: Responder): Promise<ScriptedServer> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const entry = { method: request.method ?? "", path: request.url ?? "", headers: request.headers, body: text ? JSON.parse(text) : undefined };
      received.push(entry);
      respond(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data), ...headers });
  response.end(data);
}
