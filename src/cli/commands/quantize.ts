/**
 * `qreason quantize --model M --recipe R --out O`: make a quantized variant.
 *
 * A GGUF file goes to llama.cpp's own quantizer (R is a llama.cpp type such as Q4_K_M; O a .gguf path);
 * a Hugging Face model directory goes to the Python engine (`qreason-engine quantize`, R a recipe JSON,
 * O a variant directory), with the recipe's missing fields filled in from qreason's defaults first and
 * written to O.recipe.json (the engine takes only fully resolved recipes, so a study and this command make
 * the same variant of one recipe). Either way a qreason-quant.json is written beside the result.
 */
import { spawn } from "node:child_process";
import { mkdir, open, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { defineCommand } from "citty";
import { QreasonError } from "../../errors.ts";
import { QUANT_TYPES, quantizeGguf, type QuantizeGgufResult } from "../../quantize/index.ts";
import { completeEngineRecipe } from "../../run/engineRecipe.ts";
import { readConfig, type CliConfig } from "../config.ts";
import { createProgress } from "../progress.ts";

export type ModelKind = "gguf" | "hf-dir";

/** What --model names: a GGUF file (by its magic, not its name) or a Hugging Face model directory. */
export async function modelKind(modelPath: string): Promise<ModelKind> {
  let info;
  try {
    info = await stat(modelPath);
  } catch {
    throw new QreasonError("E_NOT_FOUND", "no such file or directory", { file: modelPath, field: "model" });
  }
  if (info.isDirectory()) return "hf-dir";
  const handle = await open(modelPath, "r");
  try {
    const magic = new Uint8Array(4);
    await handle.read(magic, 0, 4, 0);
    if (new TextDecoder().decode(magic) === "GGUF") return "gguf";
  } finally {
    await handle.close();
  }
  throw new QreasonError(
    "E_INPUT",
    "not a GGUF file (bad magic) and not a directory: give a GGUF for llama.cpp types or a Hugging Face model directory",
    { file: modelPath, field: "model" },
  );
}

function parseThreads(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) throw new QreasonError("E_USAGE", `--threads must be a positive integer, got '${value}'`);
  return threads;
}

/**
 * The recipe file with every default filled in, written beside the variant as `<out>.recipe.json` (what
 * the engine is given, and so what its messages name); a study writes the same file for its variants. A
 * file that is missing or not JSON goes to the engine as it is, which reports it with its file and line.
 */
async function completedRecipeFile(recipeFile: string, out: string): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(recipeFile, "utf8"));
  } catch {
    return recipeFile;
  }
  const completed = `${out.replace(/[\\/]+$/, "")}.recipe.json`;
  await mkdir(path.dirname(completed), { recursive: true });
  await writeFile(completed, `${JSON.stringify(completeEngineRecipe(parsed, path.dirname(path.resolve(recipeFile))), null, 2)}\n`);
  return completed;
}

const formatMiB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1)} MiB`;

/** Runs the Python engine's quantizer; its progress goes straight to our stderr, its JSON result is returned. */
function runEngineQuantize(config: CliConfig, args: { model: string; recipe: string; out: string }, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      config.python,
      ["-m", "qreason_engine.cli", "quantize", "--model", args.model, "--recipe", args.recipe, "--out", args.out],
      { cwd: config.projectRoot, stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => (stdout += chunk));
    const onAbort = (): void => void child.kill("SIGINT");
    signal.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) =>
      reject(new QreasonError("E_QUANT", `cannot start the Python engine (${config.python}): ${error.message}; set QREASON_PYTHON`)),
    );
    child.on("close", (code) => {
      signal.removeEventListener("abort", onAbort);
      if (code === 0) resolve(stdout.trim().split("\n").pop() ?? "");
      else reject(new QreasonError("E_QUANT", `the Python engine's quantize failed (exit ${code}); its message is above`));
    });
  });
}

