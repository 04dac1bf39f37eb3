/**
 * `qreason view` end to end, on a real small run directory (runStudy against the loopback model, with an
 * XSS payload in one question and in one variant's solution): the CLI prints its URL with the session
 * token; requests without the session, with a wrong token, under another Host, or writes without the
 * token or from another origin are refused and store nothing; in headless Chromium (Debian's, through
 * playwright-core) the run overview shows the drops, the flips list filters by variant, the XSS flip opens
 * with the payload shown as text and nothing of it executed, a label is overridden with the keyboard
 * (] moves the first error step, 4 picks a subtype and saves), a reload shows it persisted, j walks to the
 * next flip, a cross-site page cannot write a label; screenshots go to a temporary directory. Then
 * `qreason labels` exports the label and `qreason report` shows the human-vs-verifier agreement.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { RunReview } from "../review/index.ts";
import { makeFlipsRun } from "../review/testdata/flipsRun.ts";
import { openRunStore } from "../store/index.ts";
import { runQreason } from "../testing/cli.ts";
import { projectRoot } from "../testing/paths.ts";

const QUESTION_PAYLOAD = `<img src=x onerror="window.__xss='question'">`;
const OUTPUT_PAYLOAD = `<script>window.__xss='script'</script><img src=x onerror="window.__xss='output'">`;
const XSS_OUTPUT = `Step 1: Add them: 5 + 6 = 12. ${OUTPUT_PAYLOAD}\nStep 2: Check: 12 - 6 = 6.\n\\boxed{12}`;

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-view-"));
const screenshots = mkdtempSync(path.join(os.tmpdir(), "qreason-view-screens-"));
let runDirectory: string;
let child: ChildProcess;
let url: string;
let origin: string;
let browser: Browser;

function flipsOf(variant?: string) {
  const store = openRunStore(runDirectory, { readOnly: true });
  try {
    return new RunReview(store, { reviewer: "test" }).items(variant ? { variant } : {});
  } finally {
    store.close();
  }
}

function reviewsOf(key?: string) {
  const store = openRunStore(runDirectory, { readOnly: true });
  try {
    return store.reviews.all().filter((review) => key === undefined || review.generationKey === key);
  } finally {
    store.close();
  }
}

/** Starts `qreason view` and resolves with the URL it prints; rejects if it exits first. */
function startView(): Promise<string> {
  child = spawn(process.execPath, [path.join(projectRoot, "bin", "qreason.js"), "view", runDirectory, "--reviewer", "alice"], { env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match) resolve(match[1] as string);
    });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`qreason view exited (${code}) before printing its URL:\n${output}`)));
  });
}

before(async () => {
  runDirectory = await makeFlipsRun(scratch, {
    extra: [{ id: "xss", question: `What is 5 + 6? ${QUESTION_PAYLOAD}`, answer: "11" }],
    override: (model, prompt) => (model === "q4" && prompt.includes("What is 5 + 6?") ? XSS_OUTPUT : undefined),
  });
  url = await startView();
  origin = new URL(url).origin;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  rmSync(scratch, { recursive: true, force: true });
});

