/**
 * `qreason view` on a real demo-style run: the bundled reference model through llama.cpp, fp against Q2_K
 * pure on 30 arith problems, with the attribute stage (src/review/testdata/demoRun.ts, made by `qreason
 * run`), served at the `--port` asked for. In headless Chromium: the overview shows the drop and that attribution
 * is stored; the audit queue lists the seeded sample; the flips list
 * filters by error category; a flip opens with its steps aligned, the markers where the store's
 * `attributions` row puts them (first divergence and first vulnerable step on fp's side, reverse divergence
 * and the unrecoverable step on the variant's), the verifier's refuted claim at the first error, per-token
 * heat on both solutions; the label is overridden with the keyboard, a reload shows it persisted, `qreason
 * labels` exports it. Screenshots go to a temporary directory.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { RunReview, type FlipItem } from "../review/index.ts";
import { makeDemoRun } from "../review/testdata/demoRun.ts";
import { SEGMENTER_VERSION } from "../steps/index.ts";
import { openRunStore } from "../store/index.ts";
import { subtypeInfo, SUBTYPES } from "../taxonomy/index.ts";
import { runQreason } from "../testing/cli.ts";
import { launchChromium, startView, type ViewProcess } from "../testing/viewProcess.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-view-demo-"));
const screenshots = mkdtempSync(path.join(os.tmpdir(), "qreason-view-demo-screens-"));
let runDirectory: string;
let view: ViewProcess | undefined;
let browser: Browser;

interface AttributionRow {
  first_divergence_fp_step: number | null;
  first_vulnerable_fp_step: number | null;
  reverse_divergence_variant_step: number | null;
  unrecoverable_variant_step: number | null;
}

/** The flips, and each one's attribution row as the attribute stage stored it (read here with plain SQL). */
function stored(): { items: FlipItem[]; rows: Map<string, AttributionRow> } {
  const store = openRunStore(runDirectory, { readOnly: true });
  try {
    const items = new RunReview(store, { reviewer: "test" }).items();
    const rows = new Map<string, AttributionRow>();
    for (const item of items) {
      const [row] = store.query<AttributionRow>(
        `SELECT first_divergence_fp_step, first_vulnerable_fp_step, reverse_divergence_variant_step, unrecoverable_variant_step FROM attributions
         WHERE variant_key = ? AND baseline_key = ? AND role = 'flip' AND segmenter = ? ORDER BY id DESC LIMIT 1`,
        item.key, item.baselineKey, SEGMENTER_VERSION,
      );
      if (row) rows.set(item.key, row);
    }
    return { items, rows };
  } finally {
    store.close();
  }
}

