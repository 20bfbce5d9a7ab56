/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), with the joint-kernel variant of BOHB
 * (Falkner et al. 2018) behind `multivariate`. After a random start, finished trials are split into
 * the best few (gamma rule) and the rest; a Parzen estimator is fitted to each in the unit cube,
 * candidates are drawn from the good one l(x), and the candidate with the largest l(x)/g(x) is
 * proposed — the maximiser of expected improvement under TPE's model.
 */
// algorithms.ts imports this module too; AlgorithmError is only used inside functions, after both loaded.
import { AlgorithmError } from '../algorithms';
import type { Rng } from '../rng';
import type { Params, Sampler, SamplerContext, Space, Trial } from '../types';
import { axesOf, decode, encode, type Axis, type Coords } from './tpe/axes';
import { ParzenEstimator, type ParzenOptions } from './tpe/parzen';
import { defaultGamma, defaultWeights, splitTrials, type GammaFn } from './tpe/split';

export interface TpeOptions {
  /** Trials drawn uniformly at random before the model is used (default 10). Counts complete and pruned trials. */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion; the best l/g ratio wins (default 24). */
  nEiCandidates?: number;
  /** Model the parameters jointly (one kernel per trial across all parameters) instead of one by one. */
  multivariate?: boolean;
  /**
   * How many finished trials count as good: a function of their number, or a fraction (ceil(γ·n)).
   * Default: Optuna's min(ceil(0.1·n), 25).
   */
  gamma?: number | GammaFn;
  /** Weight of the prior kernel relative to one observation (default 1). */
  priorWeight?: number;
  /** Floor kernel bandwidths at 1/min(100, kernels + 1) of each axis (default true). */
  magicClip?: boolean;
  /** Let the outermost observations' bandwidth extend to the axis ends (default false). */
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

/** Univariate by default: see `bench/tpe-dev.ts` and the report in the TPE tests for the comparison. */
const DEFAULT_MULTIVARIATE = false;

/** The option names accepted in `search.options` for `tpe` (and by createTpeSampler). */
export const TPE_OPTION_KEYS: readonly (keyof TpeOptions)[] = [
  'nStartupTrials',
  'nEiCandidates',
  'multivariate',
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
    const fraction = o.gamma;
    gamma = (n) => Math.ceil(fraction * n);
  } else if (typeof o.gamma === 'function') {
    gamma = o.gamma;
  }
  const multivariate = o.multivariate ?? DEFAULT_MULTIVARIATE;
  return {
    nStartupTrials: o.nStartupTrials ?? 10,
    nEiCandidates: o.nEiCandidates ?? 24,
    multivariate,
    gamma,
    constantLiar: o.constantLiar ?? true,
    parzen: {
      multivariate,
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
