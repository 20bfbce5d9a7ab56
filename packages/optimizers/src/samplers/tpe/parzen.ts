/**
 * A Parzen estimator over the axes of a space: a weighted mixture of one kernel per observed point
 * plus one broad prior kernel. On a numeric axis a kernel is a Gaussian truncated to [0, 1] (a
 * discrete axis scores a value by the kernel's mass over the value's cell); on a categorical axis it
 * is a smoothed one-hot distribution. Bandwidths come from one of two rules: per point and axis,
 * the gaps to its neighbours along that axis (hyperopt's rule, Bergstra et al. 2011; Optuna's
 * univariate TPE), or one Scott-like width 0.2·n^(−1/(dims+4)) for all (Falkner et al. 2018;
 * Optuna's multivariate TPE). Both are clipped from below by the "magic clip" 1/min(100, 1 + kernels)
 * so that a few close points never collapse the density to spikes.
 *
 * The same mixture serves both TPE variants: the univariate one uses each axis's marginal (draw a
 * kernel per axis), the multivariate one the joint density (one kernel for all axes of a draw).
 */
import type { Rng } from '../../rng';
import { snap, type Axis, type Coords } from './axes';
import { logNormalMass, sampleTruncatedNormal } from './normal';

export type BandwidthRule = 'neighbour' | 'scott';

export interface ParzenOptions {
  /** How kernel widths are set on numeric axes (see above). */
  bandwidth: BandwidthRule;
  /** Weight of the prior kernel (uniform-ish over the whole axis), relative to an observation's weight of ~1. */
  priorWeight: number;
  /** Floor the bandwidths at 1/min(100, 1 + kernels) of the axis (Optuna's `consider_magic_clip`). */
  magicClip: boolean;
  /** Let the outermost points' bandwidth reach to the axis ends (Optuna's `consider_endpoints`). */
  considerEndpoints: boolean;
}

interface NumericKernels {
  kind: 'numeric';
  mus: Float64Array;
  sigmas: Float64Array;
  /** log of each kernel's Gaussian mass inside [0, 1], the truncation normaliser. */
  logZ: Float64Array;
  /** The x-independent part of each kernel's log density: −log σ − log √(2π) − log Z. */
  logScale: Float64Array;
  cell?: (u: number) => [number, number];
}

interface CategoricalKernels {
  kind: 'categorical';
  size: number;
  /** Row k = kernel k's probabilities over the choices (row-major, kernels × size). */
  probs: Float64Array;
  logProbs: Float64Array;
}

type AxisKernels = NumericKernels | CategoricalKernels;

const SIGMA0_MAGNITUDE = 0.2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Terms this far below the largest add less than e^−40 relative: not worth an exp. */
const NEGLIGIBLE = -40;

export class ParzenEstimator {
  /** Number of kernels (observations plus the prior). */
  readonly size: number;
  private readonly weights: Float64Array;
  private readonly logWeights: Float64Array;
  private readonly kernels: AxisKernels[];
  private readonly scratch: Float64Array;
  /**
   * Per discrete axis, each value's per-kernel log masses: candidates repeat values often (an axis
   * with six values sees 24 candidates), and a cell mass costs a few logarithms per kernel.
   */
  private readonly cellCache: Array<Map<number, Float64Array>>;

  /**
   * @param points  observations as coordinates on `axes` (see axes.ts)
   * @param pointWeights  one non-negative weight per point (e.g. favouring recent trials)
   */
  constructor(
    private readonly axes: readonly Axis[],
    points: readonly Coords[],
    pointWeights: readonly number[],
    options: ParzenOptions,
  ) {
    if (pointWeights.length !== points.length) throw new Error('ParzenEstimator: one weight per point is needed');
    const n = points.length;
    // Without observations the prior is all there is, whatever its configured weight.
    const usePrior = options.priorWeight > 0 || n === 0;
    const priorWeight = n === 0 ? 1 : options.priorWeight;
    this.size = n + (usePrior ? 1 : 0);

    const raw = [...pointWeights];
    if (usePrior) raw.push(priorWeight);
    const total = raw.reduce((s, w) => s + w, 0);
    this.weights = Float64Array.from(raw, (w) => (total > 0 ? w / total : 1 / raw.length));
    this.logWeights = this.weights.map((w) => Math.log(w));

    this.kernels = axes.map((axis, d) => {
      const column = points.map((p) => p[d] as number);
      if (axis.kind === 'categorical') return categoricalKernels(column, axis.size, usePrior, priorWeight);
      const sigmas =
        options.bandwidth === 'scott'
          ? scottSigmas(n, axes.length)
          : neighbourSigmas(column, usePrior, options.considerEndpoints);
      return numericKernels(column, sigmas, usePrior, options.magicClip, axis.cell);
    });
    this.scratch = new Float64Array(this.size);
    this.cellCache = axes.map(() => new Map<number, Float64Array>());
  }

