/**
 * How parameters become GP inputs, and back.
 *
 * - continuous float → one coordinate toUnit(value) in [0, 1] (log ranges warped);
 * - int, float with `step` or `values` (ordinal) → one coordinate, always *rounded* to the unit
 *   position of an actual value;
 * - categorical with k choices → k coordinates, always a one-hot vector.
 *
 * `project` performs the rounding and is applied to every point before the kernel sees it, so the
 * kernel is evaluated on the transformed input T(x) as in Garrido-Merchán & Hernández-Lobato (2020),
 * "Dealing with categorical and integer-valued variables in Bayesian optimization with Gaussian
 * processes": the model is flat between neighbouring integers (instead of believing the optimum may
 * sit at 3.4) and the acquisition cannot prefer a point that decodes to an already-observed one.
 */
import type { Rng } from '../../rng';
import { choiceIndex, fromUnit, gridCount, gridIndexOfValue, gridValueAt, toUnit, type NumericParam } from '../../space';
import type { CategoricalParam, ParamValue, Params, Space } from '../../types';

export interface ContinuousBlock {
  kind: 'continuous';
  name: string;
  spec: NumericParam;
  dim: number;
}

export interface OrdinalBlock {
  kind: 'ordinal';
  name: string;
  spec: NumericParam;
  dim: number;
  /** Number of distinct values, indexed 0..count-1 in increasing order. */
  count: number;
  /** Sorted listed values (`values` specs); step grids are computed on demand instead. */
  sortedValues?: number[];
}

export interface CategoricalBlock {
  kind: 'categorical';
  name: string;
  spec: CategoricalParam;
  /** First of `count` one-hot coordinates. */
  start: number;
  count: number;
}

export type Block = ContinuousBlock | OrdinalBlock | CategoricalBlock;

export class GpEncoding {
  readonly space: Space;
  readonly blocks: readonly Block[];
  /** Number of GP input coordinates. */
  readonly dims: number;
  /** Coordinates the acquisition optimiser moves by gradient (continuous floats). */
  readonly continuousDims: readonly number[];

  constructor(space: Space) {
    this.space = space;
    const blocks: Block[] = [];
    const continuous: number[] = [];
    let dims = 0;
    for (const [name, spec] of Object.entries(space)) {
      if (spec.type === 'categorical') {
        blocks.push({ kind: 'categorical', name, spec, start: dims, count: spec.choices.length });
        dims += spec.choices.length;
      } else if (spec.type === 'int' || spec.step !== undefined || spec.values !== undefined) {
        const block: OrdinalBlock = { kind: 'ordinal', name, spec, dim: dims, count: gridCount(spec, name) };
        if (spec.values !== undefined) block.sortedValues = [...spec.values].sort((a, b) => a - b);
        blocks.push(block);
        dims += 1;
      } else {
        blocks.push({ kind: 'continuous', name, spec, dim: dims });
        continuous.push(dims);
        dims += 1;
      }
    }
    this.blocks = blocks;
    this.dims = dims;
    this.continuousDims = continuous;
  }

  /** The k-th smallest value of an ordinal parameter. */
  ordinalValue(block: OrdinalBlock, k: number): number {
    return block.sortedValues ? block.sortedValues[k]! : (gridValueAt(block.spec, k, block.name) as number);
  }

  /** Index (in increasing order) of a value of an ordinal parameter, or undefined if it is not one. */
  ordinalIndexOfValue(block: OrdinalBlock, v: number): number | undefined {
    if (block.sortedValues) {
      const i = block.sortedValues.indexOf(v);
      return i < 0 ? undefined : i;
    }
    return gridIndexOfValue(block.spec, v);
  }

  /** Index of the ordinal value whose unit share contains u. */
  ordinalIndexOfUnit(block: OrdinalBlock, u: number): number {
    return this.ordinalIndexOfValue(block, fromUnit(block.spec, u) as number) ?? 0;
  }

  ordinalPosition(block: OrdinalBlock, k: number): number {
    return toUnit(block.spec, this.ordinalValue(block, k));
  }

  /** Index of the active category of a (projected) point. */
  categoryOf(block: CategoricalBlock, x: ArrayLike<number>): number {
    let best = 0;
    for (let c = 1; c < block.count; c++) if (x[block.start + c]! > x[block.start + best]!) best = c;
    return best;
  }

  setCategory(block: CategoricalBlock, x: Float64Array, c: number): void {
    for (let i = 0; i < block.count; i++) x[block.start + i] = i === c ? 1 : 0;
  }

  /** Rounds a point in place to the nearest representable one (see the module comment). */
  project(x: Float64Array): Float64Array {
    for (const b of this.blocks) {
      if (b.kind === 'continuous') {
        const u = x[b.dim]!;
        x[b.dim] = u < 0 ? 0 : u > 1 ? 1 : Number.isFinite(u) ? u : 0.5;
      } else if (b.kind === 'ordinal') {
        const u = x[b.dim]!;
        x[b.dim] = this.ordinalPosition(b, this.ordinalIndexOfUnit(b, Number.isFinite(u) ? u : 0.5));
      } else {
        this.setCategory(b, x, this.categoryOf(b, x));
      }
    }
    return x;
  }

  /** GP input of a trial's parameters, or undefined when they do not belong to this space. */
  encode(params: Params): Float64Array | undefined {
    const x = new Float64Array(this.dims);
    for (const b of this.blocks) {
      const v = params[b.name];
      if (b.kind === 'categorical') {
        if (v === undefined || !b.spec.choices.includes(v)) return undefined;
        this.setCategory(b, x, choiceIndex(b.spec, v));
      } else {
        if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
        x[b.dim] = toUnit(b.spec, v);
      }
    }
    return this.project(x);
  }

  /** Parameters of a projected point. */
  decode(x: ArrayLike<number>): Params {
    const params: Params = {};
    for (const b of this.blocks) {
      if (b.kind === 'continuous') params[b.name] = fromUnit(b.spec, x[b.dim]!);
      else if (b.kind === 'ordinal') params[b.name] = this.ordinalValue(b, this.ordinalIndexOfUnit(b, x[b.dim]!));
      else params[b.name] = b.spec.choices[this.categoryOf(b, x)] as ParamValue;
    }
    return params;
  }

  /**
   * The point whose parameter i sits at fraction u[i] of its range: numeric parameters through the
   * unit mapping, listed values and categories by equal shares. Used for the space-filling design.
   */
  fromParameterUnits(u: ArrayLike<number>): Float64Array {
    const x = new Float64Array(this.dims);
    this.blocks.forEach((b, i) => {
      const t = Math.min(1 - 1e-12, Math.max(0, u[i]!));
      if (b.kind === 'categorical') this.setCategory(b, x, Math.floor(t * b.count));
      else if (b.kind === 'ordinal' && b.sortedValues) x[b.dim] = this.ordinalPosition(b, Math.floor(t * b.count));
      else x[b.dim] = t;
    });
    return this.project(x);
  }

  /** A uniformly random representable point (in the sense of fromParameterUnits). */
  random(rng: Rng): Float64Array {
    const u = new Float64Array(this.blocks.length);
    for (let i = 0; i < u.length; i++) u[i] = rng.next();
    return this.fromParameterUnits(u);
  }
}
