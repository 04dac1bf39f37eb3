/**
 * Reads a SentencePiece `tokenizer.model` (a protobuf ModelProto) without a protobuf library: only the fields
 * a GGUF export needs — each piece's text, score and type, the model type, and the whitespace normalization
 * flags. Field numbers come from sentencepiece_model.proto.
 */
import { QreasonError } from "../errors.ts";

/** SentencePiece piece types (sentencepiece_model.proto); GGUF token types use the same numbers. */
export const PIECE_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SentencePiece {
  piece: string;
  score: number;
  type: number;
}

export interface SentencePieceModel {
  pieces: SentencePiece[];
  /** trainer_spec.model_type: 1 unigram, 2 BPE, 3 word, 4 char. */
  modelType: number;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
}

class ProtoReader {
  position = 0;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get done(): boolean {
    return this.position >= this.bytes.length;
  }
  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let index = 0; index < 10; index += 1) {
      if (this.position >= this.bytes.length) throw new RangeError("varint runs past the end");
      const byte = this.bytes[this.position++]!;
      result += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return result;
      multiplier *= 128;
    }
    throw new RangeError("varint longer than 10 bytes");
  }
  lengthDelimited(): Uint8Array {
    const length = this.varint();
    if (this.position + length > this.bytes.length) throw new RangeError("field runs past the end");
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }
  float32(): number {
    if (this.position + 4 > this.bytes.length) throw new RangeError("float runs past the end");
    const value = this.view.getFloat32(this.position, true);
    this.position += 4;
    return value;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.position += 8;
    else if (wireType === 2) this.lengthDelimited();
    else if (wireType === 5) this.position += 4;
    else throw new RangeError(`unsupported protobuf wire type ${wireType}`);
  }
  /** Iterates (field number, wire type) pairs; the callback must consume or skip the value. */
  fields(visit: (field: number, wireType: number) => void): void {
    while (!this.done) {
      const key = this.varint();
      visit(Math.floor(key / 8), key % 8);
    }
  }
}

function parsePiece(bytes: Uint8Array): SentencePiece {
  const reader = new ProtoReader(bytes);
  const piece: SentencePiece = { piece: "", score: 0, type: PIECE_TYPE.NORMAL };
  reader.fields((field, wireType) => {
    if (field === 1 && wireType === 2) piece.piece = new TextDecoder().decode(reader.lengthDelimited());
    else if (field === 2 && wireType === 5) piece.score = reader.float32();
    else if (field === 3 && wireType === 0) piece.type = reader.varint();
    else reader.skip(wireType);
  });
  return piece;
}

export function parseSentencePieceModel(bytes: Uint8Array, file: string): SentencePieceModel {
  const model: SentencePieceModel = { pieces: [], modelType: 1, addDummyPrefix: true, removeExtraWhitespaces: true };
  try {
    const reader = new ProtoReader(bytes);
    reader.fields((field, wireType) => {
      if (field === 1 && wireType === 2) {
        model.pieces.push(parsePiece(reader.lengthDelimited()));
      } else if (field === 2 && wireType === 2) {
        const trainer = new ProtoReader(reader.lengthDelimited());
        trainer.fields((trainerField, trainerWire) => {
          if (trainerField === 3 && trainerWire === 0) model.modelType = trainer.varint();
          else trainer.skip(trainerWire);
        });
      } else if (field === 3 && wireType === 2) {
        const normalizer = new ProtoReader(reader.lengthDelimited());
        normalizer.fields((normalizerField, normalizerWire) => {
          if (normalizerField === 3 && normalizerWire === 0) model.addDummyPrefix = normalizer.varint() !== 0;
          else if (normalizerField === 4 && normalizerWire === 0) model.removeExtraWhitespaces = normalizer.varint() !== 0;
          else normalizer.skip(normalizerWire);
        });
      } else {
        reader.skip(wireType);
      }
    });
  } catch (error) {
    throw new QreasonError("E_INPUT", `not a SentencePiece model: ${(error as Error).message}`, { file });
  }
  if (model.pieces.length === 0) throw new QreasonError("E_INPUT", "SentencePiece model has no pieces", { file });
  return model;
}
