// Sign-bit codes of every stored vector, held in memory and scanned by Hamming distance: the dense leg's first pass.
import { WASM_BASE64 } from "./hamming-wasm.ts";

/** The scan itself (hamming.wat): WebAssembly SIMD popcounts, 16 bytes at a time; compiled once per process. */
const scanModule = new WebAssembly.Module(Buffer.from(WASM_BASE64, "base64"));

interface ScanExports {
  memory: WebAssembly.Memory;
  scan(codes: number, rows: number, stride: number, query: number, out: number): void;
}

const PAGE = 65_536;

/**
 * The stored vectors' sign bits (as sqlite-vec's `vec_quantize_binary` lays them out), one row per chunk, scanned
 * in full for each query. 192 bytes a chunk for 1536 dimensions: 1.9 MB at 10k chunks, 19 MB at 100k.
 *
 * Why not sqlite-vec's own KNN over its `bit[]` table: its top-k selection costs O(rows x k) (measured at 100k
 * chunks: 10.6 ms for k=10, 56 ms for k=400), while this scan costs the same for any k, so the exact float
 * re-score can afford a pool large enough to keep recall as the index grows. The distances come from a small
 * WebAssembly SIMD kernel (hamming.wat): about 1 ms at 10k chunks in plain JS (32-bit popcounts), a tenth of
 * that with 128-bit ones. Re-measured for issue 12 on 100k random codes (2 cores, load average 20): sqlite-vec's
 * `bit[1536]` KNN 24.6 ms for k=10 and 312 ms for k=1000 (the pool recall 1.00 needs at 100k), a plain-JS scan
 * 21.2 ms, against the guard of 25 ms for a whole hybrid search at 100k: the kernel stays.
 */
export class BinaryCodes {
  readonly #rowids: Float64Array;
  readonly #bytes: number;
  readonly #stride: number;
  readonly #wasm: ScanExports;
  /** Offsets in the kernel's memory: the query, then every code (one stride each), then the u16 distances. */
  readonly #queryAt = 0;
  readonly #codesAt: number;
  readonly #outAt: number;
  readonly #histogram: Uint32Array;

  private constructor(rowids: Float64Array, bytes: number) {
    this.#rowids = rowids;
    this.#bytes = bytes;
    this.#histogram = new Uint32Array(bytes * 8 + 1);
    // Each code padded with zero bytes to whole 16-byte blocks (zeros XOR zeros add nothing).
    this.#stride = Math.ceil(bytes / 16) * 16;
    this.#codesAt = this.#stride;
    this.#outAt = this.#codesAt + rowids.length * this.#stride;
    this.#wasm = new WebAssembly.Instance(scanModule).exports as unknown as ScanExports;
    const needed = Math.ceil((this.#outAt + rowids.length * 2) / PAGE);
    const pages = this.#wasm.memory.buffer.byteLength / PAGE;
    if (needed > pages) this.#wasm.memory.grow(needed - pages);
  }

  /** Codes from `(rowid, bits)` rows; every `bits` must hold `dims / 8` bytes. */
  static from(rows: ReadonlyArray<readonly [number, Uint8Array]>, dims: number): BinaryCodes {
    if (dims % 8 !== 0 || dims <= 0)
      throw new Error(`BinaryCodes: ${dims} dimensions is not a multiple of 8`);
    const bytes = dims / 8;
    const rowids = new Float64Array(rows.length);
    rows.forEach(([rowid, bits], i) => {
      if (bits.byteLength !== bytes)
        throw new Error(`BinaryCodes: row ${rowid} has ${bits.byteLength} bytes of bits, expected ${bytes}`);
      rowids[i] = rowid;
    });
    const codes = new BinaryCodes(rowids, bytes);
    const memory = new Uint8Array(codes.#wasm.memory.buffer);
    rows.forEach(([, bits], i) => {
      memory.set(bits, codes.#codesAt + i * codes.#stride);
    });
    return codes;
  }

  get size(): number {
    return this.#rowids.length;
  }

  /** Bytes held (the kernel's memory and the rowids). */
  get bytes(): number {
    return this.#wasm.memory.buffer.byteLength + this.#rowids.byteLength;
  }

  /**
   * Rowids of the `k` codes nearest to `query` (bits laid out as stored), nearest first by distance band; rows at
   * the cut-off distance are taken in storage order, so the answer is deterministic.
   */
  nearest(query: Uint8Array, k: number): number[] {
    if (query.byteLength !== this.#bytes)
      throw new Error(`BinaryCodes: query has ${query.byteLength} bytes of bits, expected ${this.#bytes}`);
    const n = this.#rowids.length;
    const buffer = this.#wasm.memory.buffer;
    new Uint8Array(buffer, this.#queryAt, this.#stride).fill(0).set(query);
    this.#wasm.scan(this.#codesAt, n, this.#stride, this.#queryAt, this.#outAt);
    const dist = new Uint16Array(buffer, this.#outAt, n);
    // Reused between queries (a scan is synchronous): one count per possible distance.
    const histogram = this.#histogram.fill(0);
    for (let r = 0; r < n; r++) {
      const d = dist[r] as number;
      histogram[d] = (histogram[d] as number) + 1;
    }
    // The smallest distance `cut` with at least k rows at or under it: rows under it all belong, ties fill up.
    let cut = 0;
    let under = 0;
    while (cut < histogram.length - 1 && under + (histogram[cut] as number) < k)
      under += histogram[cut++] as number;
    const taken = Math.min(k - under, histogram[cut] as number);
    // A counting sort into one array: each distance's rows start where the nearer ones end, in storage order.
    let start = 0;
    for (let d = 0; d <= cut; d++) {
      const count = histogram[d] as number;
      histogram[d] = start;
      start += count;
    }
    const out: number[] = new Array(under + Math.max(0, taken));
    let ties = k - under;
    for (let r = 0; r < n; r++) {
      const d = dist[r] as number;
      if (d > cut || (d === cut && ties-- <= 0)) continue;
      const at = histogram[d] as number;
      histogram[d] = at + 1;
      out[at] = this.#rowids[r] as number;
    }
    return out;
  }
}
