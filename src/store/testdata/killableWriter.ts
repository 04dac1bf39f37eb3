/**
 * A writer for the kill -9 test: resumes at the first record the store lacks, then writes batches of
 * fake generations in a loop, printing `writing <total>` before and `committed <total>` after each
 * transaction, until it is killed (or,
 * so it can never hang a test run, until `limit` records or 60 s).
 * Usage: node killableWriter.ts <run-dir> <batch-size> <limit>
 */
import { openRunStore } from "../runStore.ts";
import { fakeKey, fakeRecord } from "./fakeGenerations.ts";

const [runDirectory, batchArgument, limitArgument] = process.argv.slice(2);
if (runDirectory === undefined) throw new Error("usage: killableWriter.ts <run-dir> <batch-size> <limit>");
const batchSize = Number(batchArgument ?? 200);
const limit = Number(limitArgument ?? 1_000_000);
const store = openRunStore(runDirectory);
// Resume: the first record without a stored result, found a chunk of keys at a time.
let start = 0;
for (let chunk = 0; chunk < limit; chunk += 1000) {
  const keys = Array.from({ length: Math.min(1000, limit - chunk) }, (_, offset) => fakeKey(chunk + offset));
  const pending = store.pending(keys);
  if (pending.length > 0) {
    start = chunk + keys.indexOf(pending[0] as string);
    break;
  }
  start = chunk + keys.length;
}
process.stdout.write(`resumed ${start}\n`);
const deadline = Date.now() + 60_000;
for (let first = start; first < limit && Date.now() < deadline; first += batchSize) {
  const batch = [];
  for (let index = first; index < Math.min(limit, first + batchSize); index++) batch.push(fakeRecord(index));
  process.stdout.write(`writing ${first + batch.length}\n`);
  store.putGenerations(batch);
  process.stdout.write(`committed ${first + batch.length}\n`);
}
store.close();
