/**
 * Float format conversions between f32, f16 and bf16, on raw little-endian bytes. Pure functions; rounding is
 * round-to-nearest-even, as torch and ggml do, so an export reproduces the values those tools would write.
 */

export type FloatDtype = "f32" | "f16" | "bf16";

export const BYTES_PER_ELEMENT: Record<FloatDtype, number> = { f32: 4, f16: 2, bf16: 2 };

const scratch = new DataView(new ArrayBuffer(4));

function f32Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  return scratch.getUint32(0, true);
}

/** IEEE half bits for the f32 with bit pattern `bits` (round to nearest even; overflow to infinity). */
export function f32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the full significand, with its implicit 1, into place.
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** f32 bit pattern of the half with bits `half` (exact). */
export function f16BitsToF32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  let mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent === 0) {
    if (mantissa === 0) return sign >>> 0;
    // Subnormal half: normalize it into an f32.
    let shifted = -1;
    do {
      shifted += 1;
      mantissa <<= 1;
    } while ((mantissa & 0x400) === 0);
    return (sign | ((127 - 15 - shifted) << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((exponent - 15 + 127) << 23) | (mantissa << 13)) >>> 0;
}

/** bf16 bits for the f32 with bit pattern `bits` (round to nearest even; NaN stays a quiet NaN). */
export function f32BitsToBf16Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function f32ToF16Bits(value: number): number {
  return f32BitsToF16Bits(f32Bits(value));
}

export function f32ToBf16Bits(value: number): number {
  return f32BitsToBf16Bits(f32Bits(value));
}

/** Little-endian u16/u32 views need aligned memory; copy when the bytes sit at an odd offset. */
function aligned(bytes: Uint8Array, alignment: number): Uint8Array {
  if (bytes.byteOffset % alignment === 0) return bytes;
  return new Uint8Array(bytes);
}

/** f32 bit patterns of `bytes` holding elements of type `from`. */
function toF32Bits(bytes: Uint8Array, from: FloatDtype): Uint32Array {
  if (from === "f32") {
    const source = aligned(bytes, 4);
    return new Uint32Array(source.buffer, source.byteOffset, source.byteLength / 4);
  }
  const source = aligned(bytes, 2);
  const halves = new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2);
  const out = new Uint32Array(halves.length);
  if (from === "bf16") {
    for (let index = 0; index < halves.length; index += 1) out[index] = (halves[index]! << 16) >>> 0;
  } else {
    for (let index = 0; index < halves.length; index += 1) out[index] = f16BitsToF32Bits(halves[index]!);
  }
  return out;
}

/**
 * Converts raw little-endian elements from one float type to another. Returns `bytes` itself when the types
 * match. Assumes a little-endian host (checked once by the exporter).
 */
export function convertFloats(bytes: Uint8Array, from: FloatDtype, to: FloatDtype): Uint8Array {
  if (bytes.byteLength % BYTES_PER_ELEMENT[from] !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${from} elements`);
  }
  if (from === to) return bytes;
  const bits = toF32Bits(bytes, from);
  if (to === "f32") {
    const copy = bits.buffer === bytes.buffer ? new Uint32Array(bits) : bits;
    return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
  }
  const out = new Uint16Array(bits.length);
  if (to === "bf16") {
    for (let index = 0; index < bits.length; index += 1) out[index] = f32BitsToBf16Bits(bits[index]!);
  } else {
    for (let index = 0; index < bits.length; index += 1) out[index] = f32BitsToF16Bits(bits[index]!);
  }
  return new Uint8Array(out.buffer);
}

/** Decodes raw little-endian elements into numbers (for readers and tests). */
export function decodeFloats(bytes: Uint8Array, from: FloatDtype): Float32Array {
  const bits = toF32Bits(bytes, from);
  return new Float32Array(bits.buffer.slice(bits.byteOffset, bits.byteOffset + bits.byteLength));
}
