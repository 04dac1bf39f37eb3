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

// Regression (issue 12): a resting (cooling) or avoided endpoint was picked whenever the healthy one was
// merely full, so retries went back to a dead URL until they ran out.
test("a cooling endpoint is never picked while a healthy one exists, even a full one: the caller waits", async () => {
  const pool = new EndpointPool(["dead", "live"], 1);
  const busy = await pool.acquire("dead");
  assert.equal(busy.url, "live");
  pool.coolDown("dead", 60_000);
  let got: string | undefined;
  const waiting = pool.acquire().then((lease) => (got = lease.url));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(got, undefined, "waits for the live endpoint instead of taking the cooling one");
  busy.release();
  await waiting;
  assert.equal(got, "live");
});

test("a retry waits for another healthy endpoint rather than return to the one it failed on", async () => {
  const pool = new EndpointPool(["a", "b"], 1);
  const onB = await pool.acquire("a");
  let got: string | undefined;
  const retry = pool.acquire("a").then((lease) => (got = lease.url)); // a is open and not cooling, but avoided
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(got, undefined);
  onB.release();
  await retry;
  assert.equal(got, "b");
});

test("a waiter that can use a freed slot gets it even when the first waiter cannot", async () => {
  const pool = new EndpointPool(["a", "b"], 1);
  const [onA, onB] = [await pool.acquire(), await pool.acquire()];
  assert.deepEqual([onA.url, onB.url], ["a", "b"]);
  const order: string[] = [];
  const avoidingA = pool.acquire("a").then((lease) => order.push(`retry:${lease.url}`));
  const fresh = pool.acquire().then((lease) => order.push(`fresh:${lease.url}`));
  onA.release(); // only the fresh request may take a
  await fresh;
  assert.deepEqual(order, ["fresh:a"]);
  onB.release();
  await avoidingA;
  assert.deepEqual(order, ["fresh:a", "retry:b"]);
});

test("when every endpoint rests, the one that rests least is used; a waiter wakes when a rest ends", async () => {
  const pool = new EndpointPool(["a", "b"], 1);
  pool.coolDown("a", 60_000);
  pool.coolDown("b", 30_000);
  assert.equal((await pool.acquire()).url, "b");
  const second = new EndpointPool(["a", "b"], 1);
  const onB = await second.acquire("a");
  second.coolDown("a", 80);
  const started = Date.now();
  const lease = await second.acquire(); // b is full, a rests for 80 ms: a once its rest ends, without a release
  assert.equal(lease.url, "a");
  assert.ok(Date.now() - started >= 70, `${Date.now() - started} ms`);
  onB.release();
});
