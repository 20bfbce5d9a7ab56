/**
 * Log expected improvement and its maximisation over the mixed space.
 *
 * EI(x) = σ(x)·h((best − μ(x))/σ(x)) for minimisation, with h(z) = φ(z) + zΦ(z). We maximise its log
 * (computed stably, see math/normal.ts): plain EI is exactly 0 over most of the space after a few
 * dozen observations, which leaves a local optimiser nothing to climb.
 *
 * The maximiser is a multi-start local search: score random points and perturbations of the best
 * observations, then from the most promising few alternate (a) box L-BFGS over the continuous
 * coordinates and (b) a pattern search over each discrete parameter (integer steps ±1, ±2, ±4, … ;
 * every other category), until neither improves.
 */
import { minimizeBox } from '../../math/lbfgs';
import { logH, logHDerivative } from '../../math/normal';
import type { Rng } from '../../rng';
import type { GpEncoding } from './encode';
import type { GpPosterior } from './gp';

/** log EI at x (minimisation, incumbent `best`); fills `grad` with its gradient when given. */
export function logExpectedImprovement(model: GpPosterior, best: number, x: ArrayLike<number>, grad?: Float64Array): number {
  if (!grad) {
    const { mean, variance } = model.predict(x);
    const sigma = Math.sqrt(variance);
    return Math.log(sigma) + logH((best - mean) / sigma);
  }
  const dims = model.dims;
  const meanGrad = new Float64Array(dims);
  const varGrad = new Float64Array(dims);
  const { mean, variance } = model.predict(x, meanGrad, varGrad);
  const sigma = Math.sqrt(variance);
  const z = (best - mean) / sigma;
  const dlogh = logHDerivative(z);
  for (let d = 0; d < dims; d++) {
    const dSigma = varGrad[d]! / (2 * sigma);
    const dz = (-meanGrad[d]! - z * dSigma) / sigma;
    grad[d] = dSigma / sigma + dlogh * dz;
  }
  return Math.log(sigma) + logH(z);
}

export const DEFAULT_RANDOM_CANDIDATES = 128;
export const DEFAULT_PERTURBATIONS = 16;

/** Any acquisition to maximise: value at x, gradient into `grad` when given. */
export type Acquisition = (x: Float64Array, grad?: Float64Array) => number;

export interface AcquisitionSearchOptions {
  /** Uniformly random points scored before the local searches (default DEFAULT_RANDOM_CANDIDATES). */
  randomCandidates?: number;
  /** Perturbations scored around each anchor (default DEFAULT_PERTURBATIONS). */
  perturbationsPerAnchor?: number;
  /** Number of local searches, from the best-scoring distinct candidates (default 4). */
  localSearches?: number;
  /** L-BFGS iterations per continuous phase (default 20). */
  gradientIterations?: number;
  /** Continuous phases per local search, each after a discrete sweep that improved (default 3). */
  rounds?: number;
  /** A box (per encoded dimension) the search stays in: a trust region around the incumbent. One-hot dimensions keep [0, 1]. */
  box?: { lower: Float64Array; upper: Float64Array };
}

/** Alternatives returned for the caller to skip already-asked points; beyond these it goes random. */
const MAX_RETURNED = 32;

