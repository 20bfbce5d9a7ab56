/**
 * How TPE sees each parameter: a numeric parameter is a coordinate in [0, 1] (the unit mapping of
 * space.ts, so log parameters are modelled in log space), a categorical one is a choice index.
 * A discrete numeric parameter (int, `step`, `values`) also knows the cell of [0, 1] each of its
 * values owns under `fromUnit`, so that a Parzen estimator can give a value the probability mass of
 * its whole cell rather than a density at one point.
 */
import { choiceIndex, fromUnit, isNumericParam, toUnit, type NumericParam } from '../../space';
import type { CategoricalParam, ParamSpec, ParamValue, Space } from '../../types';

export interface NumericAxis {
  kind: 'numeric';
  name: string;
  spec: NumericParam;
  /** For discrete parameters: the [low, high] slice of [0, 1] whose points `fromUnit` maps to the same value as `u`. */
  cell?: (u: number) => [number, number];
}

export interface CategoricalAxis {
  kind: 'categorical';
  name: string;
  spec: CategoricalParam;
  size: number;
}

export type Axis = NumericAxis | CategoricalAxis;

/** A point as the estimators see it: per axis, a unit coordinate (numeric) or a choice index (categorical). */
export type Coords = number[];

export function axesOf(space: Space): Axis[] {
  return Object.entries(space).map(([name, spec]) => axisOf(name, spec));
}

function axisOf(name: string, spec: ParamSpec): Axis {
  if (!isNumericParam(spec)) {
    return { kind: 'categorical', name, spec, size: spec.choices.length };
  }
  if (spec.values !== undefined) return { kind: 'numeric', name, spec, cell: listedCells(spec, spec.values) };
  if (spec.type === 'int' || spec.step !== undefined) return { kind: 'numeric', name, spec, cell: stepCells(spec) };
  return { kind: 'numeric', name, spec };
}

/**
 * Cells of a step grid. Linear grids split [0, 1] into equal shares; a log int owns
 * [log(k − ½), log(k + ½)] (space.ts rounds in linear space after unwarping), so its cells widen
 * towards low values.
 */
function stepCells(spec: NumericParam): (u: number) => [number, number] {
  const step = spec.step ?? 1;
  const count = Math.floor((spec.high - spec.low) / step + 1e-9) + 1;
  if (!spec.log) {
    return (u) => {
      const k = Math.min(count - 1, Math.max(0, Math.floor(u * count)));
      return [k / count, (k + 1) / count];
    };
  }
  const lowEdge = Math.log(spec.low - step / 2);
  const span = Math.log(spec.low + (count - 1) * step + step / 2) - lowEdge;
  return (u) => {
    const v = fromUnit(spec, u) as number;
    const a = (Math.log(v - step / 2) - lowEdge) / span;
    const b = (Math.log(v + step / 2) - lowEdge) / span;
    return [Math.max(0, a), Math.min(1, b)];
  };
}

/** Cells of listed values: each owns the points nearer to it than to its neighbours, ends reaching 0 and 1. */
function listedCells(spec: NumericParam, values: readonly number[]): (u: number) => [number, number] {
  const positions = [...new Set(values)].map((v) => toUnit(spec, v)).sort((p, q) => p - q);
  const edges: number[] = [0];
  for (let i = 1; i < positions.length; i++) edges.push(0.5 * ((positions[i - 1] as number) + (positions[i] as number)));
  edges.push(1);
  return (u) => {
    const p = toUnit(spec, fromUnit(spec, u));
    let lo = 0;
    let hi = positions.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((positions[mid] as number) < p) lo = mid + 1;
      else hi = mid;
    }
    return [edges[lo] as number, edges[lo + 1] as number];
  };
}

/** The coordinate of a value on its axis, or undefined when the value does not fit (e.g. the space changed). */
export function encode(axis: Axis, value: ParamValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (axis.kind === 'categorical') {
    const i = axis.spec.choices.indexOf(value);
    return i < 0 ? undefined : choiceIndex(axis.spec, value);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (value < axis.spec.low || value > axis.spec.high) return undefined;
  return toUnit(axis.spec, value);
}

/** The parameter value at a coordinate. */
export function decode(axis: Axis, coord: number): ParamValue {
  if (axis.kind === 'categorical') return axis.spec.choices[coord] as ParamValue;
  return fromUnit(axis.spec, coord);
}

/** A coordinate moved to the canonical position of the value it decodes to (the centre a kernel is put on). */
export function snap(axis: NumericAxis, u: number): number {
  return axis.cell === undefined ? u : toUnit(axis.spec, fromUnit(axis.spec, u));
}