/** A port free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

let port: number;
before(async () => {
  runDirectory = await makeDemoRun(scratch);
  port = await freePort();
  view = await startView(runDirectory, ["--reviewer", "dana", "--port", String(port)]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await view?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test("in Chromium on a real attributed run: overview, filter, a flip's aligned steps and marks, heat, keyboard override, reload", { timeout: 300_000 }, async (t) => {
  const { url, origin } = view as ViewProcess;
  assert.equal(origin, `http://127.0.0.1:${port}`, "served on 127.0.0.1 at the --port asked for");
  const { items, rows } = stored();
  assert.ok(items.length >= 1, `the run has flips (${items.length})`);
  assert.equal(rows.size, items.length, "every flip was attributed");

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => void (message.type() === "error" && problems.push(message.text())));
  page.on("pageerror", (error) => problems.push(error.message));

  await page.goto(url);
  await page.waitForURL(`${origin}/`);
  assert.deepEqual(await page.locator("#comparisons tbody tr td:nth-child(3)").allTextContents(), ["fp → Q2_K-pure"]);
  assert.match((await page.locator("main").textContent()) ?? "", /attribution: stored/);
  await page.screenshot({ path: path.join(screenshots, "overview.png"), fullPage: true });

  // The audit queue: the seeded sample (2 % of the flips, at least one), each row saying why it is there.
  const sampled = items.filter((item) => item.audit);
  assert.ok(sampled.length >= 1);
  await page.click('nav a[href="/audit"]');
  await page.waitForURL(`${origin}/audit`);
  assert.deepEqual(await page.locator("#flips tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-key"))), sampled.map((item) => item.key));
  assert.deepEqual(await page.locator("#flips tbody tr .badge.audit").allTextContents(), sampled.map(() => "audit"));

  // Filter by the first flip's error category: the list shows exactly the flips of that category.
  const target = items.find((item) => item.label.category !== null && item.label.firstErrorStep !== null) ?? items[0];
  assert.ok(target && target.label.category !== null, "a flip the verifier labelled");
  const category = target.label.category as string;
  await page.goto(`${origin}/flips`);
  await page.selectOption('select[name="category"]', category);
  await Promise.all([page.waitForURL(new RegExp(`[?&]category=${category}`)), page.click('#filters button[type="submit"]')]);
  const expected = items.filter((item) => item.label.category === category).map((item) => item.key);
  assert.deepEqual(await page.locator("#flips tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-key"))), expected);

  await Promise.all([page.waitForURL(/\/flip\//), page.click(`#flips tr[data-key="${target.key}"] a.open`)]);
  await page.locator("#aligned").waitFor();
  await page.waitForFunction("document.documentElement.dataset.keys === 'ready'");
  const row = rows.get(target.key) as AttributionRow;
  const marked = async (selector: string): Promise<number[]> =>
    page.locator(selector).evaluateAll((marks) => marks.map((mark) => Number(mark.closest("td")?.getAttribute("data-fp-step") ?? mark.closest("td")?.getAttribute("data-step"))));
  const one = (step: number | null): number[] => (step === null ? [] : [step]);
  assert.deepEqual(await marked("td.seg.fp .marker-divergence"), one(row.first_divergence_fp_step), "first divergence where the store has it");
  assert.deepEqual(await marked("td.seg.fp .marker-vulnerable"), one(row.first_vulnerable_fp_step), "first vulnerable step where the store has it");
  assert.deepEqual(await marked("td.seg.variant .marker-divergence"), one(row.reverse_divergence_variant_step));
  assert.deepEqual(await marked("td.seg.variant .marker-vulnerable"), one(row.unrecoverable_variant_step));
  assert.deepEqual(await marked("td.seg.variant .marker-verifier"), [target.verifier.firstErrorStep]);
  assert.ok((await page.locator("td.seg.fp .tok").count()) > 10, "fp's solution is cut into scored tokens");
  assert.ok((await page.locator("td.seg.variant .tok").count()) > 10, "so is the variant's");
  assert.ok((await page.locator("td.seg .tok.diverged").count()) >= 1, "at least one diverging token is outlined");
  assert.ok((await page.locator("td.seg .tok:not(.heat-0)").count()) >= 1, "at least one token is shaded");
  const fpText = (await page.locator("td.seg.fp .text").allTextContents()).join("\n");
  assert.ok(fpText.includes("\\boxed{"), "fp's solution is shown whole, tokens joined back to its text");

  // Move the first error one step with [ or ], then pick a subtype by its number key: saved as an override.
  const step = target.label.firstErrorStep as number;
  const steps = await page.locator("td.seg.variant").count();
  const [key, moved] = step > 0 ? ["[", step - 1] : ["]", step + 1];
  assert.ok(moved < steps);
  await page.keyboard.press(key);
  assert.equal(await page.locator("#step").inputValue(), String(moved));
  const subtype = SUBTYPES.find((info) => info.subtype !== target.label.subtype) ?? SUBTYPES[0];
  assert.ok(subtype);
  await Promise.all([page.waitForURL(/saved=1/), page.keyboard.press(String(subtype.key))]);
  await page.reload();
  await page.locator("#current-label").waitFor();
  assert.equal((await page.locator("#current-label").textContent())?.replace(/\s+/g, " ").trim(), `${subtypeInfo(subtype.subtype).label} · step ${moved + 1} human`);
  assert.equal(await page.locator(`td.seg.variant[data-step="${moved}"] .marker-human`).count(), 1);
  await page.screenshot({ path: path.join(screenshots, "flip.png"), fullPage: true });
  assert.deepEqual(problems, [], "no console errors");
  await context.close();

  const exported = await runQreason(["labels", runDirectory]);
  assert.equal(exported.code, 0, exported.stderr);
  const lines = exported.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(lines.map((line) => [line.generation_key, line.reviewer, line.action, line.first_error_step, line.subtype]), [[target.key, "dana", "override", moved, subtype.subtype]]);

  for (const name of ["overview.png", "flip.png"]) {
    const file = path.join(screenshots, name);
    assert.ok(statSync(file).size > 10_000, `${file} is a real screenshot`);
    t.diagnostic(`screenshot: ${file}`);
  }
});
