/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), by default in its multivariate form
 * (Falkner et al. 2018). After a random start, finished trials are split into the best few (gamma
 * rule) and the rest; a Parzen estimator is fitted to each in the unit cube, candidates are drawn
 * from the good one l(x), and the candidate with the largest l(x)/g(x) is proposed — the maximiser of
 * expected improvement under TPE's model.
 *
 * Why these defaults. On the six benchmark functions (bench/tpe-dev.ts, 50 trials, median of the
 * best value over seeds 10–109, kept apart from the reported seeds 0–9), as the geometric mean of
 * (median − f*) / (Optuna TPE's median − f*), lower is better:
 *   univariate, Optuna's settings (γ = 0.1, neighbour bandwidths)      1.27
 *   multivariate, Optuna's settings (γ = 0.1, Scott bandwidths)        1.07
 *   multivariate, γ = 0.15, Scott bandwidths                           0.88
 *   univariate, γ = 0.15                                              1.07
 *   multivariate, γ = 0.15, neighbour bandwidths (the defaults)        0.70  (0.74 on seeds 110–209)
 * Joint kernels keep the parameters of one good trial together, which matters on the coupled
 * functions (Rosenbrock, Hartmann, Ackley); per-axis neighbour bandwidths adapt to how tightly the
 * good points cluster along each axis, where one Scott width for all was too wide at 50 trials
 * (on the separable Styblinski–Tang the ratio went from 1.07 to 0.88, ahead of univariate's 0.98);
 * and a slightly larger good set (15%) steadies l(x) while it holds only a handful of points.
 */
// algorithms.ts imports this module too; AlgorithmError is only used inside functions, after both loaded.
import { AlgorithmError } from '../errors';
import type { Rng } from '../rng';
import type { Params, Sampler, SamplerContext, Space, Trial } from '../types';
import { axesOf, decode, encode, type Axis, type Coords } from './tpe/axes';
import { ParzenEstimator, type BandwidthRule, type ParzenOptions } from './tpe/parzen';
import { defaultGamma, defaultWeights, gammaFraction, splitTrials, type GammaFn } from './tpe/split';

export interface TpeOptions {
  /** Trials drawn uniformly at random before the model is used (default 10). Counts complete and pruned trials. */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion; the best l/g ratio wins (default 24). */
  nEiCandidates?: number;
  /**
   * Model the parameters jointly, one kernel per trial across all parameters (default true), or
   * one by one, each parameter chosen from its own l/g ratio (false; the original TPE).
   */
  multivariate?: boolean;
  /**
   * Kernel widths on numeric parameters: 'neighbour' (default) from the gaps to the neighbouring
   * points along each parameter, or 'scott', one width 0.2·n^(−1/(d+4)) for all (Optuna's multivariate rule).
   */
  bandwidth?: BandwidthRule;
  /**
   * How many finished trials count as good: a fraction γ, giving min(ceil(γ·n), 25) as in Optuna
   * (default 0.15), or, in code, any function of n.
   */
  gamma?: number | GammaFn;
  /** Weight of the prior kernel relative to one observation (default 1). */
  priorWeight?: number;
  /** Floor kernel bandwidths at 1/min(100, kernels + 1) of each axis (default true). */
  magicClip?: boolean;
  /** Let the outermost observations' neighbour bandwidth extend to the axis ends (default false). */
  considerEndpoints?: boolean;
  /** Treat pending (running) trials as bad results so that parallel asks spread out (default true). */
  constantLiar?: boolean;
}

interface ResolvedOptions {
  nStartupTrials: number;
  nEiCandidates: number;
  multivariate: boolean;
  gamma: GammaFn;
  constantLiar: boolean;
  parzen: ParzenOptions;
}

/** The option names accepted in `search.options` for `tpe` (and by createTpeSampler). */
export const TPE_OPTION_KEYS: readonly (keyof TpeOptions)[] = [
  'nStartupTrials',
  'nEiCandidates',
  'multivariate',
  'bandwidth',
  'gamma',
  'priorWeight',
  'magicClip',
  'considerEndpoints',
  'constantLiar',
];

type Check = [ok: (v: unknown) => boolean, rule: string];
const wholeAtLeast = (min: number): Check => [
  (v) => typeof v === 'number' && Number.isInteger(v) && v >= min,
  `must be a whole number of at least ${min}`,
];
const flag: Check = [(v) => typeof v === 'boolean', 'must be true or false'];
const OPTION_RULES: Record<keyof TpeOptions, Check> = {
  nStartupTrials: wholeAtLeast(0),
  nEiCandidates: wholeAtLeast(1),
  multivariate: flag,
  bandwidth: [(v) => v === 'neighbour' || v === 'scott', "must be 'neighbour' or 'scott'"],
  gamma: [
    (v) => typeof v === 'function' || (typeof v === 'number' && v > 0 && v <= 1),
    'must be a fraction above 0 and at most 1 (the share of trials counted as good)',
  ],
  priorWeight: [(v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, 'must be a number of at least 0'],
  magicClip: flag,
  considerEndpoints: flag,
  constantLiar: flag,
};

/** Checks options as read from a config file; AlgorithmError with path ['options', key] on a problem. */
function resolve(options: TpeOptions | Record<string, unknown>): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new AlgorithmError(`tpe options must be a mapping (got ${JSON.stringify(options)})`, ['options']);
  }
  const raw = options as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(TPE_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new AlgorithmError(`unknown tpe option '${key}'; allowed: ${TPE_OPTION_KEYS.join(', ')}`, ['options', key]);
    }
    const [ok, rule] = OPTION_RULES[key as keyof TpeOptions];
    const v = raw[key];
    if (v !== undefined && !ok(v)) {
      throw new AlgorithmError(`tpe option '${key}' ${rule} (got ${JSON.stringify(v)})`, ['options', key]);
    }
  }
  const o = raw as TpeOptions;
  let gamma: GammaFn = defaultGamma;
  if (typeof o.gamma === 'number') {
    gamma = gammaFraction(o.gamma);
  } else if (typeof o.gamma === 'function') {
    gamma = o.gamma;
  }
  const multivariate = o.multivariate ?? true;
  return {
    nStartupTrials: o.nStartupTrials ?? 10,
    nEiCandidates: o.nEiCandidates ?? 24,
    multivariate,
    gamma,
    constantLiar: o.constantLiar ?? true,
    parzen: {
      bandwidth: o.bandwidth ?? 'neighbour',
      priorWeight: o.priorWeight ?? 1,
      magicClip: o.magicClip ?? true,
      considerEndpoints: o.considerEndpoints ?? false,
    },
  };
}

