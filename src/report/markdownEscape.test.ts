/**
 * Regression (issue 12): summary.md carried raw HTML from the study description and from endpoint model
 * names (a Markdown renderer passes HTML through). A real run on a loopback endpoint whose study and model
 * name carry payloads; summary.md must hold them as text only. Plus markdownText on its own.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { benchmarkNames } from "../data/index.ts";
import { runStudy } from "../run/index.ts";
import { startLoopback, writeSumsBenchmark } from "../run/testdata/loopback.ts";
import { loadStudy } from "../study/index.ts";
import { enginePython, projectRoot, sharedDataDir } from "../testing/paths.ts";
import { writeReports } from "./index.ts";
import { markdownText } from "./markdown.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-markdown-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("markdownText: HTML becomes entities, inline Markdown is escaped, snake_case stays readable", () => {
  assert.equal(markdownText("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
  assert.equal(markdownText("a & b"), "a &amp; b");
  assert.equal(markdownText("[click](javascript:alert(1)) ![x](http://t/p.png)"), "\\[click\\](javascript:alert(1)) \\!\\[x\\](http://t/p.png)");
  assert.equal(markdownText("**bold** `code` _it_"), "\\*\\*bold\\*\\* \\`code\\` \\_it\\_");
  assert.equal(markdownText("Q4_K_M and max_tokens"), "Q4_K_M and max_tokens");
});

test("summary.md shows the study description and endpoint model names as text, never as HTML", async () => {
  const loopback = await startLoopback();
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    writeSumsBenchmark(benchmarkFile, 6);
    const payloadModel = `<img src=x onerror=alert(1)>`;
    const studyFile = path.join(scratch, "study.yaml");
    writeFileSync(
      studyFile,
      `name: escapes
description: "<script>alert('description')</script> see [here](javascript:alert(2)) <b>bold</b>"
models:
  - name: loop
    endpoint: { base_url: "${loopback.baseUrl}", model: reference }
    variants:
      - { name: q4, endpoint: { base_url: "${loopback.baseUrl}", model: ${JSON.stringify(payloadModel)} } }
benchmarks:
  - file: ${JSON.stringify(benchmarkFile)}
    label: sums
prompt:
  template: question-answer
sampling:
  max_tokens: 64
runtime:
  retries: 0
`,
    );
    const study = await loadStudy(studyFile, { known: { benchmarks: benchmarkNames() } });
    const runDirectory = path.join(scratch, "run");
    await runStudy({ study, runDirectory, dataDir: sharedDataDir, python: enginePython, projectRoot, qreasonVersion: "test" });
    const { files } = await writeReports(runDirectory, { bootstrapResamples: 200 });
    const summary = readFileSync(files.markdown, "utf8");
    for (const raw of ["<script", "<img", "<b>", "[here](javascript:"]) assert.ok(!summary.includes(raw), `summary.md holds raw ${raw}`);
    assert.ok(summary.includes("&lt;script&gt;alert('description')&lt;/script&gt;"), "the description is there, as text");
    assert.ok(summary.includes("&lt;img src=x onerror=alert(1)&gt;"), "the endpoint model name is there, as text");
  } finally {
    await loopback.close();
  }
});
