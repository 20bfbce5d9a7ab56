/**
 * Bayesian optimisation with a Gaussian process (algorithm `bayesian`).
 *
 * Each ask:
 * 1. encodes the finished trials into the unit cube (encode.ts) and their losses into warped,
 *    standardised targets (outputs.ts). Pruned trials were measured at a smaller budget (fewer
 *    epochs) than complete ones, so their values are not comparable as numbers; see "Pruned trials"
 *    below;
 * 2. until `initialTrials` of them exist, proposes the next point of a digitally shifted Sobol
 *    sequence over the parameters (a space-filling start);
 * 3. otherwise fits a Matérn-5/2 ARD GP (gp.ts: MAP hyperparameters; with `kernel`, the additive
 *    form of kernel.ts instead, or whichever of the two the marginal likelihood prefers), adds the running trials as
 *    "kriging believer" observations at the model's own mean (so parallel asks spread out instead
 *    of piling onto one optimum) and maximises log expected improvement (acquisition.ts) inside a
 *    trust region around the best trial (see "Trust region" below);
 * 4. never returns a point that was already asked (failed trials included), falling back to the
 *    next-best acquisition point and finally to random search; a model that cannot be fitted
 *    (e.g. a kernel matrix that stays singular) also falls back to random search.
 *
 * Pruned trials. Leaving them out (as Optuna's GPSampler does) starves the model under successive
 * halving, where most trials stop early; putting them in at the value they stopped at (what this
 * sampler did before) mixes budgets in one regression. Instead, whenever the study has pruned
 * trials, the targets are ordinal: every finished trial is ranked in the order TPE uses
 * (finished-order.ts: complete by loss, then pruned, deeper first, then by their last report) and
 * the GP models the normal scores of those ranks ('rank' warping, whatever `outputWarping` says).
 * The only claims are that a pruned trial is worse than every complete trial and every trial pruned
 * later, and how it compared with trials stopped at the same step. Measured with ASHA (η = 3, 27
 * epochs, 40 trials; median over seeds 0–9 of f − f* at the best complete trial; synthetic curves
 * f + h(x)/epoch with h noisy or smooth in x, the two numbers below):
 *                      left out        ordinal (this)   stopped value (before)
 *   Branin             0.90 / 0.96     0.056 / 0.018    0.0047 / 0.015
 *   Rosenbrock-4       3.2e3 / 3.2e3   111 / 57         42 / 7.1
 *   Hartmann-6         1.42 / 1.42     1.97 / 0.29      2.22 / 0.25
 *   mixed MLP          0.57 / 0.57     0.21 / 0.37      0.12 / 0.26
 * The stopped-value regression did best on these curves, which always improve with training, so an
 * early value is a pessimistic bound; it would mislead wherever curves cross or a metric worsens
 * with training, and the ordinal model keeps most of its gain without that assumption. Without
 * pruned trials nothing changes: the targets are the losses of complete trials.
 *
 * Trust region (after TuRBO, Eriksson et al. 2019). Expected improvement over the whole cube keeps
 * sending a model of a few points to unexplored corners, where its variance is largest: in 8
 * dimensions most of a 25-trial budget goes there. So the acquisition is maximised in a box around
 * the incumbent (the best trial), of side `trustRegion` (0.4 of the unit cube) stretched along each
 * parameter by its lengthscale relative to their geometric mean — wide along the parameters the
 * model finds smooth, narrow along the ones that matter. Unlike TuRBO's, the box does not grow or
 * shrink with successes (one rule less to replay); instead, an ask that follows STALL_PATIENCE − 1
 * asks in a row without a new best (and every STALL_PATIENCE-th one after) searches the whole cube,
 * so a study stuck in one basin still looks elsewhere. With the box the initial design can be
 * smaller too (about half the parameters). Measured over seeds 0–39 on the six benchmark functions
 * at 25 trials (bench/optimizers.ts; BENCHMARKS.md): the share of seeds that beat the best Optuna
 * sampler's 50-trial median went from 3.3 functions' worth to about 4; at 50 trials the medians
 * improved or held on every function.
 *
 * Determinism: every ask is a function of the trials in the context, the design seed (drawn from the
 * first ask's rng and kept in saveState) and that ask's rng. Nothing else carries over between asks.
 *
 * Cost: a fit (hyperparameters and output warping) is O(n³) per likelihood evaluation and needs ~100
 * of them, so it is not redone at every ask. It is computed from scratch — fixed starting points, no
 * warm start from earlier asks — on a prefix of the observations (in trial order): all of them up to
 * `refitAllUpTo`, beyond that the prefix length rounded down to a multiple of ⌊n/10⌋, so a refit
 * happens every ⌊n/10⌋ asks. The result is cached by its prefix; the cache only saves time, a resumed
 * study recomputes the same numbers. Between refits an ask costs one Cholesky (two with running
 * trials) and a few hundred O(n²) acquisition evaluations.
 */
