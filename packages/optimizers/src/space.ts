/**
 * The search space: validation with user-facing messages, the unit-cube mapping samplers work in,
 * grid enumeration, defaults and checks of user-given parameter values.
 *
 * Every numeric parameter has a layout that says which values it can take:
 * - continuous: any value in [low, high] (float without `step`/`values`);
 * - steps: `low + k·step` for k = 0..count-1 (float with `step`, or int — an int's step defaults to 1);
 * - values: exactly the listed `values`.
 * The unit mapping gives each discrete value an equal share of [0, 1] (steps) or the share nearest
 * to it (values), so a uniform draw in [0, 1] never favours the end points.
 */
import { isPlainObject, type CategoricalParam, type FloatParam, type IntParam, type ParamSpec, type ParamValue, type Params, type Space } from './types';

export type NumericParam = FloatParam | IntParam;

/** A problem with a search space or with parameter values, located by `path`, e.g. `['lr', 'low']`. */
export class SpaceError extends Error {
  readonly path: string[];

  constructor(message: string, path: string[] = []) {
    super(message);
    this.name = 'SpaceError';
    this.path = path;
  }
}

export function isNumericParam(spec: ParamSpec): spec is NumericParam {
  return spec.type === 'float' || spec.type === 'int';
}

// ---------------------------------------------------------------------------------------------
// Validation

/** The keys a numeric (float, int) and a categorical parameter take, and the parameter types. */
export const NUMERIC_KEYS = ['type', 'low', 'high', 'log', 'step', 'values', 'default'] as const;
export const CATEGORICAL_KEYS = ['type', 'choices', 'default'] as const;
export const PARAM_TYPES = ['float', 'int', 'categorical'] as const;

/** Longest string shown whole in a message; longer ones keep their ends (one short line either way). */
const SHOW_MAX = 60;

/** `s` escaped as in JSON (without the quotes) and, when long, shortened around `…`. */
function clipped(s: string): string {
  const esc = (t: string): string => JSON.stringify(t).slice(1, -1);
  return s.length <= SHOW_MAX ? esc(s) : `${esc(s.slice(0, 40))}…${esc(s.slice(-19))}`;
}

function show(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  if (typeof v === 'string') return `"${clipped(v)}"${v.length > SHOW_MAX ? ` (${v.length} characters)` : ''}`;
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}


function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isScalar(v: unknown): v is ParamValue {
  return typeof v === 'string' || typeof v === 'boolean' || isFiniteNumber(v);
}

/**
 * Checks a space as read from a config file and returns a clean copy (only known keys, arrays
 * copied). Throws SpaceError at the first problem, with a path to the offending key.
 */
export function validateSpace(space: unknown): Space {
  if (!isPlainObject(space)) {
    throw new SpaceError(`the search space must be a mapping from parameter name to its spec (got ${show(space)})`);
  }
  const names = Object.keys(space);
  if (names.length === 0) {
    throw new SpaceError('the search space is empty: add at least one parameter, e.g. lr: { type: float, low: 1e-4, high: 1e-1, log: true }');
  }
  const out: Space = {};
  for (const name of names) {
    if (name.trim() === '') throw new SpaceError('a parameter name must not be empty', [name]);
    out[name] = validateParam(name, space[name]);
  }
  return out;
}

/** Checks one parameter spec; `name` is used for error paths only. */
export function validateParam(name: string, raw: unknown): ParamSpec {
  if (!isPlainObject(raw)) {
    throw new SpaceError(
      `a parameter spec must be a mapping such as { type: float, low: 0, high: 1 } (got ${show(raw)})`,
      [name],
    );
  }
  const type = raw.type;
  if (type === undefined) {
    throw new SpaceError(`missing 'type': use one of ${PARAM_TYPES.join(' | ')}`, [name, 'type']);
  }
  if (type !== 'float' && type !== 'int' && type !== 'categorical') {
    throw new SpaceError(`'type' must be one of ${PARAM_TYPES.join(' | ')} (got ${show(type)})`, [name, 'type']);
  }
  const allowed: readonly string[] = type === 'categorical' ? CATEGORICAL_KEYS : NUMERIC_KEYS;
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      let hint = '';
      if (type === 'categorical' && key === 'values') hint = " (did you mean 'choices'?)";
      else if (type !== 'categorical' && key === 'choices') hint = " (did you mean 'values', or type: categorical?)";
      throw new SpaceError(
        `unknown key '${key}' for a ${type} parameter${hint}; allowed keys: ${allowed.join(', ')}`,
        [name, key],
      );
    }
  }
  return type === 'categorical' ? validateCategorical(name, raw) : validateNumeric(name, type, raw);
}

