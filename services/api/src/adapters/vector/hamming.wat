;; Hamming distances of packed sign-bit codes to one query, 16 bytes at a time with WebAssembly SIMD.
;; Compiled into hamming-wasm.ts by `npm run build:wasm` (wabt); a test checks the two agree.
(module
  (memory (export "memory") 1)
  ;; For each of `rows` codes of `stride` bytes (a multiple of 16) starting at `codes`, writes
  ;; popcount(code XOR query) as a u16 at out + 2 * row.
  (func (export "scan")
    (param $codes i32) (param $rows i32) (param $stride i32) (param $query i32) (param $out i32)
    (local $row i32) (local $p i32) (local $i i32) (local $acc v128)
    (local.set $p (local.get $codes))
    (block $done
      (loop $next_row
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $i (i32.const 0))
        (block $row_done
          (loop $next_block
            (br_if $row_done (i32.ge_u (local.get $i) (local.get $stride)))
            ;; Per-byte popcounts summed pairwise into eight u16 lanes (at most 16 bits a block per lane).
            (local.set $acc
              (i16x8.add
                (local.get $acc)
                (i16x8.extadd_pairwise_i8x16_u
                  (i8x16.popcnt
                    (v128.xor
                      (v128.load (i32.add (local.get $p) (local.get $i)))
                      (v128.load (i32.add (local.get $query) (local.get $i))))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $next_block)))
        (local.set $acc (i32x4.extadd_pairwise_i16x8_u (local.get $acc)))
        (i32.store16
          (i32.add (local.get $out) (i32.shl (local.get $row) (i32.const 1)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (local.set $p (i32.add (local.get $p) (local.get $stride)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $next_row)))))