import { AlgorithmError } from '../../errors';
import { mixSeed, Rng } from '../../rng';
import { SOBOL_MAX_DIMS, sobolPoint, sobolShift } from '../../math/sobol';
import { paramsKey } from '../../space';
import { lossOf, type Direction, type Params, type Sampler, type SamplerContext, type SamplerOptions, type Space, type Trial } from '../../types';
import { compareFinished, compareFinishedKeys, finishedRank, type FinishedRank } from '../finished-order';
import { drawRandomPoint } from '../random';
import {
  DEFAULT_PERTURBATIONS,
  DEFAULT_RANDOM_CANDIDATES,
  logExpectedImprovement,
  maximizeAcquisition,
  type AcquisitionSearchOptions,
  type ScoredPoint,
} from './acquisition';
import { GpEncoding } from './encode';
import { defaultPrior, fitHyperparameters, GpPosterior, type GpData } from './gp';
import { AUTO_SHIFTS, LOG_SHIFT, OUTPUT_WARPINGS, shiftedLog, warpOutputs, type OutputWarping, type WarpedOutputs } from './outputs';

export interface GpOptions {
  /** Finished trials (complete or pruned) before the model takes over (Sobol points until then); default min(10, number of parameters + 3). */
  initialTrials?: number;
  /**
   * Output warping of the losses: 'auto' (default: chosen by the warped-GP likelihood), 'standardize', 'log' or 'rank'
   * (see outputs.ts). A study with pruned trials always uses 'rank' (see "Pruned trials" in the module comment).
   */
  outputWarping?: OutputWarping;
  /** Hyperparameters are refitted at every ask up to this many observations (default 40). */
  refitAllUpTo?: number;
  /** Random candidates scored by the acquisition before local search (default 128, fewer beyond 50 observations). */
  candidates?: number;
  /** Local searches of the acquisition (default 4). */
  localSearches?: number;
  /** Side of the trust region in the unit cube (default 0.4); 0 searches the whole space at every ask. */
  trustRegion?: number;
  /**
   * The kernel: 'product' (default; the Matérn-5/2 of all parameters at once), 'additive' (a sum of
   * one-parameter Matérn kernels: for objectives that are sums of per-parameter effects) or 'auto'
   * (whichever the data's marginal likelihood prefers at each refit, the additive one fitted on the
   * standardised losses and taken only on positive evidence, ADDITIVE_EVIDENCE_MARGIN: one
   * hyperparameter fit more per refit).
   */
  kernel?: KernelChoice;
}

export type KernelChoice = 'product' | 'additive' | 'auto';
export const KERNEL_CHOICES: readonly KernelChoice[] = ['product', 'additive', 'auto'];

interface ResolvedGpOptions {
  initialTrials: number | undefined;
  outputWarping: OutputWarping;
  refitAllUpTo: number;
  search: AcquisitionSearchOptions;
  trustRegion: number;
  kernel: KernelChoice;
}

function checkInteger(options: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new AlgorithmError(`option '${key}' of algorithm 'bayesian' must be a whole number in ${min}..${max} (got ${JSON.stringify(v)})`, ['options', key]);
  }
  return v;
}