function validateCategorical(name: string, raw: Record<string, unknown>): CategoricalParam {
  const choices = raw.choices;
  if (choices === undefined) {
    throw new SpaceError("a categorical parameter needs 'choices', e.g. choices: [relu, tanh]", [name, 'choices']);
  }
  if (!Array.isArray(choices)) {
    throw new SpaceError(`'choices' must be a list, e.g. [relu, tanh] (got ${show(choices)})`, [name, 'choices']);
  }
  if (choices.length === 0) {
    throw new SpaceError("'choices' is empty: list at least one value", [name, 'choices']);
  }
  const seen: ParamValue[] = [];
  choices.forEach((c: unknown, i) => {
    if (!isScalar(c)) {
      throw new SpaceError(
        `each choice must be a number, string or boolean (got ${show(c)})`,
        [name, 'choices', String(i)],
      );
    }
    if (seen.includes(c)) {
      throw new SpaceError(`choice ${show(c)} is listed twice; each choice must be unique`, [name, 'choices', String(i)]);
    }
    seen.push(c);
  });
  const spec: CategoricalParam = { type: 'categorical', choices: seen };
  if (raw.default !== undefined) {
    if (!seen.includes(raw.default as ParamValue)) {
      throw new SpaceError(
        `'default' must be one of the choices ${show(seen)} (got ${show(raw.default)})`,
        [name, 'default'],
      );
    }
    spec.default = raw.default as ParamValue;
  }
  return spec;
}

function validateNumeric(name: string, type: 'float' | 'int', raw: Record<string, unknown>): NumericParam {
  const isInt = type === 'int';
  const bound = (key: 'low' | 'high'): number => {
    const v = raw[key];
    if (v === undefined) {
      throw new SpaceError(`a ${type} parameter needs '${key}'`, [name, key]);
    }
    if (!isFiniteNumber(v)) {
      throw new SpaceError(`'${key}' must be a finite number (got ${show(v)})`, [name, key]);
    }
    if (isInt && !Number.isInteger(v)) {
      throw new SpaceError(`'${key}' of an int parameter must be a whole number (got ${show(v)})`, [name, key]);
    }
    return v;
  };
  const low = bound('low');
  const high = bound('high');
  if (!(low < high)) {
    throw new SpaceError(`'low' (${show(low)}) must be below 'high' (${show(high)})`, [name, 'low']);
  }
  const spec: NumericParam = { type, low, high };

  if (raw.log !== undefined) {
    if (typeof raw.log !== 'boolean') {
      throw new SpaceError(`'log' must be true or false (got ${show(raw.log)})`, [name, 'log']);
    }
    if (raw.log) {
      if (!(low > 0)) {
        throw new SpaceError(`a log range needs 'low' > 0 (got ${show(low)})`, [name, 'low']);
      }
    }
    spec.log = raw.log;
  }

  if (raw.step !== undefined && raw.values !== undefined) {
    throw new SpaceError("use either 'step' or 'values', not both", [name, 'step']);
  }

  if (raw.step !== undefined) {
    const step = raw.step;
    if (!isFiniteNumber(step) || step <= 0) {
      throw new SpaceError(`'step' must be a number > 0 (got ${show(step)})`, [name, 'step']);
    }
    if (isInt && !Number.isInteger(step)) {
      throw new SpaceError(`'step' of an int parameter must be a whole number (got ${show(step)})`, [name, 'step']);
    }
    if (step > high - low) {
      throw new SpaceError(
        `'step' (${show(step)}) is larger than the range ${show(low)}..${show(high)}; use at most ${show(high - low)}`,
        [name, 'step'],
      );
    }
    if (spec.log) {
      // A linear step grid sampled on a log scale has no natural unit mapping; listed values do.
      throw new SpaceError("'step' cannot be combined with 'log: true'; list the points with 'values' instead", [name, 'step']);
    }
    spec.step = step;
  }

  if (raw.values !== undefined) {
    const values = raw.values;
    if (!Array.isArray(values)) {
      throw new SpaceError(`'values' must be a list of numbers (got ${show(values)})`, [name, 'values']);
    }
    if (values.length === 0) {
      throw new SpaceError("'values' is empty: list at least one number", [name, 'values']);
    }
    const seen: number[] = [];
    values.forEach((v: unknown, i) => {
      const path = [name, 'values', String(i)];
      if (!isFiniteNumber(v)) throw new SpaceError(`each value must be a finite number (got ${show(v)})`, path);
      if (isInt && !Number.isInteger(v)) {
        throw new SpaceError(`values of an int parameter must be whole numbers (got ${show(v)})`, path);
      }
      if (v < low || v > high) {
        throw new SpaceError(`value ${show(v)} is outside the range ${show(low)}..${show(high)}`, path);
      }
      if (seen.includes(v)) throw new SpaceError(`value ${show(v)} is listed twice; each value must be unique`, path);
      seen.push(v);
    });
    spec.values = seen;
  }

  if (raw.default !== undefined) {
    const d = raw.default;
    const path = [name, 'default'];
    if (!isFiniteNumber(d)) throw new SpaceError(`'default' must be a finite number (got ${show(d)})`, path);
    const problem = numericProblem(spec, d);
    if (problem !== undefined) throw new SpaceError(`'default' ${problem}`, path);
    spec.default = d;
  }
  return spec;
}

