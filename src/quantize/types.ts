/**
 * The llama.cpp quantization types qreason offers, as data: which `llama_ftype` each is, the ggml block type
 * that most of its weights get, what that block type costs in bits per weight, and whether an importance
 * matrix is needed. Names are llama.cpp's own (what `llama-quantize` and every GGUF on a model hub use).
 */
import { QreasonError } from "../errors.ts";
import { didYouMean } from "../suggest.ts";
import { LLAMA_FTYPE } from "./llamaHeader.ts";

export type ImatrixPolicy = "required" | "optional";

export interface QuantType {
  /** llama.cpp's name, e.g. "Q4_K_M". */
  name: string;
  /** The `llama_ftype` passed to llama_model_quantize. */
  ftype: number;
  /** The ggml block type most quantized tensors get (mixes such as _M put some tensors a step higher). */
  baseType: string;
  /** Elements per block of `baseType`: rows of every quantized tensor must be a multiple of this. */
  blockSize: number;
  /** Bits per weight of `baseType` alone (block bytes * 8 / block elements); the file's real figure is measured. */
  baseBitsPerWeight: number;
  imatrix: ImatrixPolicy;
  description: string;
}

const bits = (blockBytes: number, blockSize: number): number => (blockBytes * 8) / blockSize;

/**
 * IQ4_XS is legal in llama.cpp without an imatrix, but the IQ family was designed around one and quantizes
 * poorly without it; qreason asks for one for all three so that IQ results are comparable with each other.
 */
export const QUANT_TYPES: readonly QuantType[] = [
  { name: "Q8_0", ftype: LLAMA_FTYPE.MOSTLY_Q8_0, baseType: "Q8_0", blockSize: 32, baseBitsPerWeight: bits(34, 32), imatrix: "optional", description: "8-bit round-to-nearest, one scale per 32 weights" },
  { name: "Q6_K", ftype: LLAMA_FTYPE.MOSTLY_Q6_K, baseType: "Q6_K", blockSize: 256, baseBitsPerWeight: bits(210, 256), imatrix: "optional", description: "6-bit k-quant" },
  { name: "Q5_K_M", ftype: LLAMA_FTYPE.MOSTLY_Q5_K_M, baseType: "Q5_K", blockSize: 256, baseBitsPerWeight: bits(176, 256), imatrix: "optional", description: "5-bit k-quant, attention-v and ffn-down partly 6-bit" },
  { name: "Q5_0", ftype: LLAMA_FTYPE.MOSTLY_Q5_0, baseType: "Q5_0", blockSize: 32, baseBitsPerWeight: bits(22, 32), imatrix: "optional", description: "5-bit round-to-nearest, one scale per 32 weights" },
  { name: "Q4_K_M", ftype: LLAMA_FTYPE.MOSTLY_Q4_K_M, baseType: "Q4_K", blockSize: 256, baseBitsPerWeight: bits(144, 256), imatrix: "optional", description: "4-bit k-quant, attention-v and ffn-down partly 6-bit (the common default)" },
  { name: "Q4_K_S", ftype: LLAMA_FTYPE.MOSTLY_Q4_K_S, baseType: "Q4_K", blockSize: 256, baseBitsPerWeight: bits(144, 256), imatrix: "optional", description: "4-bit k-quant, nearly uniform" },
  { name: "Q4_0", ftype: LLAMA_FTYPE.MOSTLY_Q4_0, baseType: "Q4_0", blockSize: 32, baseBitsPerWeight: bits(18, 32), imatrix: "optional", description: "4-bit round-to-nearest, one scale per 32 weights" },
  { name: "Q3_K_M", ftype: LLAMA_FTYPE.MOSTLY_Q3_K_M, baseType: "Q3_K", blockSize: 256, baseBitsPerWeight: bits(110, 256), imatrix: "optional", description: "3-bit k-quant, some tensors 4/5-bit" },
  { name: "Q3_K_S", ftype: LLAMA_FTYPE.MOSTLY_Q3_K_S, baseType: "Q3_K", blockSize: 256, baseBitsPerWeight: bits(110, 256), imatrix: "optional", description: "3-bit k-quant, nearly uniform" },
  { name: "Q2_K", ftype: LLAMA_FTYPE.MOSTLY_Q2_K, baseType: "Q2_K", blockSize: 256, baseBitsPerWeight: bits(84, 256), imatrix: "optional", description: "2-bit k-quant, attention partly 3/4-bit" },
  { name: "IQ4_XS", ftype: LLAMA_FTYPE.MOSTLY_IQ4_XS, baseType: "IQ4_XS", blockSize: 256, baseBitsPerWeight: bits(136, 256), imatrix: "required", description: "4.25-bit non-linear i-quant" },
  { name: "IQ3_XXS", ftype: LLAMA_FTYPE.MOSTLY_IQ3_XXS, baseType: "IQ3_XXS", blockSize: 256, baseBitsPerWeight: bits(98, 256), imatrix: "required", description: "3.06-bit i-quant (lattice codebook)" },
  { name: "IQ2_XS", ftype: LLAMA_FTYPE.MOSTLY_IQ2_XS, baseType: "IQ2_XS", blockSize: 256, baseBitsPerWeight: bits(74, 256), imatrix: "required", description: "2.31-bit i-quant (lattice codebook)" },
];

const byName = new Map(QUANT_TYPES.map((type) => [type.name, type]));

export const quantTypeNames = (): string[] => QUANT_TYPES.map((type) => type.name);

/** The type called `name` (case-insensitive); a QreasonError listing the valid names otherwise. */
export function findQuantType(name: string, field = "recipe"): QuantType {
  const type = byName.get(name.trim().toUpperCase());
  if (type === undefined) {
    throw new QreasonError(
      "E_USAGE",
      `unknown llama.cpp quantization type '${name}'${didYouMean(name, quantTypeNames())}; choose one of ${quantTypeNames().join(", ")}`,
      { field },
    );
  }
  return type;
}
