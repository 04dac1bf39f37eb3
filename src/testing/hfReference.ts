/**
 * Reference outputs from Hugging Face transformers (through the engine's Python), for tests that check
 * another runtime (llama.cpp on an exported GGUF) against the model it came from: tokenization,
 * next-token log-probabilities at every position, and greedy continuations.
 */
import { spawn } from "node:child_process";
import { enginePython, projectRoot } from "./paths.ts";

export interface HfReferenceRequest {
  modelDir: string;
  /** Texts to tokenize (without special tokens added) and evaluate. */
  texts: string[];
  /** Greedy tokens to generate after each text (0 for none). */
  greedyTokens: number;
}

export interface HfReferenceResult {
  /** Token ids of the text (HF tokenizer, add_special_tokens=False). */
  ids: number[];
  /** logProbs[i][t]: log P(token t | ids[0..i]) in float64, for every position i. */
  logProbs: number[][];
  /** Greedy continuation ids. */
  greedy: number[];
}

const SCRIPT = `
import json, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
torch.set_num_threads(1)
requests = json.load(sys.stdin)
results = []
for request in requests:
    tokenizer = AutoTokenizer.from_pretrained(request["modelDir"], local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(request["modelDir"], dtype=torch.float32, local_files_only=True).eval()
    per_text = []
    for text in request["texts"]:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].double()
            log_probs = torch.log_softmax(logits, dim=-1)
            greedy = []
            if request["greedyTokens"] > 0:
                out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                     max_new_tokens=request["greedyTokens"], min_new_tokens=request["greedyTokens"],
                                     do_sample=False, pad_token_id=tokenizer.pad_token_id)
                greedy = out[0, len(ids):].tolist()
        per_text.append({"ids": ids, "logProbs": log_probs.tolist(), "greedy": greedy})
    results.append(per_text)
json.dump(results, sys.stdout)
`;

/** Runs all requests in one Python process (importing torch once). Results in request order. */
export function hfReference(requests: HfReferenceRequest[], timeoutMs = 300_000): Promise<HfReferenceResult[][]> {
  return runPythonJson<HfReferenceResult[][]>("HF reference", SCRIPT, requests, timeoutMs, { OMP_NUM_THREADS: "1" });
}

const TOKENIZE_SCRIPT = `
import json, sys
from transformers import AutoTokenizer
request = json.load(sys.stdin)
tokenizer = AutoTokenizer.from_pretrained(request["modelDir"], local_files_only=True)
json.dump([tokenizer(text, add_special_tokens=False)["input_ids"] for text in request["texts"]], sys.stdout)
`;

/** HF tokenization of `texts` (special tokens in the text are parsed; none are added); loads no weights. */
export function hfTokenize(modelDir: string, texts: string[], timeoutMs = 120_000): Promise<number[][]> {
  return runPythonJson<number[][]>("HF tokenization", TOKENIZE_SCRIPT, { modelDir, texts }, timeoutMs);
}

/** `script` in the engine's Python with `input` as JSON on stdin; its stdout parsed as JSON. Killed after `timeoutMs`. */
function runPythonJson<T>(what: string, script: string, input: unknown, timeoutMs: number, env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(enginePython, ["-c", script], {
      cwd: projectRoot,
      env: { ...process.env, ...env, TRANSFORMERS_VERBOSITY: "error" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${what} failed (exit ${code}): ${Buffer.concat(stderr).toString().slice(-2000)}`));
      else resolve(JSON.parse(Buffer.concat(stdout).toString()) as T);
    });
    child.stdin.end(JSON.stringify(input));
  });
}
