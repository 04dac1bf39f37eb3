/**
 * The run record of a run directory, read from its store (run.json is only a human-readable copy; see
 * src/store/runRecord.ts). For tests and scripts that want a run's cells and keys in one call.
 */
import { openRunDirectory, runRecordOf, type RunRecord } from "../store/index.ts";
import { QreasonError } from "../errors.ts";

export function readRunRecord(runDirectory: string): RunRecord {
  const store = openRunDirectory(runDirectory);
  try {
    const record = runRecordOf(store);
    if (record === undefined) throw new QreasonError("E_NOT_FOUND", "this run directory holds no plan yet: run `qreason run <study.yaml>` first", { file: store.file });
    return record;
  } finally {
    store.close();
  }
}
