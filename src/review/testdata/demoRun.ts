/**
 * Test support: a small demo-style run directory, made the way `qreason demo` makes one — the bundled
 * reference model on the arith testbed through llama.cpp on the CPU, with the attribute stage — but one
 * variant (Q2_K pure, every tensor at 2 bits: the quickstart's worst) on 30 problems, so it takes seconds.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { referenceModel } from "../../cli/commands/demo.ts";
import { runQreason } from "../../testing/cli.ts";
import { projectRoot } from "../../testing/paths.ts";

export function demoStudy(size: number): string {
  return `name: view-demo
seed: 0
models:
  - name: reference
    gguf: ${JSON.stringify(referenceModel(projectRoot))}
    variants:
      - { llamacpp: { type: Q2_K, pure: true } }
benchmarks:
  - { name: arith, split: test, size: ${size} }
prompt: { template: testbed }
sampling: { temperature: 0, max_tokens: 256 }
attribute: { controls: 1 }
runtime: { threads: 1, batch_size: 4 }
`;
}

/** Runs the small study with `qreason run` into `scratch/run`; throws with the CLI's output when it fails. */
export async function makeDemoRun(scratch: string, size = 30): Promise<string> {
  const study = path.join(scratch, "study.yaml");
  writeFileSync(study, demoStudy(size));
  const runDirectory = path.join(scratch, "run");
  const run = await runQreason(["run", study, "--out", runDirectory, "--quiet"], { timeoutMs: 540_000 });
  if (run.code !== 0) throw new Error(`qreason run failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  return runDirectory;
}
