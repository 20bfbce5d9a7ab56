/**
 * Gaussian-process regression: hyperparameters by maximum a posteriori (log marginal likelihood plus
 * log priors, analytic gradient, box L-BFGS in log space), and the posterior mean and variance with
 * their gradients for the acquisition optimiser.
 *
 * Hyperparameter vector θ (length dims + 2): [log ℓ_1 … log ℓ_dims, log s², log σ²], with ℓ the
 * lengthscales, s² the signal variance and σ² the observation-noise variance. Targets y are expected
 * standardised (mean 0, variance 1), which is what makes fixed priors sensible.
 */
import { choleskyInverse, choleskySolve, choleskyWithJitter, solveLower, solveLowerTransposed } from '../../math/linalg';
import { minimizeBox } from '../../math/lbfgs';
import {
  crossCovariance,
  kernelGradientFromPairs,
  kernelMatrix,
  kernelMatrixFromPairs,
  pairTable,
  type KernelParams,
  type PairTable,
} from './kernel';

export interface GpData {
  /** n rows of `dims` unit-cube coordinates, row-major. */
  x: Float64Array;
  /** n standardised targets. */
  y: Float64Array;
  n: number;
  dims: number;
}

/** Independent normal priors on the log hyperparameters, and hard bounds that keep them sane. */
export interface GpPrior {
  logLengthscaleMean: number;
  logLengthscaleSd: number;
  logSignalMean: number;
  logSignalSd: number;
  logNoiseMean: number;
  logNoiseSd: number;
  lower: Float64Array;
  upper: Float64Array;
  /** The kernel's form: the product (ARD) Matérn by default, or its first-order additive form (kernel.ts). */
  additive?: boolean;
}

