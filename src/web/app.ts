/**
 * The review UI's routes (Hono): the run at a glance, the flips list with filters, the audit queue, one
 * flip, the review POST, the labels as JSONL, and the page's own stylesheet and script. Every route passes
 * the session check; the POST also the write checks (security.ts).
 */
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { isQreasonError } from "../errors.ts";
import { buildReportData } from "../report/index.ts";
import { attributedFlips, labelsJsonl, readAttribution, reviewSummary, type FlipFilter, type FlipItem, type RunReview } from "../review/index.ts";
import { verifySteps, segmentSteps } from "../steps/index.ts";
import { filterQuery, flipHref, parseFilter } from "./filters.ts";
import { flipPage } from "./pages/flip.ts";
import { flipsPage } from "./pages/flips.ts";
import { layout, type Html, type PageFrame } from "./pages/layout.ts";
import { overviewPage } from "./pages/overview.ts";
import { requireSession, requireWriteToken, securityHeaders, type Session } from "./security.ts";

const STATIC: Record<string, { file: URL; type: string }> = {
  "view.css": { file: new URL("./static/view.css", import.meta.url), type: "text/css; charset=utf-8" },
  "view.js": { file: new URL("./static/view.js", import.meta.url), type: "text/javascript; charset=utf-8" },
};

export interface ViewAppOptions {
  review: RunReview;
  session: Session;
}

/** Audit queue order: unreviewed first, then by the flips' own order. */
function auditOrder(items: FlipItem[]): FlipItem[] {
  return [...items.filter((item) => !item.reviewed), ...items.filter((item) => item.reviewed)];
}

export function createViewApp(options: ViewAppOptions): Hono {
  const { review, session } = options;
  const app = new Hono();
  const frame = (title: string, section: PageFrame["section"]): PageFrame => ({ title, section, token: session.token, reviewer: review.reviewer, runName: review.record().study.name });
  const page = (title: string, section: PageFrame["section"], body: Html): Html => layout(frame(title, section), body);

  app.use("*", securityHeaders());
  app.use("*", requireSession(session));

  app.get("/static/:name", (context) => {
    const entry = STATIC[context.req.param("name")];
    if (entry === undefined) return context.notFound();
    return context.body(readFileSync(entry.file), 200, { "content-type": entry.type });
  });

  // Browsers ask for one on every page; there is none, and a 404 would be an error in the console.
  app.get("/favicon.ico", (context) => context.body(null, 204));

  app.get("/", (context) => {
    const data = buildReportData(review.store);
    const items = review.items();
    return context.html(
      page(
        "Run",
        "overview",
        overviewPage({ results: data.results, summary: reviewSummary(items), judged: items.some((item) => item.judges !== null), attributed: attributedFlips(review.store) > 0 }),
      ),
    );
  });

  const listData = (filter: FlipFilter, audit: boolean) => {
    const record = review.record();
    const variants = record.variants.filter((variant) => !variant.isBaseline).map((variant) => variant.variant);
    const benchmarks = record.benchmarks.map((benchmark) => benchmark.label);
    const all = review.items(audit ? { ...filter, audit: true } : filter);
    return { items: audit ? auditOrder(all) : all, variants: [...new Set(variants)], benchmarks };
  };

  app.get("/flips", (context) => {
    const filter = parseFilter(context.req.query());
    return context.html(page("Flips", "flips", flipsPage({ title: "Flips", filter, ...listData(filter, false) })));
  });

  app.get("/audit", (context) => {
    const filter = { ...parseFilter(context.req.query()), audit: true };
    return context.html(page("Audit queue", "audit", flipsPage({ title: "Audit queue", filter, audit: true, ...listData(filter, true) })));
  });

  app.get("/flip/:key", (context) => {
    const key = context.req.param("key");
    const filter = parseFilter(context.req.query());
    const found = review.flip(key);
    if (found === undefined) return context.html(page("Not found", "flips", html`<p>No flip with generation key ${key} in this run.</p>`), 404);
    const list = filter.audit ? auditOrder(review.items(filter)) : review.items(filter);
    const index = list.findIndex((item) => item.key === key);
    const neighbour = (offset: number): string | null => {
      const other = index === -1 ? undefined : list[index + offset];
      return other === undefined ? null : flipHref(other.key, filter);
    };
    const fpText = found.baseline?.text ?? "";
    const fpSegments = segmentSteps(fpText);
    const body = flipPage({
      item: found.item,
      filter,
      position: { index: Math.max(0, index), total: list.length, previous: neighbour(-1), next: neighbour(1) },
      fpText,
      variantText: found.variant?.text ?? "",
      fpSegments,
      fpSteps: verifySteps(fpText, fpSegments),
      findings: found.findings,
      attribution: readAttribution(review.store, found.item),
      history: review.store.reviews.history(key),
      token: session.token,
      saved: context.req.query("saved") === "1",
    });
    return context.html(page(found.item.problemId, "flips", body));
  });

  const [sameOrigin, carriesToken] = requireWriteToken(session);
  app.post("/flip/:key/review", sameOrigin, carriesToken, async (context) => {
    const key = context.req.param("key");
    const form = await context.req.parseBody();
    const text = (name: string): string | null => (typeof form[name] === "string" && (form[name] as string).trim() !== "" ? (form[name] as string) : null);
    const stepText = text("firstErrorStep");
    const step = stepText === null ? null : Number(stepText);
    review.review({ key, action: text("action") === "accept" ? "accept" : "override", firstErrorStep: step, category: text("category"), subtype: text("subtype"), note: text("note") });
    const filter = parseFilter(context.req.query());
    const query = filterQuery(filter);
    return context.redirect(`${flipHref(key, filter)}${query === "" ? "?" : "&"}saved=1`, 303);
  });

  app.get("/labels.jsonl", (context) =>
    context.body(labelsJsonl(review), 200, { "content-type": "application/x-ndjson; charset=utf-8", "content-disposition": `attachment; filename="labels.jsonl"` }),
  );

  app.onError((error, context) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (isQreasonError(error)) {
      const status = error.code === "E_NOT_FOUND" ? 404 : error.code === "E_INPUT" || error.code === "E_USAGE" ? 400 : 500;
      return context.text(`qreason: error[${error.code}]: ${error.describe()}`, status);
    }
    console.error(error);
    return context.text("qreason view: internal error (a bug; the terminal that runs `qreason view` has the details)", 500);
  });
  return app;
}