  /** Draws a kernel index by weight. */
  sampleKernel(rng: Rng): number {
    return weightedIndex(rng, this.weights);
  }

  /** Draws a coordinate on axis `d` from kernel `k` (snapped to the value's centre on discrete axes). */
  sampleAxis(rng: Rng, d: number, k: number): number {
    const kern = this.kernels[d] as AxisKernels;
    if (kern.kind === 'categorical') {
      return weightedIndex(rng, kern.probs.subarray(k * kern.size, (k + 1) * kern.size));
    }
    const u = sampleTruncatedNormal(rng, kern.mus[k] as number, kern.sigmas[k] as number, 0, 1);
    return snap(this.axes[d] as Extract<Axis, { kind: 'numeric' }>, u);
  }

  /** Draws a whole point: one kernel for all axes (the joint, multivariate density). */
  sampleJoint(rng: Rng): Coords {
    const k = this.sampleKernel(rng);
    return this.axes.map((_, d) => this.sampleAxis(rng, d, k));
  }

  /** Draws a coordinate on axis `d` from that axis's marginal (the univariate density). */
  sampleMarginal(rng: Rng, d: number): number {
    return this.sampleAxis(rng, d, this.sampleKernel(rng));
  }

  /** log density (probability for discrete and categorical axes) of the marginal on axis `d` at `x`. */
  logMarginal(d: number, x: number): number {
    const out = this.scratch;
    out.set(this.logWeights);
    this.addComponentLogDensities(d, x, out);
    return logSumExp(out);
  }

  /** log density of the joint mixture at a point. */
  logJoint(point: Coords): number {
    const out = this.scratch;
    out.set(this.logWeights);
    for (let d = 0; d < this.axes.length; d++) this.addComponentLogDensities(d, point[d] as number, out);
    return logSumExp(out);
  }

  /** Adds each kernel's log density on axis `d` at `x` into `out`. */
  private addComponentLogDensities(d: number, x: number, out: Float64Array): void {
    const kern = this.kernels[d] as AxisKernels;
    if (kern.kind === 'categorical') {
      for (let k = 0; k < this.size; k++) out[k] = (out[k] as number) + (kern.logProbs[k * kern.size + x] as number);
      return;
    }
    const { mus, sigmas, logZ, logScale, cell } = kern;
    if (cell === undefined) {
      for (let k = 0; k < this.size; k++) {
        const z = (x - (mus[k] as number)) / (sigmas[k] as number);
        out[k] = (out[k] as number) + (logScale[k] as number) - 0.5 * z * z;
      }
      return;
    }
    const cache = this.cellCache[d] as Map<number, Float64Array>;
    let masses = cache.get(x);
    if (masses === undefined) {
      const [a, b] = cell(x);
      masses = new Float64Array(this.size);
      for (let k = 0; k < this.size; k++) {
        const mu = mus[k] as number;
        const s = sigmas[k] as number;
        masses[k] = logNormalMass((a - mu) / s, (b - mu) / s) - (logZ[k] as number);
      }
      cache.set(x, masses);
    }
    for (let k = 0; k < this.size; k++) out[k] = (out[k] as number) + (masses[k] as number);
  }
}

/** Index drawn with probability proportional to `weights` (Rng.weightedIndex for typed arrays). */
function weightedIndex(rng: Rng, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i] as number;
  let r = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i] as number;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

