// Reciprocal rank fusion of ranked result lists: the one fusion rule every chunk store uses, so backends agree.

/** The usual RRF constant (Cormack et al. 2009): damps the weight of the very top ranks. */
export const RRF_K = 60;

export interface RankedList<L extends string> {
  /** Which retrieval leg produced this list. */
  leg: L;
  /** Ids, best first. Duplicates after the first occurrence are ignored. */
  ids: readonly string[];
  /** How much this list's ranks count (weighted RRF). @default 1 */
  weight?: number;
}

export interface FusedResult<L extends string> {
  id: string;
  /** Sum over lists of weight / (k + rank), rank from 1; higher is better. */
  score: number;
  /** The legs that found the id, in the order the lists were given. */
  legs: L[];
}

/**
 * Fuses ranked lists by reciprocal rank, each list's term scaled by its weight. Ties are broken by the best single rank, then by first appearance
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
    const weight = list.weight ?? 1;
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
      entry.score += weight / (k + rank);
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

export interface ScoredList<L extends string> {
  leg: L;
  /** Best first; higher score is better. */
  hits: ReadonlyArray<{ id: string; score: number }>;
  /** The list's share of the fused score. */
  weight: number;
}

/**
 * Convex combination of min-max normalised scores (Bruch et al. 2023, "An Analysis of Fusion Functions for Hybrid
 * Retrieval"): unlike reciprocal ranks, it keeps how far ahead a leg's best hit is, so a lexical hit that clearly
 * beats the rest stays on top unless the other leg clearly disagrees. An id missing from a list scores 0 there.
 * Ties: best single rank, then first appearance.
 */
export function convexFusion<L extends string>(
  lists: ReadonlyArray<ScoredList<L>>,
  opts: { limit?: number } = {},
): FusedResult<L>[] {
  const byId = new Map<string, FusedResult<L> & { bestRank: number; order: number }>();
  let order = 0;
  for (const list of lists) {
    if (list.hits.length === 0) continue;
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (const h of list.hits) {
      max = Math.max(max, h.score);
      min = Math.min(min, h.score);
    }
    const span = max - min;
    for (let rank = 0; rank < list.hits.length; rank++) {
      const h = list.hits[rank] as { id: string; score: number };
      let entry = byId.get(h.id);
      if (!entry) {
        entry = { id: h.id, score: 0, legs: [], bestRank: rank, order: order++ };
        byId.set(h.id, entry);
      }
      if (entry.legs.includes(list.leg)) continue;
      entry.score += list.weight * (span > 0 ? (h.score - min) / span : 1);
      entry.bestRank = Math.min(entry.bestRank, rank);
      entry.legs.push(list.leg);
    }
  }
  const fused = [...byId.values()].sort(
    (a, b) => b.score - a.score || a.bestRank - b.bestRank || a.order - b.order,
  );
  const limited = opts.limit === undefined ? fused : fused.slice(0, opts.limit);
  return limited.map(({ id, score, legs }) => ({ id, score, legs }));
}
