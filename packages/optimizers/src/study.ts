/**
 * A Study owns the trials of one search and their states; its sampler decides where to look next.
 * ask() → evaluate → tell() is the whole protocol, and toJSON()/studyFromJSON() let a search stop
 * and resume with exactly the suggestions an uninterrupted one would have made. With a pruner
 * (pruners/), report() → shouldPrune() between them stops unpromising trials early.
 */
import { AlgorithmError, createSampler, type SamplerOptions } from './algorithms';
import { createPruner, type PrunerSpec } from './pruners';
import type { PruneContext, Promotion, Pruner, PrunerConfig } from './pruners/pruner';
import { Rng } from './rng';
import { isInSpace, validateSpace } from './space';
import type { Direction, ObserveContext, Params, Sampler, SamplerContext, Space, Suggestion, Trial, TrialState } from './types';

export const STUDY_FORMAT = 'nx-hpo-study';
export const STUDY_FORMAT_VERSION = 1;

/** Thrown by ask() when the sampler has proposed every point it can (grid search). */
export class StudyExhaustedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyExhaustedError';
  }
}

/** A saved study that cannot be read back; the message starts with the JSON path of the problem. */
export class StudyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyFormatError';
  }
}

export interface StudyConfig {
  /** Validated with validateSpace; a SpaceError explains any problem. */
  space: Space;
  /** Defaults to 'random'. Ignored when `sampler` is given. */
  algorithm?: string;
  /** Defaults to 'minimize'. */
  direction?: Direction;
  /** Any safe integer; defaults to 0 so that runs are reproducible unless asked otherwise. */
  seed?: number;
  /** Algorithm options (JSON), passed to the algorithm's factory. */
  options?: SamplerOptions;
  /** A ready-made sampler instead of a registered algorithm (tests, experiments). */
  sampler?: Sampler;
  /**
   * Early stopping of trials from their reports: `'asha'`, or `{ name: 'asha', ...options }`
   * (pruners/index.ts). Without one, shouldPrune is always false.
   */
  pruner?: PrunerSpec | PrunerConfig | Record<string, unknown>;
  /**
   * The steps (epochs) of a complete trial. Only the default of the asha and hyperband pruners'
   * `maxEpochs`; the resolved pruner config keeps the value, so it is not saved on its own.
   */
  maxEpochs?: number;
  /**
   * The number of trials the caller plans to run (a sweep's `trials`). Only `auto` uses it, to
   * choose its portfolio; saved with the study so a resumed one decides the same way.
   */
  budget?: number;
  /** How many trials the caller evaluates at once (default 1). Only `auto` uses it; saved too. */
  parallelism?: number;
}

export interface AskedTrial {
  id: number;
  params: Params;
  /** The sampler that proposed it: the algorithm's name, or for `auto` the portfolio member's. */
  sampler: string;
  /** Milliseconds the ask took, for samplers that decide from their costs (auto); else undefined. */
  askMs?: number;
}

/**
 * What a recorded run (a journal) knows about an ask, handed back when it is replayed: the
 * proposer and the measured ask time are then taken from the record, never re-measured, so
 * decisions that depend on costs replay exactly.
 */
export interface RecordedAsk {
  sampler?: string;
  askMs?: number;
}

/** `durationMs`: how long the evaluation took (auto weighs its own ask time against it). */
export type TellResult =
  | { state: 'complete'; value: number; durationMs?: number }
  | { state: 'failed'; error?: string; value?: number; durationMs?: number }
  | { state: 'pruned'; error?: string; value?: number; durationMs?: number };

export interface BestTrial {
  id: number;
  params: Params;
  value: number;
}

/** The plain-JSON form of a study (toJSON / studyFromJSON). */
export interface StudyJSON {
  format: typeof STUDY_FORMAT;
  version: typeof STUDY_FORMAT_VERSION;
  space: Space;
  algorithm: string;
  options: SamplerOptions;
  direction: Direction;
  seed: number;
  trials: Trial[];
  /** The sampler's saveState(), when it has learned state of its own. */
  samplerState?: unknown;
  /** StudyConfig.budget and .parallelism, when given (auto decides from them). */
  budget?: number;
  parallelism?: number;
  /**
   * The pruner's resolved config, when the study has one. Its decisions derive from the trials'
   * reports, so this is all a restored study needs to decide as the original would. (An optional
   * field: version-1 files without it still read, as studies without a pruner.)
   */
  pruner?: PrunerConfig;
}