function resolveOptions(raw: GpOptions | SamplerOptions): ResolvedGpOptions {
  const options = raw as Record<string, unknown>;
  const known = ['initialTrials', 'outputWarping', 'refitAllUpTo', 'candidates', 'localSearches', 'trustRegion', 'kernel'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new AlgorithmError(`unknown option '${key}' for algorithm 'bayesian'; known options: ${known.join(', ')}`, ['options', key]);
    }
  }
  const warping = options.outputWarping ?? 'auto';
  if (!OUTPUT_WARPINGS.includes(warping as OutputWarping)) {
    throw new AlgorithmError(`option 'outputWarping' must be one of ${OUTPUT_WARPINGS.join(' | ')} (got ${JSON.stringify(warping)})`, ['options', 'outputWarping']);
  }
  const search: AcquisitionSearchOptions = {};
  const candidates = checkInteger(options, 'candidates', 1, 100000);
  const localSearches = checkInteger(options, 'localSearches', 0, 100);
  const trustRegion = options.trustRegion ?? DEFAULT_TRUST_REGION;
  if (typeof trustRegion !== 'number' || !(trustRegion >= 0 && trustRegion <= 2)) {
    throw new AlgorithmError(`option 'trustRegion' of algorithm 'bayesian' must be a number in 0..2 (got ${JSON.stringify(trustRegion)})`, ['options', 'trustRegion']);
  }
  const kernel = options.kernel ?? 'product';
  if (!KERNEL_CHOICES.includes(kernel as KernelChoice)) {
    throw new AlgorithmError(`option 'kernel' of algorithm 'bayesian' must be one of ${KERNEL_CHOICES.join(' | ')} (got ${JSON.stringify(kernel)})`, ['options', 'kernel']);
  }
  if (candidates !== undefined) search.randomCandidates = candidates;
  if (localSearches !== undefined) search.localSearches = localSearches;
  return {
    initialTrials: checkInteger(options, 'initialTrials', 1, 100000),
    outputWarping: warping as OutputWarping,
    refitAllUpTo: checkInteger(options, 'refitAllUpTo', 0, 100000) ?? 40,
    search,
    trustRegion,
    kernel: kernel as KernelChoice,
  };
}

/** Observations up to which the acquisition search uses its full budget of random candidates. */
const FULL_SEARCH_UP_TO = 50;

/**
 * The acquisition search budget for a model of n points. One evaluation costs O(n²), so beyond
 * FULL_SEARCH_UP_TO points the number of random candidates and perturbations shrinks like 1/n
 * (keeping an ask's cost growing like n, not n²); the local searches keep their full length. An
 * explicit `candidates` option is taken as given.
 */
export function searchBudget(base: AcquisitionSearchOptions, n: number): AcquisitionSearchOptions {
  if (n <= FULL_SEARCH_UP_TO) return base;
  const scale = FULL_SEARCH_UP_TO / n;
  return {
    ...base,
    randomCandidates: base.randomCandidates ?? Math.max(32, Math.round(DEFAULT_RANDOM_CANDIDATES * scale)),
    perturbationsPerAnchor: base.perturbationsPerAnchor ?? Math.max(4, Math.round(DEFAULT_PERTURBATIONS * scale)),
  };
}

/**
 * With kernel 'auto', the additive model must beat the product model's log evidence by this much (a
 * Bayes factor of e² ≈ 7, "positive" evidence on Kass and Raftery's scale): it is the stronger
 * assumption, and a few points can favour it by chance on an objective that is not a sum. Measured on
 * 40 seeds at 50 trials against a margin of 0 (BENCHMARKS.md): hartmann6 and rosenbrock4 closer to
 * or past the product-only GP, styblinski_tang8 and mixed_mlp keeping their gain.
 */
export const ADDITIVE_EVIDENCE_MARGIN = 2;

/** Default side of the trust region (see the module comment). */
export const DEFAULT_TRUST_REGION = 0.4;
/** Every STALL_PATIENCE-th ask in a row without a new best searches the whole space. */
export const STALL_PATIENCE = 5;

/**
 * Default size of the space-filling design: one more than half the parameters, at least 3 and at
 * most 10. (It was the parameters + 3 before the trust region; with the box, the model's own asks
 * are worth more than design points: BENCHMARKS.md.)
 */
export function defaultInitialTrials(space: Space): number {
  return Math.min(10, Math.max(3, Math.ceil(Object.keys(space).length / 2) + 1));
}

/** Asks since the last new best, counting every finished observation in trial order. */
export function asksSinceImprovement(losses: readonly number[]): number {
  let best = Infinity;
  let stalled = 0;
  for (const loss of losses) {
    if (loss < best) {
      best = loss;
      stalled = 0;
    } else stalled++;
  }
  return stalled;
}

/** Whether this ask searches the whole space rather than the trust region (see the module comment). */
export function searchesEverywhere(losses: readonly number[]): boolean {
  return asksSinceImprovement(losses) % STALL_PATIENCE === STALL_PATIENCE - 1;
}

/**
 * The trust region: a box of side `side` centred on x (unit-cube coordinates), each side stretched
 * by the dimension's lengthscale over the geometric mean of the lengthscales (θ holds their logs),
 * clipped to the cube. Categorical (one-hot) coordinates are not boxed (acquisition.ts).
 */
