/**
 * The tokenizer half of a GGUF export: vocabulary, token types, merges or scores, special token ids, BOS/EOS
 * behaviour and the chat template, read from a Hugging Face model directory (tokenizer.json,
 * tokenizer_config.json, tokenizer.model, chat_template.jinja, config.json).
 *
 * Two tokenizer families are supported, as llama.cpp names them:
 * - "gpt2": byte-level BPE with merges (Llama 3, Qwen2/2.5/3, Mistral Nemo). llama.cpp re-implements each
 *   pre-tokenizer regex under a name (`tokenizer.ggml.pre`); we recognise the regex in tokenizer.json and
 *   refuse one we cannot name rather than silently tokenizing differently.
 * - "llama": SentencePiece BPE with byte fallback (Llama 1/2, Mistral 7B). Scores come from tokenizer.model
 *   when present, else are derived from the merge order in tokenizer.json.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { array, bool, str, u32, type GgufMetadata } from "./metadata.ts";
import { PIECE_TYPE, parseSentencePieceModel, type SentencePieceModel } from "./sentencepieceModel.ts";

/** GGUF token types (llama_token_type), the same numbers SentencePiece uses. */
export const TOKEN_TYPE = PIECE_TYPE;

/** Pre-tokenizer regexes as they appear in tokenizer.json, by the name llama.cpp gives them. */
export const KNOWN_PRE_TOKENIZER_REGEXES: ReadonlyMap<string, string> = new Map([
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "llama-bpe",
  ],
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "qwen2",
  ],
  [
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "tekken",
  ],
]);

/**
 * Model types whose tokenizer class in transformers (>= 5) rebuilds the pre-tokenizer itself, ignoring the
 * one in tokenizer.json: transformers loads every `qwen2` checkpoint with Qwen2Tokenizer and its Qwen2
 * regex. Real Qwen2 checkpoints ship that regex anyway; for one that does not, matching what the HF model
 * actually sees means following transformers, not the file.
 */
export const TRANSFORMERS_FORCED_PRE_TOKENIZER: ReadonlyMap<string, string> = new Map([["qwen2", "qwen2"]]);

interface JsonObject {
  [key: string]: unknown;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

export interface TokenizerExport {
  metadata: GgufMetadata;
  summary: {
    model: "gpt2" | "llama";
    pre?: string;
    tokens: number;
    merges?: number;
    bosTokenId?: number;
    eosTokenId?: number;
    addBos: boolean;
    chatTemplate: boolean;
  };
  warnings: string[];
}

/** The llama.cpp pre-tokenizer name for a tokenizer.json `pre_tokenizer`, or a QreasonError naming it. */
export function detectPreTokenizer(preTokenizer: unknown, file: string): string {
  const describe = JSON.stringify(preTokenizer)?.slice(0, 300);
  if (isObject(preTokenizer) && preTokenizer.type === "ByteLevel" && preTokenizer.use_regex !== false) {
    // The GPT-2 regex, applied by the ByteLevel pre-tokenizer itself.
    return "gpt-2";
  }
  if (isObject(preTokenizer) && preTokenizer.type === "Sequence" && Array.isArray(preTokenizer.pretokenizers)) {
    const steps = preTokenizer.pretokenizers.filter(isObject);
    const splits = steps.filter((step) => step.type === "Split");
    const byteLevel = steps.find((step) => step.type === "ByteLevel");
    // SmolLM / SmolLM2: every digit on its own, then the GPT-2 regex (llama.cpp's `smollm`, the regexes
    // "\p{N}" then GPT-2's, in llama-vocab.cpp).
    const [first, second] = steps;
    if (
      steps.length === 2 &&
      first?.type === "Digits" &&
      first.individual_digits === true &&
      second?.type === "ByteLevel" &&
      second.use_regex !== false &&
      second.add_prefix_space !== true
    ) {
      return "smollm";
    }
    if (splits.length === 1 && byteLevel && byteLevel.use_regex === false && steps.length === 2) {
      const pattern = splits[0]!.pattern;
      const regex = isObject(pattern) && typeof pattern.Regex === "string" ? pattern.Regex : undefined;
      const name = regex === undefined ? undefined : KNOWN_PRE_TOKENIZER_REGEXES.get(regex);
      if (name) return name;
    }
  }
  throw new QreasonError(
    "E_INPUT",
    `unsupported pre-tokenizer ${describe}; llama.cpp needs a named pre-tokenizer and qreason recognises ` +
      `gpt-2 (plain ByteLevel), smollm (single Digits, then ByteLevel) and the regexes of ` +
      `${[...KNOWN_PRE_TOKENIZER_REGEXES.values()].join(", ")}`,
    { file, field: "pre_tokenizer" },
  );
}

async function readJson(file: string): Promise<JsonObject | undefined> {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new QreasonError("E_INPUT", `not valid JSON: ${(error as Error).message}`, { file });
  }
  if (!isObject(parsed)) throw new QreasonError("E_INPUT", "expected a JSON object", { file });
  return parsed;
}

