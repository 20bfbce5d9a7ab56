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

/** Fits a scaler to `x`, row-major with `numFeatures` columns. Constant columns get scale 1. */
export function fitScaler(x: Float32Array, numFeatures: number, kind: ScaleKind): Scaler {
  const n = numFeatures > 0 ? x.length / numFeatures : 0;
  const offset = new Array<number>(numFeatures).fill(0);
  const scale = new Array<number>(numFeatures).fill(1);
  if (kind === 'none' || n === 0) return { kind, offset, scale };
  for (let j = 0; j < numFeatures; j++) {
    if (kind === 'minmax') {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[i * numFeatures + j]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      offset[j] = min;
      scale[j] = max > min ? max - min : 1;
    } else {
      // Two passes in float64: the mean first, then the (population) variance around it.
      let sum = 0;
      for (let i = 0; i < n; i++) sum += x[i * numFeatures + j]!;
      const mean = sum / n;
      let ss = 0;
      for (let i = 0; i < n; i++) {
        const d = x[i * numFeatures + j]! - mean;
        ss += d * d;
      }
      const std = Math.sqrt(ss / n);
      offset[j] = mean;
      scale[j] = std > 0 ? std : 1;
    }
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
