import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { DatabaseSync } from "node:sqlite";
import type { Problem } from "../data/types.ts";
import { QreasonError } from "../errors.ts";
import { RUN_STORE_FILE, RunStore, openRunStore, storeEnvironmentError, type GenerationRecord } from "./runStore.ts";
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from "./schema.ts";
import { FAKE_SAMPLING, fakeKey, fakeRecord } from "./testdata/fakeGenerations.ts";

let directory = "";
beforeEach(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), "qreason-store-"));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

const failed = (index: number, error = "backend timed out"): GenerationRecord => ({ ...fakeRecord(index), outcome: { status: "error", error } });

test("a new store is at the current schema version, in WAL mode", () => {
  const store = openRunStore(directory);
  assert.equal(store.schemaVersion, SCHEMA_VERSION);
  store.close();
  const database = new DatabaseSync(path.join(directory, RUN_STORE_FILE));
  assert.equal((database.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode, "wal");
  assert.equal((database.prepare("PRAGMA user_version").get() as { user_version: number }).user_version, SCHEMA_VERSION);
  const tables = (database.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
  assert.deepEqual(tables, [
    "attributions", "cell_keys", "cells", "comparisons", "divergences", "first_errors", "generations", "graders", "grades", "judge_calibration_votes", "judge_calibrations", "judge_panels", "judge_queue", "judge_summaries",
    "judge_verdicts", "judgments", "kld_summaries",
    "problems", "prompts", "rescue_continuations", "restore_adapters", "restore_pair_sets", "restore_results", "reviews", "run_state", "stage_runs", "step_checks",
    "step_segmentations", "study", "variants",
  ]);
  database.close();
});

test("pending lists what has no result yet, in input order; errors stay pending and are never results", () => {
  const store = openRunStore(directory);
  const keys = Array.from({ length: 100 }, (_, index) => fakeKey(index));
  store.putGenerations(Array.from({ length: 40 }, (_, index) => fakeRecord(index)));
  store.putGenerations(Array.from({ length: 10 }, (_, index) => failed(40 + index)));
  assert.deepEqual(store.pending(keys), keys.slice(40));
  assert.deepEqual(store.pending([...keys].reverse()).slice(0, 3), [keys[99], keys[98], keys[97]]);
  assert.deepEqual(store.pending([]), []);

  assert.equal(store.generations(keys).length, 40);
  assert.deepEqual(store.generations([keys[45] as string]), []);
  const failures = store.failures();
  assert.equal(failures.length, 10);
  assert.deepEqual({ error: failures[0]?.error, attempts: failures[0]?.attempts }, { error: "backend timed out", attempts: 1 });
  assert.deepEqual(store.counts(), { generations: 40, failures: 10, grades: 0, problems: 0, variants: 0 });
  store.close();
});

test("a retry's result replaces the error; an error never replaces a stored result", () => {
  const store = openRunStore(directory);
  const key = fakeKey(7);
  store.putGenerations([failed(7, "connection refused")]);
  store.putGenerations([failed(7, "rate limited")]);
  assert.deepEqual(store.failures([key]).map((failure) => [failure.error, failure.attempts]), [["rate limited", 2]]);
  store.putGenerations([fakeRecord(7)]);
  assert.deepEqual(store.pending([key]), []);
  assert.deepEqual(store.failures(), []);
  const [stored] = store.generations([key]);
  assert.equal(stored?.attempts, 3);
  assert.equal(stored?.text, (fakeRecord(7).outcome as { result: { text: string } }).result.text);

  store.putGenerations([failed(7, "late error")]);
  assert.deepEqual(store.generations([key]), [stored]);
  assert.deepEqual(store.failures(), []);
  store.close();
});

test("a batch is stored whole or not at all", () => {
  const store = openRunStore(directory);
  const broken = { ...fakeRecord(3), sampling: { ...FAKE_SAMPLING, temperature: Number.NaN } };
  assert.throws(() => store.putGenerations([fakeRecord(1), fakeRecord(2), broken]), TypeError);
  assert.equal(store.counts().generations, 0);
  store.putGenerations([fakeRecord(1), fakeRecord(2)]);
  assert.equal(store.counts().generations, 2);
  store.close();
});

test("an outer transaction makes several writes one: all stored or none", () => {
  const store = openRunStore(directory);
  assert.throws(() =>
    store.transaction(() => {
      store.putGenerations([fakeRecord(1)]);
      store.putGrades([{ generationKey: fakeKey(1), grader: "g", status: "correct", extracted: "1" }]);
      throw new Error("crash between stages");
    }),
  );
  assert.deepEqual(store.counts(), { generations: 0, failures: 0, grades: 0, problems: 0, variants: 0 });
  store.transaction(() => {
    store.putGenerations([fakeRecord(1)]);
    store.putGrades([{ generationKey: fakeKey(1), grader: "g", status: "correct", extracted: "1" }]);
  });
  assert.equal(store.counts().grades, 1);
  store.close();
});

test("stored generations keep their fields, and each prompt is stored once", () => {
  const store = openRunStore(directory);
  // Records 0 and 500 share a prompt (same problem, different variant).
  store.putGenerations([fakeRecord(0), fakeRecord(500)]);
  const [first] = store.generations([fakeKey(0)]);
  assert.deepEqual(
    { ...first, createdAt: "", latencyMs: first?.latencyMs },
    {
      key: fakeKey(0), model: "fake", variant: "variant-0", variantHash: "variant-0", benchmark: "arith", problemId: "0", sampleIndex: 0, seed: 0,
      backendKind: "openai", backendVersion: "loopback 1", text: (fakeRecord(0).outcome as { result: { text: string } }).result.text,
      finishReason: "stop", promptTokens: 40, completionTokens: 0, warnings: [], attempts: 1, latencyMs: 1, createdAt: "",
    },
  );
  assert.deepEqual(store.promptOf(fakeKey(500)), fakeRecord(0).prompt);
  store.close();
  const database = new DatabaseSync(path.join(directory, RUN_STORE_FILE));
  assert.equal((database.prepare("SELECT count(*) AS count FROM prompts").get() as { count: number }).count, 1);
  database.close();
});

const problem = (id: string, level?: number): Problem => ({ id, benchmark: "arith", question: `q${id}`, answer: id, meta: { source: "test" }, ...(level ? { level, subject: "arithmetic" } : {}) });

test("grades join with generations and problems for the comparison", () => {
  const store = openRunStore(directory);
  store.putProblems([problem("0", 2), problem("1")]);
  store.putGenerations([fakeRecord(0), fakeRecord(1), failed(2)]);
  store.putGrades([
    { generationKey: fakeKey(0), grader: "qreason-grade 1", status: "correct", extracted: "0" },
    { generationKey: fakeKey(1), grader: "qreason-grade 1", status: "no_answer", extracted: null, reason: "no boxed answer" },
    { generationKey: fakeKey(1), grader: "qreason-grade 2", status: "wrong", extracted: "7" },
  ]);
  const samples = store.gradedSamples([fakeKey(1), fakeKey(0), fakeKey(2)], "qreason-grade 1");
  assert.deepEqual(samples.map((sample) => [sample.problemId, sample.status, sample.level, sample.subject]), [["1", "no_answer", undefined, undefined], ["0", "correct", 2, "arithmetic"]]);
  assert.equal(store.gradedSamples([fakeKey(1)], "qreason-grade 2")[0]?.status, "wrong");
  assert.throws(() => store.putGrades([{ generationKey: "gen:v1:missing", grader: "g", status: "correct", extracted: "1" }]), QreasonError);
  assert.deepEqual(store.problems("arith").map((stored) => stored.id), ["0", "1"]);
  assert.deepEqual(store.problems("arith")[0], problem("0", 2));
  store.close();
});

test("variants carry their recipe, artifact, manifest and provenance; studies are kept by hash", () => {
  const store = openRunStore(directory);
  const variant = { model: "ref", name: "Q4_K_M", recipeHash: "variant:v1:aa", kind: "llamacpp", recipe: { kind: "llamacpp", type: "Q4_K_M" } };
  store.putVariant(variant);
  store.putVariant(variant);
  store.setVariantArtifact({ ...variant, artifactPath: "/runs/x/variants/Q4_K_M.gguf", manifest: { bitsPerWeight: 4.9 }, provenance: { tool: "llama.cpp b6000" } });
  const [stored] = store.variants();
  assert.deepEqual({ ...stored, createdAt: "", updatedAt: "" }, { ...variant, artifactPath: "/runs/x/variants/Q4_K_M.gguf", manifest: { bitsPerWeight: 4.9 }, provenance: { tool: "llama.cpp b6000" }, createdAt: "", updatedAt: "" });
  assert.throws(() => store.setVariantArtifact({ ...variant, name: "Q2_K", artifactPath: "x" }), QreasonError);

  store.saveStudy({ hash: "study:v1:1", name: "demo", resolved: { models: [] } });
  store.saveStudy({ hash: "study:v1:1", name: "demo", resolved: { models: [] } });
  store.saveStudy({ hash: "study:v1:2", name: "demo", sourceFile: "/x/demo.yaml", resolved: { models: [1] } });
  assert.deepEqual({ ...store.latestStudy(), createdAt: "" }, { hash: "study:v1:2", name: "demo", sourceFile: "/x/demo.yaml", resolved: { models: [1] }, createdAt: "" });
  store.close();
});

test("migrations add to a store without losing what it holds, and a newer store is refused", () => {
  const next = SCHEMA_VERSION + 1;
  const v2: Migration = { version: next, description: "test: a notes column", sql: "ALTER TABLE generations ADD COLUMN note TEXT" };
  const store = openRunStore(directory);
  store.putGenerations([fakeRecord(0), fakeRecord(1)]);
  store.close();

  const upgraded = openRunStore(directory, { migrations: [...MIGRATIONS, v2] });
  assert.equal(upgraded.schemaVersion, next);
  assert.deepEqual(upgraded.pending([fakeKey(0), fakeKey(1), fakeKey(2)]), [fakeKey(2)]);
  upgraded.close();

  const before = readFileSync(path.join(directory, RUN_STORE_FILE));
  assert.throws(
    () => openRunStore(directory),
    (error: unknown) => error instanceof QreasonError && error.code === "E_STORE" && error.message.includes(`schema version ${next}, newer than the ${SCHEMA_VERSION}`),
  );
  assert.throws(() => openRunStore(directory, { readOnly: true }), new RegExp(`newer than the ${SCHEMA_VERSION}`));
  assert.deepEqual(readFileSync(path.join(directory, RUN_STORE_FILE)), before, "a refused store is not modified");
});

test("a store at v3 (attribution) upgrades to v4: restore tables added, generations and attribution tables kept", () => {
  const v3 = openRunStore(directory, { migrations: MIGRATIONS.filter((migration) => migration.version <= 3) });
  assert.equal(v3.schemaVersion, 3);
  assert.equal(v3.restore.available, false);
  v3.putGenerations([fakeRecord(0)]);
  v3.close();

  const upgraded = openRunStore(directory, { migrations: MIGRATIONS.filter((migration) => migration.version <= 4) });
  assert.equal(upgraded.schemaVersion, 4);
  assert.equal(upgraded.restore.available, true);
  assert.deepEqual(upgraded.pending([fakeKey(0), fakeKey(1)]), [fakeKey(1)]);
  upgraded.close();
  const database = new DatabaseSync(path.join(directory, RUN_STORE_FILE));
  const tables = (database.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
  database.close();
  for (const table of ["first_errors", "attributions", "kld_summaries", "restore_pair_sets", "restore_adapters", "restore_results"]) assert.ok(tables.includes(table), table);
});

test("a store at v4 (restore) upgrades to the latest: the reviews columns (v5) and the judge tables (v6) added, restore tables and generations kept", () => {
  const v4 = openRunStore(directory, { migrations: MIGRATIONS.filter((migration) => migration.version <= 4) });
  assert.equal(v4.schemaVersion, 4);
  v4.putGenerations([fakeRecord(0)]);
  v4.close();

  const upgraded = openRunStore(directory);
  assert.equal(upgraded.schemaVersion, SCHEMA_VERSION);
  assert.equal(SCHEMA_VERSION, 6, "v6 judges is the last migration (v5 reviews)");
  assert.equal(upgraded.restore.available, true);
  assert.deepEqual(upgraded.pending([fakeKey(0), fakeKey(1)]), [fakeKey(1)]);
  upgraded.close();
  const database = new DatabaseSync(path.join(directory, RUN_STORE_FILE));
  const columns = (database.prepare("SELECT name FROM pragma_table_info('reviews')").all() as Array<{ name: string }>).map((row) => row.name);
  const tables = (database.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
  database.close();
  for (const column of ["action", "proposal_json", "segmenter", "baseline_key"]) assert.ok(columns.includes(column), column);
  for (const table of ["restore_pair_sets", "restore_adapters", "restore_results", "judge_verdicts", "judge_panels", "judge_calibrations"]) assert.ok(tables.includes(table), table);
});

test("a failed migration rolls back and leaves the store at its old version", () => {
  openRunStore(directory).close();
  const broken: Migration = { version: SCHEMA_VERSION + 1, description: "test: broken", sql: "CREATE TABLE extra (x); SELECT * FROM no_such_table" };
  assert.throws(() => openRunStore(directory, { migrations: [...MIGRATIONS, broken] }), new RegExp(`migrating the run store to version ${SCHEMA_VERSION + 1} failed`));
  const store = openRunStore(directory);
  assert.equal(store.schemaVersion, SCHEMA_VERSION);
  store.close();
  const database = new DatabaseSync(path.join(directory, RUN_STORE_FILE));
  assert.equal((database.prepare("SELECT count(*) AS count FROM sqlite_schema WHERE name = 'extra'").get() as { count: number }).count, 0);
  database.close();
});

test("someone else's SQLite file and a non-database file are refused and left untouched", () => {
  const foreign = path.join(directory, "foreign.sqlite");
  const database = new DatabaseSync(foreign);
  database.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')");
  database.close();
  const before = readFileSync(foreign);
  assert.throws(() => RunStore.openFile(foreign), (error: unknown) => error instanceof QreasonError && error.code === "E_STORE" && /not a qreason run store/.test(error.message));
  assert.deepEqual(readFileSync(foreign), before);

  const garbage = path.join(directory, "garbage.sqlite");
  writeFileSync(garbage, "this is not a database, just text that is long enough to look like a header.".repeat(20));
  assert.throws(() => RunStore.openFile(garbage), (error: unknown) => error instanceof QreasonError && error.code === "E_STORE");
});

test("a read-only store reads but cannot write", () => {
  const writer = openRunStore(directory);
  writer.putGenerations([fakeRecord(0)]);
  writer.close();
  const reader = openRunStore(directory, { readOnly: true });
  assert.equal(reader.generations([fakeKey(0)]).length, 1);
  assert.throws(() => reader.putGenerations([fakeRecord(1)]));
  reader.close();
  assert.throws(() => openRunStore(path.join(directory, "missing"), { readOnly: true }), QreasonError);
});

test("a full disk mid-batch: the batch is not stored, and the error is SQLite's 'full' (E_OUTPUT), not 'cannot rollback'", () => {
  const store = openRunStore(directory);
  store.putGenerations([fakeRecord(1)]);
  // The store's own connection may not grow the file past its current pages: SQLITE_FULL, as on a full disk.
  // (inputs6 audit: on a 300 KB tmpfs, SQLite rolled back itself and the explicit ROLLBACK then threw
  // "cannot rollback - no transaction is active", which hid the real error.)
  const database = (store as unknown as { database: DatabaseSync }).database;
  const pages = (database.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
  database.exec(`PRAGMA max_page_count = ${pages}`);
  const big = Array.from({ length: 400 }, (_, index) => ({ ...fakeRecord(index + 2), outcome: { status: "ok" as const, result: { text: "x".repeat(4000), finishReason: "stop" as const, promptTokens: 1, completionTokens: 1, warnings: [] } } }));
  let caught: unknown;
  try {
    store.putGenerations(big);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, "the batch failed");
  assert.match(caught.message, /full/);
  const mapped = storeEnvironmentError(caught, store.file);
  assert.equal(mapped?.code, "E_OUTPUT");
  assert.match(mapped?.message ?? "", /disk holding the run store is full/);
  assert.equal(store.counts().generations, 1, "the first batch is kept, the failed one is not stored");
  store.close();
});
