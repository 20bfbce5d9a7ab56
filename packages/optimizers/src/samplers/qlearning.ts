/**
 * Hyperparameter search as a Markov decision process solved by tabular Q-learning.
 *
 * - State: the walker's current configuration, discretised on a grid (see qlearning-grid.ts) at the
 *   walker's depth; numeric parameters have `bins · 2^depth` levels over the (log-warped) unit
 *   interval, categorical ones a level per choice.
 * - Actions: move one numeric parameter one level up or down, switch one categorical parameter to
 *   another choice, or restart at a random unvisited configuration.
 * - Transition: the proposed configuration is evaluated; the walker moves there when it beats the
 *   walker's current configuration, otherwise it stays (greedy exploitation of the best-known
 *   neighbourhood). When every neighbour of the walker has been evaluated the grid is refined
 *   (depth + 1, so steps halve); at the finest depth the walker is forced to restart elsewhere.
 * - Reward: rank-shaped improvement, r = F(loss of the state moved from) − F(loss of the new
 *   point), where F(y) is the fraction of completed trials with a loss below y. It lies in (−1, 1),
 *   ignores the objective's scale (Rosenbrock spans six orders of magnitude) and is positive
 *   exactly when the new point ranks better. A failed trial earns −1.
 * - Learning: Q(s,a) ← Q(s,a) + α (r + γ max_a' Q(s',a') − Q(s,a)). Within a sweep of 50 trials
 *   almost every (s, a) is new, so an unvisited Q(s,a) starts from a state-independent value per
 *   action, Q̄(a), which receives the same update (state aggregation): a move that has paid off
 *   elsewhere is tried first, which turns the walk into an adaptive pattern search.
 * - Policy: ε-greedy over the actions whose target configuration is neither evaluated nor pending,
 *   with ε decaying by `epsilonDecay` per told trial; the first `randomStarts` trials are random.
 *
 * The Q-table, the walker and the moves awaiting their result are the sampler's state
 * (saveState/loadState), so a resumed study keeps learning.
 */
// algorithms.ts imports this module too; AlgorithmError is only used inside functions, after both loaded.
import { AlgorithmError } from '../errors';
import type { Rng } from '../rng';
import { gridCount, gridIndex, gridPoint, paramsKey } from '../space';
import type { ObserveContext, ParamValue, Params, Sampler, SamplerContext, Space, Trial } from '../types';
import { lossOf } from '../types';
import { QGrid, cellKey } from './qlearning-grid';

export interface QLearningOptions {
  /** Probability of a random action instead of the greedy one at the start (default 0.1). */
  epsilon?: number;
  /** Factor applied to ε after every told trial (default 0.97). */
  epsilonDecay?: number;
  /** Learning rate α of the Q update (default 0.5). */
  alpha?: number;
  /** Discount γ of the value of the state reached (default 0.5). */
  gamma?: number;
  /** Levels per numeric parameter on the coarsest grid (default 8); steps halve as the grid refines. */
  bins?: number;
  /** Random configurations evaluated before the walk starts (default: 2 per parameter, 5 to 10). */
  randomStarts?: number;
}

interface ResolvedOptions {
  epsilon: number;
  epsilonDecay: number;
  alpha: number;
  gamma: number;
  bins: number;
  randomStarts: number | undefined;
}

const RESTART = '*restart';
/** Depth beyond which the grid is not refined (bin width bins⁻¹·2⁻²⁰ of the range). */
const MAX_DEPTH = 20;
/** Prior value of an action never tried anywhere: moves start above restarts so the walk is local. */
const MOVE_PRIOR = 0;
const RESTART_PRIOR = -0.25;
/** Attempts at drawing a value inside a target bin that is not an already-seen configuration. */
const JITTER_TRIES = 4;
/**
 * Random draws at a restart before an unseen point of a finite space is picked exactly: the draws
 * keep restarts cheap and spread, but on a nearly exhausted space they would all miss.
 */
const RESTART_TRIES = 32;

/** The configuration the agent stands on. */
interface Walker {
  trialId: number;
  params: Params;
  loss: number;
  depth: number;
}