export interface ScoredPoint {
  x: Float64Array;
  value: number;
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A perturbed copy of an anchor: continuous coordinates by Gaussian noise at a random scale, discrete ones occasionally moved. */
function perturb(enc: GpEncoding, anchor: Float64Array, rng: Rng): Float64Array {
  const x = Float64Array.from(anchor);
  const scales = [0.01, 0.04, 0.15];
  const scale = scales[rng.int(0, scales.length - 1)]!;
  // Each discrete parameter moves with probability 1/(number of parameters), at least one thing changes.
  const pMove = 1 / Math.max(1, enc.blocks.length);
  for (const b of enc.blocks) {
    if (b.kind === 'continuous') {
      x[b.dim] = x[b.dim]! + scale * rng.normal();
    } else if (rng.next() < pMove) {
      if (b.kind === 'ordinal') {
        const k = enc.ordinalIndexOfUnit(b, x[b.dim]!);
        const reach = Math.max(1, Math.round(scale * b.count));
        const step = rng.int(1, reach) * (rng.next() < 0.5 ? -1 : 1);
        x[b.dim] = enc.ordinalPosition(b, Math.min(b.count - 1, Math.max(0, k + step)));
      } else {
        enc.setCategory(b, x, rng.int(0, b.count - 1));
      }
    }
  }
  return enc.project(x);
}

/** One discrete pattern-search sweep (ordinal steps stay in the trust region, if any); returns the (possibly improved) point and value. */
function discreteSweep(enc: GpEncoding, acq: Acquisition, start: ScoredPoint, box?: AcquisitionSearchOptions['box']): ScoredPoint {
  let { x, value } = start;
  for (const b of enc.blocks) {
    if (b.kind === 'continuous') continue;
    const base = Float64Array.from(x);
    let bestX = x;
    let bestValue = value;
    const tryPoint = (candidate: Float64Array): void => {
      const v = acq(candidate);
      if (v > bestValue) {
        bestValue = v;
        bestX = candidate;
      }
    };
    if (b.kind === 'ordinal') {
      const k = enc.ordinalIndexOfUnit(b, base[b.dim]!);
      for (let step = 1; step < b.count; step *= 2) {
        for (const sign of [-1, 1]) {
          const j = k + sign * step;
          if (j < 0 || j >= b.count) continue;
          const c = Float64Array.from(base);
          c[b.dim] = enc.ordinalPosition(b, j);
          if (box && (c[b.dim]! < box.lower[b.dim]! || c[b.dim]! > box.upper[b.dim]!)) continue;
          tryPoint(c);
        }
      }
    } else {
      const current = enc.categoryOf(b, base);
      for (let c = 0; c < b.count; c++) {
        if (c === current) continue;
        const cand = Float64Array.from(base);
        enc.setCategory(b, cand, c);
        tryPoint(cand);
      }
    }
    x = bestX;
    value = bestValue;
  }
  return { x, value };
}

/**
 * A point moved into the trust region: a uniform point of the cube stretched onto the box
 * (`stretch`), or a perturbation clipped to it. Categorical coordinates stay as they are, and an
 * ordinal one is rounded to its nearest level again (so it may end a little outside the box).
 */
function intoBox(enc: GpEncoding, x: Float64Array, box: AcquisitionSearchOptions['box'], stretch: boolean): Float64Array {
  if (!box) return x;
  for (const b of enc.blocks) {
    if (b.kind === 'categorical') continue;
    const lo = box.lower[b.dim]!;
    const hi = box.upper[b.dim]!;
    x[b.dim] = stretch ? lo + (hi - lo) * x[b.dim]! : Math.min(hi, Math.max(lo, x[b.dim]!));
  }
  return enc.project(x);
}

/** Box L-BFGS over the continuous coordinates, the discrete ones held fixed (within the trust region, if any). */
function continuousPhase(enc: GpEncoding, acq: Acquisition, start: ScoredPoint, iterations: number, box?: AcquisitionSearchOptions['box']): ScoredPoint {
  const dimsC = enc.continuousDims;
  if (dimsC.length === 0) return start;
  const full = Float64Array.from(start.x);
  const fullGrad = new Float64Array(enc.dims);
  const objective = (sub: Float64Array, grad: Float64Array): number => {
    for (let i = 0; i < dimsC.length; i++) full[dimsC[i]!] = sub[i]!;
    const v = acq(full, fullGrad);
    for (let i = 0; i < dimsC.length; i++) grad[i] = -fullGrad[dimsC[i]!]!;
    return -v;
  };
  const lower = new Float64Array(dimsC.length);
  const upper = new Float64Array(dimsC.length).fill(1);
  if (box) {
    dimsC.forEach((d, i) => {
      lower[i] = box.lower[d]!;
      upper[i] = box.upper[d]!;
    });
  }
  // An anchor (one of the best trials) may lie outside the box: start from its nearest point inside.
  const x0 = dimsC.map((d, i) => Math.min(upper[i]!, Math.max(lower[i]!, start.x[d]!)));
  const r = minimizeBox(objective, x0, { lower, upper, maxIterations: iterations, gradientTolerance: 1e-7, relativeTolerance: 1e-10 });
  if (!(-r.value > start.value)) return start;
  const x = Float64Array.from(start.x);
  for (let i = 0; i < dimsC.length; i++) x[dimsC[i]!] = r.x[i]!;
  return { x: enc.project(x), value: -r.value };
}

/**
 * Maximises `acq` over the encoded space. Returns up to MAX_RETURNED distinct local optima and scored
 * candidates, best first, so the caller can skip points that decode to something already asked.
 */
export function maximizeAcquisition(
  enc: GpEncoding,
  acq: Acquisition,
  anchors: readonly Float64Array[],
  rng: Rng,
  options: AcquisitionSearchOptions = {},
): ScoredPoint[] {
  const nRandom = options.randomCandidates ?? DEFAULT_RANDOM_CANDIDATES;
  const nPerturb = options.perturbationsPerAnchor ?? DEFAULT_PERTURBATIONS;
  const nLocal = options.localSearches ?? 4;
  const iterations = options.gradientIterations ?? 20;
  const rounds = options.rounds ?? 3;

  const candidates: ScoredPoint[] = [];
  const score = (x: Float64Array): void => {
    const value = acq(x);
    if (Number.isFinite(value)) candidates.push({ x, value });
  };
  const box = options.box;
  for (let i = 0; i < nRandom; i++) score(intoBox(enc, enc.random(rng), box, true));
  for (const anchor of anchors) {
    score(Float64Array.from(anchor));
    for (let i = 0; i < nPerturb; i++) score(intoBox(enc, perturb(enc, anchor, rng), box, false));
  }
  candidates.sort((a, b) => b.value - a.value);

  const starts: ScoredPoint[] = [];
  for (const c of candidates) {
    if (starts.length >= nLocal) break;
    if (!starts.some((s) => sameArray(s.x, c.x))) starts.push(c);
  }
  const results: ScoredPoint[] = [];
  for (const start of starts) {
    let current = continuousPhase(enc, acq, start, iterations, box);
    // A discrete move changes the landscape of the continuous coordinates: climb again after one.
    for (let round = 1; round < rounds; round++) {
      const swept = discreteSweep(enc, acq, current, box);
      if (!(swept.value > current.value + 1e-9 * Math.max(1, Math.abs(current.value)))) break;
      current = continuousPhase(enc, acq, swept, iterations, box);
    }
    results.push(current);
  }
  const all = [...results, ...candidates].sort((a, b) => b.value - a.value);
  const distinct: ScoredPoint[] = [];
  for (const p of all) {
    if (distinct.length >= MAX_RETURNED) break;
    if (!distinct.some((q) => sameArray(q.x, p.x))) distinct.push(p);
  }
  return distinct;
}
