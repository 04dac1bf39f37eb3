/**
 * Child-process entry of the llama.cpp quantizer: `node quantizeChild.ts <job json>`.
 *
 * llama_model_quantize blocks its thread for the whole run and, on inputs it does not expect, may abort the
 * process (GGML_ABORT). Running it here keeps qreason's own process responsive (progress bars, Ctrl-C) and
 * alive whatever happens in C. Events go to stdout as JSON lines, written synchronously because the event
 * loop does not turn while the C call runs.
 */
import { writeSync } from "node:fs";
import { openLlamaQuantizer, type ImatrixEntryValue, type KvOverrideValue } from "./ffi.ts";
import { readImatrix } from "./imatrix.ts";

export interface QuantizeJob {
  library: string;
  release: string;
  input: string;
  output: string;
  ftype: number;
  threads: number;
  imatrixPath?: string;
  metadata: KvOverrideValue[];
  pure: boolean;
}

export type ChildEvent =
  | { event: "start"; version: string }
  | { event: "tensor"; index: number; total: number; name: string }
  | { event: "log"; level: number; text: string }
  | { event: "done"; status: number }
  | { event: "failed"; message: string };

const emit = (event: ChildEvent): void => {
  writeSync(1, `${JSON.stringify(event)}\n`);
};

const LOG_WARN = 3;
const LOG_CONTINUATION = 5;
/** `[   3/  21]                blk.0.attn_q.weight - [...]`: the line llama.cpp starts for each tensor. */
const TENSOR_LINE = /^\[\s*(\d+)\/\s*(\d+)\]\s+(\S+)/;

async function run(job: QuantizeJob): Promise<void> {
  const quantizer = openLlamaQuantizer(job.library, job.release);
  let lastLevel = 0;
  quantizer.setLogger((level, text) => {
    const tensor = TENSOR_LINE.exec(text);
    if (tensor) emit({ event: "tensor", index: Number(tensor[1]), total: Number(tensor[2]), name: tensor[3]! });
    const effective = level === LOG_CONTINUATION ? lastLevel : level;
    if (level !== LOG_CONTINUATION) lastLevel = level;
    if (effective >= LOG_WARN) emit({ event: "log", level: effective, text });
  });
  emit({ event: "start", version: quantizer.version });
  let imatrix: ImatrixEntryValue[] | undefined;
  if (job.imatrixPath !== undefined) {
    const loaded = await readImatrix(job.imatrixPath);
    imatrix = [...loaded.entries].map(([name, data]) => ({ name, data }));
  }
  const status = quantizer.quantize({
    input: job.input,
    output: job.output,
    ftype: job.ftype,
    threads: job.threads,
    imatrix,
    metadata: job.metadata,
    pure: job.pure,
  });
  emit({ event: "done", status });
}

const jobText = process.argv[2];
if (jobText !== undefined) {
  run(JSON.parse(jobText) as QuantizeJob).catch((error: unknown) => {
    emit({ event: "failed", message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  });
}
