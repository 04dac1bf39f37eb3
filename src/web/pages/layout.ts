/**
 * The page frame every view shares: head (our own stylesheet and script only: the CSP allows nothing
 * else), the session token for the script's writes, navigation. Templates are Hono's `html` tagged
 * template: every interpolated value is escaped unless it is itself a template result.
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageFrame {
  title: string;
  token: string;
  reviewer: string;
  /** Which navigation entry is current. */
  section: "overview" | "flips" | "audit";
  runName: string;
}

export function layout(frame: PageFrame, body: Html): Html {
  const link = (href: string, section: PageFrame["section"], text: string): Html =>
    html`<a href="${href}"${frame.section === section ? html` aria-current="page"` : ""}>${text}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="qreason-token" content="${frame.token}">
<title>${frame.title} · qreason view</title>
<link rel="stylesheet" href="/static/view.css">
<script src="/static/view.js" defer></script>
</head>
<body>
<header class="top">
<strong class="brand">qreason view</strong> <span class="run">${frame.runName}</span>
<nav>${link("/", "overview", "Run")} ${link("/flips", "flips", "Flips")} ${link("/audit", "audit", "Audit queue")} <a href="/labels.jsonl" download>Export labels</a></nav>
<span class="reviewer">reviewing as <b>${frame.reviewer}</b></span>
</header>
<main>
${body}
</main>
<footer class="keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous flip · <kbd>1</kbd>–<kbd>7</kbd> subtype (saves an override) · <kbd>[</kbd>/<kbd>]</kbd> first error step · <kbd>a</kbd> accept · <kbd>n</kbd> note · <kbd>Enter</kbd> open</footer>
</body>
</html>`;
}

export const percent = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined || !Number.isFinite(value) ? "–" : `${(value * 100).toFixed(digits)}%`);
export const points = (value: number): string => `${value >= 0 ? "" : "−"}${Math.abs(value).toFixed(1)}`;
/** A 0-based segment index as people count steps; -1 is "no error", null "none". */
export const stepName = (step: number | null | undefined): string => (step === null || step === undefined ? "–" : step === -1 ? "no error" : `step ${step + 1}`);