export function trustBox(theta: ArrayLike<number>, x: ArrayLike<number>, side: number): { lower: Float64Array; upper: Float64Array } {
  const dims = x.length;
  let meanLog = 0;
  for (let d = 0; d < dims; d++) meanLog += theta[d]! / dims;
  const lower = new Float64Array(dims);
  const upper = new Float64Array(dims);
  for (let d = 0; d < dims; d++) {
    const half = (side / 2) * Math.exp(theta[d]! - meanLog);
    lower[d] = Math.max(0, x[d]! - half);
    upper[d] = Math.min(1, x[d]! + half);
  }
  return { lower, upper };
}

/** Number of leading observations the hyperparameters are fitted on (see the module comment). */
export function hyperparameterPrefix(n: number, refitAllUpTo: number): number {
  if (n <= refitAllUpTo) return n;
  const every = Math.max(1, Math.floor(n / 10));
  return Math.max(refitAllUpTo, n - (n % every));
}

type WarpChoice = number | 'rank';

function warpChoices(warping: OutputWarping): WarpChoice[] {
  switch (warping) {
    case 'auto':
      return [...AUTO_SHIFTS];
    case 'standardize':
      return [Infinity];
    case 'log':
      return [LOG_SHIFT];
    case 'rank':
      return ['rank'];
  }
}

/** Hyperparameters and output warping chosen on a prefix of the observations. */
interface ModelFit {
  theta: Float64Array;
  warp: WarpChoice;
  additive: boolean;
  /** False when no hyperparameters gave a finite likelihood (the kernel matrix never factorised). */
  usable: boolean;
}

interface Observations {
  x: Float64Array[];
  /** Losses of complete trials; with pruned trials in the model, ordinal positions (see the module comment). */
  losses: number[];
  /** True when pruned trials are in the model: the targets must then be rank-warped. */
  ordinal: boolean;
  /** Trial ids, for cache keys. */
  ids: number[];
  pending: Float64Array[];
  asked: Set<string>;
}

/**
 * Ordinal losses of finished trials (id → position): equal keys share a position, so rank warping
 * gives them one score. Only the order matters; see the module comment.
 */
export function ordinalLosses(trials: readonly Trial[], direction: Direction): Map<number, number> {
  const ranked: FinishedRank[] = [];
  for (const t of trials) {
    const r = finishedRank(t, direction);
    if (r !== undefined && Number.isFinite(r.loss)) ranked.push(r);
  }
  ranked.sort(compareFinished);
  const out = new Map<number, number>();
  ranked.forEach((r, i) => {
    const previous = ranked[i - 1];
    out.set(r.trial.id, previous !== undefined && compareFinishedKeys(previous, r) === 0 ? (out.get(previous.trial.id) as number) : i);
  });
  return out;
}

function collect(ctx: SamplerContext, enc: GpEncoding): Observations {
  const ordinal = ctx.trials.some((t) => t.state === 'pruned');
  const positions = ordinal ? ordinalLosses(ctx.trials, ctx.direction) : undefined;
  const obs: Observations = { x: [], losses: [], ordinal, ids: [], pending: [], asked: new Set() };
  for (const t of ctx.trials) {
    obs.asked.add(paramsKey(t.params, ctx.space));
    const x = enc.encode(t.params);
    if (!x) continue;
    if (t.state === 'running') {
      obs.pending.push(x);
      continue;
    }
    let loss: number | undefined;
    if (positions) loss = positions.get(t.id);
    else if (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)) loss = lossOf(t.value, ctx.direction);
    if (loss === undefined) continue;
    obs.x.push(x);
    obs.losses.push(loss);
    obs.ids.push(t.id);
    // Failed trials say nothing about the objective's value; they only stay in `asked`.
  }
  return obs;
}

function toData(rows: readonly Float64Array[], y: Float64Array, dims: number): GpData {
  const n = rows.length;
  const x = new Float64Array(n * dims);
  rows.forEach((r, i) => x.set(r, i * dims));
  return { x, y, n, dims };
}

/** Indices of the `count` lowest targets. */
function bestIndices(y: ArrayLike<number>, count: number): number[] {
  return Array.from({ length: y.length }, (_, i) => i)
    .sort((a, b) => y[a]! - y[b]! || a - b)
    .slice(0, count);
}

/**
 * The GP's proposal with its log expected improvement, and the log EI of each alternative point
 * under the same model (a portfolio uses them to weigh other members' proposals). Without a model
 * (the design, a failed fit) there are no scores.
 */