/** A special token named in tokenizer_config.json: a string, or an AddedToken object with `content`. */
function specialTokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isObject(value) && typeof value.content === "string") return value.content;
  return undefined;
}

/** llama.cpp's convert treats these as control tokens even when a tokenizer forgets to mark them special. */
function looksSpecial(text: string): boolean {
  return (
    (text.startsWith("<|") && text.endsWith("|>")) ||
    (text.startsWith("<｜") && text.endsWith("｜>")) ||
    ["<pad>", "<mask>"].includes(text)
  );
}

interface ChatTemplates {
  main?: string;
  named: Map<string, string>;
}

async function readChatTemplates(modelDir: string, tokenizerConfig: JsonObject | undefined): Promise<ChatTemplates> {
  const named = new Map<string, string>();
  const fromConfig = tokenizerConfig?.chat_template;
  if (typeof fromConfig === "string") return { main: fromConfig, named };
  if (Array.isArray(fromConfig)) {
    let main: string | undefined;
    for (const entry of fromConfig) {
      if (!isObject(entry) || typeof entry.name !== "string" || typeof entry.template !== "string") continue;
      if (entry.name === "default") main = entry.template;
      else named.set(entry.name, entry.template);
    }
    return { main, named };
  }
  const jinja = path.join(modelDir, "chat_template.jinja");
  if (existsSync(jinja)) return { main: await readFile(jinja, "utf8"), named };
  const json = await readJson(path.join(modelDir, "chat_template.json"));
  if (typeof json?.chat_template === "string") return { main: json.chat_template, named };
  return { named };
}

