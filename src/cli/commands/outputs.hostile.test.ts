/**
 * The hostile probe's output cases (issue 12) for the other commands that write a file the user names:
 * `gguf export` renamed its temporary file over a FIFO or a symlink and gave a stack trace for a directory
 * with --force, `data export` did the same; an interrupted export left its partial file; an error message
 * quoting a file's bytes sent control characters to the terminal. The real CLI in a child process.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile, cp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { readGguf } from "../../gguf/index.ts";
import { runQreason, type CliRun } from "../../testing/cli.ts";
import { projectRoot } from "../../testing/paths.ts";
import { tinyHfModel } from "../../testing/tinyModels.ts";

const qreason = (args: string[]) => runQreason(args, { timeoutMs: 120_000 });
let scratch = "";
let modelDir = "";
before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-outputs-"));
  modelDir = await tinyHfModel("llama");
});
after(() => rm(scratch, { recursive: true, force: true }));

function assertCleanError(run: CliRun, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, run.stderr);
  assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, /internal error|\n\s+at /, "no stack trace");
}

test("gguf export and data export write through a symlink and refuse a FIFO or a directory, even with --force", async () => {
  const directory = await mkdtemp(path.join(scratch, "out-"));
  const fifo = path.join(directory, "fifo");
  execFileSync("mkfifo", [fifo]);
  await mkdir(path.join(directory, "real"));
  const link = path.join(directory, "model.gguf");
  await symlink(path.join("real", "model.gguf"), link);

  assertCleanError(await qreason(["gguf", "export", modelDir, fifo, "--force"]), 2, /output GGUF is a FIFO \(named pipe\); give a regular file$/m);
  assertCleanError(await qreason(["gguf", "export", modelDir, directory, "--force"]), 2, /output GGUF is a directory; give a file path/);
  const exported = await qreason(["gguf", "export", modelDir, link]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.ok((await lstat(link)).isSymbolicLink(), "the link is still a link");
  assert.equal(await readlink(link), path.join("real", "model.gguf"));
  assert.ok((await readGguf(path.join(directory, "real", "model.gguf"))).tensors.length > 0);

  assertCleanError(await qreason(["data", "export", "arith", "--out", fifo, "--force", "--n", "3"]), 2, /--out is a FIFO/);
  assertCleanError(await qreason(["data", "export", "arith", "--out", directory, "--force", "--n", "3"]), 2, /--out is a directory/);
  // Without --force too: "the output file exists; pass --force" sent the user to a --force that cannot work.
  assertCleanError(await qreason(["data", "export", "arith", "--out", directory, "--n", "3"]), 2, /--out is a directory/);
  assertCleanError(await qreason(["data", "export", "arith", "--out", fifo, "--n", "3"]), 2, /--out is a FIFO/);
  const textLink = path.join(directory, "arith.jsonl");
  await symlink(path.join(directory, "real", "arith.jsonl"), textLink);
  const data = await qreason(["data", "export", "arith", "--out", textLink, "--n", "3"]);
  assert.equal(data.code, 0, data.stderr);
  assert.ok((await lstat(textLink)).isSymbolicLink());
  assert.equal((await readFile(path.join(directory, "real", "arith.jsonl"), "utf8")).trim().split("\n").length, 3);
  assert.ok((await lstat(fifo)).isFIFO(), "the FIFO is still a FIFO");
  assert.deepEqual((await readdir(path.join(directory, "real"))).sort(), ["arith.jsonl", "model.gguf"], "no temporary files");
});

test("quantize writes through a symlink and refuses a FIFO; a directory as --imatrix or a non-UTF-8 kld text is a clear error", async () => {
  const directory = await mkdtemp(path.join(scratch, "quantize-"));
  const model = path.join(projectRoot, "models", "reference", "model.gguf");
  const fifo = path.join(directory, "fifo");
  execFileSync("mkfifo", [fifo]);
  assertCleanError(await qreason(["quantize", "--model", model, "--recipe", "Q8_0", "--out", fifo, "--force"]), 2, /--out is a FIFO/);
  assert.ok((await lstat(fifo)).isFIFO());
  assertCleanError(await qreason(["quantize", "--model", model, "--recipe", "Q8_0", "--out", path.join(directory, "q.gguf"), "--imatrix", directory]), 1, /not an imatrix file: a directory/);
  const link = path.join(directory, "q8.gguf");
  await symlink(path.join(directory, "real-q8.gguf"), link);
  const run = await qreason(["quantize", "--model", model, "--recipe", "Q8_0", "--out", link, "--threads", "1"]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok((await lstat(link)).isSymbolicLink(), "the link is still a link");
  assert.ok((await readGguf(path.join(directory, "real-q8.gguf"))).tensors.some((tensor) => tensor.typeName === "Q8_0"));

  const texts = path.join(directory, "texts.jsonl");
  await writeFile(texts, Buffer.concat([Buffer.from('{"text": "ok"}\n{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
  assertCleanError(await qreason(["kld", "--base", model, "--variant", model, "--texts", texts]), 1, /texts\.jsonl:2: not valid UTF-8/);
});

test("Ctrl-C during gguf export leaves no partial file", async () => {
  const directory = await mkdtemp(path.join(scratch, "interrupt-"));
  // A bigger checkpoint than the tiny one, so the export is still writing when interrupted.
  const big = path.join(directory, "big-hf");
  execFileSync(
    path.join(projectRoot, "engine", ".venv", "bin", "python"),
    ["-c", "import sys; from qreason_engine.tiny import make_tiny_model; make_tiny_model('llama', sys.argv[1], hidden=384, intermediate=1536, layers=6)", big],
    { stdio: "ignore" },
  );
  const out = path.join(directory, "big.gguf");
  const child = spawn(process.execPath, [path.join(projectRoot, "bin", "qreason.js"), "gguf", "export", big, out], { env: { ...process.env, CI: "1" } });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit") as Promise<[number | null]>;
  for (let tries = 0; tries < 1200; tries++) {
    if ((await readdir(directory)).some((name) => name.includes(".partial-"))) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill("SIGINT");
  const [code] = await exited;
  const left = (await readdir(directory)).filter((name) => name !== "big-hf");
  if (code === 0) {
    assert.deepEqual(left, ["big.gguf"], "finished before the interrupt: then the file is whole"); // a fast machine
  } else {
    assert.equal(code, 130, stderr);
    assert.deepEqual(left, [], "no partial file and no output");
  }
});

test("a binary or directory config.json is a clear error; control characters it holds are shown as escapes, never raw", async () => {
  const directory = await mkdtemp(path.join(scratch, "ansi-"));
  const model = path.join(directory, "hf");
  await cp(modelDir, model, { recursive: true });
  await writeFile(path.join(model, "config.json"), "\u001b]0;pwned\u0007\u001b[2J\u202e{");
  const run = await qreason(["gguf", "export", model, path.join(directory, "x.gguf")]);
  assertCleanError(run, 1, /config\.json: not valid JSON/);
  for (const raw of ["\u001b", "\u0007", "\u202e"]) assert.ok(!run.stderr.includes(raw), "no raw escape, bell or bidi override");
  assert.match(run.stderr, /\\x1b/);
  // config.json as a directory (issue 12, item 9, on the TypeScript side).
  await rm(path.join(model, "config.json"));
  await mkdir(path.join(model, "config.json"));
  assertCleanError(await qreason(["gguf", "export", model, path.join(directory, "x.gguf")]), 1, /config\.json: not a file/);
});

test("labels --out refuses a directory and a missing folder with a usage error, not a stack trace (inputs6 audit)", async () => {
  const runDirectory = path.join(await mkdtemp(path.join(scratch, "run-")), "run");
  const study = path.join(path.dirname(runDirectory), "study.yaml");
  const model = JSON.stringify(path.join(projectRoot, "models", "reference", "model.gguf"));
  await writeFile(study, `name: labels\nmodels: [{ name: reference, gguf: ${model}, variants: [Q8_0] }]\nbenchmarks: [{ name: arith, size: 1 }]\nprompt: { template: testbed }\nsampling: { temperature: 0, max_tokens: 16 }\nruntime: { threads: 1 }\n`);
  const made = await qreason(["run", study, "--out", runDirectory, "--quiet"]);
  assert.equal(made.code, 0, made.stderr);
  assertCleanError(await qreason(["labels", runDirectory, "--out", scratch]), 2, /--out is a directory; give a file path/);
  assertCleanError(await qreason(["labels", runDirectory, "--out", path.join(scratch, "no such folder", "l.jsonl")]), 1, /error\[E_NOT_FOUND\]: .*--out's folder does not exist/);
  const written = await qreason(["labels", runDirectory, "--out", path.join(runDirectory, "labels.jsonl")]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(await readFile(path.join(runDirectory, "labels.jsonl"), "utf8"), "");
});

test("run --out naming a file, or a path through one, is a usage error, not an ENOTDIR stack trace (inputs6 audit)", async () => {
  const file = path.join(await mkdtemp(path.join(scratch, "file-")), "notes.txt");
  await writeFile(file, "mine\n");
  const study = path.join(projectRoot, "examples", "quickstart.yaml");
  assertCleanError(await qreason(["run", study, "--out", file, "--limit", "1"]), 2, /notes\.txt: the run directory is a file, or lies inside one; give a directory/);
  assertCleanError(await qreason(["run", study, "--out", path.join(file, "run"), "--limit", "1"]), 2, /the run directory is a file, or lies inside one/);
  assert.equal(await readFile(file, "utf8"), "mine\n", "the file is untouched");
});
