/**
 * Run-store overhead: how fast generations are persisted and how long resuming a finished run takes.
 * Targets (issue 6): >= 2,000 generations/s persisted; resuming a finished 10,000-generation run
 * (open the store, compute every key, find nothing pending) well under 2 s.
 *
 *   npm run bench:store [-- --generations 10000 --repeats 3]
 *
 * Records are realistic in size (a ~300-character chat prompt, a ~1.2 kB solution) and built by the
 * same deterministic fakes the store's tests use. Each repeat writes into a fresh temporary run directory.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openRunStore, RUN_STORE_FILE } from "../src/store/index.ts";
import { fakeKey, fakeRecord } from "../src/store/testdata/fakeGenerations.ts";

const { values } = parseArgs({ options: { generations: { type: "string", default: "10000" }, repeats: { type: "string", default: "3" } } });
const total = Number(values.generations);
const repeats = Number(values.repeats);

const median = (numbers: number[]): number => {
  const sorted = [...numbers].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const time = (work: () => void): number => {
  const start = performance.now();
  work();
  return performance.now() - start;
};

interface Row {
  label: string;
  milliseconds: number[];
  perSecond?: number;
}
const rows: Row[] = [];
const record = (label: string, milliseconds: number[], count?: number): void => {
  rows.push({ label, milliseconds, ...(count ? { perSecond: (count / median(milliseconds)) * 1000 } : {}) });
};

const keyTimes: number[] = [];
const writeTimes = new Map<number, number[]>();
const resumeTimes: number[] = [];
const pendingTimes: number[] = [];
const readTimes: number[] = [];
let databaseBytes = 0;

for (let repeat = 0; repeat < repeats; repeat++) {
  let keys: string[] = [];
  keyTimes.push(time(() => (keys = Array.from({ length: total }, (_, index) => fakeKey(index)))));
  const records = keys.map((key, index) => fakeRecord(index, key));

  for (const batch of [1, 64, 512]) {
    const directory = mkdtempSync(path.join(os.tmpdir(), "qreason-bench-store-"));
    try {
      const store = openRunStore(directory);
      // Batch size 1 commits every record on its own; it is measured on a tenth of the records.
      const count = batch === 1 ? Math.ceil(total / 10) : total;
      const elapsed = time(() => {
        for (let first = 0; first < count; first += batch) store.putGenerations(records.slice(first, Math.min(count, first + batch)));
      });
      writeTimes.set(batch, [...(writeTimes.get(batch) ?? []), (elapsed * total) / count]);
      store.close();

      if (batch === 64) {
        databaseBytes = statSync(path.join(directory, RUN_STORE_FILE)).size;
        // Resume a finished run as `qreason run` would: open, compute every key, ask what is pending.
        let pending: string[] = [];
        resumeTimes.push(
          time(() => {
            const reopened = openRunStore(directory);
            const resumeKeys = Array.from({ length: total }, (_, index) => fakeKey(index));
            pendingTimes.push(time(() => (pending = reopened.pending(resumeKeys))));
            readTimes.push(time(() => reopened.generations(resumeKeys)));
            reopened.close();
          }),
        );
        if (pending.length !== 0) throw new Error(`a finished run has ${pending.length} pending generations`);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
}

record(`compute ${total.toLocaleString("en")} generation keys`, keyTimes, total);
for (const [batch, times] of writeTimes) record(`persist ${total.toLocaleString("en")} generations, batches of ${batch}`, times, total);
record(`resume a finished ${total.toLocaleString("en")}-generation run (open + keys + pending)`, resumeTimes);
record(`  of which pending() over ${total.toLocaleString("en")} keys`, pendingTimes, total);
record(`read back ${total.toLocaleString("en")} stored generations by key`, readTimes, total);

console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), ${repeats} repeats, medians`);
console.log(`database after ${total.toLocaleString("en")} generations: ${(databaseBytes / 1e6).toFixed(1)} MB\n`);
console.log("| measurement | median ms | per second |");
console.log("|---|---|---|");
for (const row of rows) {
  const perSecond = row.perSecond === undefined ? "" : Math.round(row.perSecond).toLocaleString("en");
  console.log(`| ${row.label} | ${median(row.milliseconds).toFixed(1)} | ${perSecond} |`);
}
