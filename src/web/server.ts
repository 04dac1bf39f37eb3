/**
 * `qreason view`'s server: the review app on 127.0.0.1 (a chosen port, or one the system picks), with a
 * fresh session token; resolves once it listens, with the URL to open (token included) and a close.
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { QreasonError } from "../errors.ts";
import { RunReview } from "../review/index.ts";
import { openRunDirectory, type RunStore } from "../store/index.ts";
import { createViewApp } from "./app.ts";
import { newSessionToken, TOKEN_FIELD } from "./security.ts";

export const VIEW_HOST = "127.0.0.1";

export interface ViewServerOptions {
  runDirectory: string;
  reviewer: string;
  /** 0 (default): any free port. */
  port?: number;
  auditRate?: number;
}

export interface ViewServer {
  /** The URL to open, with the session token. */
  url: string;
  origin: string;
  port: number;
  token: string;
  store: RunStore;
  close(): Promise<void>;
}

export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new QreasonError("E_USAGE", `port ${options.port} is not a TCP port (0–65535; 0 picks a free one)`, { field: "--port" });
  const store = openRunDirectory(options.runDirectory);
  let server: ServerType | undefined;
  try {
    const review = new RunReview(store, { reviewer: options.reviewer, ...(options.auditRate !== undefined ? { auditRate: options.auditRate } : {}) });
    review.record();
    const token = newSessionToken();
    let bound = 0;
    const app = createViewApp({ review, session: { token, port: () => bound } });
    bound = await new Promise<number>((resolve, reject) => {
      const started = serve({ fetch: app.fetch, hostname: VIEW_HOST, port }, (info) => resolve(info.port));
      server = started;
      started.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          error.code === "EADDRINUSE"
            ? new QreasonError("E_USAGE", `port ${port} on ${VIEW_HOST} is in use; pick another with --port, or leave it out for a free one`, { field: "--port" })
            : error,
        ),
      );
    });
    const origin = `http://${VIEW_HOST}:${bound}`;
    const listening = server as ServerType;
    return {
      url: `${origin}/?${TOKEN_FIELD}=${token}`,
      origin,
      port: (listening.address() as AddressInfo).port,
      token,
      store,
      close: () =>
        new Promise<void>((resolve) => {
          if ("closeAllConnections" in listening) listening.closeAllConnections();
          listening.close(() => {
            store.close();
            resolve();
          });
        }),
    };
  } catch (error) {
    server?.close();
    store.close();
    throw error;
  }
}