/** Whether a tokenizer.json post-processor adds `tokenText` first (bos) or last (eos) to a single sequence. */
function postProcessorAdds(postProcessor: unknown, position: "first" | "last", tokenText: string | undefined): boolean | undefined {
  if (!isObject(postProcessor) || tokenText === undefined) return undefined;
  if (postProcessor.type === "Sequence" && Array.isArray(postProcessor.processors)) {
    for (const processor of postProcessor.processors) {
      const found = postProcessorAdds(processor, position, tokenText);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (postProcessor.type !== "TemplateProcessing" || !Array.isArray(postProcessor.single)) return undefined;
  const single = postProcessor.single;
  const piece = position === "first" ? single[0] : single[single.length - 1];
  return isObject(piece) && isObject(piece.SpecialToken) && piece.SpecialToken.id === tokenText;
}

function parseMerges(merges: unknown, file: string): string[] {
  if (!Array.isArray(merges)) throw new QreasonError("E_INPUT", "BPE model has no merges list", { file, field: "model.merges" });
  return merges.map((merge, index) => {
    // Older tokenizers store "a b"; newer ones store ["a", "b"] (which allows spaces inside a part).
    if (typeof merge === "string") return merge;
    if (Array.isArray(merge) && merge.length === 2 && merge.every((part) => typeof part === "string")) {
      if (merge.some((part: string) => part.includes(" "))) {
        throw new QreasonError("E_INPUT", `merge ${index} has a space inside a part, which GGUF cannot store`, {
          file,
          field: `model.merges[${index}]`,
        });
      }
      return `${merge[0]} ${merge[1]}`;
    }
    throw new QreasonError("E_INPUT", `merge ${index} is neither "a b" nor ["a", "b"]`, { file, field: `model.merges[${index}]` });
  });
}

/** GGUF key suffixes of the special token ids ("seperator" is llama.cpp's spelling). */
const SPECIAL_TOKEN_KEYS = {
  bos: "bos_token_id",
  eos: "eos_token_id",
  unk: "unknown_token_id",
  sep: "seperator_token_id",
  pad: "padding_token_id",
} as const;

/** Everything both tokenizer families share: ids of named special tokens, add_bos/add_eos, chat template. */
async function specialTokenMetadata(
  modelDir: string,
  tokenIds: Map<string, number>,
  tokenizerConfig: JsonObject | undefined,
  tokenizerJson: JsonObject | undefined,
  modelConfig: JsonObject,
  defaultAddBos: boolean,
  warnings: string[],
): Promise<{ metadata: GgufMetadata; bos?: number; eos?: number; addBos: boolean; chatTemplate: boolean }> {
  const metadata: GgufMetadata = new Map();
  const ids: Record<string, number | undefined> = {};
  const texts: Record<string, string | undefined> = {};
  for (const kind of ["bos", "eos", "unk", "sep", "pad"] as const) {
    const text = specialTokenText(tokenizerConfig?.[`${kind}_token`]);
    let id: number | undefined;
    if (text !== undefined) {
      id = tokenIds.get(text);
      if (id === undefined) warnings.push(`${kind}_token ${JSON.stringify(text)} is not in the vocabulary; ignored`);
    }
    if (id === undefined) {
      const fromConfig = modelConfig[`${kind}_token_id`];
      const candidate = Array.isArray(fromConfig) ? fromConfig[0] : fromConfig;
      if (typeof candidate === "number" && Number.isInteger(candidate) && candidate >= 0) id = candidate;
    }
    ids[kind] = id;
    texts[kind] = text;
    if (id !== undefined) metadata.set(`tokenizer.ggml.${SPECIAL_TOKEN_KEYS[kind]}`, u32(id));
  }
  const bosText = texts.bos ?? [...tokenIds].find(([, id]) => id === ids.bos)?.[0];
  const eosText = texts.eos ?? [...tokenIds].find(([, id]) => id === ids.eos)?.[0];
  const configuredAddBos = tokenizerConfig?.add_bos_token;
  const addBos =
    typeof configuredAddBos === "boolean"
      ? configuredAddBos
      : (postProcessorAdds(tokenizerJson?.post_processor, "first", bosText) ?? defaultAddBos);
  const configuredAddEos = tokenizerConfig?.add_eos_token;
  const addEos =
    typeof configuredAddEos === "boolean"
      ? configuredAddEos
      : (postProcessorAdds(tokenizerJson?.post_processor, "last", eosText) ?? false);
  if (addBos && ids.bos === undefined) {
    throw new QreasonError("E_INPUT", "the tokenizer adds a BOS token but names none", {
      file: path.join(modelDir, "tokenizer_config.json"),
      field: "bos_token",
    });
  }
  metadata.set("tokenizer.ggml.add_bos_token", bool(addBos));
  metadata.set("tokenizer.ggml.add_eos_token", bool(addEos));
  const templates = await readChatTemplates(modelDir, tokenizerConfig);
  if (templates.main !== undefined) metadata.set("tokenizer.chat_template", str(templates.main));
  for (const [name, template] of templates.named) metadata.set(`tokenizer.chat_template.${name}`, str(template));
  if (templates.named.size > 0) metadata.set("tokenizer.chat_templates", array("string", [...templates.named.keys()]));
  return { metadata, bos: ids.bos, eos: ids.eos, addBos, chatTemplate: templates.main !== undefined };
}

function addedTokensOf(tokenizerJson: JsonObject | undefined, tokenizerConfig: JsonObject | undefined): AddedToken[] {
  const added: AddedToken[] = [];
  if (Array.isArray(tokenizerJson?.added_tokens)) {
    for (const token of tokenizerJson.added_tokens) {
      if (isObject(token) && typeof token.id === "number" && typeof token.content === "string") {
        added.push({ id: token.id, content: token.content, special: token.special === true });
      }
    }
    return added;
  }
  // Without tokenizer.json (a bare tokenizer.model), tokenizer_config.json lists the added tokens.
  const decoder = tokenizerConfig?.added_tokens_decoder;
  if (isObject(decoder)) {
    for (const [id, token] of Object.entries(decoder)) {
      if (isObject(token) && typeof token.content === "string") {
        added.push({ id: Number(id), content: token.content, special: token.special === true });
      }
    }
  }
  return added;
}

/** Fills a vocabulary of exactly `vocabSize` entries, padding ids the tokenizer does not use. */
function fillVocabulary(
  vocabSize: number,
  entries: Iterable<[string, number]>,
  file: string,
): { tokens: string[]; types: number[] } {
  const tokens = new Array<string | undefined>(vocabSize).fill(undefined);
  for (const [text, id] of entries) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new QreasonError(
        "E_INPUT",
        `token ${JSON.stringify(text)} has id ${id}, outside the model's ${vocabSize} embedding rows`,
        { file },
      );
    }
    tokens[id] = text;
  }
  const types = new Array<number>(vocabSize).fill(TOKEN_TYPE.NORMAL);
  const filled = tokens.map((text, id) => {
    if (text !== undefined) return text;
    types[id] = TOKEN_TYPE.UNUSED;
    return `[PAD${id}]`;
  });
  return { tokens: filled, types };
}