/**
 * Options may come straight from a config file: they are checked, and a bad one throws an
 * AlgorithmError whose path is ['options', name].
 */
export function createTpeSampler(options: TpeOptions | Record<string, unknown> = {}): Sampler {
  const opts = resolve(options);
  // The axes depend only on the space, which a study keeps for its whole life.
  let cachedSpace: Space | undefined;
  let cachedAxes: Axis[] = [];
  const axesFor = (space: Space): Axis[] => {
    if (space !== cachedSpace) {
      cachedAxes = axesOf(space);
      cachedSpace = space;
    }
    return cachedAxes;
  };

  return {
    name: 'tpe',
    suggest(ctx: SamplerContext): Params {
      const axes = axesFor(ctx.space);
      const split = splitTrials(ctx.trials, ctx.direction, opts.gamma, opts.constantLiar);
      if (split.nFinished < opts.nStartupTrials) return toParams(axes, randomCoords(axes, ctx.rng));
      const below = encodeAll(axes, split.below);
      const above = encodeAll(axes, split.above);
      const l = new ParzenEstimator(axes, below, defaultWeights(below.length), opts.parzen);
      const g = new ParzenEstimator(axes, above, defaultWeights(above.length), opts.parzen);
      const coords = opts.multivariate
        ? bestJoint(l, g, ctx.rng, opts.nEiCandidates)
        : axes.map((_, d) => bestOnAxis(l, g, d, ctx.rng, opts.nEiCandidates));
      return toParams(axes, coords);
    },
  };
}

/** Uniform in the unit cube, i.e. log-uniform for log parameters and equal odds for every discrete value. */
function randomCoords(axes: readonly Axis[], rng: Rng): Coords {
  return axes.map((axis) => (axis.kind === 'categorical' ? rng.int(0, axis.size - 1) : rng.next()));
}

function toParams(axes: readonly Axis[], coords: Coords): Params {
  const params: Params = {};
  axes.forEach((axis, d) => (params[axis.name] = decode(axis, coords[d] as number)));
  return params;
}

/** Coordinates of the trials whose every parameter still fits the space (a changed space may orphan old trials). */
function encodeAll(axes: readonly Axis[], trials: readonly Trial[]): Coords[] {
  const out: Coords[] = [];
  for (const t of trials) {
    const coords: Coords = [];
    for (const axis of axes) {
      const c = encode(axis, t.params[axis.name]);
      if (c === undefined) break;
      coords.push(c);
    }
    if (coords.length === axes.length) out.push(coords);
  }
  return out;
}

function bestJoint(l: ParzenEstimator, g: ParzenEstimator, rng: Rng, n: number): Coords {
  let best: Coords = [];
  let bestScore = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = l.sampleJoint(rng);
    const score = l.logJoint(x) - g.logJoint(x);
    if (i === 0 || score > bestScore) {
      best = x;
      bestScore = score;
    }
  }
  return best;
}

function bestOnAxis(l: ParzenEstimator, g: ParzenEstimator, d: number, rng: Rng, n: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = l.sampleMarginal(rng, d);
    const score = l.logMarginal(d, x) - g.logMarginal(d, x);
    if (i === 0 || score > bestScore) {
      best = x;
      bestScore = score;
    }
  }
  return best;
}
