/**
 * Progress lines when stderr is not a terminal (CI logs, `| tee`): a line per tenth of the work (at most
 * one a second), a line every 10 seconds however slow the work is, the last count at the end. The clock is
 * the test's own, so nothing here depends on how fast the machine is.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createProgress, lineProgress } from "./progress.ts";

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

test("a line per tenth of the total, at most one a second, and the last count", () => {
  const lines: string[] = [];
  const time = clock();
  const progress = lineProgress("smollm2/Q8_0", 40, { write: (line) => lines.push(line), now: time.now });
  for (let index = 0; index < 40; index++) {
    time.advance(500);
    progress.tick();
  }
  progress.stop();
  // A tenth is 4 items = 2 s here, so one line per tenth: 4, 8, ..., 40.
  assert.equal(lines.length, 10);
  assert.equal(lines[0], "smollm2/Q8_0: 4/40 (10%), 2.00/s, about 18s left");
  assert.equal(lines.at(-1), "smollm2/Q8_0: 40/40 (100%), 2.00/s");
});

test("fast work does not print ten lines a second; slow work prints every 10 seconds", () => {
  const lines: string[] = [];
  const time = clock();
  const fast = lineProgress("grading", 100, { write: (line) => lines.push(line), now: time.now });
  for (let index = 0; index < 99; index++) {
    time.advance(1);
    fast.tick();
  }
  assert.equal(lines.length, 0); // 99 ms for 99 items: no line yet
  time.advance(1);
  fast.tick();
  assert.deepEqual(lines, ["grading: 100/100 (100%), 1000/s"]);

  lines.length = 0;
  const slow = lineProgress("smollm2/fp", 1000, { write: (line) => lines.push(line), now: time.now });
  time.advance(12_000);
  slow.tick();
  time.advance(3_000);
  slow.tick();
  time.advance(8_000);
  slow.tick();
  assert.deepEqual(lines, ["smollm2/fp: 1/1000 (0%), 0.08/s, about 3h19m left", "smollm2/fp: 3/1000 (0%), 0.13/s, about 2h07m left"]);
  slow.tick();
  assert.equal(lines.length, 2);
  slow.stop();
  assert.equal(lines.at(-1), "smollm2/fp: 4/1000 (0%), 0.17/s, about 1h35m left"); // the last count, at the end
});

test("a disabled bar without lines stays silent; with lines it writes them", () => {
  const lines: string[] = [];
  const silent = createProgress({ label: "x", total: 2, enabled: false });
  silent.tick(2);
  silent.stop();
  const time = clock();
  const lined = createProgress({ label: "x", total: 2, enabled: false, lines: { write: (line) => lines.push(line), now: time.now } });
  time.advance(1000);
  lined.tick(2);
  assert.deepEqual(lines, ["x: 2/2 (100%), 2.00/s"]);
});

test("a detail (a training loss) rides on the same line and is replaced, not a new progress each time", () => {
  const lines: string[] = [];
  const time = clock();
  const progress = lineProgress("reference/Q2_K-pure dpo: training dpo", 30, { write: (line) => lines.push(line), now: time.now });
  for (let step = 1; step <= 30; step++) {
    time.advance(200);
    progress.tick(1, `loss ${(0.7 - step * 0.01).toFixed(3)}`);
  }
  // 30 steps in 6 s: the rate is the whole run's, and the last line shows the last loss.
  assert.equal(lines.at(-1), "reference/Q2_K-pure dpo: training dpo: 30/30 (100%), 5.00/s — loss 0.400");
  assert.equal(lines[0], "reference/Q2_K-pure dpo: training dpo: 5/30 (16%), 5.00/s, about 5s left — loss 0.650");
});