function checkUnique(tokens: string[], file: string): void {
  const seen = new Map<string, number>();
  tokens.forEach((text, id) => {
    const previous = seen.get(text);
    if (previous !== undefined) {
      throw new QreasonError("E_INPUT", `token ${JSON.stringify(text)} appears twice (ids ${previous} and ${id})`, { file });
    }
    seen.set(text, id);
  });
}

async function exportByteLevelBpe(
  modelDir: string,
  vocabSize: number,
  tokenizerJson: JsonObject,
  tokenizerConfig: JsonObject | undefined,
  modelConfig: JsonObject,
): Promise<TokenizerExport> {
  const file = path.join(modelDir, "tokenizer.json");
  const model = tokenizerJson.model as JsonObject;
  const warnings: string[] = [];
  let pre = detectPreTokenizer(tokenizerJson.pre_tokenizer, file);
  const forced = TRANSFORMERS_FORCED_PRE_TOKENIZER.get(String(modelConfig.model_type));
  if (forced !== undefined && forced !== pre) {
    warnings.push(
      `tokenizer.json pre-tokenizer is ${pre}, but transformers tokenizes model_type ${String(modelConfig.model_type)} ` +
        `with the ${forced} regex; exported as ${forced} to match the HF model`,
    );
    pre = forced;
  }
  if (pre !== "gpt-2" && tokenizerConfig?.tokenizer_class === "GPT2Tokenizer") {
    // SmolLM2's own repository says GPT2Tokenizer; transformers >= 5 builds that class with its own plain
    // ByteLevel and ignores tokenizer.json's pre-tokenizer. The GGUF keeps the one the model was trained with.
    warnings.push(
      `tokenizer_config.json names GPT2Tokenizer, which transformers >= 5 rebuilds with a plain ByteLevel ` +
        `pre-tokenizer, ignoring tokenizer.json's (${pre}); the GGUF uses ${pre}, as the model was trained, so ` +
        "transformers and llama.cpp may split some texts (e.g. runs of spaces before digits) differently",
    );
  }
  if (!isObject(model.vocab)) throw new QreasonError("E_INPUT", "BPE model has no vocab", { file, field: "model.vocab" });
  const added = addedTokensOf(tokenizerJson, tokenizerConfig);
  const entries = new Map<string, number>(Object.entries(model.vocab as Record<string, number>));
  for (const token of added) entries.set(token.content, token.id);
  const { tokens, types } = fillVocabulary(vocabSize, entries, file);
  for (const token of added) {
    // llama.cpp matches added tokens in raw text before pre-tokenization; special ones become CONTROL.
    types[token.id] = token.special || looksSpecial(token.content) ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
  }
  checkUnique(tokens, file);
  const merges = parseMerges(model.merges, file);
  const special = await specialTokenMetadata(modelDir, entries, tokenizerConfig, tokenizerJson, modelConfig, false, warnings);
  const metadata: GgufMetadata = new Map([
    ["tokenizer.ggml.model", str("gpt2")],
    ["tokenizer.ggml.pre", str(pre)],
    ["tokenizer.ggml.tokens", array("string", tokens)],
    ["tokenizer.ggml.token_type", array("i32", types)],
    ["tokenizer.ggml.merges", array("string", merges)],
    ...special.metadata,
  ]);
  return {
    metadata,
    summary: {
      model: "gpt2",
      pre,
      tokens: tokens.length,
      merges: merges.length,
      bosTokenId: special.bos,
      eosTokenId: special.eos,
      addBos: special.addBos,
      chatTemplate: special.chatTemplate,
    },
    warnings,
  };
}