/** Why `v` is not a value of `spec`, or undefined when it is. */
function numericProblem(spec: NumericParam, v: number): string | undefined {
  if (spec.type === 'int' && !Number.isInteger(v)) return `must be a whole number (got ${show(v)})`;
  if (v < spec.low || v > spec.high) {
    return `must be within ${show(spec.low)}..${show(spec.high)} (got ${show(v)})`;
  }
  if (spec.values !== undefined && !spec.values.includes(v)) {
    return `must be one of the listed values ${show(spec.values)} (got ${show(v)})`;
  }
  if (spec.step !== undefined && stepIndexOf(spec, v) === undefined) {
    return `must lie on the step grid ${show(spec.low)}, ${show(stepValue(spec, 1))}, … (got ${show(v)})`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Step grids

function stepOf(spec: NumericParam): number {
  return spec.step ?? 1;
}

/** Number of points `low + k·step` within [low, high] (step defaults to 1 for ints). */
function stepCount(spec: NumericParam): number {
  const step = stepOf(spec);
  // The small tolerance keeps e.g. 0..0.3 step 0.1 at 4 points despite 0.3/0.1 = 2.9999999999999996.
  return Math.floor((spec.high - spec.low) / step + 1e-9) + 1;
}

/**
 * The k-th point of the step grid, written with the fewest digits that stay within a billionth of
 * a step of the exact point, so that 0 + 3·0.1 reads 0.3 rather than 0.30000000000000004.
 */
function stepValue(spec: NumericParam, k: number): number {
  const step = stepOf(spec);
  const raw = spec.low + k * step;
  let v = raw;
  if (spec.type === 'int') {
    v = Math.round(raw);
  } else {
    for (let digits = 1; digits <= 17; digits++) {
      const candidate = Number(raw.toPrecision(digits));
      if (Math.abs(candidate - raw) <= step * 1e-9) {
        v = candidate;
        break;
      }
    }
  }
  return Math.min(spec.high, Math.max(spec.low, v));
}

/** k such that `v` is the k-th step point (within rounding), or undefined when `v` is off the grid. */
function stepIndexOf(spec: NumericParam, v: number): number | undefined {
  const exact = (v - spec.low) / stepOf(spec);
  const k = Math.round(exact);
  if (k < 0 || k >= stepCount(spec)) return undefined;
  if (Math.abs(exact - k) > 1e-7 * Math.max(1, Math.abs(k))) return undefined;
  return k;
}

// ---------------------------------------------------------------------------------------------
// Unit-cube mapping

function warp(spec: NumericParam, x: number): number {
  return spec.log ? Math.log(x) : x;
}

function unwarp(spec: NumericParam, y: number): number {
  return spec.log ? Math.exp(y) : y;
}

function clamp01(u: number): number {
  return u < 0 ? 0 : u > 1 ? 1 : u;
}

/** Position of x within [a, b] in warped coordinates, clamped to [0, 1]. */
function warpedFraction(spec: NumericParam, a: number, b: number, x: number): number {
  const wa = warp(spec, a);
  const wb = warp(spec, b);
  return clamp01((warp(spec, x) - wa) / (wb - wa));
}

/** The edges of the interval whose equal parts belong to the step points (half a step beyond each end). */
function stepEdges(spec: NumericParam): [number, number] {
  const half = stepOf(spec) / 2;
  return [spec.low - half, stepValue(spec, stepCount(spec) - 1) + half];
}

function checkUnit(u: number): number {
  if (!Number.isFinite(u)) throw new RangeError(`fromUnit: u must be a finite number (got ${u})`);
  return clamp01(u);
}

/**
 * Maps a value of `spec` into [0, 1]: log-warped when `log`, categorical choice i of n → (i + ½)/n,
 * discrete points to the centre of their share. Numbers outside [low, high] are clamped.
 */
export function toUnit(spec: ParamSpec, value: ParamValue): number {
  if (spec.type === 'categorical') {
    const n = spec.choices.length;
    return (choiceIndex(spec, value) + 0.5) / n;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`toUnit: a ${spec.type} parameter needs a number (got ${show(value)})`);
  }
  const v = Math.min(spec.high, Math.max(spec.low, value));
  if (spec.values !== undefined) return warpedFraction(spec, spec.low, spec.high, v);
  if (spec.type === 'int' || spec.step !== undefined) {
    const [a, b] = stepEdges(spec);
    return warpedFraction(spec, a, b, v);
  }
  return warpedFraction(spec, spec.low, spec.high, v);
}

/**
 * Maps u ∈ [0, 1] (clamped) to a value that is always inside the space: floats log-warped when `log`;
 * ints and step grids give each point an equal share of [0, 1]; `values` → the nearest listed value
 * (in warped distance); categorical → choice ⌊u·n⌋.
 */
export function fromUnit(spec: ParamSpec, u: number): ParamValue {
  const t = checkUnit(u);
  if (spec.type === 'categorical') {
    const n = spec.choices.length;
    return spec.choices[Math.min(n - 1, Math.floor(t * n))] as ParamValue;
  }
  if (spec.values !== undefined) {
    const target = warp(spec, spec.low) + t * (warp(spec, spec.high) - warp(spec, spec.low));
    return nearestListed(spec, spec.values, target);
  }
  if (spec.type === 'int' || spec.step !== undefined) {
    const count = stepCount(spec);
    if (!spec.log) return stepValue(spec, Math.min(count - 1, Math.floor(t * count)));
    // Log ints (step 1): each integer k owns [k − ½, k + ½] in log space.
    const [a, b] = stepEdges(spec);
    const x = unwarp(spec, warp(spec, a) + t * (warp(spec, b) - warp(spec, a)));
    const k = Math.min(count - 1, Math.max(0, Math.round((x - spec.low) / stepOf(spec))));
    return stepValue(spec, k);
  }
  const x = unwarp(spec, warp(spec, spec.low) + t * (warp(spec, spec.high) - warp(spec, spec.low)));
  return Math.min(spec.high, Math.max(spec.low, x));
}

function nearestListed(spec: NumericParam, values: readonly number[], warpedTarget: number): number {
  let best = values[0] as number;
  let bestDist = Infinity;
  for (const v of values) {
    const d = Math.abs(warp(spec, v) - warpedTarget);
    if (d < bestDist) {
      best = v;
      bestDist = d;
    }
  }
  return best;
}

/** The nearest value of `spec` to a number x (clamped, rounded, snapped to the step grid or the listed values). */
export function snapToSpec(spec: NumericParam, x: number): number {
  const v = Math.min(spec.high, Math.max(spec.low, x));
  if (spec.values !== undefined) return nearestListed(spec, spec.values, warp(spec, v));
  if (spec.type === 'int' || spec.step !== undefined) {
    const k = Math.min(stepCount(spec) - 1, Math.max(0, Math.round((v - spec.low) / stepOf(spec))));
    return stepValue(spec, k);
  }
  return v;
}

/** Index of `value` among a categorical parameter's choices; throws if it is not one of them. */
export function choiceIndex(spec: CategoricalParam, value: ParamValue): number {
  const i = spec.choices.indexOf(value);
  if (i < 0) throw new RangeError(`${show(value)} is not one of the choices ${show(spec.choices)}`);
  return i;
}

// ---------------------------------------------------------------------------------------------
// Grid

/**
 * Number of grid points of one parameter: choices, listed values, or step points (ints step 1).
 * A float with neither `step` nor `values` has no grid: SpaceError with path [name].
 */
export function gridCount(spec: ParamSpec, name = ''): number {
  if (spec.type === 'categorical') return spec.choices.length;
  if (spec.values !== undefined) return spec.values.length;
  if (spec.type === 'int' || spec.step !== undefined) return stepCount(spec);
  throw new SpaceError(
    "grid search needs 'step' or 'values' for a float parameter, e.g. step: 0.1 or values: [0.001, 0.01, 0.1]",
    name === '' ? [] : [name],
  );
}

/** The k-th grid value of one parameter (0 ≤ k < gridCount). */
export function gridValueAt(spec: ParamSpec, k: number, name = ''): ParamValue {
  const n = gridCount(spec, name);
  if (!Number.isInteger(k) || k < 0 || k >= n) throw new RangeError(`grid index ${k} is outside 0..${n - 1}`);
  if (spec.type === 'categorical') return spec.choices[k] as ParamValue;
  if (spec.values !== undefined) return spec.values[k] as number;
  return stepValue(spec, k);
}

/** Every grid value of one parameter, in grid order. */
export function gridValues(spec: ParamSpec, name = ''): ParamValue[] {
  const n = gridCount(spec, name);
  const out: ParamValue[] = [];
  for (let k = 0; k < n; k++) out.push(gridValueAt(spec, k, name));
  return out;
}

/** Grid position of `value` for one parameter, or undefined when it is not a grid value. */
export function gridIndexOfValue(spec: ParamSpec, value: ParamValue): number | undefined {
  if (spec.type === 'categorical') {
    const i = spec.choices.indexOf(value);
    return i < 0 ? undefined : i;
  }
  if (typeof value !== 'number') return undefined;
  if (spec.values !== undefined) {
    const i = spec.values.indexOf(value);
    return i < 0 ? undefined : i;
  }
  if (spec.type === 'int' || spec.step !== undefined) return stepIndexOf(spec, value);
  return undefined;
}

/** Total number of grid points (product over parameters). Throws SpaceError if some float has no grid or the grid is too large to index. */
export function gridSize(space: Space): number {
  let size = 1;
  for (const [name, spec] of Object.entries(space)) size *= gridCount(spec, name);
  if (size > Number.MAX_SAFE_INTEGER) {
    throw new SpaceError(`the grid has about ${size.toExponential(2)} points, too many to enumerate; add 'step' or 'values' to shrink it`);
  }
  return size;
}

/** The grid point with the given index (mixed radix, the last parameter varying fastest). */
export function gridPoint(space: Space, index: number): Params {
  const size = gridSize(space);
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`grid index ${index} is outside 0..${size - 1}`);
  }
  const names = Object.keys(space);
  const digits: number[] = new Array<number>(names.length);
  let rest = index;
  for (let i = names.length - 1; i >= 0; i--) {
    const n = gridCount(space[names[i] as string] as ParamSpec, names[i]);
    digits[i] = rest % n;
    rest = Math.floor(rest / n);
  }
  const params: Params = {};
  names.forEach((name, i) => {
    params[name] = gridValueAt(space[name] as ParamSpec, digits[i] as number, name);
  });
  return params;
}

