/**
 * Feature scaling, fitted on the training rows only and applied to any rows later
 * (validation, test, new data): `x' = (x - offset) / scale`, column by column.
 */
import type { ScaleKind } from '../training/spec';

export interface Scaler {
  kind: ScaleKind;
  /** Subtracted from each column (min for minmax, mean for standard, 0 for none). */
  offset: number[];
  /** Divides each column after the offset (max-min, standard deviation, or 1; never 0). */
  scale: number[];
}

/**
 * Fits a scaler to `x`, row-major with `numFeatures` columns. Constant columns get scale 1.
 * The passes go row by row with one accumulator per column (a column at a time strides across the
 * whole array once per column): each column still sums its rows in row order, so the statistics are
 * the very same doubles.
 */
export function fitScaler(x: Float32Array, numFeatures: number, kind: ScaleKind): Scaler {
  const f = numFeatures;
  const n = f > 0 ? x.length / f : 0;
  const offset = new Array<number>(f).fill(0);
  const scale = new Array<number>(f).fill(1);
  if (kind === 'none' || n === 0) return { kind, offset, scale };
  if (kind === 'minmax') {
    const min = new Float64Array(f).fill(Infinity);
    const max = new Float64Array(f).fill(-Infinity);
    for (let i = 0; i < x.length; i += f) {
      for (let j = 0; j < f; j++) {
        const v = x[i + j]!;
        if (v < min[j]!) min[j] = v;
        if (v > max[j]!) max[j] = v;
      }
    }
    for (let j = 0; j < f; j++) {
      offset[j] = min[j]!;
      scale[j] = max[j]! > min[j]! ? max[j]! - min[j]! : 1;
    }
    return { kind, offset, scale };
  }
  // Two passes in float64: the mean first, then the (population) variance around it.
  const sum = new Float64Array(f);
  for (let i = 0; i < x.length; i += f) for (let j = 0; j < f; j++) sum[j] += x[i + j]!;
  const mean = Float64Array.from(sum, (s) => s / n);
  const ss = new Float64Array(f);
  for (let i = 0; i < x.length; i += f) {
    for (let j = 0; j < f; j++) {
      const d = x[i + j]! - mean[j]!;
      ss[j] += d * d;
    }
  }
  for (let j = 0; j < f; j++) {
    const std = Math.sqrt(ss[j]! / n);
    offset[j] = mean[j]!;
    scale[j] = std > 0 ? std : 1;
  }
  return { kind, offset, scale };
}

/** Returns a scaled copy of `x` (row-major, `scaler.offset.length` columns). */
export function applyScaler(x: Float32Array, scaler: Scaler): Float32Array {
  return scaleInPlace(new Float32Array(x), scaler);
}

/** Scales `x` (row-major, `scaler.offset.length` columns) in place and returns it. */
export function scaleInPlace(x: Float32Array, scaler: Scaler): Float32Array {
  const f = scaler.offset.length;
  const out = x;
  if (f === 0) return out.fill(0);
  if (scaler.kind === 'none') {
    if (x.length % f !== 0) throw new RangeError(`data of length ${x.length} is not a whole number of rows of ${f} features`);
    return out;
  }
  if (x.length % f !== 0) throw new RangeError(`data of length ${x.length} is not a whole number of rows of ${f} features`);
  for (let i = 0; i < x.length; i += f) {
    for (let j = 0; j < f; j++) out[i + j] = (x[i + j]! - scaler.offset[j]!) / scaler.scale[j]!;
  }
  return out;
}
