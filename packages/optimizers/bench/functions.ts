/**
 * The six optimizer benchmark functions of /work/shared/benchmarks.md, each with its search space
 * in the YAML `space:` format, its known optimum and (where one exists) a point attaining it.
 * All are minimised. Numeric parameters are named x0, x1, … except for mixed_mlp.
 */
import type { Params, Space } from '../src/types';

export interface BenchmarkFunction {
  name: string;
  space: Space;
  /** The known global minimum f*. */
  optimum: number;
  /** One point where f = f* (up to the precision the literature gives). */
  argmin: Params;
  evaluate(params: Params): number;
}

function num(params: Params, name: string): number {
  const v = params[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`benchmark parameter '${name}' must be a finite number, got ${String(v)}`);
  }
  return v;
}

function xs(params: Params, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => num(params, `x${i}`));
}

function boxSpace(dims: number, low: number, high: number): Space {
  const space: Space = {};
  for (let i = 0; i < dims; i++) space[`x${i}`] = { type: 'float', low, high };
  return space;
}

function point(values: number[]): Params {
  const p: Params = {};
  values.forEach((v, i) => (p[`x${i}`] = v));
  return p;
}

/** Branin–Hoo with the usual constants; three global minima, one at (π, 2.275). */
export function braninValue(x0: number, x1: number): number {
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x1 - b * x0 * x0 + c * x0 - 6) ** 2 + 10 * (1 - t) * Math.cos(x0) + 10;
}

const HARTMANN6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

export function hartmann6Value(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) {
      const d = (x[j] as number) - HARTMANN6_P[i]![j]!;
      inner += HARTMANN6_A[i]![j]! * d * d;
    }
    sum += HARTMANN6_ALPHA[i]! * Math.exp(-inner);
  }
  return -sum;
}

export function rosenbrockValue(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const xi = x[i] as number;
    const next = x[i + 1] as number;
    sum += 100 * (next - xi * xi) ** 2 + (1 - xi) ** 2;
  }
  return sum;
}

export function ackleyValue(x: readonly number[]): number {
  const a = 20;
  const b = 0.2;
  const c = 2 * Math.PI;
  const d = x.length;
  let squares = 0;
  let cosines = 0;
  for (const xi of x) {
    squares += xi * xi;
    cosines += Math.cos(c * xi);
  }
  return -a * Math.exp(-b * Math.sqrt(squares / d)) - Math.exp(cosines / d) + a + Math.E;
}

export function styblinskiTangValue(x: readonly number[]): number {
  let sum = 0;
  for (const xi of x) sum += xi ** 4 - 16 * xi * xi + 5 * xi;
  return sum / 2;
}

/** Minimiser of the one-dimensional Styblinski–Tang term (root of 4x³ − 32x + 5 = 0 near −2.9). */
export const STYBLINSKI_TANG_ARGMIN = -2.903534018185960;

export const MIXED_MLP_ACTIVATION_PENALTY: Readonly<Record<string, number>> = {
  relu: 0,
  tanh: 0.35,
  sigmoid: 0.9,
  elu: 0.1,
};

export function mixedMlpValue(params: Params): number {
  const lr = num(params, 'lr');
  const units = num(params, 'units');
  const layers = num(params, 'layers');
  const dropout = num(params, 'dropout');
  const activation = String(params['activation']);
  const penalty = MIXED_MLP_ACTIVATION_PENALTY[activation];
  if (penalty === undefined) throw new Error(`mixed_mlp: unknown activation '${activation}'`);
  return (
    (Math.log10(lr) + 2.5) ** 2 +
    ((units - 96) / 64) ** 2 +
    penalty +
    0.15 * Math.abs(layers - 3) +
    2 * (dropout - 0.2) ** 2
  );
}

export const BENCHMARK_FUNCTIONS: readonly BenchmarkFunction[] = [
  {
    name: 'branin',
    space: { x0: { type: 'float', low: -5, high: 10 }, x1: { type: 'float', low: 0, high: 15 } },
    optimum: 0.397887,
    argmin: point([Math.PI, 2.275]),
    evaluate: (p) => braninValue(num(p, 'x0'), num(p, 'x1')),
  },
  {
    name: 'hartmann6',
    space: boxSpace(6, 0, 1),
    optimum: -3.32237,
    argmin: point([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]),
    evaluate: (p) => hartmann6Value(xs(p, 6)),
  },
  {
    name: 'rosenbrock4',
    space: boxSpace(4, -5, 10),
    optimum: 0,
    argmin: point([1, 1, 1, 1]),
    evaluate: (p) => rosenbrockValue(xs(p, 4)),
  },
  {
    name: 'ackley5',
    space: boxSpace(5, -32.768, 32.768),
    optimum: 0,
    argmin: point([0, 0, 0, 0, 0]),
    evaluate: (p) => ackleyValue(xs(p, 5)),
  },
  {
    name: 'styblinski_tang8',
    space: boxSpace(8, -5, 5),
    optimum: -313.32936,
    argmin: point(Array.from({ length: 8 }, () => STYBLINSKI_TANG_ARGMIN)),
    evaluate: (p) => styblinskiTangValue(xs(p, 8)),
  },
  {
    name: 'mixed_mlp',
    space: {
      lr: { type: 'float', low: 1e-5, high: 1, log: true },
      units: { type: 'int', low: 8, high: 512 },
      layers: { type: 'int', low: 1, high: 6 },
      activation: { type: 'categorical', choices: ['relu', 'tanh', 'sigmoid', 'elu'] },
      dropout: { type: 'float', low: 0, high: 0.7 },
    },
    optimum: 0,
    argmin: { lr: 10 ** -2.5, units: 96, layers: 3, activation: 'relu', dropout: 0.2 },
    evaluate: mixedMlpValue,
  },
];

export function benchmarkFunction(name: string): BenchmarkFunction {
  const f = BENCHMARK_FUNCTIONS.find((b) => b.name === name);
  if (!f) {
    const known = BENCHMARK_FUNCTIONS.map((b) => b.name).join(', ');
    throw new Error(`unknown benchmark function '${name}' (known: ${known})`);
  }
  return f;
}