export interface GpPriorOptions {
  /** Median lengthscale of the prior in the unit cube before the √dims scaling (default 0.3). */
  lengthscale?: number;
  /** Median noise variance of the prior, relative to the standardised signal (default 1e-3). */
  noise?: number;
  /** The additive kernel: its lengthscales are one-dimensional, so no √dims scaling. */
  additive?: boolean;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Priors: lengthscales log-normal around 0.3·√dims (in more dimensions a point's neighbours are
 * farther away, so the same data supports only smoother models; Hvarfner et al. 2024), signal
 * variance around 1 (the targets are standardised), noise around 1e-3 but wide enough to explain
 * genuinely noisy objectives. Bounds stop degenerate fits (ℓ → 0 interpolating spikes, σ² → 0).
 */
export function defaultPrior(dims: number, options: GpPriorOptions = {}): GpPrior {
  const lengthscaleMean = Math.log((options.lengthscale ?? 0.3) * (options.additive ? 1 : Math.sqrt(dims)));
  const noiseMean = Math.log(options.noise ?? 1e-3);
  const lower = new Float64Array(dims + 2);
  const upper = new Float64Array(dims + 2);
  for (let d = 0; d < dims; d++) {
    lower[d] = Math.log(0.01);
    upper[d] = Math.log(30);
  }
  lower[dims] = Math.log(0.05);
  upper[dims] = Math.log(20);
  lower[dims + 1] = Math.log(1e-6);
  upper[dims + 1] = Math.log(2);
  return {
    logLengthscaleMean: lengthscaleMean,
    logLengthscaleSd: 1,
    logSignalMean: 0,
    logSignalSd: 1,
    logNoiseMean: noiseMean,
    logNoiseSd: 2.5,
    lower,
    upper,
    ...(options.additive ? { additive: true } : {}),
  };
}

export function kernelParamsOf(theta: ArrayLike<number>, dims: number, additive = false): KernelParams {
  const inv = new Float64Array(dims);
  for (let d = 0; d < dims; d++) inv[d] = Math.exp(-2 * theta[d]!);
  return { inverseSquaredLengthscales: inv, signalVariance: Math.exp(theta[dims]!), ...(additive ? { additive } : {}) };
}

const pairCache = new WeakMap<GpData, PairTable>();

/** The pair table of a data set, computed on first use (a fit evaluates the same data many times). */
function pairsOf(data: GpData): PairTable {
  let table = pairCache.get(data);
  if (!table) {
    table = pairTable(data.x, data.n, data.dims);
    pairCache.set(data, table);
  }
  return table;
}

function priorTerm(theta: ArrayLike<number>, dims: number, prior: GpPrior, grad?: Float64Array): number {
  let nlp = 0;
  const add = (i: number, mean: number, sd: number): void => {
    const z = (theta[i]! - mean) / sd;
    nlp += 0.5 * z * z;
    if (grad) grad[i] = grad[i]! + z / sd;
  };
  for (let d = 0; d < dims; d++) add(d, prior.logLengthscaleMean, prior.logLengthscaleSd);
  add(dims, prior.logSignalMean, prior.logSignalSd);
  add(dims + 1, prior.logNoiseMean, prior.logNoiseSd);
  return nlp;
}

/**
 * −log p(y | θ) − log p(θ) (up to a constant of the prior) and its gradient in `grad`.
 * Returns +∞ when the kernel matrix cannot be factorised even with jitter.
 */
export function negLogPosterior(theta: ArrayLike<number>, data: GpData, prior: GpPrior, grad?: Float64Array): number {
  const { y, n, dims } = data;
  const kp = kernelParamsOf(theta, dims, prior.additive);
  const noise = Math.exp(theta[dims + 1]!);
  const pairs = pairsOf(data);
  const r = new Float64Array((n * (n - 1)) / 2);
  const k = kernelMatrixFromPairs(pairs, kp, r);
  for (let i = 0; i < n; i++) k[i * n + i] = k[i * n + i]! + noise;
  const chol = choleskyWithJitter(k, n);
  if (!chol) return Infinity;
  const l = chol.l;
  const alpha = choleskySolve(l, n, y);
  let nll = 0.5 * n * LOG_2PI;
  for (let i = 0; i < n; i++) nll += 0.5 * y[i]! * alpha[i]! + Math.log(l[i * n + i]!);
  if (!Number.isFinite(nll)) return Infinity;
  if (grad) {
    grad.fill(0);
    // W = ααᵀ − K⁻¹; ∂log p(y|θ)/∂θ = ½ tr(W ∂K/∂θ).
    const w = choleskyInverse(l, n);
    let trace = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) w[i * n + j] = alpha[i]! * alpha[j]! - w[i * n + j]!;
      trace += w[i * n + i]!;
    }
    const lengthGrad = new Float64Array(dims);
    const signalGrad = kernelGradientFromPairs(pairs, kp, r, w, lengthGrad);
    for (let d = 0; d < dims; d++) grad[d] = -lengthGrad[d]!;
    grad[dims] = -signalGrad;
    grad[dims + 1] = -0.5 * noise * trace;
  }
  return nll + priorTerm(theta, dims, prior, grad);
}

export interface FitOptions {
  /** Starting points (each dims + 2 long); the best local optimum wins. Defaults: see defaultStarts. */
  starts?: ReadonlyArray<ArrayLike<number>>;
  maxIterations?: number;
}

/** Deterministic starts: the prior's centre, and a short-lengthscale/low-noise alternative. */
export function defaultStarts(dims: number, prior: GpPrior): Float64Array[] {
  const centre = new Float64Array(dims + 2);
  const short = new Float64Array(dims + 2);
  for (let d = 0; d < dims; d++) {
    centre[d] = prior.logLengthscaleMean;
    short[d] = prior.logLengthscaleMean - 1.5 * prior.logLengthscaleSd;
  }
  centre[dims] = prior.logSignalMean;
  short[dims] = prior.logSignalMean;
  centre[dims + 1] = prior.logNoiseMean;
  short[dims + 1] = prior.logNoiseMean - prior.logNoiseSd;
  return [centre, short].map((t) => clampTheta(t, prior));
}

function clampTheta(theta: Float64Array, prior: GpPrior): Float64Array {
  for (let i = 0; i < theta.length; i++) theta[i] = Math.min(prior.upper[i]!, Math.max(prior.lower[i]!, theta[i]!));
  return theta;
}

export interface FitResult {
  theta: Float64Array;
  /** The minimised −log posterior (+∞ when no start gave a usable fit). */
  value: number;
}