/** Whether a tokenizer.json of SentencePiece origin prepends "▁" to the input (llama.cpp's add_space_prefix). */
function addsSpacePrefix(tokenizerJson: JsonObject | undefined): boolean | undefined {
  const visit = (node: unknown): boolean | undefined => {
    if (!isObject(node)) return undefined;
    if (node.type === "Prepend" && node.prepend === "▁") return true;
    if (node.type === "Metaspace") {
      if (node.prepend_scheme !== undefined) return node.prepend_scheme !== "never";
      if (typeof node.add_prefix_space === "boolean") return node.add_prefix_space;
    }
    for (const key of ["normalizers", "pretokenizers"]) {
      const children = node[key];
      if (Array.isArray(children)) {
        for (const child of children) {
          const found = visit(child);
          if (found !== undefined) return found;
        }
      }
    }
    return undefined;
  };
  return visit(tokenizerJson?.normalizer) ?? visit(tokenizerJson?.pre_tokenizer);
}

async function exportSentencePiece(
  modelDir: string,
  vocabSize: number,
  tokenizerJson: JsonObject | undefined,
  tokenizerConfig: JsonObject | undefined,
  modelConfig: JsonObject,
): Promise<TokenizerExport> {
  const warnings: string[] = [];
  const spmFile = path.join(modelDir, "tokenizer.model");
  const jsonFile = path.join(modelDir, "tokenizer.json");
  let spm: SentencePieceModel | undefined;
  if (existsSync(spmFile)) {
    spm = parseSentencePieceModel(await readFile(spmFile), spmFile);
    if (spm.modelType !== 2) {
      throw new QreasonError("E_INPUT", `SentencePiece model type ${spm.modelType} is not BPE (2); llama.cpp's llama tokenizer needs BPE`, {
        file: spmFile,
        field: "trainer_spec.model_type",
      });
    }
  }
  const added = addedTokensOf(tokenizerJson, tokenizerConfig);
  const entries = new Map<string, number>();
  const scores = new Array<number>(vocabSize).fill(0);
  let baseTypes: number[] | undefined;
  if (spm) {
    baseTypes = [];
    spm.pieces.forEach((piece, id) => {
      entries.set(piece.piece, id);
      scores[id] = piece.score;
      baseTypes!.push(piece.type);
    });
  } else {
    const model = tokenizerJson!.model as JsonObject;
    if (!isObject(model.vocab)) throw new QreasonError("E_INPUT", "BPE model has no vocab", { file: jsonFile, field: "model.vocab" });
    for (const [text, id] of Object.entries(model.vocab as Record<string, number>)) entries.set(text, id);
    // llama.cpp's SentencePiece tokenizer merges the adjacent pair whose result scores highest; scoring each
    // token by minus the rank of the merge that makes it reproduces the BPE merge order.
    const merges = parseMerges(model.merges, jsonFile);
    const mergeRank = new Map<string, number>();
    merges.forEach((merge, rank) => {
      const joined = merge.replace(" ", "");
      if (!mergeRank.has(joined)) mergeRank.set(joined, rank);
    });
    for (const [text, id] of entries) {
      if (id < vocabSize) scores[id] = -(mergeRank.get(text) ?? merges.length + id);
    }
    warnings.push("SentencePiece scores derived from tokenizer.json merge order (no tokenizer.model)");
  }
  for (const token of added) entries.set(token.content, token.id);
  const { tokens, types } = fillVocabulary(vocabSize, entries, spm ? spmFile : jsonFile);
  const unkText = specialTokenText(tokenizerConfig?.unk_token) ?? (tokenizerJson?.model as JsonObject | undefined)?.unk_token;
  tokens.forEach((text, id) => {
    if (types[id] === TOKEN_TYPE.UNUSED) return;
    if (baseTypes && id < baseTypes.length) types[id] = baseTypes[id]!;
    else if (/^<0x[0-9A-Fa-f]{2}>$/.test(text)) types[id] = TOKEN_TYPE.BYTE;
    else if (text === unkText) types[id] = TOKEN_TYPE.UNKNOWN;
  });
  for (const token of added) {
    if (baseTypes && token.id < baseTypes.length && baseTypes[token.id] !== TOKEN_TYPE.NORMAL) continue;
    types[token.id] = token.special || looksSpecial(token.content) ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
    if (!spm) scores[token.id] = 0;
  }
  checkUnique(tokens, spm ? spmFile : jsonFile);
  const special = await specialTokenMetadata(modelDir, entries, tokenizerConfig, tokenizerJson, modelConfig, true, warnings);
  const spacePrefix = spm ? spm.addDummyPrefix : (addsSpacePrefix(tokenizerJson) ?? true);
  const metadata: GgufMetadata = new Map([
    ["tokenizer.ggml.model", str("llama")],
    ["tokenizer.ggml.pre", str("default")],
    ["tokenizer.ggml.tokens", array("string", tokens)],
    ["tokenizer.ggml.scores", array("f32", scores)],
    ["tokenizer.ggml.token_type", array("i32", types)],
    ["tokenizer.ggml.add_space_prefix", bool(spacePrefix)],
    ...special.metadata,
  ]);
  if (spm) metadata.set("tokenizer.ggml.remove_extra_whitespaces", bool(spm.removeExtraWhitespaces));
  return {
    metadata,
    summary: {
      model: "llama",
      tokens: tokens.length,
      bosTokenId: special.bos,
      eosTokenId: special.eos,
      addBos: special.addBos,
      chatTemplate: special.chatTemplate,
    },
    warnings,
  };
}

