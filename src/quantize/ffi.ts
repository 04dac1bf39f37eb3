/**
 * The koffi binding to libllama's quantization API: `llama_model_quantize`, its default parameters, the log
 * callback and the version string. Struct layouts are built from the field lists in llamaHeader.ts (checked
 * against the shipped llama.h by a test), and opening the library refuses a binary from a different
 * llama.cpp release or one whose default parameters do not read back as expected — either would mean the
 * layout is stale, and a stale layout corrupts memory instead of failing.
 *
 * Only quantizeChild.ts calls this, in a child process, so that a crash inside C cannot take qreason down.
 */
import koffi, { type TypeObject } from "koffi";
import { QreasonError } from "../errors.ts";
import {
  EXPECTED_DEFAULT_PARAMS,
  IMATRIX_DATA_FIELDS,
  KV_OVERRIDE_TYPE,
  LLAMA_CPP_RELEASE,
  QUANTIZE_PARAMS_FIELDS,
} from "./llamaHeader.ts";

/** koffi type names for the C types that appear in the transcribed structs. */
const C_TO_KOFFI: Record<string, string> = {
  int32_t: "int32_t",
  bool: "bool",
  size_t: "size_t",
  "const char *": "const char *",
  "const float *": "float *",
  "const int32_t *": "int32_t *",
};

function koffiType(cType: string, structs: Record<string, TypeObject>): TypeObject | string {
  if (cType.startsWith("enum ")) return "int"; // C enums are int-sized on every ABI node-llama-cpp ships for
  const pointee = /^const struct (\w+) \*$/.exec(cType)?.[1];
  if (pointee !== undefined) {
    const struct = structs[pointee];
    return struct === undefined ? "void *" : koffi.pointer(struct);
  }
  const mapped = C_TO_KOFFI[cType];
  if (mapped === undefined) throw new QreasonError("E_INTERNAL", `no koffi mapping for C type '${cType}'`);
  return mapped;
}

const structFromFields = (
  name: string,
  fields: ReadonlyArray<readonly [string, string]>,
  structs: Record<string, TypeObject>,
): TypeObject => koffi.struct(name, Object.fromEntries(fields.map(([field, cType]) => [field, koffiType(cType, structs)])));

// Types are registered once per process; koffi rejects a second struct with the same name.
const ImatrixData = structFromFields("llama_model_imatrix_data", IMATRIX_DATA_FIELDS, {});
const KvOverride = koffi.struct("llama_model_kv_override", {
  tag: "int",
  key: koffi.array("char", 128, "String"),
  value: koffi.union("llama_model_kv_override_value", {
    val_i64: "int64_t",
    val_f64: "double",
    val_bool: "bool",
    val_str: koffi.array("char", 128, "String"),
  }),
});
const QuantizeParams = structFromFields("llama_model_quantize_params", QUANTIZE_PARAMS_FIELDS, {
  llama_model_imatrix_data: ImatrixData,
  llama_model_kv_override: KvOverride,
});
const LogCallback = koffi.proto("void qreason_ggml_log_callback(int level, const char *text, void *user_data)");

/** Byte sizes the C compiler gives these structs on 64-bit targets; a mismatch means the transcription is off. */
export const EXPECTED_STRUCT_SIZES = { quantizeParams: 64, imatrixData: 24, kvOverride: 264 } as const;

export function structSizes(): { quantizeParams: number; imatrixData: number; kvOverride: number } {
  return {
    quantizeParams: koffi.sizeof(QuantizeParams),
    imatrixData: koffi.sizeof(ImatrixData),
    kvOverride: koffi.sizeof(KvOverride),
  };
}

export interface QuantizeParamsValue {
  nthread: number;
  ftype: number;
  output_tensor_type: number;
  token_embedding_type: number;
  allow_requantize: boolean;
  quantize_output_tensor: boolean;
  only_copy: boolean;
  pure: boolean;
  keep_split: boolean;
  dry_run: boolean;
  imatrix: unknown;
  kv_overrides: unknown;
  tt_overrides: unknown;
  prune_layers: unknown;
  max_buf_size: number;
}

export interface ImatrixEntryValue {
  name: string;
  data: Float32Array;
}

export type KvOverrideValue = { key: string; int: number } | { key: string; text: string };

/** `text` cut to at most `maxBytes` of UTF-8 without splitting a character (C char[128] fields). */
export function truncateUtf8(text: string, maxBytes: number): string {
  let result = "";
  let bytes = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character);
    if (bytes > maxBytes) break;
    result += character;
  }
  return result;
}

