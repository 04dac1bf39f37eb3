/**
 * What keeps `qreason view` to the person who started it. The server listens on 127.0.0.1 only, and:
 * - a per-session token (printed in the URL) is exchanged once for an HttpOnly, SameSite=Strict cookie;
 *   every request without that cookie is refused (401), so another local user or page cannot read labels;
 * - the Host header must name this server (127.0.0.1 or localhost with its port): a DNS-rebinding page
 *   cannot reach it under another name;
 * - a state-changing request (POST) must also carry the token itself (a form field or the
 *   `X-Qreason-Token` header: a cross-site page cannot know it) and come from this origin (Hono's csrf
 *   middleware: Origin, else Sec-Fetch-Site); cookies alone never write anything, since pages on other
 *   ports of 127.0.0.1 are same-site and would send them;
 * - every response carries a Content-Security-Policy that allows only this server's own script, styles
 *   and forms (no inline script, no external network), and is never cached.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";

export const TOKEN_FIELD = "token";
export const TOKEN_HEADER = "x-qreason-token";

export function newSessionToken(): string {
  return randomBytes(24).toString("base64url");
}

export function sameToken(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== "string") return false;
  const left = Buffer.from(expected);
  const right = Buffer.from(given);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface Session {
  token: string;
  /** The port the server listens on, once known (the Host check and cookie name use it). */
  port: () => number;
}

const cookieName = (session: Session): string => `qreason_view_${session.port()}`;
const allowedOrigins = (session: Session): string[] => [`http://127.0.0.1:${session.port()}`, `http://localhost:${session.port()}`];

/** The headers every response carries: CSP (self only, no inline script), no sniffing, no referrer, no framing. */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with our own form posts.
    referrerPolicy: "same-origin",
    xFrameOptions: "DENY",
    crossOriginResourcePolicy: "same-origin",
    crossOriginOpenerPolicy: "same-origin",
  });
}

function refuse(context: Context, status: 401 | 403 | 421, message: string): Response {
  context.header("cache-control", "no-store");
  return context.text(message, status);
}

/**
 * Host check, then the session: `?token=` in any URL sets the cookie and redirects to the URL without it;
 * a request without the cookie is refused.
 */
export function requireSession(session: Session): MiddlewareHandler {
  return async (context, next) => {
    context.header("cache-control", "no-store");
    const host = context.req.header("host") ?? "";
    if (!allowedOrigins(session).some((origin) => origin === `http://${host}`)) {
      return refuse(context, 421, `qreason view answers as 127.0.0.1:${session.port()} only, not ${host || "(no host)"}`);
    }
    const url = new URL(context.req.url);
    const offered = url.searchParams.get(TOKEN_FIELD);
    if (offered !== null && context.req.method === "GET") {
      if (!sameToken(session.token, offered)) return refuse(context, 403, "wrong session token: open the URL `qreason view` printed");
      setCookie(context, cookieName(session), session.token, { httpOnly: true, sameSite: "Strict", path: "/" });
      url.searchParams.delete(TOKEN_FIELD);
      return context.redirect(`${url.pathname}${url.search}`, 303);
    }
    if (!sameToken(session.token, getCookie(context, cookieName(session)))) {
      return refuse(context, 401, "no session: open the URL `qreason view` printed (it carries this session's token)");
    }
    await next();
  };
}

/** For state-changing requests: same origin (csrf), and the token itself in the form or a header. */
export function requireWriteToken(session: Session): [MiddlewareHandler, MiddlewareHandler] {
  const tokenCheck: MiddlewareHandler = async (context, next) => {
    // csrf() looks at form-like bodies only; any write that names another origin or site is refused here.
    const origin = context.req.header("origin");
    // "null" is an opaque origin (a sandboxed frame, or a page whose referrer policy hides its origin): it
    // passes only with Sec-Fetch-Site: same-origin, which csrf() and the check below then required.
    if (origin !== undefined && origin !== "null" && !allowedOrigins(session).includes(origin)) return refuse(context, 403, `a request from ${origin} cannot write here`);
    if (origin === "null" && context.req.header("sec-fetch-site") !== "same-origin") return refuse(context, 403, "a request of an opaque origin cannot write here");
    const site = context.req.header("sec-fetch-site");
    if (site !== undefined && site !== "same-origin") return refuse(context, 403, `a ${site} request cannot write here`);
    let given = context.req.header(TOKEN_HEADER);
    if (given === undefined) {
      const type = context.req.header("content-type") ?? "";
      if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
        const form = await context.req.parseBody();
        given = typeof form[TOKEN_FIELD] === "string" ? (form[TOKEN_FIELD] as string) : undefined;
      }
    }
    if (!sameToken(session.token, given)) return refuse(context, 403, "this request does not carry the session token: nothing was written");
    await next();
  };
  return [csrf({ origin: (origin) => allowedOrigins(session).includes(origin), secFetchSite: "same-origin" }), tokenCheck];
}