const DIRECTIONS: readonly Direction[] = ['minimize', 'maximize'];

/**
 * The clock for an ask's cost: this process's CPU time where the runtime has one (Node), so that
 * other programs competing for the cores do not inflate it; wall-clock time elsewhere (browsers).
 */
function cpuMs(): number {
  const proc = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (proc?.cpuUsage) {
    const u = proc.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  return performance.now();
}
const TRIAL_STATES: readonly TrialState[] = ['running', 'complete', 'failed', 'pruned'];

function copyJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function copyTrial(t: Trial): Trial {
  const out: Trial = { id: t.id, params: { ...t.params }, state: t.state, intermediate: t.intermediate.map(([s, v]) => [s, v]) };
  if (t.value !== undefined) out.value = t.value;
  if (t.error !== undefined) out.error = t.error;
  if (t.sampler !== undefined) out.sampler = t.sampler;
  if (t.askMs !== undefined) out.askMs = t.askMs;
  if (t.durationMs !== undefined) out.durationMs = t.durationMs;
  return out;
}

/** A whole number ≥ 1 or undefined; throws AlgorithmError naming `key` otherwise. */
function positiveInteger(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new AlgorithmError(`'${key}' must be a whole number of at least 1 (got ${JSON.stringify(value)})`, [key]);
  }
  return value;
}

export class Study {
  readonly space: Space;
  readonly algorithm: string;
  readonly direction: Direction;
  readonly seed: number;
  readonly options: SamplerOptions;
  /** The pruner's resolved config (defaults filled in), or undefined without a pruner. */
  readonly pruner: PrunerConfig | undefined;
  /** StudyConfig.budget, when given. */
  readonly budget: number | undefined;
  /** StudyConfig.parallelism, when given. */
  readonly parallelism: number | undefined;
  private readonly sampler: Sampler;
  private readonly prunerImpl: Pruner | undefined;
  private readonly capacity: number | undefined;
  private readonly _trials: Trial[] = [];

  constructor(config: StudyConfig) {
    this.space = validateSpace(config.space);
    this.direction = config.direction ?? 'minimize';
    if (!DIRECTIONS.includes(this.direction)) {
      throw new AlgorithmError(`'direction' must be minimize or maximize (got ${JSON.stringify(this.direction)})`, ['direction']);
    }
    this.seed = config.seed ?? 0;
    if (!Number.isSafeInteger(this.seed)) {
      throw new AlgorithmError(`'seed' must be a whole number (got ${JSON.stringify(this.seed)})`, ['seed']);
    }
    this.options = copyJson(config.options ?? {});
    this.budget = positiveInteger(config.budget, 'budget');
    this.parallelism = positiveInteger(config.parallelism, 'parallelism');
    this.sampler = config.sampler ?? createSampler(config.algorithm ?? 'random', this.options);
    this.algorithm = config.sampler ? config.sampler.name : (config.algorithm ?? 'random');
    if (config.maxEpochs !== undefined && !(typeof config.maxEpochs === 'number' && Number.isFinite(config.maxEpochs) && config.maxEpochs > 0)) {
      throw new AlgorithmError(`'maxEpochs' must be a number above 0 (got ${JSON.stringify(config.maxEpochs)})`, ['maxEpochs']);
    }
    this.prunerImpl =
      config.pruner === undefined
        ? undefined
        : createPruner(config.pruner, config.maxEpochs === undefined ? {} : { maxEpochs: config.maxEpochs });
    this.pruner = this.prunerImpl ? copyJson(this.prunerImpl.config) : undefined;
    // Asked once, up front: a grid over a float without step/values fails here, not mid-search.
    this.capacity = this.sampler.capacity?.(this.space);
  }

  /** Every trial in id order (trial i has id i), including running ones. */
  get trials(): readonly Trial[] {
    return this._trials;
  }

  /** How many more points ask() can give, or undefined when the sampler is unbounded. */
  get remaining(): number | undefined {
    return this.capacity === undefined ? undefined : Math.max(0, this.capacity - this._trials.length);
  }

  /**
   * The best complete trial by direction (ties go to the lowest id), or undefined before any.
   * Pruned trials never count: their values are at a smaller budget than a complete trial's.
   */
  get best(): BestTrial | undefined {
    let best: Trial | undefined;
    for (const t of this._trials) {
      if (t.state !== 'complete' || t.value === undefined) continue;
      if (best === undefined || this.better(t.value, best.value as number)) best = t;
    }
    return best === undefined ? undefined : { id: best.id, params: { ...best.params }, value: best.value as number };
  }