/** MAP hyperparameters: box L-BFGS from every start; the lowest −log posterior wins. */
export function fitHyperparameters(data: GpData, prior: GpPrior, options: FitOptions = {}): FitResult {
  const starts = options.starts ?? defaultStarts(data.dims, prior);
  const objective = (theta: Float64Array, grad: Float64Array): number => negLogPosterior(theta, data, prior, grad);
  let best: FitResult = { theta: Float64Array.from(starts[0] ?? defaultStarts(data.dims, prior)[0]!), value: Infinity };
  for (const start of starts) {
    const r = minimizeBox(objective, start, {
      lower: prior.lower,
      upper: prior.upper,
      maxIterations: options.maxIterations ?? 60,
      gradientTolerance: 1e-4,
      relativeTolerance: 1e-7,
    });
    if (r.value < best.value) best = { theta: r.x, value: r.value };
  }
  return best;
}

/** The GP posterior for fixed hyperparameters: one Cholesky, then cheap predictions. */
export class GpPosterior {
  readonly n: number;
  readonly dims: number;
  readonly kernel: KernelParams;
  readonly noise: number;
  private readonly x: Float64Array;
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;
  // Scratch buffers: predict() runs thousands of times per ask and must not allocate.
  private readonly kStar: Float64Array;
  private readonly kGrad: Float64Array;
  private readonly v: Float64Array;
  private readonly w: Float64Array;

  private constructor(data: GpData, theta: ArrayLike<number>, l: Float64Array, additive: boolean) {
    this.n = data.n;
    this.dims = data.dims;
    this.x = data.x;
    this.kernel = kernelParamsOf(theta, data.dims, additive);
    this.noise = Math.exp(theta[data.dims + 1]!);
    this.l = l;
    this.alpha = choleskySolve(l, data.n, data.y);
    this.kStar = new Float64Array(data.n);
    this.kGrad = new Float64Array(data.n * data.dims);
    this.v = new Float64Array(data.n);
    this.w = new Float64Array(data.n);
  }

  /** Undefined when the kernel matrix cannot be factorised (the caller falls back to random search). */
  static create(data: GpData, theta: ArrayLike<number>, additive = false): GpPosterior | undefined {
    const kp = kernelParamsOf(theta, data.dims, additive);
    const k = kernelMatrix(data.x, data.n, data.dims, kp);
    const noise = Math.exp(theta[data.dims + 1]!);
    for (let i = 0; i < data.n; i++) k[i * data.n + i] = k[i * data.n + i]! + noise;
    const chol = choleskyWithJitter(k, data.n);
    if (!chol) return undefined;
    const post = new GpPosterior(data, theta, chol.l, additive);
    for (let i = 0; i < data.n; i++) if (!Number.isFinite(post.alpha[i]!)) return undefined;
    return post;
  }

  /**
   * Posterior mean and variance of the latent function at p; with `meanGrad`/`varGrad` (dims each)
   * also their gradients with respect to p. The variance is floored at a tiny positive value.
   */
  predict(p: ArrayLike<number>, meanGrad?: Float64Array, varGrad?: Float64Array): { mean: number; variance: number } {
    const { n, dims } = this;
    const wantGrad = meanGrad !== undefined && varGrad !== undefined;
    crossCovariance(p, this.x, n, dims, this.kernel, this.kStar, wantGrad ? this.kGrad : undefined);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += this.kStar[i]! * this.alpha[i]!;
    const v = solveLower(this.l, n, this.kStar, this.v);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i]! * v[i]!;
    const floor = 1e-12 * this.kernel.signalVariance;
    const raw = this.kernel.signalVariance - vv;
    const variance = raw > floor ? raw : floor;
    if (wantGrad) {
      meanGrad.fill(0);
      varGrad.fill(0);
      // ∂var/∂p = −2·(K⁻¹k*)ᵀ ∂k*/∂p; zero where the variance is clamped at its floor.
      const w = solveLowerTransposed(this.l, n, v, this.w);
      const g = this.kGrad;
      const clamped = raw <= floor;
      for (let i = 0; i < n; i++) {
        const a = this.alpha[i]!;
        const b = clamped ? 0 : -2 * w[i]!;
        const row = i * dims;
        for (let d = 0; d < dims; d++) {
          meanGrad[d] = meanGrad[d]! + a * g[row + d]!;
          varGrad[d] = varGrad[d]! + b * g[row + d]!;
        }
      }
    }
    return { mean, variance };
  }
}