export interface ScoredSuggestion {
  params: Params;
  logEi?: number;
  alternatives?: number[];
}

export interface GpSampler extends Sampler {
  suggestScored(ctx: SamplerContext, alternatives: readonly Params[]): ScoredSuggestion;
}

export function createGpSampler(rawOptions: GpOptions | SamplerOptions = {}): GpSampler {
  const options = resolveOptions(rawOptions);
  let designSeed: number | undefined;
  const encodings = new WeakMap<Space, GpEncoding>();
  const fitCache = new Map<string, ModelFit>();

  const encodingOf = (space: Space): GpEncoding => {
    let enc = encodings.get(space);
    if (!enc) {
      enc = new GpEncoding(space);
      encodings.set(space, enc);
    }
    return enc;
  };

  const designPoint = (ctx: SamplerContext, enc: GpEncoding, obs: Observations): Params => {
    if (designSeed === undefined) designSeed = ctx.rng.nextUint32();
    const nParams = enc.blocks.length;
    const sobolDims = Math.min(nParams, SOBOL_MAX_DIMS);
    const shift = sobolShift(new Rng(designSeed), sobolDims);
    // Skip design points that decode to something already asked (small discrete spaces).
    for (let index = ctx.trials.length, tries = 0; tries < 64; index++, tries++) {
      const u = new Float64Array(nParams);
      u.set(sobolPoint(index % 0x100000000, sobolDims, shift));
      if (nParams > sobolDims) {
        const extra = new Rng(mixSeed(designSeed, index));
        for (let j = sobolDims; j < nParams; j++) u[j] = extra.next();
      }
      const params = enc.decode(enc.fromParameterUnits(u));
      if (!obs.asked.has(paramsKey(params, ctx.space))) return params;
    }
    return randomPoint(ctx, obs);
  };

  const randomPoint = (ctx: SamplerContext, obs: Observations): Params => {
    let params = drawRandomPoint(ctx.space, ctx.rng);
    for (let i = 0; i < 32 && obs.asked.has(paramsKey(params, ctx.space)); i++) params = drawRandomPoint(ctx.space, ctx.rng);
    return params;
  };

  /** The targets of `losses` under a warping choice: a shift multiplier c of outputs.ts, or 'rank'. */
  const targets = (losses: readonly number[], choice: WarpChoice): WarpedOutputs =>
    choice === 'rank' ? warpOutputs(losses, 'rank') : shiftedLog(losses, choice);

  const fit = (obs: Observations, prefix: number, enc: GpEncoding): ModelFit => {
    const warping: OutputWarping = obs.ordinal ? 'rank' : options.outputWarping;
    const key = `${options.kernel}|${warping}|${prefix}|${obs.ids.slice(0, prefix).join(',')}|${obs.losses.slice(0, prefix).join(',')}|${obs.x
      .slice(0, prefix)
      .map((r) => Array.from(r).join(' '))
      .join(',')}`;
    const cached = fitCache.get(key);
    if (cached) return cached;
    const losses = obs.losses.slice(0, prefix);
    const rows = obs.x.slice(0, prefix);
    // The output warping is chosen with the kernel asked for (the product one under 'auto'). With
    // 'auto' the additive kernel is then fitted once more, on the standardised losses when that
    // warping is among the choices, and kept if its evidence is higher by ADDITIVE_EVIDENCE_MARGIN.
    // Why there: a log warping turns a sum of per-parameter effects into something that is no
    // longer a sum, so the additive model only fits such an objective on an affine scale; and one
    // fit more, rather than a second sweep over the warpings, keeps auto's GP asks well inside its
    // cost allowance at 50 trials.
    const data = (choice: WarpChoice): { d: GpData; logJacobian: number } => {
      const warped = targets(losses, choice);
      return { d: toData(rows, warped.y, enc.dims), logJacobian: warped.logJacobian };
    };
    let best: ModelFit | undefined;
    let bestScore = -Infinity;
    const firstAdditive = options.kernel === 'additive';
    const prior = defaultPrior(enc.dims, { additive: firstAdditive });
    let previous: Float64Array | undefined;
    for (const choice of warpChoices(warping)) {
      const { d, logJacobian } = data(choice);
      // Neighbouring warpings have similar optima: continuing from the last one costs a fraction of
      // a fresh multi-start fit, and keeps the result a function of the data alone.
      const r = fitHyperparameters(d, prior, previous ? { starts: [previous] } : {});
      if (Number.isFinite(r.value)) previous = r.theta;
      // Log evidence of the warped GP for the original losses (priors included, constants shared).
      const score = -r.value + logJacobian;
      if (best === undefined || score > bestScore) {
        best = { theta: r.theta, warp: choice, additive: firstAdditive, usable: Number.isFinite(score) };
        bestScore = score;
      }
    }
    if (options.kernel === 'auto' && best !== undefined) {
      const warp = warpChoices(warping).includes(Infinity) ? Infinity : best.warp;
      const { d, logJacobian } = data(warp);
      const r = fitHyperparameters(d, defaultPrior(enc.dims, { additive: true }));
      const score = -r.value + logJacobian;
      if (Number.isFinite(score) && score > bestScore + ADDITIVE_EVIDENCE_MARGIN) best = { theta: r.theta, warp, additive: true, usable: true };
    }
    const result = best as ModelFit;
    fitCache.set(key, result);
    // A handful of entries covers the asks between two refits and parallel asks.
    if (fitCache.size > 8) fitCache.delete(fitCache.keys().next().value as string);
    return result;
  };

  /**
   * The model's ranked proposals for this ask and the acquisition that ranked them, or a plain point
   * (design or random) when there is no usable model yet.
   */
  const modelled = (ctx: SamplerContext): { params: Params } | { enc: GpEncoding; obs: Observations; acq: (x: Float64Array) => number; ranked: ScoredPoint[] } => {
    const enc = encodingOf(ctx.space);
    const obs = collect(ctx, enc);
    const initial = options.initialTrials ?? defaultInitialTrials(ctx.space);
    if (obs.x.length < Math.max(2, initial)) return { params: designPoint(ctx, enc, obs) };

    const { theta, warp, additive, usable } = fit(obs, hyperparameterPrefix(obs.x.length, options.refitAllUpTo), enc);
    if (!usable) return { params: randomPoint(ctx, obs) };
    const y = targets(obs.losses, warp).y;
    let model = GpPosterior.create(toData(obs.x, y, enc.dims), theta, additive);
    if (!model) return { params: randomPoint(ctx, obs) };

    let best = Infinity;
    for (const v of y) best = Math.min(best, v);
    if (obs.pending.length > 0) {
      // Kriging believer: pretend each running trial returned the model's current mean there.
      // The fantasies also count for the incumbent, so EI at a pending point is ~0.
      const fantasies = obs.pending.map((p) => model!.predict(p).mean);
      for (const f of fantasies) best = Math.min(best, f);
      const yAll = Float64Array.from([...y, ...fantasies]);
      const augmented = GpPosterior.create(toData([...obs.x, ...obs.pending], yAll, enc.dims), theta, additive);
      if (augmented) model = augmented;
    }

    const finalModel = model;
    const acq = (x: Float64Array, grad?: Float64Array): number => logExpectedImprovement(finalModel, best, x, grad);
    // The best trials, best first: anchors of the acquisition search, the first one the trust region's centre.
    const anchors = bestIndices(y, 5).map((i) => obs.x[i]!);
    const search = { ...searchBudget(options.search, obs.x.length + obs.pending.length) };
    if (options.trustRegion > 0 && !searchesEverywhere(obs.losses)) {
      search.box = trustBox(theta, anchors[0]!, options.trustRegion);
    }
    const ranked = maximizeAcquisition(enc, acq, anchors, ctx.rng, search);
    return { enc, obs, acq, ranked };
  };

  const suggestScored = (ctx: SamplerContext, alternatives: readonly Params[]): ScoredSuggestion => {
    const m = modelled(ctx);
    if ('params' in m) return { params: m.params };
    for (const p of m.ranked) {
      const params = m.enc.decode(p.x);
      if (m.obs.asked.has(paramsKey(params, ctx.space))) continue;
      const scores = alternatives.map((a) => {
        const x = m.enc.encode(a);
        return x ? m.acq(x) : -Infinity;
      });
      return { params, logEi: p.value, alternatives: scores };
    }
    return { params: randomPoint(ctx, m.obs) };
  };

  return {
    name: 'bayesian',

    suggest(ctx: SamplerContext): Params {
      return suggestScored(ctx, []).params;
    },

    suggestScored,

    saveState(): unknown {
      return designSeed === undefined ? undefined : { designSeed };
    },

    loadState(state: unknown): void {
      const seed = (state as { designSeed?: unknown } | undefined)?.designSeed;
      if (typeof seed === 'number' && Number.isInteger(seed) && seed >= 0) designSeed = seed >>> 0;
    },
  };
}
