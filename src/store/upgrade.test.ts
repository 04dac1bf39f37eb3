/**
 * A real run directory of schema v1 (testdata/v1-run, made by qreason before the stage pipeline) opens,
 * is upgraded to the current schema without losing a row, has its run.json cells and keys imported into
 * the store, and its report — made from the store alone — reads exactly what v1's report read.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, test } from "node:test";
import { writeReports, type Results } from "../report/index.ts";
import { openRunDirectory, readRunRecordFile, runRecordOf, RUN_STORE_FILE, SCHEMA_VERSION } from "./index.ts";

const fixture = path.join(import.meta.dirname, "testdata", "v1-run");
const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-upgrade-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function copyOfFixture(name: string): string {
  const directory = path.join(scratch, name);
  cpSync(fixture, directory, { recursive: true });
  return directory;
}

const TABLES = ["study", "problems", "variants", "prompts", "generations", "grades", "judgments", "reviews"];

/** Every row of the v1 tables, as plain data (what must survive the upgrade). */
function rows(directory: string): Record<string, unknown[]> {
  const database = new DatabaseSync(path.join(directory, RUN_STORE_FILE), { readOnly: true });
  try {
    const all: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      const columns = (database.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name).filter((name) => name !== "plan_json");
      all[table] = database.prepare(`SELECT ${columns.join(", ")} FROM ${table} ORDER BY 1, 2`).all().map((row) => ({ ...row }));
    }
    return all;
  } finally {
    database.close();
  }
}

test("the fixture is a v1 store", () => {
  // Even a read-only open of a WAL database writes -shm/-wal files beside it: never open the fixture itself.
  const database = new DatabaseSync(path.join(copyOfFixture("check"), RUN_STORE_FILE), { readOnly: true });
  assert.equal((database.prepare("PRAGMA user_version").get() as { user_version: number }).user_version, 1);
  database.close();
});

test("a v1 run directory upgrades without losing anything, and its cells and keys come into the store", () => {
  const directory = copyOfFixture("upgrade");
  const before = rows(directory);
  assert.equal(before.generations?.length, 34);
  assert.equal(before.grades?.length, 32);
  const legacy = readRunRecordFile(directory);

  const store = openRunDirectory(directory);
  try {
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(rows(directory), before, "every v1 row is still there, unchanged");
    const record = runRecordOf(store);
    assert.ok(record !== undefined, "the run.json plan was imported");
    assert.equal(record.grader, "qreason-grade/v1", "reports keep reading the grades v1 read");
    assert.equal(record.study.hash, legacy.study.hash);
    assert.deepEqual(
      record.cells.map(({ model, variant, benchmark, keys }) => ({ model, variant, benchmark, keys })),
      legacy.cells.map(({ model, variant, benchmark, keys }) => ({ model, variant, benchmark, keys })),
    );
    assert.deepEqual(record.variants, legacy.variants);
    assert.deepEqual(record.comparisons, legacy.comparisons);
    assert.deepEqual(
      record.status.map(({ variant, total, pending, failed }) => ({ variant, total, pending, failed })),
      legacy.status.map(({ variant, total, pending, failed }) => ({ variant, total, pending, failed })),
    );
  } finally {
    store.close();
  }

  // Opening again imports nothing twice.
  const again = openRunDirectory(directory);
  assert.equal(again.cells.list(legacy.study.hash).length, legacy.cells.length);
  again.close();
});

test("the upgraded run's report, from the store alone, reads what v1's report read", async () => {
  const directory = copyOfFixture("report");
  const v1 = JSON.parse(readFileSync(path.join(fixture, "results.json"), "utf8")) as Results;
  const { results } = await writeReports(directory, { bootstrapResamples: 1000 });
  assert.equal(results.grader, v1.grader);
  assert.deepEqual(results.study, v1.study);
  assert.deepEqual(results.run, v1.run);
  assert.deepEqual(results.benchmarks, v1.benchmarks);
  assert.deepEqual(results.cells, v1.cells);
  assert.deepEqual(results.comparisons, v1.comparisons);
  assert.deepEqual(results.failures, v1.failures);
  assert.deepEqual(results.variants, v1.variants);
});