/** Inverse of gridPoint: the index of `params`, or undefined when they are not a grid point of `space`. */
export function gridIndex(space: Space, params: Params): number | undefined {
  let index = 0;
  for (const [name, spec] of Object.entries(space)) {
    if (!(name in params)) return undefined;
    const k = gridIndexOfValue(spec, params[name] as ParamValue);
    if (k === undefined) return undefined;
    index = index * gridCount(spec, name) + k;
  }
  return index;
}

// ---------------------------------------------------------------------------------------------
// Defaults, checks, identity

/** `default` where set, else the middle: midpoint (geometric mean for log), snapped; categorical: first choice. */
export function defaultParams(space: Space): Params {
  const params: Params = {};
  for (const [name, spec] of Object.entries(space)) {
    if (spec.default !== undefined) {
      params[name] = spec.default;
    } else if (spec.type === 'categorical') {
      params[name] = spec.choices[0] as ParamValue;
    } else {
      const mid = spec.log ? Math.sqrt(spec.low * spec.high) : (spec.low + spec.high) / 2;
      params[name] = snapToSpec(spec, mid);
    }
  }
  return params;
}

/** Reads a user-typed value ('0.01', 'true', 32) as a value of `spec`, or explains why it is not one. */
function coerceValue(spec: ParamSpec, raw: unknown): { value: ParamValue } | { problem: string } {
  if (spec.type === 'categorical') {
    if (spec.choices.includes(raw as ParamValue)) return { value: raw as ParamValue };
    // From a command line everything is a string: match the choice that prints the same.
    const text = typeof raw === 'string' ? raw.trim() : undefined;
    if (text !== undefined) {
      const match = spec.choices.find((c) => String(c) === text);
      if (match !== undefined) return { value: match };
    }
    return { problem: `must be one of ${spec.choices.map((c) => show(c)).join(', ')} (got ${show(raw)})` };
  }
  let v: number;
  if (typeof raw === 'number') {
    v = raw;
  } else if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw.trim()))) {
    v = Number(raw.trim());
  } else {
    return { problem: `must be a number (got ${show(raw)})` };
  }
  if (!Number.isFinite(v)) return { problem: `must be a finite number (got ${show(raw)})` };
  const problem = numericProblem(spec, v);
  if (problem !== undefined) return { problem };
  // Return the canonical grid value so that 0.30000000000000004 and 0.3 are the same point.
  if (spec.step !== undefined) return { value: stepValue(spec, stepIndexOf(spec, v) as number) };
  return { value: v };
}