/** A suggestion awaiting its result: the transition (state, action) it will teach. */
interface PendingMove {
  state: string;
  action: string;
  fromLoss: number;
  depth: number;
  /** A restart taken because the walker had nowhere left to go: the walker follows it regardless. */
  forced: boolean;
}

interface SavedState {
  version: 1;
  observed: number;
  walker: Walker | null;
  shared: Array<[string, number]>;
  q: Array<[string, Array<[string, number]>]>;
  pending: Array<[number, PendingMove]>;
}

interface Candidate {
  action: string;
  dim: number;
  level: number;
}

/** The option names accepted in `search.qlearning` (and by createQLearningSampler). */
export const QLEARNING_OPTION_KEYS: readonly (keyof QLearningOptions)[] = [
  'epsilon',
  'epsilonDecay',
  'alpha',
  'gamma',
  'bins',
  'randomStarts',
];

const OPTION_RULES: Record<keyof QLearningOptions, [ok: (v: number) => boolean, rule: string]> = {
  epsilon: [(v) => v >= 0 && v <= 1, 'must be a number from 0 to 1'],
  epsilonDecay: [(v) => v > 0 && v <= 1, 'must be a number above 0 and at most 1'],
  alpha: [(v) => v > 0 && v <= 1, 'must be a number above 0 and at most 1'],
  gamma: [(v) => v >= 0 && v < 1, 'must be a number from 0 up to (not including) 1'],
  bins: [(v) => Number.isInteger(v) && v >= 2 && v <= 1024, 'must be a whole number from 2 to 1024'],
  randomStarts: [(v) => Number.isInteger(v) && v >= 1, 'must be a whole number of at least 1'],
};

/** Checks options as read from a config file; AlgorithmError with path ['options', key] on a problem. */
function resolveOptions(options: QLearningOptions | Record<string, unknown>): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new AlgorithmError(`qlearning options must be a mapping (got ${JSON.stringify(options)})`, ['options']);
  }
  const raw = options as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(QLEARNING_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new AlgorithmError(
        `unknown qlearning option '${key}'; allowed: ${QLEARNING_OPTION_KEYS.join(', ')}`,
        ['options', key],
      );
    }
    const [ok, rule] = OPTION_RULES[key as keyof QLearningOptions];
    const v = raw[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))) {
      throw new AlgorithmError(`qlearning option '${key}' ${rule} (got ${JSON.stringify(v)})`, ['options', key]);
    }
  }
  const get = (key: keyof QLearningOptions): number | undefined => raw[key] as number | undefined;
  return {
    epsilon: get('epsilon') ?? 0.1,
    epsilonDecay: get('epsilonDecay') ?? 0.97,
    alpha: get('alpha') ?? 0.5,
    gamma: get('gamma') ?? 0.5,
    bins: get('bins') ?? 8,
    randomStarts: get('randomStarts'),
  };
}

/** The loss of a finished trial, or undefined when it failed (or reported no usable value). */
function finishedLoss(trial: Trial, direction: ObserveContext['direction']): number | undefined {
  if (trial.state !== 'complete' && trial.state !== 'pruned') return undefined;
  if (typeof trial.value !== 'number' || !Number.isFinite(trial.value)) return undefined;
  return lossOf(trial.value, direction);
}

/**
 * A point of a finite space that no trial holds, uniform among them; undefined when the space has a
 * continuous parameter, is too large to index, or every point has been asked for.
 */
export function unseenGridPoint(space: Space, trials: readonly Trial[], rng: Rng): Params | undefined {
  let size = 1;
  for (const spec of Object.values(space)) {
    if (spec.type === 'float' && spec.step === undefined && spec.values === undefined) return undefined;
    size *= gridCount(spec);
  }
  if (size > Number.MAX_SAFE_INTEGER) return undefined;
  const taken = [...new Set(trials.map((t) => gridIndex(space, t.params)).filter((i) => i !== undefined))];
  taken.sort((a, b) => a - b);
  const free = size - taken.length;
  if (free <= 0) return undefined;
  // The r-th index not taken: step past every taken index at or below the candidate.
  let index = rng.int(0, free - 1);
  for (const t of taken) {
    if (t > index) break;
    index += 1;
  }
  return gridPoint(space, index);
}

