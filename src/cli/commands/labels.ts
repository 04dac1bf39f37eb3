/**
 * `qreason labels <run-dir>`: the human labels `qreason view` stored, as JSONL (schema qreason-labels/v1):
 * one line per reviewed flip with its latest label, or every review with --history.
 */
import path from "node:path";
import { defineCommand } from "citty";
import { openAtomicOutput } from "../../io/index.ts";
import { labelsJsonl, RunReview } from "../../review/index.ts";
import { openRunDirectory } from "../../store/index.ts";

export default defineCommand({
  meta: { name: "labels", description: "Export the human labels of a run (from `qreason view`) as JSONL: one line per reviewed flip, or every review with --history" },
  args: {
    runDirectory: { type: "positional", required: true, description: "A run directory made by `qreason run`" },
    out: { type: "string", description: "Write to this file instead of standard output" },
    history: { type: "boolean", description: "Every review (oldest first), not only each flip's latest" },
  },
  async run({ args }) {
    const store = openRunDirectory(path.resolve(String(args.runDirectory)));
    try {
      const text = labelsJsonl(new RunReview(store, { reviewer: "export" }), { history: Boolean(args.history) });
      if (typeof args.out === "string" && args.out !== "") {
        // Whole or not at all, through a symlink; a directory, FIFO or missing folder is a clear error.
        const output = await openAtomicOutput(args.out, "--out", { stdoutByDefault: true });
        try {
          await output.write(text);
          await output.commit();
        } catch (error) {
          output.abort();
          throw error;
        }
        console.error(`${text === "" ? 0 : text.trimEnd().split("\n").length} label lines written to ${args.out}`);
      } else {
        process.stdout.write(text);
      }
    } finally {
      store.close();
    }
  },
});
