/** The `arith` entry of the benchmark registry: a generated benchmark (no files, seeded, any size). */
import { QreasonError } from "../../errors.ts";
import { defineGeneratedBenchmark } from "../benchmarks/define.ts";
import { ARITH_BENCHMARK, TEST_SIZE, TRAIN_DEFAULT_SIZE, generateArithSplit, isArithSplit } from "./splits.ts";

export const arith = defineGeneratedBenchmark({
  name: ARITH_BENCHMARK,
  description: "synthetic multi-step arithmetic word problems with step-level ground truth (levels 1-5)",
  defaultSplit: "test",
  splits: [
    { name: "test", count: TEST_SIZE },
    { name: "train", count: TRAIN_DEFAULT_SIZE },
  ],
  generate(split, { size, seed, signal }) {
    if (!isArithSplit(split)) throw new QreasonError("E_INTERNAL", `arith has no split '${split}'`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
      throw new QreasonError("E_USAGE", `arith seeds are integers from 0 to 4294967295, got ${seed}`);
    }
    return generateArithSplit(split, { size, seed, ...(signal ? { signal } : {}) });
  },
});