/** F(y): the fraction of `sorted` losses strictly below y. */
function rankFraction(sorted: readonly number[], y: number): number {
  if (sorted.length === 0) return 0;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < y) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

/**
 * Options may come straight from a config file: they are checked, and a bad one throws an
 * AlgorithmError whose path is ['options', name].
 */
export function createQLearningSampler(options: QLearningOptions | Record<string, unknown> = {}): Sampler {
  return new QLearningSampler(resolveOptions(options));
}

class QLearningSampler implements Sampler {
  readonly name = 'qlearning';
  private readonly opts: ResolvedOptions;
  private q = new Map<string, Map<string, number>>();
  private shared = new Map<string, number>();
  private walker: Walker | undefined;
  private pending = new Map<number, PendingMove>();
  private observed = 0;
  private grid: { space: Space; grid: QGrid } | undefined;

  constructor(opts: ResolvedOptions) {
    this.opts = opts;
  }

  // -------------------------------------------------------------------------------------------
  // Suggest

  suggest(ctx: SamplerContext): Params {
    const grid = this.gridFor(ctx.space);
    const others = ctx.trials.filter((t) => t.id !== ctx.trialId);
    const seen = new Set(others.map((t) => paramsKey(t.params, ctx.space)));
    const randomStarts = this.opts.randomStarts ?? Math.max(5, Math.min(10, 2 * grid.dims.length));
    this.adoptBestIfUnset(others, ctx);

    if (others.length < randomStarts || this.walker === undefined) {
      return this.restartPoint(grid, others, seen, ctx.rng);
    }
    const walker = this.walker;
    const epsilon = this.opts.epsilon * this.opts.epsilonDecay ** this.observed;

    // Refine until some neighbour is neither evaluated nor pending.
    for (;;) {
      const state = cellKey(grid.cell(walker.params, walker.depth), walker.depth);
      const candidates = this.candidates(grid, walker, others);
      if (candidates.length === 0) {
        if (walker.depth < MAX_DEPTH) {
          walker.depth += 1;
          continue;
        }
        this.pending.set(ctx.trialId, { state, action: RESTART, fromLoss: walker.loss, depth: 0, forced: true });
        return this.restartPoint(grid, others, seen, ctx.rng);
      }
      while (candidates.length > 0) {
        const pick = this.choose(state, candidates, epsilon, ctx.rng);
        if (pick === undefined) {
          this.pending.set(ctx.trialId, { state, action: RESTART, fromLoss: walker.loss, depth: 0, forced: false });
          return this.restartPoint(grid, others, seen, ctx.rng);
        }
        const params = this.moveTo(grid, walker, pick, seen, ctx.space, ctx.rng);
        if (params !== undefined) {
          this.pending.set(ctx.trialId, { state, action: pick.action, fromLoss: walker.loss, depth: walker.depth, forced: false });
          return params;
        }
        candidates.splice(candidates.indexOf(pick), 1);
      }
      // Every neighbour's bin only holds already-seen values (small discrete ranges): go finer.
      if (walker.depth < MAX_DEPTH) walker.depth += 1;
      else return this.restartPoint(grid, others, seen, ctx.rng);
    }
  }

  /** Neighbouring configurations of the walker whose cell has not been evaluated or asked for. */
  private candidates(grid: QGrid, walker: Walker, others: readonly Trial[]): Candidate[] {
    const depth = walker.depth;
    const occupied = new Set(others.map((t) => cellKey(grid.cell(t.params, depth), depth)));
    const here = grid.cell(walker.params, depth);
    const out: Candidate[] = [];
    const consider = (dim: number, level: number, action: string): void => {
      const target = here.slice();
      target[dim] = level;
      if (!occupied.has(cellKey(target, depth))) out.push({ action, dim, level });
    };
    grid.dims.forEach((d, i) => {
      const cur = here[i] as number;
      if (d.spec.type === 'categorical') {
        for (let c = 0; c < d.spec.choices.length; c++) if (c !== cur) consider(i, c, `${d.name}=${c}`);
        return;
      }
      if (cur > 0) consider(i, cur - 1, `${d.name}-`);
      if (cur < grid.levels(i, depth) - 1) consider(i, cur + 1, `${d.name}+`);
    });
    return out;
  }