function rawGet(pathname: string, host: string): Promise<number> {
  const target = new URL(pathname, origin);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: target.hostname, port: target.port, path: target.pathname, headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

test("requests without the session or the token are refused, and write nothing", { timeout: 120_000 }, async () => {
  assert.equal((await fetch(`${origin}/`)).status, 401, "no session cookie");
  assert.equal((await fetch(`${origin}/flips`)).status, 401);
  assert.equal((await fetch(`${origin}/?token=wrong`, { redirect: "manual" })).status, 403, "a wrong token");
  assert.equal(await rawGet("/", "evil.example:80"), 421, "another Host (DNS rebinding)");

  const exchange = await fetch(url, { redirect: "manual" });
  assert.equal(exchange.status, 303);
  const cookie = (exchange.headers.get("set-cookie") ?? "").split(";")[0] as string;
  assert.match(cookie, /^qreason_view_\d+=/);
  assert.match(exchange.headers.get("set-cookie") ?? "", /HttpOnly; SameSite=Strict/);
  const page = await fetch(`${origin}/`, { headers: { cookie } });
  assert.equal(page.status, 200);
  const policy = page.headers.get("content-security-policy") ?? "";
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'self'/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:/);

  const key = flipsOf()[0]?.key as string;
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${origin}/flip/${encodeURIComponent(key)}/review`, { method: "POST", redirect: "manual", body, headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers } });
  const token = new URL(url).searchParams.get("token") as string;
  assert.equal((await post("action=accept", { origin })).status, 403, "a write without the token");
  assert.equal((await post("action=accept&token=guess", { origin })).status, 403, "a wrong token");
  assert.equal((await post(`action=accept&token=${token}`, { origin: "http://127.0.0.1:9" })).status, 403, "the token from another origin");
  assert.equal((await post(`action=accept&token=${token}`, { origin, "sec-fetch-site": "same-site" })).status, 403, "a same-site (another port) request");
  assert.equal((await post("action=accept", {})).status, 403, "no origin at all, and no token");
  assert.deepEqual(reviewsOf(), [], "nothing was written");
});

async function watch(page: Page): Promise<{ problems: string[]; requests: string[] }> {
  const seen = { problems: [] as string[], requests: [] as string[] };
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") seen.problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => seen.problems.push(`page error: ${error.message}`));
  page.on("dialog", (dialog) => {
    seen.problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("request", (outgoing) => seen.requests.push(outgoing.url()));
  return seen;
}

test("in Chromium: overview, filter, open the XSS flip, override with the keyboard, reload, j; a cross-site page cannot write", { timeout: 240_000 }, async (t) => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const seen = await watch(page);

  await page.goto(url);
  await page.waitForURL(`${origin}/`);
  await page.locator("#comparisons tbody tr").first().waitFor();
  assert.deepEqual(await page.locator("#comparisons tbody tr td:nth-child(3)").allTextContents(), ["fp → q8", "fp → q4"]);
  await page.screenshot({ path: path.join(screenshots, "overview.png"), fullPage: true });

  await page.click('nav a[href="/flips"]');
  await page.waitForURL(`${origin}/flips`);
  const q4 = flipsOf("q4");
  assert.ok(q4.length >= 2 && q4.length < flipsOf().length, `q4 has some of the flips (${q4.length} of ${flipsOf().length})`);
  await page.selectOption('select[name="variant"]', "q4");
  await Promise.all([page.waitForURL(/[?&]variant=q4/), page.click('#filters button[type="submit"]')]);
  await page.locator("#flips tbody tr").first().waitFor();
  assert.deepEqual(await page.locator("#flips tbody tr td:first-child").allTextContents(), q4.map(() => "q4"));
  assert.equal(await page.locator("#count").textContent(), `${q4.length} flips`);

  const xss = q4.find((item) => item.problemId === "sums/xss");
  assert.ok(xss, "the payload's flip is among q4's");
  await Promise.all([page.waitForURL(/\/flip\//), page.click('#flips a.open:text-is("sums/xss")')]);
  await page.locator("#aligned").waitFor();
  await page.waitForFunction("document.documentElement.dataset.keys === 'ready'");
  assert.ok((await page.locator(".question").textContent())?.includes(QUESTION_PAYLOAD), "the question's payload is shown as text");
  const variantCells = await page.locator("td.seg.variant .text").allTextContents();
  assert.ok(variantCells.some((text) => text.includes(OUTPUT_PAYLOAD)), `the output's payload is shown as text: ${JSON.stringify(variantCells)}`);
  assert.equal(await page.locator("main img, main script").count(), 0, "no element of the payload exists");
  assert.equal(await page.evaluate("window.__xss ?? null"), null, "no payload ran");
  assert.equal(await page.locator('td.seg.variant[data-step="0"] .marker-verifier').count(), 1, "the verifier's first error is step 1 (5 + 6 = 12)");
  assert.equal(await page.locator('td.seg.variant[data-step="0"] .check-refuted').count(), 1);
  assert.equal(await page.locator('td.seg.fp[data-fp-step="0"] .check-verified').count(), 1, "fp's step 1 verified");
  assert.equal(await page.locator("#step").inputValue(), "0", "the proposal's step is selected");

  await page.keyboard.press("]");
  assert.equal(await page.locator("#step").inputValue(), "1");
  assert.equal(await page.locator('td.seg.variant.selected[data-step="1"]').count(), 1);
  await Promise.all([page.waitForURL(/saved=1/), page.keyboard.press("4")]);
  await page.locator("#saved").waitFor();
  await page.reload();
  await page.locator("#current-label").waitFor();
  assert.equal((await page.locator("#current-label").textContent())?.replace(/\s+/g, " ").trim(), "Formula / rule error · step 2 human");
  assert.equal(await page.locator('td.seg.variant[data-step="1"] .marker-human').count(), 1);
  await page.screenshot({ path: path.join(screenshots, "flip.png"), fullPage: true });
  const [stored] = reviewsOf(xss.key);
  assert.deepEqual(
    stored && { reviewer: stored.reviewer, action: stored.action, step: stored.firstErrorStep, category: stored.category, subtype: stored.subtype, proposal: stored.proposal?.source },
    { reviewer: "alice", action: "override", step: 1, category: "method", subtype: "formula_rule_error", proposal: "verifier" },
  );

  const neighbour = (await page.locator("#next").count()) > 0 ? { key: "j", id: "#next" } : { key: "k", id: "#prev" };
  const href = new URL((await page.locator(neighbour.id).getAttribute("href")) as string, origin).href;
  await Promise.all([page.waitForURL(href), page.keyboard.press(neighbour.key)]);
  assert.match(page.url(), /variant=q4/, "j/k walk the filtered list");

  await page.goto(`${origin}/flips?reviewed=yes`);
  await page.locator("#count").waitFor();
  assert.deepEqual(await page.locator("#flips tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-key"))), [xss.key]);
  await page.waitForFunction("document.documentElement.dataset.keys === 'ready'");
  await page.keyboard.press("j");
  await page.locator("#flips tbody tr.cursor").waitFor();
  await Promise.all([page.waitForURL(/\/flip\/.*reviewed=yes/), page.keyboard.press("Enter")]);
  assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/flip/${xss.key}`, "j then Enter opens the row under the cursor");
  assert.deepEqual(seen.problems, [], "no console errors, no dialogs");
  assert.deepEqual([...new Set(seen.requests.map((address) => new URL(address).origin))], [origin], "nothing but the view server was asked");
  assert.equal(seen.requests.some((address) => new URL(address).pathname.endsWith("/x")), false, "the payload's image was never requested");

  // A page of another origin (another port of 127.0.0.1: same-site, so the cookie goes along) posts a label.
  const target = `${origin}/flip/${encodeURIComponent(xss.key)}/review`;
  const evil: Server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end(`<form id="f" method="post" action="${target}"><input name="action" value="accept"><input name="token" value="guess"></form>
