/**
 * Reports of a real run (openai backend on a loopback model) whose outputs and problems carry HTML and
 * script payloads: every file is written, the numbers agree with the store, model output and problem text
 * appear only as escaped text, and report.html — checked once in a real headless Chromium from file:// —
 * renders its SVG charts with no console error, no script, no network, and links every flip to its
 * side-by-side outputs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { benchmarkNames } from "../data/index.ts";
import { readRunRecord, runStudy } from "../run/index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark, type LoopbackServer } from "../run/testdata/loopback.ts";
import { openRunStore } from "../store/index.ts";
import { loadStudy } from "../study/index.ts";
import { enginePython, projectRoot, sharedDataDir } from "../testing/paths.ts";
import { writeReports, type WrittenReport } from "./index.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-report-"));
const runDirectory = path.join(scratch, "run");
const OUTPUT_PAYLOAD = `</pre><script>alert("output")</script><img src=x onerror=alert(1)>`;
const QUESTION_PAYLOAD = "What is 1000 + 2? <svg onload=alert(2)></svg>";
let loopback: LoopbackServer;
let report: WrittenReport;

before(async () => {
  loopback = await startLoopback({
    override: (model, prompt) => {
      if (model !== "q4") return undefined;
      if (prompt.includes("What is 1000 + 1?")) return `Step 1: ${OUTPUT_PAYLOAD}`;
      if (prompt.includes("<svg")) return "\\boxed{0}";
      return undefined;
    },
  });
  const benchmarkFile = path.join(scratch, "sums.jsonl");
  writeSumsBenchmark(benchmarkFile, 40, [
    { id: "payload-output", question: "What is 1000 + 1?", answer: "1001" },
    { id: "payload-question", question: QUESTION_PAYLOAD, answer: "1002" },
  ]);
  const studyFile = path.join(scratch, "study.yaml");
  writeFileSync(studyFile, sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q8", "q4"], name: "payloads" }));
  const study = await loadStudy(studyFile, { known: { benchmarks: benchmarkNames() } });
  await runStudy({ study, runDirectory, dataDir: sharedDataDir, python: enginePython, projectRoot, qreasonVersion: "test" });
  report = await writeReports(runDirectory, { bootstrapResamples: 2000 });
});

after(async () => {
  await loopback.close();
  if (!process.env.KEEP) rmSync(scratch, { recursive: true, force: true });
});

test("results.json agrees with the store", () => {
  const results = JSON.parse(readFileSync(report.files.results, "utf8")) as WrittenReport["results"];
  const record = readRunRecord(runDirectory);
  const store = openRunStore(runDirectory, { readOnly: true });
  try {
    for (const cell of record.cells) {
      const graded = store.gradedSamples(cell.keys, record.grader ?? "");
      const correct = graded.filter((sample) => sample.status === "correct").length;
      const result = results.cells.find((entry) => entry.variant === cell.variant);
      assert.equal(result?.accuracy.problems, 42);
      assert.equal(result?.statuses.correct, correct);
      assert.equal(result?.accuracy.score, correct / 42);
    }
  } finally {
    store.close();
  }
  const q4 = results.comparisons.find((entry) => entry.variant === "q4");
  const flipped = new Set(q4?.comparison.flips.map((flip) => flip.problemId));
  assert.ok(flipped.has("sums/payload-output") && flipped.has("sums/payload-question"), "both payload problems are flips");
  assert.notEqual(q4?.comparison.flips.find((flip) => flip.problemId === "sums/payload-output")?.variantStatus, "correct");
  assert.equal(results.variants.length, 3);
  for (const variant of results.variants) {
    assert.equal(variant.modelIdentity, variant.variant === "fp" ? "reference" : variant.variant);
    assert.equal((variant.provenance as { backend: { kind: string } }).backend.kind, "openai");
    assert.equal((variant.provenance as { prompt: { template: string } }).prompt.template, "question-answer");
  }
});

test("report.html holds model output and problem text only as escaped text", () => {
  const page = readFileSync(report.files.html, "utf8");
  assert.ok(!page.includes("<script"), "no script element at all");
  assert.ok(!page.includes("<img"), "the payload's img was escaped");
  assert.ok(!page.includes("<svg onload"), "the question's svg was escaped");
  assert.ok(page.includes("&lt;/pre&gt;&lt;script&gt;alert(&quot;output&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
  assert.ok(page.includes("What is 1000 + 2? &lt;svg onload=alert(2)&gt;&lt;/svg&gt;"));
  assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
  assert.ok(!/(src|href)="(https?:)?\/\//.test(page), "nothing is fetched from a network");
  const links = [...page.matchAll(/href="#(problem-[^"]+)"/g)].map((match) => match[1]);
  assert.ok(links.length >= 2);
  for (const anchor of links) assert.ok(page.includes(`id="${anchor}"`), `flip link #${anchor} has its target`);
});

test("summary.md and generations.jsonl", () => {
  const summary = readFileSync(report.files.markdown, "utf8");
  assert.match(summary, /^# payloads$/m);
  assert.match(summary, /\| variant \| score \| Δ pts \| Δ rel \| flips \/ rescues \| McNemar p \| format failures \| graded \/ planned \|/);
  assert.match(summary, /^\| fp \| 100\.0 \[/m);
  const lines = readFileSync(report.files.generations, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 126);
  const payload = lines.find((line) => line.variant === "q4" && line.problem_id === "sums/payload-output");
  assert.equal(payload?.text, `Step 1: ${OUTPUT_PAYLOAD}`, "JSONL keeps the output as data, unescaped");
  assert.ok(payload?.grade === "wrong" || payload?.grade === "no_answer", String(payload?.grade));
  assert.equal(payload?.gold, "1001");
  assert.equal(payload?.prompt, "Question: What is 1000 + 1?\nAnswer:");
});

test("ifChanged leaves up-to-date report files alone, and rewrites them once the store changes", async () => {
  const stamp = statSync(report.files.html).mtimeMs;
  const again = await writeReports(runDirectory, { bootstrapResamples: 2000, ifChanged: true });
  assert.equal(again.unchanged, true);
  assert.equal(statSync(report.files.html).mtimeMs, stamp);
  assert.deepEqual(again.results.cells, report.results.cells);
  const store = openRunStore(runDirectory);
  const key = readRunRecord(runDirectory).cells[0]?.keys[0] as string;
  store.putGrades([{ generationKey: key, grader: "another-grader/v1", status: "wrong", extracted: null }]);
  store.close();
  assert.equal((await writeReports(runDirectory, { bootstrapResamples: 2000, ifChanged: true })).unchanged, false);
});

test("report.html in headless Chromium: charts render, no errors, no script runs", { timeout: 60_000 }, async (t) => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`file://${report.files.html}`, { waitUntil: "load" });
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [`file://${report.files.html}`], "the page loads nothing else");
    const charts = page.locator("svg.marks");
    assert.ok((await charts.count()) >= 3, "accuracy and length charts are inline SVG");
    const box = await charts.first().boundingBox();
    assert.ok(box !== null && box.width > 200 && box.height > 60, `the accuracy chart has a size: ${JSON.stringify(box)}`);
    assert.equal(await page.locator("script, img, main svg[onload]").count(), 0);
    const shown = await page.locator("#problem-loop--sums--sums-payload-output pre").allTextContents();
    assert.ok(shown.some((text) => text.includes(OUTPUT_PAYLOAD)), "the payload is shown as text");
    const screenshot = path.join(os.tmpdir(), "qreason-report-screenshot.png");
    await page.screenshot({ path: screenshot, fullPage: false });
    t.diagnostic(`screenshot: ${screenshot}`);
    await page.click('a[href="#problem-loop--sums--sums-payload-output"]');
    assert.equal(new URL(page.url()).hash, "#problem-loop--sums--sums-payload-output");
  } finally {
    await browser.close();
  }
});
