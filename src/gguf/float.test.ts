import assert from "node:assert/strict";
import { test } from "node:test";
import {
  convertFloats,
  decodeFloats,
  f16BitsToF32Bits,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  f32ToBf16Bits,
  f32ToF16Bits,
} from "./float.ts";

// Node's Float16Array (IEEE binary16, round-to-nearest-even) is the independent reference for f16.
const F16 = (globalThis as unknown as { Float16Array: new (length: number) => ArrayLike<number> & { [index: number]: number } })
  .Float16Array;

function referenceF16Bits(value: number): number {
  const halves = new F16(1);
  halves[0] = value;
  return new Uint16Array((halves as unknown as { buffer: ArrayBuffer }).buffer)[0]!;
}

function bitsOf(value: number): number {
  return new Uint32Array(new Float32Array([value]).buffer)[0]!;
}

function valueOf(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0]!;
}

/** bf16 by brute force: the nearer of the two truncations, ties to the even one (independent of the bit trick). */
function referenceBf16Bits(value: number): number {
  const bits = bitsOf(value);
  const down = bits >>> 16;
  const up = down + 1;
  const distanceDown = Math.abs(value - valueOf(down << 16));
  const distanceUp = Math.abs(valueOf((up << 16) >>> 0) - value);
  if (distanceDown < distanceUp) return down;
  if (distanceUp < distanceDown) return up & 0xffff;
  return (down & 1) === 0 ? down : up & 0xffff;
}

test("f16 -> f32 is exact for all 65536 half patterns (NaNs stay NaN)", () => {
  for (let half = 0; half < 0x10000; half += 1) {
    const halves = new F16(1);
    new Uint16Array((halves as unknown as { buffer: ArrayBuffer }).buffer)[0] = half;
    const expected = halves[0]!;
    const actual = valueOf(f16BitsToF32Bits(half));
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual), `pattern ${half.toString(16)}`);
    else assert.ok(Object.is(actual, expected), `pattern ${half.toString(16)}: ${actual} != ${expected}`);
  }
});

test("f32 -> f16 rounds like IEEE (edge cases and 200k random values)", () => {
  const edges = [
    0, -0, 1, -1, 65504, 65519.99, 65520, 1e10, -1e10, Infinity, -Infinity, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-9,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 3 * 2 ** -25, 2 ** -14 - 2 ** -25,
  ];
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const values = [...edges];
  for (let index = 0; index < 200_000; index += 1) values.push(valueOf(Math.floor(random() * 2 ** 32)));
  for (const value of values) {
    const rounded = Math.fround(value);
    if (Number.isNaN(rounded)) {
      assert.equal(f32BitsToF16Bits(bitsOf(rounded)) & 0x7c00, 0x7c00);
      assert.notEqual(f32BitsToF16Bits(bitsOf(rounded)) & 0x3ff, 0);
      continue;
    }
    assert.equal(f32ToF16Bits(rounded), referenceF16Bits(rounded), `value ${rounded}`);
  }
});

test("f32 -> bf16 rounds to nearest even (edge cases and 200k random values)", () => {
  let seed = 99;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const values = [0, -0, 1, -1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.3895313892515355e38, 1e-40];
  for (let index = 0; index < 200_000; index += 1) {
    const value = valueOf(Math.floor(random() * 2 ** 32));
    if (Number.isFinite(value) && Math.abs(value) < 3.38e38) values.push(value);
  }
  for (const value of values) assert.equal(f32ToBf16Bits(value), referenceBf16Bits(value), `value ${value}`);
  assert.equal(f32BitsToBf16Bits(0x7fc00001) & 0x7fc0, 0x7fc0, "NaN stays a quiet NaN");
});

test("convertFloats: round trips and conversions between all three types", () => {
  const values = new Float32Array([0, 1, -2.5, 3.140625, 65280, -0.0001220703125]);
  const asBytes = new Uint8Array(values.buffer);
  assert.equal(convertFloats(asBytes, "f32", "f32"), asBytes, "same type returns the input");
  for (const middle of ["f16", "bf16"] as const) {
    const narrowed = convertFloats(asBytes, "f32", middle);
    assert.equal(narrowed.byteLength, values.length * 2);
    // These values are exact in both half types, so the round trip is exact.
    assert.deepEqual(Array.from(decodeFloats(convertFloats(narrowed, middle, "f32"), "f32")), Array.from(values));
  }
  const viaBf16 = convertFloats(convertFloats(asBytes, "f32", "f16"), "f16", "bf16");
  assert.deepEqual(Array.from(decodeFloats(viaBf16, "bf16")), Array.from(values));
  // An odd byte offset (as a slice of a file buffer may have) must still convert correctly.
  const shifted = new Uint8Array(asBytes.length + 1);
  shifted.set(asBytes, 1);
  assert.deepEqual(Array.from(decodeFloats(convertFloats(shifted.subarray(1), "f32", "f16"), "f16")), Array.from(values));
  assert.throws(() => convertFloats(new Uint8Array(3), "f16", "f32"), RangeError);
});
