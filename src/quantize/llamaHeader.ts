/**
 * What qreason knows about llama.cpp's C API, transcribed from the `include/llama.h` of the llama.cpp release
 * that node-llama-cpp ships (its `llama/llama.cpp.info.json` names the tag; the source is in
 * `llama/gitRelease.bundle`). A struct passed by pointer through an FFI has no safety net: a field added or
 * reordered upstream silently shifts every later field. `llamaHeader.test.ts` therefore re-reads the shipped
 * llama.h and fails when these transcriptions and the header disagree, or when the release tag moves.
 */

/** The llama.cpp release these declarations were transcribed from. */
export const LLAMA_CPP_RELEASE = "v0.5.0";

/**
 * `struct llama_model_quantize_params`, field by field, with the C types exactly as llama.h writes them.
 * The koffi struct in ffi.ts is built from this list, so the test that compares it with the header checks
 * the layout that is actually used.
 */
export const QUANTIZE_PARAMS_FIELDS: ReadonlyArray<readonly [name: string, cType: string]> = [
  ["nthread", "int32_t"],
  ["ftype", "enum llama_ftype"],
  ["output_tensor_type", "enum ggml_type"],
  ["token_embedding_type", "enum ggml_type"],
  ["allow_requantize", "bool"],
  ["quantize_output_tensor", "bool"],
  ["only_copy", "bool"],
  ["pure", "bool"],
  ["keep_split", "bool"],
  ["dry_run", "bool"],
  ["imatrix", "const struct llama_model_imatrix_data *"],
  ["kv_overrides", "const struct llama_model_kv_override *"],
  ["tt_overrides", "const struct llama_model_tensor_override *"],
  ["prune_layers", "const int32_t *"],
  ["max_buf_size", "size_t"],
];

/** `struct llama_model_imatrix_data`: one importance-matrix entry; the array ends with a NULL name. */
export const IMATRIX_DATA_FIELDS: ReadonlyArray<readonly [name: string, cType: string]> = [
  ["name", "const char *"],
  ["data", "const float *"],
  ["size", "size_t"],
];

/** `struct llama_model_kv_override`: tag, key[128], then a union of i64/f64/bool/char[128]. */
export const KV_OVERRIDE_FIELDS: ReadonlyArray<readonly [name: string, cType: string]> = [
  ["tag", "enum llama_model_kv_override_type"],
  ["key", "char[128]"],
  ["val_i64", "int64_t"],
  ["val_f64", "double"],
  ["val_bool", "bool"],
  ["val_str", "char[128]"],
];

/** `enum llama_model_kv_override_type`. */
export const KV_OVERRIDE_TYPE = { INT: 0, FLOAT: 1, BOOL: 2, STR: 3 } as const;

/** The `enum llama_ftype` values qreason uses (LLAMA_FTYPE_<name>). */
export const LLAMA_FTYPE = {
  ALL_F32: 0,
  MOSTLY_F16: 1,
  MOSTLY_Q4_0: 2,
  MOSTLY_Q8_0: 7,
  MOSTLY_Q5_0: 8,
  MOSTLY_Q2_K: 10,
  MOSTLY_Q3_K_S: 11,
  MOSTLY_Q3_K_M: 12,
  MOSTLY_Q4_K_S: 14,
  MOSTLY_Q4_K_M: 15,
  MOSTLY_Q5_K_M: 17,
  MOSTLY_Q6_K: 18,
  MOSTLY_IQ2_XS: 20,
  MOSTLY_IQ3_XXS: 23,
  MOSTLY_IQ4_XS: 30,
  MOSTLY_BF16: 32,
} as const;

/** `GGML_TYPE_COUNT`: the "not set" value of the output/token-embedding type fields. */
export const GGML_TYPE_COUNT = 43;

/** What `llama_model_quantize_default_params()` returns in this release (checked at runtime by ffi.ts). */
export const EXPECTED_DEFAULT_PARAMS = {
  nthread: 0,
  ftype: LLAMA_FTYPE.MOSTLY_Q8_0,
  output_tensor_type: GGML_TYPE_COUNT,
  token_embedding_type: GGML_TYPE_COUNT,
  allow_requantize: false,
  quantize_output_tensor: true,
  only_copy: false,
  pure: false,
  keep_split: false,
  dry_run: false,
  max_buf_size: 8 * 1024 * 1024 * 1024,
} as const;

/**
 * What llama.cpp stores instead of a 256-block type when a tensor's rows are not a multiple of 256
 * (`tensor_type_fallback` in src/llama-quant.cpp); F16 when even the fallback's 32-block does not divide.
 * Only the base types of QUANT_TYPES; the header test checks this against the shipped source.
 */
export const QUANT_FALLBACK_TYPES: Readonly<Record<string, string>> = {
  Q2_K: "Q4_0",
  Q3_K: "Q4_0",
  Q4_K: "Q5_0",
  Q5_K: "Q5_1",
  Q6_K: "Q8_0",
  IQ2_XS: "IQ4_NL",
  IQ3_XXS: "IQ4_NL",
  IQ4_XS: "IQ4_NL",
};

/** Metadata keys llama.cpp's own quantize tool writes when an imatrix is used (tools/quantize). */
export const IMATRIX_METADATA_KEYS = {
  file: "quantize.imatrix.file",
  dataset: "quantize.imatrix.dataset",
  entries: "quantize.imatrix.entries_count",
  chunks: "quantize.imatrix.chunks_count",
} as const;
