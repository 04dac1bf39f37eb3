import assert from "node:assert/strict";
import { test } from "node:test";
import { EndpointPool } from "./endpoints.ts";

test("requests go to the least-loaded endpoint", async () => {
  const pool = new EndpointPool(["a", "b", "c"], 4);
  const leases = [];
  for (let i = 0; i < 6; i++) leases.push(await pool.acquire());
  assert.deepEqual(pool.load(), { a: 2, b: 2, c: 2 });
  leases[0]!.release();
  leases[0]!.release(); // releasing twice is harmless
  assert.deepEqual(pool.load(), { a: 1, b: 2, c: 2 });
  assert.equal((await pool.acquire()).url, "a");
});

test("a full pool makes callers wait for a release", async () => {
  const pool = new EndpointPool(["a"], 1);
  const first = await pool.acquire();
  let second: string | undefined;
  const waiting = pool.acquire().then((lease) => (second = lease.url));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(second, undefined);
  first.release();
  await waiting;
  assert.equal(second, "a");
});

test("a retry avoids the endpoint that failed, and a cooling endpoint is passed over", async () => {
  const pool = new EndpointPool(["a", "b"], 4);
  assert.equal((await pool.acquire("a")).url, "b");
  pool.coolDown("b", 60_000);
  assert.equal((await pool.acquire()).url, "a");
  assert.equal((await pool.acquire("a")).url, "a", "the only rested endpoint is used even if it failed last");
});

test("waiting for a slot can be aborted", async () => {
  const pool = new EndpointPool(["a"], 1);
  await pool.acquire();
  const controller = new AbortController();
  const waiting = pool.acquire(undefined, controller.signal);
  controller.abort();
  await assert.rejects(waiting, /cancelled/);
});

test("bad configuration is a usage error", () => {
  assert.throws(() => new EndpointPool([], 1), /at least one base URL/);
  assert.throws(() => new EndpointPool(["a"], 0), /positive integer/);
});
