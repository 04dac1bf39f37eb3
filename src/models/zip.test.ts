/**
 * The zip reader against archives written by Python's zipfile (what wheels are made with): stored and
 * deflated members, an empty one, and damaged archives, which must fail with a clear error and leave no
 * file behind.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { isQreasonError } from "../errors.ts";
import { enginePython } from "../testing/paths.ts";
import { extractZipMember, listZip } from "./zip.ts";

let scratch: string;
let archive: string;
const BIG = Buffer.from(Array.from({ length: 300_000 }, (_, index) => (index * 7919) % 251));

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-zip-"));
  archive = path.join(scratch, "pkg-1.0-py3-none-any.whl");
  await writeFile(path.join(scratch, "big.bin"), BIG);
  execFileSync(enginePython, [
    "-c",
    `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(sys.argv[2], "pkg/big.bin", compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("pkg/stored.txt", "stored bytes", compress_type=zipfile.ZIP_STORED)
    z.writestr("pkg/empty.txt", "", compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("pkg-1.0.dist-info/METADATA", "Name: pkg\\nVersion: 1.0\\n")
z = zipfile.ZipFile(sys.argv[1]); z.comment = b"a trailing comment"; z.close()`,
    archive,
    path.join(scratch, "big.bin"),
  ]);
});
after(() => rm(scratch, { recursive: true, force: true }));

void test("lists every member with its sizes and method", async () => {
  const members = await listZip(archive);
  assert.deepEqual(
    members.map((member) => [member.name, member.method, member.bytes]),
    [
      ["pkg/big.bin", 8, BIG.length],
      ["pkg/stored.txt", 0, 12],
      ["pkg/empty.txt", 8, 0],
      ["pkg-1.0.dist-info/METADATA", 0, 23],
    ],
  );
  assert.ok((members[0]?.compressedBytes ?? Infinity) < BIG.length, "the big member is really deflated");
});

void test("extracts deflated, stored and empty members byte for byte, reporting progress", async () => {
  const seen: number[] = [];
  await extractZipMember(archive, "pkg/big.bin", path.join(scratch, "out.bin"), { onBytes: (done) => seen.push(done) });
  assert.deepEqual(await readFile(path.join(scratch, "out.bin")), BIG);
  assert.equal(seen.at(-1), BIG.length);
  await extractZipMember(archive, "pkg/stored.txt", path.join(scratch, "stored.txt"));
  assert.equal(await readFile(path.join(scratch, "stored.txt"), "utf8"), "stored bytes");
  await extractZipMember(archive, "pkg/empty.txt", path.join(scratch, "empty.txt"));
  assert.equal((await readFile(path.join(scratch, "empty.txt"))).length, 0);
});

void test("a missing member is named, with what the archive holds", async () => {
  await assert.rejects(extractZipMember(archive, "pkg/model.gguf", path.join(scratch, "x")), (error: Error) => {
    assert.ok(isQreasonError(error) && error.code === "E_INPUT");
    assert.match(error.message, /no member pkg\/model\.gguf .*pkg\/big\.bin/);
    return true;
  });
});

void test("damaged archives fail clearly and leave no output behind", async () => {
  const bytes = await readFile(archive);
  const members = await listZip(archive);
  const big = members[0]!;
  // Flip bytes inside the deflated data: inflate fails or the CRC does not match.
  const damaged = Buffer.from(bytes);
  const dataAt = big.localHeaderOffset + 30 + "pkg/big.bin".length + 1000;
  for (let offset = 0; offset < 64; offset++) damaged[dataAt + offset] = (damaged[dataAt + offset] ?? 0) ^ 0xff;
  const damagedFile = path.join(scratch, "damaged.whl");
  await writeFile(damagedFile, damaged);
  const target = path.join(scratch, "damaged.bin");
  await assert.rejects(extractZipMember(damagedFile, "pkg/big.bin", target), (error: Error) => isQreasonError(error) && ["E_INPUT", "E_CHECKSUM"].includes(error.code));
  assert.ok(!existsSync(target) && !existsSync(`${target}.partial`));

  const truncated = path.join(scratch, "truncated.whl");
  await writeFile(truncated, bytes.subarray(0, bytes.length - 200));
  await assert.rejects(listZip(truncated), /not a readable zip archive/);
  const notZip = path.join(scratch, "plain.txt");
  await writeFile(notZip, "hello");
  await assert.rejects(listZip(notZip), /no end-of-central-directory record/);
});
