/**
 * The multi-resolution grid the Q-learning sampler walks on. At depth d a numeric parameter has
 * `bins · 2^d` levels over its unit interval (so log ranges are split evenly in log space); a
 * discrete numeric parameter with no more values than that uses one level per value; a categorical
 * parameter has one level per choice at every depth. A state is the vector of levels at a depth.
 */
import type { Rng } from '../rng';
import { choiceIndex, fromUnit, gridCount, gridIndexOfValue, gridValueAt, toUnit } from '../space';
import type { ParamSpec, ParamValue, Params, Space } from '../types';

interface Dim {
  name: string;
  spec: ParamSpec;
  /** Number of distinct values for discrete parameters (ints, steps, listed values, choices). */
  count: number | undefined;
}

export class QGrid {
  readonly dims: readonly Dim[];

  constructor(
    space: Space,
    readonly bins: number,
  ) {
    this.dims = Object.entries(space).map(([name, spec]) => ({ name, spec, count: discreteCount(spec) }));
  }

  /** Levels of dimension `i` at `depth`. */
  levels(i: number, depth: number): number {
    const dim = this.dims[i] as Dim;
    const fine = this.bins * 2 ** depth;
    return dim.count === undefined ? fine : Math.min(dim.count, fine);
  }

  /** True when each level of dimension `i` at `depth` is exactly one value of the parameter. */
  private indexed(i: number, depth: number): boolean {
    const dim = this.dims[i] as Dim;
    return dim.count !== undefined && dim.count <= this.bins * 2 ** depth;
  }

  level(i: number, value: ParamValue, depth: number): number {
    const dim = this.dims[i] as Dim;
    if (dim.spec.type === 'categorical') return choiceIndex(dim.spec, value);
    if (this.indexed(i, depth)) {
      const k = gridIndexOfValue(dim.spec, value);
      if (k !== undefined) return k;
    }
    const m = this.levels(i, depth);
    return Math.min(m - 1, Math.floor(toUnit(dim.spec, value) * m));
  }

  /** The levels of a point at `depth`. */
  cell(params: Params, depth: number): number[] {
    return this.dims.map((d, i) => this.level(i, params[d.name] as ParamValue, depth));
  }

  /**
   * A value of dimension `i` inside `level`: the value itself for indexed levels, otherwise drawn
   * uniformly within the bin so that suggestions are not confined to bin centres.
   */
  valueIn(i: number, level: number, depth: number, rng: Rng): ParamValue {
    const dim = this.dims[i] as Dim;
    if (dim.spec.type === 'categorical') return dim.spec.choices[level] as ParamValue;
    if (this.indexed(i, depth)) return gridValueAt(dim.spec, level, dim.name);
    const m = this.levels(i, depth);
    return fromUnit(dim.spec, (level + rng.next()) / m);
  }

  /** A uniformly random point of the space. */
  randomPoint(rng: Rng): Params {
    const params: Params = {};
    for (const dim of this.dims) params[dim.name] = fromUnit(dim.spec, rng.next());
    return params;
  }
}

export function cellKey(cell: readonly number[], depth: number): string {
  return `${depth}:${cell.join(',')}`;
}

function discreteCount(spec: ParamSpec): number | undefined {
  if (spec.type === 'categorical') return spec.choices.length;
  if (spec.type === 'int' || spec.step !== undefined || spec.values !== undefined) return gridCount(spec);
  return undefined;
}