<script>fetch(${JSON.stringify(target)}, { method: "POST", mode: "no-cors", credentials: "include", body: "action=accept" }).finally(() => document.getElementById("f").submit());</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
  try {
    const attacker = await context.newPage();
    const refused = attacker.waitForResponse((response) => response.url() === target && response.request().resourceType() === "document");
    await attacker.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    assert.equal((await refused).status(), 403);
    await attacker.close();
  } finally {
    evil.closeAllConnections();
    await new Promise((resolve) => evil.close(resolve));
  }
  assert.equal(reviewsOf().length, 1, "the cross-site page wrote nothing");
  await context.close();

  for (const name of ["overview.png", "flip.png"]) {
    const file = path.join(screenshots, name);
    assert.ok(statSync(file).size > 10_000, `${file} is a real screenshot`);
    t.diagnostic(`screenshot: ${file}`);
  }
});

test("qreason labels exports the label; qreason report shows the human-vs-verifier agreement", { timeout: 240_000 }, async () => {
  const exported = await runQreason(["labels", runDirectory]);
  assert.equal(exported.code, 0, exported.stderr);
  const lines = exported.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 1);
  assert.deepEqual([lines[0]?.problem_id, lines[0]?.variant, lines[0]?.reviewer, lines[0]?.first_error_step, lines[0]?.subtype], ["sums/xss", "q4", "alice", 1, "formula_rule_error"]);

  const report = await runQreason(["report", runDirectory]);
  assert.equal(report.code, 0, report.stderr);
  const summary = readFileSync(path.join(runDirectory, "summary.md"), "utf8");
  assert.match(summary, /## Human review/);
  assert.match(summary, new RegExp(`1 of ${flipsOf().length} flips reviewed in \`qreason view\` \\(0 accepted, 1 overridden\\) by alice`));
  assert.match(summary, /\| step verifier \| 1 \| 0\/1 \(0%\) \| 0\/1 \(0%\) \| 0\/1 \(0%\) \|/, "the person moved the step and changed the subtype");
  const results = JSON.parse(readFileSync(path.join(runDirectory, "results.json"), "utf8")) as { review: { reviewed: number } };
  assert.equal(results.review.reviewed, 1);
});

test("usage errors say what is wrong, without a stack: no run directory, a bad or busy port", { timeout: 120_000 }, async () => {
  const missing = await runQreason(["view", path.join(scratch, "nothing-here")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error\[E_NOT_FOUND\]: .*not a run directory/);
  const badPort = await runQreason(["view", runDirectory, "--port", "http"]);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /error\[E_USAGE\]: field '--port'/);
  const busy: Server = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  try {
    const taken = await runQreason(["view", runDirectory, "--port", String((busy.address() as AddressInfo).port)]);
    assert.equal(taken.code, 2, taken.stderr);
    assert.match(taken.stderr, /is in use; pick another with --port/);
    assert.doesNotMatch(`${missing.stderr}${badPort.stderr}${taken.stderr}`, /\n\s+at /, "no stack trace");
  } finally {
    await new Promise((resolve) => busy.close(resolve));
  }
});