  /** ε-greedy over the candidates and the restart action; undefined means restart. */
  private choose(state: string, candidates: readonly Candidate[], epsilon: number, rng: Rng): Candidate | undefined {
    if (rng.next() < epsilon) {
      const i = rng.int(0, candidates.length);
      return i === candidates.length ? undefined : candidates[i];
    }
    let best = this.value(state, RESTART);
    let ties: Array<Candidate | undefined> = [undefined];
    for (const c of candidates) {
      const v = this.value(state, c.action);
      if (v > best + 1e-12) {
        best = v;
        ties = [c];
      } else if (Math.abs(v - best) <= 1e-12) {
        ties.push(c);
      }
    }
    return rng.choice(ties);
  }

  /** The walker's configuration with one parameter moved into the candidate's level. */
  private moveTo(grid: QGrid, walker: Walker, c: Candidate, seen: Set<string>, space: Space, rng: Rng): Params | undefined {
    const name = grid.dims[c.dim]!.name;
    for (let attempt = 0; attempt < JITTER_TRIES; attempt++) {
      const value: ParamValue = grid.valueIn(c.dim, c.level, walker.depth, rng);
      // Rounding (ints on a coarse grid) can land a value in the neighbouring bin: draw again.
      if (grid.level(c.dim, value, walker.depth) !== c.level) continue;
      const params = { ...walker.params, [name]: value };
      if (!seen.has(paramsKey(params, space))) return params;
    }
    return undefined;
  }

  /** A random configuration, preferring a coarse cell nobody has evaluated or asked for. */
  private restartPoint(grid: QGrid, others: readonly Trial[], seen: Set<string>, rng: Rng): Params {
    const occupied = new Set(others.map((t) => cellKey(grid.cell(t.params, 0), 0)));
    let fallback: Params | undefined;
    for (let attempt = 0; attempt < RESTART_TRIES; attempt++) {
      const params = grid.randomPoint(rng);
      if (seen.has(paramsKey(params, this.grid!.space))) continue;
      if (!occupied.has(cellKey(grid.cell(params, 0), 0))) return params;
      fallback ??= params;
    }
    if (fallback !== undefined) return fallback;
    // Every draw was a seen point: on a finite space with few unseen points left, rejection sampling
    // misses them (27 of 29 ints seen: 32 draws all miss one time in ten), so pick one exactly.
    // Only when the whole space has been seen is a repeat the sole option.
    return unseenGridPoint(this.grid!.space, others, rng) ?? grid.randomPoint(rng);
  }

  /** A portfolio used another member's proposal for this trial: it teaches this walk no move. */
  discard(trialId: number): void {
    this.pending.delete(trialId);
  }

  // -------------------------------------------------------------------------------------------
  // Observe

  observe(trial: Trial, ctx: ObserveContext): void {
    if (trial.state === 'running') return;
    this.observed += 1;
    const grid = this.gridFor(ctx.space);
    const loss = finishedLoss(trial, ctx.direction);
    const move = this.pending.get(trial.id);
    this.pending.delete(trial.id);

    const walker = this.walker;
    const accepted = loss !== undefined && (walker === undefined || loss < walker.loss || move?.forced === true);
    if (accepted) {
      const depth = move !== undefined && move.action !== RESTART ? move.depth : 0;
      this.walker = { trialId: trial.id, params: { ...trial.params }, loss, depth };
    }
    if (move === undefined) return;

    const losses: number[] = [];
    for (const t of ctx.trials) {
      const l = finishedLoss(t, ctx.direction);
      if (l !== undefined) losses.push(l);
    }
    losses.sort((a, b) => a - b);
    const reward = loss === undefined ? -1 : rankFraction(losses, move.fromLoss) - rankFraction(losses, loss);
    const next = this.walker;
    const nextValue = next === undefined ? 0 : this.maxValue(cellKey(grid.cell(next.params, next.depth), next.depth));
    const target = reward + this.opts.gamma * nextValue;

    const row = this.q.get(move.state) ?? new Map<string, number>();
    const old = this.value(move.state, move.action);
    row.set(move.action, old + this.opts.alpha * (target - old));
    this.q.set(move.state, row);
    const prior = this.prior(move.action);
    this.shared.set(move.action, prior + this.opts.alpha * (target - prior));
  }

