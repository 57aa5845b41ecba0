// Reciprocal rank fusion of ranked result lists: the one fusion rule every chunk store uses, so backends agree.

/** The usual RRF constant (Cormack et al. 2009): damps the weight of the very top ranks. */
export const RRF_K = 60;

export interface RankedList<L extends string> {
  /** Which retrieval leg produced this list. */
  leg: L;
  /** Ids, best first. Duplicates after the first occurrence are ignored. */
  ids: readonly string[];
}

export interface FusedResult<L extends string> {
  id: string;
  /** Sum over lists of 1 / (k + rank), rank from 1; higher is better. */
  score: number;
  /** The legs that found the id, in the order the lists were given. */
  legs: L[];
}

/**
 * Fuses ranked lists by reciprocal rank. Ties are broken by the best single rank, then by first appearance
 * in the lists as given, so the output is deterministic.
 */
export function reciprocalRankFusion<L extends string>(
  lists: ReadonlyArray<RankedList<L>>,
  opts: { k?: number; limit?: number } = {},
): FusedResult<L>[] {
  const k = opts.k ?? RRF_K;
  const byId = new Map<string, FusedResult<L> & { bestRank: number; order: number }>();
  let order = 0;
  for (const list of lists) {
    const seen = new Set<string>();
    let rank = 0;
    for (const id of list.ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      rank += 1;
      let entry = byId.get(id);
      if (!entry) {
        entry = { id, score: 0, legs: [], bestRank: rank, order: order++ };
        byId.set(id, entry);
      }
      entry.score += 1 / (k + rank);
      entry.bestRank = Math.min(entry.bestRank, rank);
      if (!entry.legs.includes(list.leg)) entry.legs.push(list.leg);
    }
  }
  const fused = [...byId.values()].sort(
    (a, b) => b.score - a.score || a.bestRank - b.bestRank || a.order - b.order,
  );
  const limited = opts.limit === undefined ? fused : fused.slice(0, opts.limit);
  return limited.map(({ id, score, legs }) => ({ id, score, legs }));
}