export function logSumExp(xs: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) if ((xs[i] as number) > max) max = xs[i] as number;
  if (max === -Infinity || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    const t = (xs[i] as number) - max;
    if (t > NEGLIGIBLE) sum += Math.exp(t);
  }
  return max + Math.log(sum);
}

/**
 * Hyperopt's rule: each point's bandwidth is the larger gap to its neighbours among the points, the
 * prior's centre and the axis ends; the outermost points use their inner gap unless `considerEndpoints`.
 */
function neighbourSigmas(mus: readonly number[], withPrior: boolean, considerEndpoints: boolean): number[] {
  const n = mus.length;
  const centres = withPrior ? [...mus, 0.5] : [...mus];
  const order = centres.map((_, i) => i).sort((i, j) => (centres[i] as number) - (centres[j] as number));
  const sorted = [0, ...order.map((i) => centres[i] as number), 1];
  const m = order.length;
  const sortedSigmas = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    const here = sorted[i + 1] as number;
    sortedSigmas[i] = Math.max(here - (sorted[i] as number), (sorted[i + 2] as number) - here);
  }
  if (!considerEndpoints && sorted.length >= 4) {
    sortedSigmas[0] = (sorted[2] as number) - (sorted[1] as number);
    sortedSigmas[m - 1] = (sorted[m] as number) - (sorted[m - 1] as number);
  }
  const sigmas = new Array<number>(m);
  order.forEach((i, rank) => (sigmas[i] = sortedSigmas[rank] as number));
  return sigmas.slice(0, n);
}

/** One bandwidth for all points, shrinking as n^(−1/(dims+4)) like Scott's rule. */
function scottSigmas(n: number, dims: number): number[] {
  const sigma = SIGMA0_MAGNITUDE * Math.max(n, 1) ** (-1 / (dims + 4));
  return new Array<number>(n).fill(sigma);
}

function numericKernels(
  mus: readonly number[],
  pointSigmas: readonly number[],
  withPrior: boolean,
  magicClip: boolean,
  cell: ((u: number) => [number, number]) | undefined,
): NumericKernels {
  const n = mus.length;
  const kernels = n + (withPrior ? 1 : 0);
  const minSigma = magicClip ? 1 / Math.min(100, 1 + kernels) : 1e-12;
  const size = kernels;
  const outMus = new Float64Array(size);
  const outSigmas = new Float64Array(size);
  for (let i = 0; i < n; i++) {
    outMus[i] = mus[i] as number;
    outSigmas[i] = Math.min(1, Math.max(minSigma, pointSigmas[i] as number));
  }
  if (withPrior) {
    outMus[n] = 0.5;
    outSigmas[n] = 1;
  }
  const logZ = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const mu = outMus[k] as number;
    const s = outSigmas[k] as number;
    logZ[k] = logNormalMass((0 - mu) / s, (1 - mu) / s);
  }
  const logScale = logZ.map((lz, k) => -Math.log(outSigmas[k] as number) - LOG_SQRT_2PI - lz);
  return { kind: 'numeric', mus: outMus, sigmas: outSigmas, logZ, logScale, cell };
}

/** Each observation's kernel puts weight 1 on its choice plus priorWeight/kernels on every choice; the prior's is uniform. */
function categoricalKernels(
  observed: readonly number[],
  choices: number,
  withPrior: boolean,
  priorWeight: number,
): CategoricalKernels {
  const n = observed.length;
  const kernels = n + (withPrior ? 1 : 0);
  const probs = new Float64Array(kernels * choices);
  const smoothing = withPrior ? priorWeight / kernels : 0;
  for (let k = 0; k < kernels; k++) {
    const row = probs.subarray(k * choices, (k + 1) * choices);
    if (k === n) {
      row.fill(1 / choices);
      continue;
    }
    row.fill(smoothing);
    row[observed[k] as number] = (row[observed[k] as number] as number) + 1;
    const total = smoothing * choices + 1;
    for (let c = 0; c < choices; c++) row[c] = (row[c] as number) / total;
  }
  return { kind: 'categorical', size: choices, probs, logProbs: probs.map((p) => Math.log(p)) };
}
