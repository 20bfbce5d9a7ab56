/**
 * Seeded train/held-out splits of row indices, optionally stratified so that every class keeps
 * its share. Pure functions of (indices, fraction, strata, rng): the same seed gives the same split.
 */
import type { Rng } from '@nx-hpo/optimizers';

export interface IndexSplit {
  /** Rows that stay (e.g. training), ascending. */
  rest: number[];
  /** Rows split off (e.g. validation or test), ascending. */
  held: number[];
}

/**
 * Holds out `round(n * fraction)` of `indices`. With `strata` (a class index per row, indexed by
 * row number) each stratum contributes in proportion to its size; the rounding remainders go to
 * the strata with the largest fractional quotas, ties to the lower stratum, so the total is exact.
 */
export function splitIndices(indices: readonly number[], fraction: number, rng: Rng, strata?: ArrayLike<number>): IndexSplit {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`split fraction must be in [0, 1], got ${fraction}`);
  const n = indices.length;
  const heldCount = Math.round(n * fraction);
  const held: number[] = [];
  if (!strata) {
    const order = rng.shuffle([...indices]);
    held.push(...order.slice(0, heldCount));
  } else {
    const groups = groupByStratum(indices, strata);
    const quotas = proportionalQuotas(
      groups.map((g) => g.length),
      heldCount,
    );
    groups.forEach((g, k) => {
      const order = rng.shuffle([...g]);
      held.push(...order.slice(0, quotas[k]));
    });
  }
  const heldSet = new Set(held);
  const rest = indices.filter((i) => !heldSet.has(i)).sort((a, b) => a - b);
  held.sort((a, b) => a - b);
  return { rest, held };
}

/** Rows grouped by stratum value, groups in ascending stratum order, rows in their given order. */
function groupByStratum(indices: readonly number[], strata: ArrayLike<number>): number[][] {
  const byValue = new Map<number, number[]>();
  for (const i of indices) {
    const s = strata[i];
    if (s === undefined) throw new RangeError(`no stratum for row ${i}`);
    let g = byValue.get(s);
    if (!g) byValue.set(s, (g = []));
    g.push(i);
  }
  return [...byValue.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

/**
 * Integer quotas proportional to `sizes` that sum to `total` (largest remainder method), each at
 * most its size.
 */
export function proportionalQuotas(sizes: readonly number[], total: number): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  if (n === 0) return sizes.map(() => 0);
  const exact = sizes.map((s) => (s * total) / n);
  const quotas = exact.map((e) => Math.floor(e));
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((e, k) => ({ k, r: e - Math.floor(e) }))
    .sort((a, b) => b.r - a.r || a.k - b.k);
  for (let j = 0; left > 0 && j < byRemainder.length; j++) {
    const k = byRemainder[j]!.k;
    if (quotas[k]! < sizes[k]!) {
      quotas[k]!++;
      left--;
    }
  }
  return quotas;
}
