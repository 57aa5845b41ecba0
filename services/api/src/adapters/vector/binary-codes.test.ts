// The in-memory sign-bit scan: the same neighbours as a plain Hamming ranking, deterministic ties, any k.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileWat } from "../../../../../scripts/build-wasm.ts";
import { BinaryCodes } from "./binary-codes.ts";
import { WASM_BASE64 } from "./hamming-wasm.ts";

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

function hamming(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = (a[i] as number) ^ (b[i] as number);
    for (; x; x &= x - 1) d++;
  }
  return d;
}

function randomRows(count: number, dims: number, seed: number) {
  const next = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const bits = new Uint8Array(dims / 8);
    for (let b = 0; b < bits.length; b++) bits[b] = next() >>> 24;
    return [1000 + i * 3, bits] as const;
  });
}

describe("BinaryCodes", () => {
  const dims = 64;
  const rows = randomRows(500, dims, 7);
  const codes = BinaryCodes.from(rows, dims);

  // 64: one padded block; 1536: OpenAI's size, 12 blocks; 1544: 12 blocks and a padded one.
  it.each([64, 1536, 1544])(
    "returns the k nearest rows by Hamming distance, nearest first, ties in storage order (%i dims)",
    (d) => {
      const data = d === dims ? rows : randomRows(300, d, d);
      const index = d === dims ? codes : BinaryCodes.from(data, d);
      const query = data[42]?.[1] as Uint8Array;
      for (const k of [1, 10, 37, 200]) {
        const expected = data
          .map(([rowid, bits], i) => ({ rowid, d: hamming(bits, query), i }))
          .sort((a, b) => a.d - b.d || a.i - b.i)
          .slice(0, k)
          .map((r) => r.rowid);
        expect(index.nearest(query, k)).toEqual(expected);
      }
      expect(index.nearest(query, 1)).toEqual([1000 + 42 * 3]);
    },
  );

  it("returns every row when k is larger than the index, and nothing from an empty one", () => {
    const all = codes.nearest(rows[0]?.[1] as Uint8Array, 10_000);
    expect(all).toHaveLength(rows.length);
    expect(new Set(all)).toEqual(new Set(rows.map(([rowid]) => rowid)));
    expect(BinaryCodes.from([], dims).nearest(new Uint8Array(8), 5)).toEqual([]);
  });

  it("runs the kernel compiled from hamming.wat (the committed binary is not stale)", async () => {
    const binary = await compileWat(join(import.meta.dirname, "hamming.wat"));
    expect(Buffer.from(binary).toString("base64")).toBe(WASM_BASE64);
  });

  it("refuses codes and queries of the wrong size", () => {
    expect(() => BinaryCodes.from([[1, new Uint8Array(4)]], dims)).toThrow(/expected 8/);
    expect(() => BinaryCodes.from([], 44)).toThrow(/multiple of 8/);
    expect(() => codes.nearest(new Uint8Array(4), 1)).toThrow(/expected 8/);
  });
});