  private better(a: number, b: number): boolean {
    return this.direction === 'minimize' ? a < b : a > b;
  }

  /** The trial with this id; throws for an unknown id. */
  trial(id: number): Trial {
    const t = Number.isInteger(id) ? this._trials[id] : undefined;
    if (t === undefined) throw new RangeError(`unknown trial id ${String(id)} (this study has ids 0..${this._trials.length - 1})`);
    return t;
  }

  /**
   * Asks the sampler for the next point and records it as a running trial. `recorded` replays an
   * ask from a journal: its proposer is asked again and its ask time is kept instead of measured.
   */
  ask(recorded: RecordedAsk = {}): AskedTrial {
    const remaining = this.remaining;
    if (remaining === 0) {
      throw new StudyExhaustedError(`${this.algorithm} search has proposed all ${String(this.capacity)} points of the space`);
    }
    const trialId = this._trials.length;
    const ctx: SamplerContext = {
      space: this.space,
      direction: this.direction,
      trials: this._trials,
      trialId,
      // Derived per trial, so a suggestion never depends on how much randomness earlier asks used.
      rng: Rng.derive(this.seed, trialId),
      parallelism: this.parallelism ?? 1,
    };
    if (this.budget !== undefined) ctx.budget = this.budget;
    if (recorded.sampler !== undefined) ctx.proposer = recorded.sampler;
    const started = this.sampler.usesCosts ? cpuMs() : 0;
    const suggestion: Suggestion = this.sampler.propose
      ? this.sampler.propose(ctx)
      : { params: this.sampler.suggest(ctx), sampler: this.sampler.name };
    const elapsed = this.sampler.usesCosts ? cpuMs() - started : 0;
    const suggested = suggestion.params;
    if (!isInSpace(this.space, suggested)) {
      // A sampler bug must not reach the user's objective as an impossible configuration.
      throw new Error(`sampler '${this.sampler.name}' suggested a point outside the space: ${JSON.stringify(suggested)}`);
    }
    const params: Params = {};
    for (const name of Object.keys(this.space)) params[name] = suggested[name] as Params[string];
    const trial: Trial = { id: trialId, params, state: 'running', intermediate: [], sampler: suggestion.sampler };
    if (this.sampler.usesCosts) trial.askMs = recorded.askMs ?? elapsed;
    this._trials.push(trial);
    const asked: AskedTrial = { id: trialId, params: { ...params }, sampler: suggestion.sampler };
    if (trial.askMs !== undefined) asked.askMs = trial.askMs;
    return asked;
  }

  private running(id: number, verb: string): Trial {
    const t = this.trial(id);
    if (t.state !== 'running') throw new Error(`cannot ${verb} trial ${id}: it is already ${t.state}`);
    return t;
  }

