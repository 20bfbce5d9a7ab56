/**
 * `auto`: an adaptive, ensembled search. The user names no algorithm; auto runs a portfolio of our
 * samplers on one shared history (every member observes every trial, whoever proposed it) and
 * decides, at each ask, which member proposes.
 *
 * Adaptive — the portfolio is planned from the space, the budget and the parallelism (planPortfolio):
 *   - a finite space whose every point fits in the budget is simply enumerated (grid);
 *   - a space of at most GP_MAX_DIMS parameters, mostly numeric, is searched by the GP (bayesian)
 *     alone: its space-filling design, then expected improvement in its trust region, with two
 *     surrogate models — the product Matérn kernel and the additive one (a sum of one-parameter
 *     kernels) — between which the data's marginal likelihood chooses at every refit (the GP's
 *     `kernel: 'auto'`; `bayesian` on its own uses the product kernel unless told otherwise). The
 *     additive model is what finds the optimum of objectives made of per-parameter effects, as
 *     hyperparameter surfaces often nearly are (styblinski_tang8 and mixed_mlp in BENCHMARKS.md);
 *   - when most parameters are categorical (where the GP's one-hot kernel is weakest), TPE and
 *     qlearning's coordinate walk join the GP, and a bandit shares the asks among the three; beyond
 *     GP_MAX_DIMS parameters, qlearning and TPE share them. qlearning used to share the asks of
 *     numeric spaces too; with the GP's trust region doing that local refinement, its asks made
 *     auto clearly worse at 25 trials (hartmann6 and ackley5, Mann–Whitney p < 0.01 over 40 seeds)
 *     and brought nothing at 50, so it left those portfolios;
 *   - TPE takes the GP's place when the GP costs too much (below);
 *   - measured costs (affordable): the GP, the one member whose asks grow costly (O(n³) refits), is
 *     left out once its recent asks took longer on average than the allowance, and tpe stands in.
 *     An ask's cost is the CPU time it took (Study measures it with process.cpuUsage where there
 *     is one), so other programs competing for the cores do not make the GP look expensive. The
 *     allowance is `searchShare` (5%) of the median trial duration divided by the parallelism, but
 *     never below `minAskMs` (100 ms, for objectives told without a duration or that are faster than
 *     that; at 50 ms the GP's asks near 40 trials, 40–70 ms on the 5-parameter mixed_mlp space,
 *     crossed it on a busy machine, so a benchmark's result depended on the machine's load). Only
 *     the GP is judged: the others cost O(n) per ask, and their recorded ask times include the
 *     GP's veto (below), which would otherwise count against them.
 * Ensembled — in two ways: the GP's two surrogate models (above, chosen by evidence at each refit),
 * and, where the plan has several members, a bandit. After the design the proposer is then drawn by Thompson sampling (chooseMember): each
 * member's record is a Beta posterior over the reward of its proposals — 0 unless a proposal
 * improves on the best trial told before it was asked, more the bigger the step (reward()) — with
 * older outcomes discounted (γ = 0.9 per later trial of that member) because who is useful changes
 * during a study (the GP early, local refinement late).
 * The GP's veto — from twice the design's trials on (a model of a few points judges poorly), while the
 * GP is affordable, a proposal of another member is scored by the GP's log expected improvement
 * beside the GP's own proposal; when its EI is less than 1/100 of the GP's (VETO_LOG_EI), the
 * GP's proposal is asked instead (recorded as the GP's) and the member forgets its suggestion
 * (Sampler.discard). Why not simply rank every member's proposal by the GP's EI: the GP's own
 * proposal maximises that acquisition by construction, so a member the GP model misjudges (the
 * walk on a separable function) would never get an ask; the factor of 100 lets the walk keep the
 * steps the model finds plausible and stops the ones it finds hopeless (qlearning's
 * one-coordinate crawl along rosenbrock's curved valley, which kept earning the bandit's asks by
 * many tiny improvements, when qlearning was still in numeric portfolios). Measured in
 * BENCHMARKS.md, with the variants tried.
 *
 * Replay-safe: every decision is a function of the trials (their proposers, values and recorded
 * costs Trial.askMs / Trial.durationMs), the plan and the ask's seeded generator, which is split
 * into a decision stream, a member stream and the veto's GP stream, so a replayed ask (whose
 * recorded ask times are handed back) repeats the very same decision and proposal, and a resumed
 * study (toJSON/fromJSON) carries the trials with their costs. Should a recorded proposer
 * (SamplerContext.proposer; a journal from another version of auto) differ, that member is asked.
 */
