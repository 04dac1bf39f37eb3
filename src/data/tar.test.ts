import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { readTar, readTarGz } from "./tar.ts";
import { sharedDataDir } from "../testing/paths.ts";

const LONG_DIRECTORY = `${"deep-folder-name/".repeat(8)}leaf`; // > 100 characters: needs a long-name mechanism

/** Packs a small tree with the system's GNU tar in the given format; returns the .tar.gz bytes. */
async function packTree(format: string): Promise<Buffer> {
  const root = await mkdtemp(path.join(os.tmpdir(), "qreason-tar-"));
  await mkdir(path.join(root, "train", "algebra"), { recursive: true });
  await mkdir(path.join(root, LONG_DIRECTORY), { recursive: true });
  await writeFile(path.join(root, "train", "algebra", "1.json"), '{"problem": "p1"}');
  await writeFile(path.join(root, "train", "algebra", "2.json"), "x".repeat(1500)); // spans several blocks
  await writeFile(path.join(root, LONG_DIRECTORY, "file.txt"), "long");
  await writeFile(path.join(root, "empty.txt"), "");
  const archive = path.join(root, "archive.tar.gz");
  execFileSync("tar", ["-czf", archive, `--format=${format}`, "--sort=name", "-C", root, "train", "deep-folder-name", "empty.txt"]);
  return readFile(archive);
}

for (const format of ["gnu", "pax", "ustar"]) {
  void test(`readTarGz lists regular files of a ${format} archive with their content`, async () => {
    const entries = readTarGz(await packTree(format), "a.tar.gz");
    const byName = new Map(entries.map((entry) => [entry.name, entry.data.toString("utf8")]));
    assert.equal(byName.get("train/algebra/1.json"), '{"problem": "p1"}');
    assert.equal(byName.get("train/algebra/2.json"), "x".repeat(1500));
    assert.equal(byName.get(`${LONG_DIRECTORY}/file.txt`), "long");
    assert.equal(byName.get("empty.txt"), "");
    assert.equal(entries.length, 4, "directories are not listed");
  });
}

void test("readTar rejects a header whose checksum does not match", async () => {
  const tar = Buffer.from(execFileSync("gzip", ["-dc"], { input: await packTree("gnu") }));
  tar[10] = (tar[10] ?? 0) ^ 0xff; // corrupt the first header's name
  assert.throws(() => readTar(tar, "c.tar"), (error: unknown) => error instanceof QreasonError && error.code === "E_INPUT");
});

void test("readTar rejects an archive cut short, in a header or in an entry's data", async () => {
  const tar = Buffer.from(execFileSync("gzip", ["-dc"], { input: await packTree("ustar") }));
  const entries = readTar(tar, "t.tar");
  assert.equal(entries.length, 4);
  assert.throws(() => readTar(tar.subarray(0, 700), "t.tar"), /truncated/);
  const dataStart = tar.indexOf("x".repeat(1500));
  assert.throws(() => readTar(tar.subarray(0, dataStart + 100), "t.tar"), /runs past the end/);
});

void test("readTarGz stops at the unpacked-size bound instead of inflating without limit", async () => {
  const bytes = await packTree("gnu");
  assert.throws(() => readTarGz(bytes, "b.tar.gz", 1024), (error: unknown) => error instanceof QreasonError && error.code === "E_INPUT");
});

void test("the shared MATH train tarball holds 7,500 problem files", async () => {
  const entries = readTarGz(await readFile(path.join(sharedDataDir, "math", "MATH_train_raw.tar.gz")), "MATH_train_raw.tar.gz");
  assert.equal(entries.filter((entry) => /^train\/[a-z_]+\/\d+\.json$/.test(entry.name)).length, 7500);
});