function printGgufResult(result: QuantizeGgufResult, json: boolean): void {
  const { manifest } = result;
  if (json) {
    console.log(JSON.stringify({ engine: "llama.cpp", out: result.output, manifest: result.manifestPath, summary: manifest }));
    return;
  }
  for (const fallback of manifest.fallbacks) {
    console.error(`qreason: warning: ${fallback.name} (rows of ${fallback.rowLength}) stored as ${fallback.storedAs}`);
  }
  const types = Object.entries(manifest.output.tensorTypes)
    .map(([type, count]) => `${type} x${count}`)
    .join(", ");
  console.log(
    [
      `wrote ${result.output} (${manifest.type}, ${formatMiB(manifest.output.bytes)} from ${formatMiB(manifest.source.bytes)}, ` +
        `${manifest.seconds.toFixed(1)} s)`,
      `  bits per weight ${manifest.output.quantizedBitsPerWeight.toFixed(3)} over quantized weights, ` +
        `${manifest.output.bitsPerWeight.toFixed(3)} over all tensors`,
      `  tensors ${types}`,
      `  manifest ${result.manifestPath}`,
    ].join("\n"),
  );
}

export default defineCommand({
  meta: {
    name: "quantize",
    description:
      "Make a quantized variant: a GGUF through llama.cpp's quantizer (--recipe is a llama.cpp type), " +
      "or a Hugging Face directory through the Python engine (--recipe is a recipe JSON)",
  },
  args: {
    model: { type: "string", description: "Source: a GGUF file (F32/F16/BF16) or a Hugging Face model directory", required: true },
    recipe: {
      type: "string",
      description: `For a GGUF: ${QUANT_TYPES.map((type) => type.name).join(", ")}. For a directory: a recipe JSON file (engine schema; fields left out take qreason's defaults, and the completed recipe is written to OUT.recipe.json)`,
      required: true,
    },
    out: { type: "string", description: "Output .gguf file (GGUF source) or variant directory (HF source)", required: true },
    imatrix: { type: "string", description: "llama.cpp importance matrix (GGUF or .dat; `qreason-engine imatrix` makes one); needed by IQ types" },
    pure: {
      type: "boolean",
      description: "Every tensor in the type itself, as llama-quantize --pure (default: llama.cpp's mixture, e.g. Q2_K keeps the output head at Q6_K)",
    },
    threads: { type: "string", description: "llama.cpp quantization threads (default: all cores)" },
    "allow-fallback": {
      type: "boolean",
      description: "Accept tensors whose rows do not fit the type's block being stored in another type (recorded)",
    },
    force: { type: "boolean", description: "Replace an existing output GGUF" },
    json: { type: "boolean", description: "Print the result as one JSON line" },
  },
  async run({ args }) {
    const config = readConfig();
    const model = String(args.model);
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort();
    process.once("SIGINT", onInterrupt);
    process.once("SIGTERM", onInterrupt);
    try {
      if ((await modelKind(model)) === "hf-dir") {
        for (const flag of ["imatrix", "pure", "threads", "allow-fallback", "force"] as const) {
          if (args[flag] !== undefined && args[flag] !== false) {
            throw new QreasonError("E_USAGE", `--${flag} applies to GGUF models (llama.cpp), not to Hugging Face directories`);
          }
        }
        const out = String(args.out);
        const recipe = await completedRecipeFile(String(args.recipe), out);
        const line = await runEngineQuantize(config, { model, recipe, out }, controller.signal);
        console.log(args.json ? JSON.stringify({ engine: "python", ...(JSON.parse(line) as object) }) : `wrote ${String(args.out)}`);
        return;
      }
      const progress = createProgress({ label: `quantize ${String(args.recipe)}`, total: 1, enabled: config.interactive && !args.json });
      let totalSet = false;
      let shown = 0; // llama.cpp reports absolute positions; the bar advances by differences
      try {
        const result = await quantizeGguf({
          model,
          type: String(args.recipe),
          out: String(args.out),
          imatrix: args.imatrix === undefined ? undefined : String(args.imatrix),
          pure: Boolean(args.pure),
          threads: parseThreads(args.threads),
          allowFallback: Boolean(args["allow-fallback"]),
          overwrite: Boolean(args.force),
          signal: controller.signal,
          onProgress({ tensorsDone, tensorsTotal }) {
            if (!totalSet) {
              progress.setTotal(tensorsTotal);
              totalSet = true;
            }
            progress.tick(tensorsDone - shown);
            shown = tensorsDone;
          },
        });
        progress.stop();
        printGgufResult(result, Boolean(args.json));
      } finally {
        progress.stop();
      }
    } finally {
      process.removeListener("SIGINT", onInterrupt);
      process.removeListener("SIGTERM", onInterrupt);
    }
  },
});