import { AlgorithmError } from '../errors';
import { median } from '../pruners/median';
import { Rng } from '../rng';
import { gridSize } from '../space';
import { lossOf, type Direction, type ObserveContext, type Params, type Sampler, type SamplerContext, type Space, type SamplerOptions, type Suggestion, type Trial } from '../types';
import { createGpSampler, defaultInitialTrials } from './gp';
import { createGridSampler } from './grid';
import { createQLearningSampler } from './qlearning';
import { createRandomSampler } from './random';
import { createTpeSampler } from './tpe';

export type MemberName = 'bayesian' | 'tpe' | 'qlearning' | 'random' | 'grid';
export const MEMBER_NAMES: readonly MemberName[] = ['bayesian', 'tpe', 'qlearning', 'random', 'grid'];

export interface AutoOptions {
  /** Largest share of the sweep's time the search itself may take (default 0.05). */
  searchShare?: number;
  /** Mean ms per ask always allowed, whatever the trials' durations (default 100). */
  minAskMs?: number;
}

interface ResolvedAutoOptions {
  searchShare: number;
  minAskMs: number;
}

export const AUTO_OPTION_KEYS: readonly (keyof AutoOptions)[] = ['searchShare', 'minAskMs'];

function resolveOptions(raw: AutoOptions | SamplerOptions): ResolvedAutoOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AlgorithmError(`auto options must be a mapping (got ${JSON.stringify(raw)})`, ['options']);
  }
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(AUTO_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new AlgorithmError(`unknown auto option '${key}'; allowed: ${AUTO_OPTION_KEYS.join(', ')}`, ['options', key]);
    }
  }
  const share = o.searchShare ?? 0.05;
  if (typeof share !== 'number' || !(share > 0 && share < 1)) {
    throw new AlgorithmError(`auto option 'searchShare' must be a fraction above 0 and below 1 (got ${JSON.stringify(share)})`, ['options', 'searchShare']);
  }
  const minAskMs = o.minAskMs ?? 100;
  if (typeof minAskMs !== 'number' || !Number.isFinite(minAskMs) || minAskMs < 0) {
    throw new AlgorithmError(`auto option 'minAskMs' must be a number of at least 0 (got ${JSON.stringify(minAskMs)})`, ['options', 'minAskMs']);
  }
  return { searchShare: share, minAskMs };
}

// ---------------------------------------------------------------------------------------------
// Planning from the space, the budget and the parallelism

export interface Plan {
  /** Members that may propose after the design, in preference order. */
  members: MemberName[];
  /** The member that proposes the first `design` trials. */
  opener: MemberName;
  design: number;
  /** Stands in for a member that is too expensive (always cheap). */
  fallback: MemberName;
  /** Why, in one line (shown in tests and the bench). */
  reason: string;
}

/** The number of points of a finite space, or undefined when a parameter is continuous (or the grid is huge). */
export function finiteSize(space: Space): number | undefined {
  for (const spec of Object.values(space)) {
    if (spec.type === 'float' && spec.step === undefined && spec.values === undefined) return undefined;
  }
  try {
    return gridSize(space);
  } catch {
    return undefined;
  }
}

/** Share of the parameters that are categorical. */
export function categoricalShare(space: Space): number {
  const specs = Object.values(space);
  return specs.length === 0 ? 0 : specs.filter((s) => s.type === 'categorical').length / specs.length;
}

/**
 * Trials of auto's space-filling opening (the GP's Sobol points): the GP's own default, one more
 * than half the parameters, 3 to 10 (with the trust region, a smaller design than the earlier
 * parameters + 3 pays: BENCHMARKS.md). A function of the space alone, so a replay with another
 * budget opens the same way.
 */
export function designSize(space: Space): number {
  return defaultInitialTrials(space);
}

/** Largest dimension at which the GP is in the portfolio (beyond, its model is too weak for the cost). */
export const GP_MAX_DIMS = 20;