/**
 * Tokenizer metadata for a model whose embedding has `vocabSize` rows. `modelConfig` is config.json
 * (fallback special token ids).
 */
export async function exportTokenizer(modelDir: string, vocabSize: number, modelConfig: JsonObject): Promise<TokenizerExport> {
  const tokenizerJson = await readJson(path.join(modelDir, "tokenizer.json"));
  const tokenizerConfig = await readJson(path.join(modelDir, "tokenizer_config.json"));
  if (tokenizerJson) {
    const model = tokenizerJson.model;
    const file = path.join(modelDir, "tokenizer.json");
    if (!isObject(model) || model.type !== "BPE") {
      const type = isObject(model) ? String(model.type) : "missing";
      throw new QreasonError("E_INPUT", `tokenizer model type ${type} is not supported (BPE only)`, { file, field: "model.type" });
    }
    if (model.byte_fallback === true) return exportSentencePiece(modelDir, vocabSize, tokenizerJson, tokenizerConfig, modelConfig);
    return exportByteLevelBpe(modelDir, vocabSize, tokenizerJson, tokenizerConfig, modelConfig);
  }
  if (existsSync(path.join(modelDir, "tokenizer.model"))) {
    return exportSentencePiece(modelDir, vocabSize, undefined, tokenizerConfig, modelConfig);
  }
  throw new QreasonError("E_NOT_FOUND", "no tokenizer.json or tokenizer.model: the GGUF needs a tokenizer", { file: modelDir });
}