  private prior(action: string): number {
    return this.shared.get(action) ?? (action === RESTART ? RESTART_PRIOR : MOVE_PRIOR);
  }

  private value(state: string, action: string): number {
    return this.q.get(state)?.get(action) ?? this.prior(action);
  }

  /** max_a Q(s, a) over the actions tried from s, the restart, and the untried moves' best prior. */
  private maxValue(state: string): number {
    let best = this.value(state, RESTART);
    const row = this.q.get(state);
    if (row) for (const v of row.values()) best = Math.max(best, v);
    for (const [action, v] of this.shared) if (!row?.has(action)) best = Math.max(best, v);
    if (this.shared.size === 0) best = Math.max(best, MOVE_PRIOR);
    return best;
  }

  /** Without a walker (fresh sampler on a resumed study), stand on the best finished trial. */
  private adoptBestIfUnset(trials: readonly Trial[], ctx: SamplerContext): void {
    if (this.walker !== undefined) return;
    for (const t of trials) {
      const loss = finishedLoss(t, ctx.direction);
      if (loss !== undefined && (this.walker === undefined || loss < this.walker.loss)) {
        this.walker = { trialId: t.id, params: { ...t.params }, loss, depth: 0 };
      }
    }
  }

  private gridFor(space: Space): QGrid {
    if (this.grid === undefined || this.grid.space !== space) this.grid = { space, grid: new QGrid(space, this.opts.bins) };
    return this.grid.grid;
  }

  // -------------------------------------------------------------------------------------------
  // State

  saveState(): SavedState {
    return {
      version: 1,
      observed: this.observed,
      walker: this.walker === undefined ? null : { ...this.walker, params: { ...this.walker.params } },
      shared: [...this.shared],
      q: [...this.q].map(([s, row]) => [s, [...row]]),
      pending: [...this.pending].map(([id, m]) => [id, { ...m }]),
    };
  }

  loadState(state: unknown): void {
    const s = parseSavedState(state);
    this.observed = s.observed;
    this.walker = s.walker ?? undefined;
    this.shared = new Map(s.shared);
    this.q = new Map(s.q.map(([k, row]) => [k, new Map(row)]));
    this.pending = new Map(s.pending);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPairList(v: unknown, second: (x: unknown) => boolean): boolean {
  return Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && second(e[1]));
}

const isNumber = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);

function isWalker(v: unknown): v is Walker {
  return isRecord(v) && isNumber(v.trialId) && isRecord(v.params) && isNumber(v.loss) && isNumber(v.depth);
}

function isPendingMove(v: unknown): v is PendingMove {
  return (
    isRecord(v) &&
    typeof v.state === 'string' &&
    typeof v.action === 'string' &&
    isNumber(v.fromLoss) &&
    isNumber(v.depth) &&
    typeof v.forced === 'boolean'
  );
}

function parseSavedState(state: unknown): SavedState {
  const ok =
    isRecord(state) &&
    state.version === 1 &&
    isNumber(state.observed) &&
    (state.walker === null || isWalker(state.walker)) &&
    isPairList(state.shared, isNumber) &&
    isPairList(state.q, (row) => isPairList(row, isNumber)) &&
    Array.isArray(state.pending) &&
    state.pending.every((e: unknown) => Array.isArray(e) && e.length === 2 && isNumber(e[0]) && isPendingMove(e[1]));
  if (!ok) throw new Error('qlearning: the saved sampler state is malformed or from another version');
  return state as unknown as SavedState;
}