export function planPortfolio(space: Space, budget: number | undefined, parallelism: number): Plan {
  const size = finiteSize(space);
  if (size !== undefined && budget !== undefined && size <= budget) {
    return { members: ['grid'], opener: 'grid', design: 0, fallback: 'grid', reason: `all ${size} points fit in the budget of ${budget}: enumerate them` };
  }
  const dims = Object.keys(space).length;
  const members: MemberName[] = [];
  const reasons: string[] = [];
  const useGp = dims <= GP_MAX_DIMS;
  if (useGp) members.push('bayesian');
  else reasons.push(`${dims} parameters: no GP`);
  const categorical = categoricalShare(space);
  if (!useGp || categorical >= 0.5) {
    members.push('qlearning', 'tpe');
    if (useGp) reasons.push(`${Math.round(categorical * 100)}% categorical: qlearning and tpe join`);
  }
  if (parallelism > 1) reasons.push(`parallelism ${parallelism}: pending trials are fantasised (GP) or lied about (TPE)`);
  const opener: MemberName = useGp ? 'bayesian' : 'random';
  const design = useGp ? designSize(space) : Math.max(5, Math.min(10, 2 * dims));
  return { members, opener, design, fallback: 'tpe', reason: reasons.join('; ') || 'gp design, then the gp (product and additive kernels)' };
}

// ---------------------------------------------------------------------------------------------
// Measured costs

/** Median of the recorded trial durations (ms), or undefined when none was told. */
export function medianDuration(trials: readonly Trial[]): number | undefined {
  const ds = trials.filter((t) => t.state !== 'running' && t.durationMs !== undefined).map((t) => t.durationMs as number);
  return ds.length === 0 ? undefined : median(ds);
}

/** The mean ms per ask the search may spend: the stated share of a trial's time per worker, or the floor. */
export function askAllowanceMs(trials: readonly Trial[], parallelism: number, options: { searchShare: number; minAskMs: number }): number {
  const d = medianDuration(trials);
  const share = d === undefined ? 0 : (options.searchShare * d) / Math.max(1, parallelism);
  return Math.max(options.minAskMs, share);
}

/**
 * A member's recent mean ms per ask: the mean over its last max(10, ⌈(id + 1)/10⌉) recorded asks,
 * with id the trial of its latest ask: a window that holds at least one of the GP's periodic
 * refits (every ⌊n/10⌋ asks). It is fixed by the member's own asks, so a member left out for its
 * cost keeps its last measurement (and stays out) until the allowance grows. Undefined before it
 * has asked 3 times.
 */
export function recentAskMs(trials: readonly Trial[], member: string): number | undefined {
  const mine: number[] = [];
  let lastId = 0;
  for (const t of trials) {
    if (t.sampler === member && t.askMs !== undefined) {
      mine.push(t.askMs);
      lastId = t.id;
    }
  }
  if (mine.length < 3) return undefined;
  const window = mine.slice(-Math.max(10, Math.ceil((lastId + 1) / 10)));
  return window.reduce((s, x) => s + x, 0) / window.length;
}

/**
 * Members whose asks grow costly with the study (the GP: O(n³) refits); the others cost O(n) per
 * ask, and their recorded ask times include the GP's veto, so only the GP's own asks are judged.
 */
export const COSTLY: readonly MemberName[] = ['bayesian'];

/** Whether a member's measured cost is within the allowance (unknown costs are). */
export function affordable(trials: readonly Trial[], member: string, allowanceMs: number): boolean {
  const cost = recentAskMs(trials, member);
  return cost === undefined || cost <= allowanceMs;
}

// ---------------------------------------------------------------------------------------------
// The bandit

/** Discount per later trial of the same member: old outcomes count less. */
export const REWARD_DISCOUNT = 0.9;
/** What any improvement of the incumbent earns at least. */
export const MIN_WIN = 0.2;

export interface MemberRecord {
  /** Discounted sum of rewards (in [0, 1] per proposal). */
  wins: number;
  /** Discounted sum of 1 − reward. */
  losses: number;
}

/**
 * The reward of a proposal with loss `loss` when the best earlier loss was `best` and the lower
 * quartile of the earlier losses `q`: 0 unless it improves on the incumbent; an improvement earns
 * MIN_WIN plus its size in units of the spread of the good trials (q − best), up to 1. Scale-free,
 * and a big step (the GP jumping to a new basin) counts for more than a tiny polish.
 */
export function reward(loss: number | undefined, best: number, q: number | undefined): number {
  if (loss === undefined || !(loss < best)) return 0;
  if (!Number.isFinite(best) || q === undefined || !(q > best)) return 1;
  return Math.min(1, MIN_WIN + (best - loss) / (q - best));
}

/**
 * Each member's discounted record of the rewards of the finished trials it proposed after the
 * design (failed and pruned trials earn 0), each judged against the complete trials with a
 * smaller id: the history when it was asked, in sequence order.
 */
