/**
 * Sobol low-discrepancy points (Joe & Kuo 2008 direction numbers, "new-joe-kuo-6.21201", first 32
 * dimensions), in Gray-code order, optionally with a random digital shift. A digitally shifted Sobol
 * sequence keeps its net structure (every elementary box of the right size gets its share of points)
 * while no longer starting at the corner 0 and differing between seeds.
 */
import type { Rng } from '../rng';

/** (s, a, m_1..m_s) for dimensions 2..32; dimension 1 uses all m = 1. */
const JOE_KUO: ReadonlyArray<readonly [number, number, readonly number[]]> = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]],
  [5, 13, [1, 1, 1, 3, 11]],
  [5, 14, [1, 3, 5, 5, 31]],
  [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]],
  [6, 16, [1, 3, 1, 13, 27, 49]],
  [6, 19, [1, 1, 1, 15, 7, 5]],
  [6, 22, [1, 3, 1, 15, 13, 25]],
  [6, 25, [1, 1, 5, 5, 19, 61]],
  [7, 1, [1, 3, 7, 11, 23, 15, 103]],
  [7, 4, [1, 3, 7, 13, 13, 15, 69]],
  [7, 7, [1, 1, 3, 13, 7, 35, 63]],
  [7, 8, [1, 3, 5, 9, 1, 25, 53]],
  [7, 14, [1, 3, 1, 13, 9, 35, 107]],
  [7, 19, [1, 3, 1, 5, 27, 61, 31]],
  [7, 21, [1, 1, 5, 11, 19, 41, 61]],
  [7, 28, [1, 3, 5, 3, 3, 13, 69]],
  [7, 31, [1, 1, 7, 13, 1, 19, 1]],
  [7, 32, [1, 3, 7, 5, 13, 19, 59]],
  [7, 37, [1, 1, 3, 9, 25, 29, 41]],
  [7, 41, [1, 3, 5, 13, 23, 1, 55]],
  [7, 42, [1, 3, 7, 3, 13, 59, 17]],
];

/** Number of dimensions with Sobol direction numbers; further coordinates must come from elsewhere. */
export const SOBOL_MAX_DIMS = JOE_KUO.length + 1;

const BITS = 32;
let directionCache: Uint32Array[] | undefined;

/** Direction numbers v[dim][bit] scaled by 2^32 (bit 0 is the most significant). */
function directions(): Uint32Array[] {
  if (directionCache) return directionCache;
  const all: Uint32Array[] = [];
  const first = new Uint32Array(BITS);
  for (let i = 0; i < BITS; i++) first[i] = (1 << (BITS - 1 - i)) >>> 0;
  all.push(first);
  for (const [s, a, m] of JOE_KUO) {
    const v = new Uint32Array(BITS);
    for (let i = 0; i < BITS; i++) {
      if (i < s) {
        v[i] = (m[i]! << (BITS - 1 - i)) >>> 0;
      } else {
        let x = (v[i - s]! ^ (v[i - s]! >>> s)) >>> 0;
        for (let k = 1; k < s; k++) {
          if ((a >>> (s - 1 - k)) & 1) x = (x ^ v[i - k]!) >>> 0;
        }
        v[i] = x;
      }
    }
    all.push(v);
  }
  directionCache = all;
  return all;
}

/** A random digital shift for `dims` coordinates (only the first SOBOL_MAX_DIMS are used). */
export function sobolShift(rng: Rng, dims: number): Uint32Array {
  const shift = new Uint32Array(Math.min(dims, SOBOL_MAX_DIMS));
  for (let j = 0; j < shift.length; j++) shift[j] = rng.nextUint32();
  return shift;
}

/**
 * The index-th point (0-based, Gray-code order) of the Sobol sequence in `dims` ≤ SOBOL_MAX_DIMS
 * dimensions, XOR-shifted by `shift` when given. Coordinates lie in [0, 1).
 */
export function sobolPoint(index: number, dims: number, shift?: Uint32Array): Float64Array {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new RangeError(`sobolPoint: index must be an integer in 0..2^32-1 (got ${index})`);
  }
  if (dims > SOBOL_MAX_DIMS) throw new RangeError(`sobolPoint: at most ${SOBOL_MAX_DIMS} dimensions (got ${dims})`);
  const v = directions();
  const gray = (index ^ (index >>> 1)) >>> 0;
  const out = new Float64Array(dims);
  for (let j = 0; j < dims; j++) {
    const dir = v[j]!;
    let x = 0;
    for (let bit = 0; bit < BITS; bit++) {
      if ((gray >>> bit) & 1) x = (x ^ dir[bit]!) >>> 0;
    }
    if (shift) x = (x ^ (shift[j] ?? 0)) >>> 0;
    out[j] = x / 4294967296;
  }
  return out;
}
