// Sign-bit codes of every stored vector, held in memory and scanned by Hamming distance: the dense leg's first pass.

/**
 * The stored vectors' sign bits (as sqlite-vec's `vec_quantize_binary` lays them out), one row per chunk, scanned
 * in full for each query. 192 bytes a chunk for 1536 dimensions: 1.9 MB at 10k chunks, 19 MB at 100k.
 *
 * Why not sqlite-vec's own KNN over its `bit[]` table: its top-k selection costs O(rows x k) (measured at 100k
 * chunks: 10.6 ms for k=10, 56 ms for k=400), while this scan costs the same for any k (11 ms at 100k), so the
 * exact float re-score can afford a pool large enough to keep recall as the index grows.
 */
export class BinaryCodes {
  readonly #rowids: Float64Array;
  readonly #codes: Uint32Array;
  readonly #words: number;
  readonly #distances: Uint16Array;

  private constructor(rowids: Float64Array, codes: Uint32Array, words: number) {
    this.#rowids = rowids;
    this.#codes = codes;
    this.#words = words;
    this.#distances = new Uint16Array(rowids.length);
  }

  /** Codes from `(rowid, bits)` rows; every `bits` must hold `dims / 8` bytes. */
  static from(rows: ReadonlyArray<readonly [number, Uint8Array]>, dims: number): BinaryCodes {
    if (dims % 32 !== 0) throw new Error(`BinaryCodes: ${dims} dimensions is not a multiple of 32`);
    const words = dims / 32;
    const rowids = new Float64Array(rows.length);
    const codes = new Uint32Array(rows.length * words);
    const bytes = new Uint8Array(codes.buffer);
    rows.forEach(([rowid, bits], i) => {
      if (bits.byteLength !== words * 4)
        throw new Error(
          `BinaryCodes: row ${rowid} has ${bits.byteLength} bytes of bits, expected ${words * 4}`,
        );
      rowids[i] = rowid;
      bytes.set(bits, i * words * 4);
    });
    return new BinaryCodes(rowids, codes, words);
  }

  get size(): number {
    return this.#rowids.length;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#codes.byteLength + this.#rowids.byteLength + this.#distances.byteLength;
  }

  /**
   * Rowids of the `k` codes nearest to `query` (bits laid out as stored), nearest first by distance band; rows at
   * the cut-off distance are taken in storage order, so the answer is deterministic.
   */
  nearest(query: Uint8Array, k: number): number[] {
    const words = this.#words;
    if (query.byteLength !== words * 4)
      throw new Error(`BinaryCodes: query has ${query.byteLength} bytes of bits, expected ${words * 4}`);
    const q = new Uint32Array(words);
    new Uint8Array(q.buffer).set(query);
    const codes = this.#codes;
    const dist = this.#distances;
    const n = this.#rowids.length;
    const histogram = new Uint32Array(words * 32 + 1);
    for (let r = 0, off = 0; r < n; r++, off += words) {
      let d = 0;
      for (let w = 0; w < words; w++) {
        // Population count of the differing bits (SWAR).
        let x = (codes[off + w] as number) ^ (q[w] as number);
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
      }
      dist[r] = d;
      histogram[d] = (histogram[d] as number) + 1;
    }
    // The smallest distance `cut` with at least k rows at or under it: rows under it all belong, ties fill up.
    let cut = 0;
    let under = 0;
    while (cut < histogram.length - 1 && under + (histogram[cut] as number) < k)
      under += histogram[cut++] as number;
    const byBand: number[][] = [];
    let ties = k - under;
    for (let r = 0; r < n; r++) {
      const d = dist[r] as number;
      if (d > cut || (d === cut && ties-- <= 0)) continue;
      let band = byBand[d];
      if (!band) {
        band = [];
        byBand[d] = band;
      }
      band.push(this.#rowids[r] as number);
    }
    return byBand.flat();
  }
}
