/**
 * Public surface of the review UI (`qreason view`): the server on 127.0.0.1 with its session token, and
 * the app it serves (routes, pages, security), for tests and embedding.
 */
export type { ViewServer, ViewServerOptions } from "./server.ts";
export type { Session } from "./security.ts";
export { VIEW_HOST, startViewServer } from "./server.ts";
export { createViewApp } from "./app.ts";
export { TOKEN_FIELD, TOKEN_HEADER, newSessionToken } from "./security.ts";
export { heatLevel, heatPieces } from "./heat.ts";
