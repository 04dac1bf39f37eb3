/**
 * generations.jsonl: one line per generation the study asks for (results and stored errors), with its
 * grade, gold answer, prompt and provenance fields, cell by cell in plan order.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { RunRecord, RunStore } from "../store/index.ts";

export async function writeGenerationsJsonl(file: string, record: RunRecord, store: RunStore): Promise<number> {
  const out = createWriteStream(file, { encoding: "utf8" });
  const golds = new Map<string, string>();
  const goldOf = (benchmark: string, problemId: string): string | null => {
    if (!golds.has(`${benchmark}\0`)) {
      for (const problem of store.problems(benchmark)) golds.set(`${benchmark}\0${problem.id}`, problem.answer);
      golds.set(`${benchmark}\0`, "");
    }
    return golds.get(`${benchmark}\0${problemId}`) ?? null;
  };
  let lines = 0;
  const write = async (line: string): Promise<void> => {
    lines++;
    if (!out.write(`${line}\n`)) await once(out, "drain");
  };
  try {
    for (const cell of record.cells) {
      const grades = new Map(record.grader === null ? [] : store.gradedSamples(cell.keys, record.grader).map((sample) => [sample.key, sample]));
      for (const generation of store.generations(cell.keys)) {
        const grade = grades.get(generation.key);
        await write(
          JSON.stringify({
            key: generation.key,
            model: cell.model,
            variant: cell.variant,
            benchmark: cell.benchmark,
            problem_id: generation.problemId,
            sample_index: generation.sampleIndex,
            seed: generation.seed,
            status: "ok",
            gold: goldOf(generation.benchmark, generation.problemId),
            grade: grade?.status ?? null,
            extracted: grade?.extracted ?? null,
            text: generation.text,
            finish_reason: generation.finishReason,
            prompt_tokens: generation.promptTokens,
            completion_tokens: generation.completionTokens,
            warnings: generation.warnings,
            prompt: store.promptOf(generation.key) ?? null,
            backend: generation.backendKind,
            backend_version: generation.backendVersion,
            latency_ms: generation.latencyMs,
            attempts: generation.attempts,
            created_at: generation.createdAt,
          }),
        );
      }
      for (const failure of store.failures(cell.keys)) {
        await write(
          JSON.stringify({
            key: failure.key,
            model: cell.model,
            variant: cell.variant,
            benchmark: cell.benchmark,
            problem_id: failure.problemId,
            sample_index: failure.sampleIndex,
            status: "error",
            error: failure.error,
            attempts: failure.attempts,
            updated_at: failure.updatedAt,
          }),
        );
      }
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return lines;
}