  /**
   * Finishes a running trial: a number completes it (NaN/±Infinity record it as failed), or give
   * a state explicitly. Throws for an unknown id or a trial that was already told.
   */
  tell(id: number, result: number | TellResult): Trial {
    const t = this.running(id, 'tell');
    if (typeof result === 'number') {
      if (Number.isFinite(result)) {
        t.state = 'complete';
        t.value = result;
      } else {
        t.state = 'failed';
        t.error = 'objective is not finite';
      }
    } else {
      // Checked at run time too: callers in plain JavaScript (or with JSON input) bypass the types.
      const state: unknown = typeof result === 'object' && result !== null ? (result as { state?: unknown }).state : undefined;
      if (state !== 'complete' && state !== 'failed' && state !== 'pruned') {
        throw new TypeError(`tell: expected a number or { state: 'complete' | 'failed' | 'pruned', … } (got ${JSON.stringify(result)})`);
      }
      const duration = result.durationMs;
      if (duration !== undefined) {
        if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
          throw new TypeError(`tell: durationMs must be a number of at least 0 (got ${JSON.stringify(duration)})`);
        }
        t.durationMs = duration;
      }
      if (result.state === 'complete') {
        if (typeof result.value !== 'number') throw new TypeError('tell: a complete trial needs a numeric value');
        return this.tell(id, result.value);
      }
      t.state = result.state;
      if (result.error !== undefined) t.error = String(result.error);
      // A pruned trial's value is where it stood when stopped: its last report unless told otherwise.
      const last = t.intermediate[t.intermediate.length - 1];
      const value = result.value ?? (result.state === 'pruned' && last !== undefined ? last[1] : undefined);
      if (value !== undefined && Number.isFinite(value)) t.value = value;
    }
    this.sampler.observe?.(t, this.observeContext());
    return t;
  }

  private observeContext(): ObserveContext {
    return { space: this.space, direction: this.direction, trials: this._trials };
  }

  /** Records an intermediate value (e.g. per epoch) of a running trial; steps must increase. */
  report(id: number, step: number, value: number): void {
    const t = this.running(id, 'report on');
    if (!Number.isFinite(step)) throw new RangeError(`report: step must be a finite number (got ${step})`);
    if (!Number.isFinite(value)) throw new RangeError(`report: value must be a finite number (got ${value})`);
    const last = t.intermediate[t.intermediate.length - 1];
    if (last !== undefined && step <= last[0]) {
      throw new RangeError(`report: step ${step} of trial ${id} does not come after step ${last[0]}`);
    }
    t.intermediate.push([step, value]);
  }

  /**
   * Whether a running trial should stop early, judged by the study's pruner at the trial's latest
   * report (call it after each report, as in Optuna). Always false without a pruner, before any
   * report, and for a trial that is no longer running. Throws for an unknown id. Stopping is up to
   * the caller: tell(id, { state: 'pruned' }) then records the trial with its curve.
   */
  shouldPrune(id: number): boolean {
    const t = this.trial(id);
    if (this.prunerImpl === undefined || t.state !== 'running') return false;
    return this.prunerImpl.shouldPrune(t, this.pruneContext());
  }

  /**
   * Pruned trials that successive halving (asha, hyperband) would now resume to a higher rung:
   * see ashaPromotable. Empty for other pruners or none. Resuming is the caller's business.
   */
  promotable(): Promotion[] {
    return this.prunerImpl?.promotable?.(this.pruneContext()) ?? [];
  }

  private pruneContext(): PruneContext {
    return { direction: this.direction, trials: this._trials, seed: this.seed };
  }

  /** Everything needed to resume: plain JSON (copies, not live objects). */
  toJSON(): StudyJSON {
    const json: StudyJSON = {
      format: STUDY_FORMAT,
      version: STUDY_FORMAT_VERSION,
      space: copyJson(this.space),
      algorithm: this.algorithm,
      options: copyJson(this.options),
      direction: this.direction,
      seed: this.seed,
      trials: this._trials.map(copyTrial),
    };
    if (this.budget !== undefined) json.budget = this.budget;
    if (this.parallelism !== undefined) json.parallelism = this.parallelism;
    const state = this.sampler.saveState?.();
    if (state !== undefined) json.samplerState = copyJson(state);
    if (this.pruner !== undefined) json.pruner = copyJson(this.pruner);
    return json;
  }

  /** @internal Restores trials and sampler state; used by studyFromJSON only. */
  restore(trials: Trial[], samplerState: unknown): void {
    if (this._trials.length > 0) throw new Error('restore: the study already has trials');
    for (const t of trials) this._trials.push(copyTrial(t));
    if (samplerState !== undefined && this.sampler.loadState) {
      this.sampler.loadState(copyJson(samplerState));
    } else if (this.sampler.observe) {
      // No saved state: rebuild what the sampler learned by showing it the finished trials again.
      for (const t of this._trials) if (t.state !== 'running') this.sampler.observe(t, this.observeContext());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading a saved study

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, message: string): never {
  throw new StudyFormatError(`${path}: ${message}`);
}

function readTrial(raw: unknown, index: number, space: Space): Trial {
  const path = `trials[${index}]`;
  if (!isRecord(raw)) fail(path, 'must be an object');
  if (raw.id !== index) fail(`${path}.id`, `must be ${index} (trials are stored in id order), got ${JSON.stringify(raw.id)}`);
  if (!TRIAL_STATES.includes(raw.state as TrialState)) {
    fail(`${path}.state`, `must be one of ${TRIAL_STATES.join(', ')} (got ${JSON.stringify(raw.state)})`);
  }
  if (!isRecord(raw.params) || !isInSpace(space, raw.params as Params)) {
    fail(`${path}.params`, `is not a point of the study's space: ${JSON.stringify(raw.params)}`);
  }
  const trial: Trial = { id: index, params: raw.params as Params, state: raw.state as TrialState, intermediate: [] };
  if (raw.value !== undefined) {
    if (typeof raw.value !== 'number' || !Number.isFinite(raw.value)) fail(`${path}.value`, 'must be a finite number');
    trial.value = raw.value;
  }
  if (trial.state === 'complete' && trial.value === undefined) fail(`${path}.value`, 'a complete trial needs a value');
  if (raw.error !== undefined) {
    if (typeof raw.error !== 'string') fail(`${path}.error`, 'must be a string');
    trial.error = raw.error;
  }
  if (raw.sampler !== undefined) {
    if (typeof raw.sampler !== 'string') fail(`${path}.sampler`, 'must be a string');
    trial.sampler = raw.sampler;
  }
  for (const key of ['askMs', 'durationMs'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${path}.${key}`, 'must be a number of at least 0');
    trial[key] = v;
  }
  const intermediate = raw.intermediate ?? [];
  if (!Array.isArray(intermediate)) fail(`${path}.intermediate`, 'must be a list of [step, value] pairs');
  intermediate.forEach((pair: unknown, j) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      fail(`${path}.intermediate[${j}]`, 'must be a [step, value] pair of finite numbers');
    }
    trial.intermediate.push([pair[0] as number, pair[1] as number]);
  });
  return trial;
}

/**
 * Restores a study saved with toJSON(). Continuing it gives the same suggestions the original
 * would have given. `sampler` replaces the registered algorithm (needed for custom samplers).
 */
export function studyFromJSON(json: unknown, overrides: { sampler?: Sampler } = {}): Study {
  const data: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (!isRecord(data)) fail('study', 'must be a JSON object');
  if (data.format !== STUDY_FORMAT) fail('format', `must be ${JSON.stringify(STUDY_FORMAT)} (got ${JSON.stringify(data.format)}); this is not a saved study`);
  if (data.version !== STUDY_FORMAT_VERSION) {
    fail('version', `this library reads study format version ${STUDY_FORMAT_VERSION}, the file has version ${JSON.stringify(data.version)}`);
  }
  if (typeof data.algorithm !== 'string') fail('algorithm', 'must be a string');
  if (!DIRECTIONS.includes(data.direction as Direction)) fail('direction', 'must be minimize or maximize');
  if (typeof data.seed !== 'number' || !Number.isSafeInteger(data.seed)) fail('seed', 'must be a whole number');
  if (data.options !== undefined && !isRecord(data.options)) fail('options', 'must be an object');
  if (!Array.isArray(data.trials)) fail('trials', 'must be a list');
  for (const key of ['budget', 'parallelism'] as const) {
    const v = data[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)) fail(key, 'must be a whole number of at least 1');
  }
  let space: Space;
  try {
    space = validateSpace(data.space);
  } catch (e) {
    fail('space', (e as Error).message);
  }
  let pruner: PrunerConfig | undefined;
  if (data.pruner !== undefined) {
    try {
      pruner = createPruner(data.pruner as Record<string, unknown>).config;
    } catch (e) {
      if (!(e instanceof AlgorithmError)) throw e;
      fail(e.path.length > 0 ? e.path.join('.') : 'pruner', e.message);
    }
  }
  const study = new Study({
    space,
    algorithm: data.algorithm,
    direction: data.direction as Direction,
    seed: data.seed,
    options: (data.options ?? {}) as SamplerOptions,
    ...(overrides.sampler ? { sampler: overrides.sampler } : {}),
    ...(pruner ? { pruner } : {}),
    ...(data.budget !== undefined ? { budget: data.budget as number } : {}),
    ...(data.parallelism !== undefined ? { parallelism: data.parallelism as number } : {}),
  });
  const trials = data.trials.map((t: unknown, i: number) => readTrial(t, i, study.space));
  study.restore(trials, data.samplerState);
  return study;
}

export interface CreateStudy {
  (config: StudyConfig): Study;
  /** Same as studyFromJSON. */
  fromJSON: typeof studyFromJSON;
}

/** `createStudy({ space, algorithm, direction, seed, options, pruner })`; `createStudy.fromJSON(json)` resumes one. */
export const createStudy: CreateStudy = Object.assign((config: StudyConfig) => new Study(config), { fromJSON: studyFromJSON });