/** Fields of `actual` that differ from what this release's llama_model_quantize_default_params returns. */
export function defaultParamMismatches(actual: Record<string, unknown>): string[] {
  return Object.entries(EXPECTED_DEFAULT_PARAMS)
    .filter(([field, expected]) => actual[field] !== expected)
    .map(([field, expected]) => `${field}: expected ${String(expected)}, got ${String(actual[field])}`);
}

export interface LlamaQuantizer {
  /** llama.cpp's version string (llama_version()). */
  version: string;
  /**
   * Routes llama.cpp's log lines to `sink` (level: 1 debug … 4 error, 5 continuation). The quantizer logs
   * only from the calling thread (its workers report through stderr); a koffi callback from another thread
   * during this synchronous call would wait for the blocked JS thread forever.
   */
  setLogger(sink: (level: number, text: string) => void): void;
  /** Runs llama_model_quantize; returns its status (0 = success). Blocks the calling thread. */
  quantize(options: {
    input: string;
    output: string;
    ftype: number;
    threads: number;
    imatrix?: readonly ImatrixEntryValue[];
    metadata?: readonly KvOverrideValue[];
    /** Every tensor in the type itself: no k-quant mixture (llama-quantize --pure). */
    pure?: boolean;
  }): number;
}

/** Opens libllama at `libraryPath`, built from llama.cpp `release`, and checks that our layout fits it. */
export function openLlamaQuantizer(libraryPath: string, release: string): LlamaQuantizer {
  if (release !== LLAMA_CPP_RELEASE) {
    throw new QreasonError(
      "E_INTERNAL",
      `libllama at ${libraryPath} is llama.cpp ${release}, but qreason's quantize-params layout was transcribed ` +
        `from ${LLAMA_CPP_RELEASE}; update src/quantize/llamaHeader.ts from that release's llama.h`,
    );
  }
  const sizes = structSizes();
  if (JSON.stringify(sizes) !== JSON.stringify(EXPECTED_STRUCT_SIZES)) {
    throw new QreasonError("E_INTERNAL", `unexpected llama.cpp struct sizes ${JSON.stringify(sizes)}`);
  }
  const library = koffi.load(libraryPath);
  const llamaVersion = library.func("const char *llama_version(void)") as () => string;
  const backendInit = library.func("void llama_backend_init(void)") as () => void;
  const logSet = library.func("void llama_log_set(qreason_ggml_log_callback *callback, void *user_data)") as (
    callback: unknown,
    userData: null,
  ) => void;
  const defaultParams = library.func(
    "llama_model_quantize_params llama_model_quantize_default_params(void)",
  ) as () => QuantizeParamsValue;
  const quantizeFunction = library.func(
    "uint32_t llama_model_quantize(const char *fname_inp, const char *fname_out, const llama_model_quantize_params *params)",
  ) as (input: string, output: string, params: QuantizeParamsValue) => number;

  const mismatches = defaultParamMismatches({ ...defaultParams() });
  if (mismatches.length > 0) {
    throw new QreasonError(
      "E_INTERNAL",
      `llama_model_quantize_default_params() does not match llama.cpp ${LLAMA_CPP_RELEASE} (${mismatches.join("; ")}): ` +
        "the struct layout in src/quantize/llamaHeader.ts is stale",
    );
  }
  backendInit();
  let registeredLogger: unknown;

  return {
    version: llamaVersion(),
    setLogger(sink) {
      if (registeredLogger !== undefined) koffi.unregister(registeredLogger as bigint);
      registeredLogger = koffi.register((level: number, text: string) => sink(level, text ?? ""), koffi.pointer(LogCallback));
      logSet(registeredLogger, null);
    },
    quantize({ input, output, ftype, threads, imatrix, metadata, pure }) {
      const params = defaultParams();
      params.ftype = ftype;
      params.nthread = threads;
      params.pure = pure === true;
      if (imatrix !== undefined && imatrix.length > 0) {
        // koffi copies these JS arrays into C memory that lives for the duration of the call.
        params.imatrix = [
          ...imatrix.map((entry) => ({ name: entry.name, data: entry.data, size: entry.data.length })),
          { name: null, data: null, size: 0 }, // terminator
        ];
      }
      if (metadata !== undefined && metadata.length > 0) {
        params.kv_overrides = [
          ...metadata.map((item) =>
            "int" in item
              ? { tag: KV_OVERRIDE_TYPE.INT, key: item.key, value: { val_i64: item.int } }
              : { tag: KV_OVERRIDE_TYPE.STR, key: item.key, value: { val_str: truncateUtf8(item.text, 127) } },
          ),
          { tag: KV_OVERRIDE_TYPE.INT, key: "", value: { val_i64: 0 } }, // terminator: empty key
        ];
      }
      return quantizeFunction(input, output, params);
    },
  };
}