export function memberRecords(trials: readonly Trial[], direction: Direction, design: number, members: readonly string[]): Map<string, MemberRecord> {
  const out = new Map<string, MemberRecord>(members.map((m) => [m, { wins: 0, losses: 0 }]));
  const sorted: number[] = [];
  for (const t of trials) {
    const loss = t.state === 'complete' && t.value !== undefined ? lossOf(t.value, direction) : undefined;
    const rec = t.id >= design && t.sampler !== undefined ? out.get(t.sampler) : undefined;
    if (rec !== undefined && t.state !== 'running') {
      const r = reward(loss, sorted.length > 0 ? (sorted[0] as number) : Infinity, sorted.length > 1 ? sorted[Math.floor(sorted.length / 4)] : undefined);
      rec.wins = rec.wins * REWARD_DISCOUNT + r;
      rec.losses = rec.losses * REWARD_DISCOUNT + (1 - r);
    }
    if (loss !== undefined) sorted.splice(insertionPoint(sorted, loss), 0, loss);
  }
  return out;
}

function insertionPoint(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Thompson sampling on Beta(1 + wins, 1 + losses); ties go to the earlier member. */
export function chooseMember(records: Map<string, MemberRecord>, members: readonly string[], rng: Rng): string {
  let bestName = members[0] as string;
  let bestDraw = -Infinity;
  for (const m of members) {
    const r = records.get(m) ?? { wins: 0, losses: 0 };
    const draw = betaSample(1 + r.wins, 1 + r.losses, rng);
    if (draw > bestDraw) {
      bestDraw = draw;
      bestName = m;
    }
  }
  return bestName;
}

/** A Beta(a, b) draw from two Gamma draws (Marsaglia–Tsang; a, b ≥ 1 here). */
export function betaSample(a: number, b: number, rng: Rng): number {
  const x = gammaSample(a, rng);
  const y = gammaSample(b, rng);
  return x / (x + y);
}

function gammaSample(shape: number, rng: Rng): number {
  if (shape < 1) return gammaSample(shape + 1, rng) * Math.pow(rng.next() || Number.MIN_VALUE, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = rng.normal();
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = rng.next();
    if (Math.log(u || Number.MIN_VALUE) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

// ---------------------------------------------------------------------------------------------
// The decision

export interface Decision {
  member: MemberName;
  /** 'design' | 'replay' | 'bandit' | 'only' (one member left) */
  why: string;
}

/**
 * Which member proposes the next trial: a pure function of the plan, the trials so far (with their
 * proposers and recorded costs), the parallelism and the decision generator.
 */
export function decide(
  plan: Plan,
  trials: readonly Trial[],
  direction: Direction,
  parallelism: number,
  options: { searchShare: number; minAskMs: number },
  rng: Rng,
  proposer?: string,
): Decision {
  if (proposer !== undefined && (MEMBER_NAMES as readonly string[]).includes(proposer)) return { member: proposer as MemberName, why: 'replay' };
  if (trials.length < plan.design) return { member: plan.opener, why: 'design' };
  const allowance = askAllowanceMs(trials, parallelism, options);
  let members = plan.members.filter((m) => !COSTLY.includes(m) || affordable(trials, m, allowance));
  if (members.length < plan.members.length && !members.includes(plan.fallback)) members.push(plan.fallback);
  if (members.length === 0) members = [plan.fallback];
  if (members.length === 1) return { member: members[0] as MemberName, why: 'only' };
  const records = memberRecords(trials, direction, plan.design, members);
  return { member: chooseMember(records, members, rng) as MemberName, why: 'bandit' };
}

// ---------------------------------------------------------------------------------------------
// The GP's veto

/** A member's proposal is replaced by the GP's when its log EI is below the GP's by more than this. */
export const VETO_LOG_EI = Math.log(100);
/** The veto starts once the study holds this many times the design's trials (a model of a few points judges poorly). */
export const VETO_FROM_DESIGNS = 2;

export function vetoed(alternativeLogEi: number, gpLogEi: number): boolean {
  return !(alternativeLogEi >= gpLogEi - VETO_LOG_EI);
}

/** The GP vets other members' proposals while it is a member and affordable. */
export function gateOpen(plan: Plan, trials: readonly Trial[], parallelism: number, options: { searchShare: number; minAskMs: number }): boolean {
  if (!plan.members.includes('bayesian')) return false;
  if (trials.length < VETO_FROM_DESIGNS * plan.design) return false;
  return affordable(trials, 'bayesian', askAllowanceMs(trials, parallelism, options));
}

// ---------------------------------------------------------------------------------------------
// The sampler

interface SavedAutoState {
  version: 1;
  members: Record<string, unknown>;
}

export function createAutoSampler(rawOptions: AutoOptions | SamplerOptions = {}): Sampler {
  const options = resolveOptions(rawOptions);
  // The opening's Sobol points come from a GP sampler of its own; the modelling GP takes over
  // from 2 observations on, so auto's plan alone decides how long the design lasts.
  const opening = createGpSampler();
  const gp = createGpSampler({ initialTrials: 2, kernel: 'auto' });
  const members: Record<MemberName, Sampler> = {
    bayesian: gp,
    tpe: createTpeSampler(),
    qlearning: createQLearningSampler(),
    random: createRandomSampler(),
    grid: createGridSampler(),
  };
  let planned: { space: Space; budget: number | undefined; parallelism: number; plan: Plan } | undefined;
  const planFor = (ctx: SamplerContext): Plan => {
    const parallelism = ctx.parallelism ?? 1;
    if (!planned || planned.space !== ctx.space || planned.budget !== ctx.budget || planned.parallelism !== parallelism) {
      planned = { space: ctx.space, budget: ctx.budget, parallelism, plan: planPortfolio(ctx.space, ctx.budget, parallelism) };
    }
    return planned.plan;
  };

  const propose = (ctx: SamplerContext): Suggestion => {
    const plan = planFor(ctx);
    const parallelism = ctx.parallelism ?? 1;
    // Independent streams: the decision never shifts a member's randomness, and the GP's gate
    // has a stream of its own, so each proposal is the same whichever path led to it.
    const decisionRng = new Rng(ctx.rng.nextUint32());
    const memberSeed = ctx.rng.nextUint32();
    const gateRng = new Rng(ctx.rng.nextUint32());
    const designing = ctx.trials.length < plan.design;
    const { member: chosen, why } = decide(plan, ctx.trials, ctx.direction, parallelism, options, decisionRng);
    // Each member asked gets the member stream from its start.
    const ask = (m: MemberName): Params => (m === 'bayesian' && designing ? opening : members[m]).suggest({ ...ctx, rng: new Rng(memberSeed) });
    let member = chosen;
    let params = ask(member);
    if (why === 'bandit' && member !== 'bayesian' && gateOpen(plan, ctx.trials, parallelism, options)) {
      const scored = gp.suggestScored({ ...ctx, rng: gateRng }, [params]);
      if (scored.logEi !== undefined && vetoed(scored.alternatives![0] as number, scored.logEi)) {
        members[member].discard?.(ctx.trialId);
        member = 'bayesian';
        params = scored.params;
      }
    }
    const recorded = ctx.proposer;
    if (recorded !== undefined && recorded !== member && (MEMBER_NAMES as readonly string[]).includes(recorded)) {
      // A journal written by another version of auto: follow its proposer.
      members[member].discard?.(ctx.trialId);
      member = recorded as MemberName;
      params = ask(member);
    }
    return { params, sampler: member };
  };

  return {
    name: 'auto',
    usesCosts: true,
    capacity(space: Space): number | undefined {
      return finiteSize(space);
    },
    propose,
    suggest(ctx: SamplerContext): Params {
      return propose(ctx).params;
    },
    observe(trial: Trial, ctx: ObserveContext): void {
      for (const m of MEMBER_NAMES) members[m].observe?.(trial, ctx);
    },
    saveState(): SavedAutoState {
      const saved: SavedAutoState = { version: 1, members: {} };
      for (const m of MEMBER_NAMES) {
        const s = members[m].saveState?.();
        if (s !== undefined) saved.members[m] = s;
      }
      const o = opening.saveState?.();
      if (o !== undefined) saved.members.opening = o;
      return saved;
    },
    loadState(state: unknown): void {
      const s = state as Partial<SavedAutoState> | undefined;
      if (!s || s.version !== 1 || typeof s.members !== 'object' || s.members === null) {
        throw new Error('auto: the saved sampler state is malformed or from another version');
      }
      for (const m of MEMBER_NAMES) {
        const v = (s.members as Record<string, unknown>)[m];
        if (v !== undefined) members[m].loadState?.(v);
      }
      const o = (s.members as Record<string, unknown>).opening;
      if (o !== undefined) opening.loadState?.(o);
    },
  };
}