/**
 * Checks user-given values (overrides, possibly partial) against the space, coercing strings such as
 * '0.01' or 'true' where the spec needs a number or a boolean choice. Returns only the given names.
 * Throws SpaceError with path [name] for an unknown name or a bad value.
 */
export function checkParams(space: Space, params: Record<string, unknown>): Params {
  const out: Params = {};
  for (const [name, raw] of Object.entries(params)) {
    const spec = space[name];
    if (spec === undefined || !Object.prototype.hasOwnProperty.call(space, name)) {
      throw new SpaceError(`unknown parameter '${clipped(name)}'; the space has: ${Object.keys(space).join(', ')}`, [name]);
    }
    const r = coerceValue(spec, raw);
    if ('problem' in r) throw new SpaceError(r.problem, [name]);
    out[name] = r.value;
  }
  return out;
}

/** True when `params` has exactly the space's names and each value is a value of its spec (no coercion). */
export function isInSpace(space: Space, params: Params): boolean {
  const names = Object.keys(space);
  if (typeof params !== 'object' || params === null) return false;
  const given = Object.keys(params);
  if (given.length !== names.length) return false;
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return false;
    const spec = space[name] as ParamSpec;
    const v = params[name];
    if (spec.type === 'categorical') {
      if (!spec.choices.includes(v as ParamValue)) return false;
    } else if (!isFiniteNumber(v) || numericProblem(spec, v) !== undefined) {
      return false;
    }
  }
  return true;
}

/** A canonical string for a point (values in space order), for equality tests such as de-duplication. */
export function paramsKey(params: Params, space: Space): string {
  return JSON.stringify(Object.keys(space).map((name) => (name in params ? params[name] : null)));
}
