/**
 * The engine commands restoration runs as child processes: `train` (a LoRA adapter from a recipe, its
 * progress as JSON lines on stdout) and `gguf-to-hf` (a llama.cpp variant dequantized to the Hugging Face
 * layout, to train on its exact deployed weights). Ctrl-C reaches the child as SIGINT; a failure is a QreasonError with the engine's last lines.
 */
import { spawn } from "node:child_process";
import { QreasonError } from "../errors.ts";

export interface EngineCommandOptions {
  python: string;
  projectRoot: string;
  signal?: AbortSignal;
  /** Each JSON object the command prints on stdout. */
  onJson?: (line: Record<string, unknown>) => void;
  /** Each line of stderr (logs, human-readable progress). */
  onLog?: (line: string) => void;
}

/** One progress line of `train --progress jsonl` (engine/qreason_engine/train/cli.py). */
export interface TrainProgress {
  event: "progress";
  step: number;
  total: number;
  loss: number | null;
  reward_margin: number | null;
  reward_accuracy: number | null;
  elapsed_s: number;
}

function lines(onLine: (line: string) => void): (chunk: string) => void {
  let partial = "";
  return (chunk) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const part of parts) if (part.trim() !== "") onLine(part.trim());
  };
}

/** Runs `python -m qreason_engine.cli <args>`; resolves with the JSON lines it printed on stdout. */
export function runEngineCommand(name: string, args: readonly string[], options: EngineCommandOptions): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new QreasonError("E_BACKEND", `${name} cancelled`));
      return;
    }
    const child = spawn(options.python, ["-m", "qreason_engine.cli", name, ...args], { cwd: options.projectRoot, stdio: ["ignore", "pipe", "pipe"] });
    const printed: Record<string, unknown>[] = [];
    let stderrTail = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on(
      "data",
      lines((line) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          options.onLog?.(line); // not a protocol line: a library that wrote to stdout anyway
          return;
        }
        if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
          printed.push(parsed as Record<string, unknown>);
          options.onJson?.(parsed as Record<string, unknown>);
        }
      }),
    );
    child.stderr.setEncoding("utf8");
    const log = lines((line) => options.onLog?.(line));
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
      log(chunk);
    });
    const onAbort = (): void => void child.kill("SIGINT");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => reject(new QreasonError("E_BACKEND", `cannot start the Python engine (${options.python}): ${error.message}; set QREASON_PYTHON`)));
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (options.signal?.aborted) reject(new QreasonError("E_BACKEND", `${name} cancelled`));
      else if (code === 0) resolve(printed);
      else {
        const tail = stderrTail.trim().split("\n").slice(-8).join("\n");
        const invalid = tail.match(/^(E_[A-Z_]+): (.*)$/m);
        reject(new QreasonError(invalid ? "E_INPUT" : "E_BACKEND", `qreason-engine ${name} failed (exit ${code}):\n${tail}`));
      }
    });
  });
}

/** `train --recipe R --out D --progress jsonl`; `onProgress` gets every optimizer step. Returns the "done" line. */
export async function trainAdapter(
  recipeFile: string,
  outDirectory: string,
  device: string,
  options: EngineCommandOptions & { onProgress?: (progress: TrainProgress) => void },
): Promise<Record<string, unknown>> {
  const printed = await runEngineCommand("train", ["--recipe", recipeFile, "--out", outDirectory, "--progress", "jsonl", "--device", device], {
    ...options,
    onJson: (line) => {
      if (line.event === "progress") options.onProgress?.(line as unknown as TrainProgress);
      options.onJson?.(line);
    },
  });
  const done = printed.find((line) => line.event === "done");
  if (done === undefined) throw new QreasonError("E_BACKEND", "qreason-engine train ended without its \"done\" line");
  return done;
}
