/**
 * Learning-rate schedules as pure functions. Time is counted in global steps (batches since
 * training began, from 0); `stepsPerEpoch` converts to epochs. A schedule's own clock `t` starts
 * at the end of the warm-up and is in epochs: whole epochs for schedules applied per epoch (the
 * rate changes between epochs), fractions for schedules applied per batch.
 *
 * reduceOnPlateau depends on the metrics, not only on time: its state changes through
 * `observePlateau`, one epoch at a time; `scheduleLr` gives its rate before any reduction.
 */
import { SCHEDULE_NAMES, type Direction } from '../config/enums';
import { UserError } from '../errors';
import type { ScheduleSpec } from './spec';
import { quote } from '../quote';

/** The learning rate of one step. */
export type LrSchedule = (step: number) => number;

export interface ScheduleClock {
  /** training.epochs */
  epochs: number;
  /** Batches per epoch: ceil(training rows / batch size). */
  stepsPerEpoch: number;
}

/** lr × gamma^⌊t / every⌋ */
export function stepDecayLr(lr: number, t: number, every: number, gamma: number): number {
  return lr * gamma ** Math.floor(t / every);
}

/** lr × gamma^t */
export function exponentialLr(lr: number, t: number, gamma: number): number {
  return lr * gamma ** t;
}

/** lr / (1 + decay × t) */
export function inverseTimeLr(lr: number, t: number, decay: number): number {
  return lr / (1 + decay * t);
}

export interface CosineOptions {
  /** Length of the first cycle in epochs. */
  period: number;
  /** Growth of each cycle over the one before (≥ 1). */
  periodMult: number;
  /** The rate at the end of a cycle as a fraction of lr. */
  minFactor: number;
}

/**
 * Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017): within a cycle of length
 * T_i, lr_min + (lr − lr_min)(1 + cos(π t_cur / T_i)) / 2; each cycle is periodMult times longer.
 */
export function cosineLr(lr: number, t: number, o: CosineOptions): number {
  let tCur = t;
  let length = o.period;
  if (o.periodMult === 1) {
    tCur = t - Math.floor(t / length) * length;
  } else {
    // Cycles grow geometrically, so this loop runs O(log t) times.
    while (tCur >= length) {
      tCur -= length;
      length *= o.periodMult;
    }
  }
  const min = lr * o.minFactor;
  return min + ((lr - min) * (1 + Math.cos((Math.PI * tCur) / length))) / 2;
}

/**
 * Linear warm-up towards `lr` over `steps` steps: step s trains at
 * lr × (startFactor + (1 − startFactor)(s + 1) / steps), so the first step already learns and the
 * last one trains at lr.
 */
export function warmupLr(lr: number, step: number, steps: number, startFactor: number): number {
  return lr * (startFactor + ((1 - startFactor) * (step + 1)) / steps);
}

/** Whether the schedule changes the rate between batches (else only between epochs). */
export function appliesPerBatch(spec: ScheduleSpec): boolean {
  if (spec.name === 'cosine') return (spec.per ?? 'batch') === 'batch';
  if (spec.name === 'exponential' || spec.name === 'inverseTime') return spec.per === 'batch';
  return false;
}

/**
 * Whether the rates depend on training.epochs (a cosine without a period spans the whole run), so
 * that a run with another epoch budget trains at other rates from the first step.
 */
export function dependsOnEpochs(spec: ScheduleSpec): boolean {
  return spec.name === 'cosine' && spec.period === undefined;
}

/** Steps of warm-up (0 without one). */
export function warmupSteps(spec: ScheduleSpec, clock: ScheduleClock): number {
  return (spec.warmup?.epochs ?? 0) * clock.stepsPerEpoch;
}

/**
 * The schedule as step → learning rate, starting from `lr` (optimizer.learningRate). Check the
 * spec first (`checkSchedule`). For reduceOnPlateau this is the rate before any reduction.
 */
export function scheduleLr(spec: ScheduleSpec, lr: number, clock: ScheduleClock): LrSchedule {
  const warm = warmupSteps(spec, clock);
  const startFactor = spec.warmup?.startFactor ?? 0;
  const perBatch = appliesPerBatch(spec);
  const afterWarmup = main(spec, lr, clock);
  return (step) => {
    if (step < warm) return warmupLr(lr, step, warm, startFactor);
    const s = step - warm;
    return afterWarmup(perBatch ? s / clock.stepsPerEpoch : Math.floor(s / clock.stepsPerEpoch));
  };
}

/** The schedule after the warm-up, as t (epochs) → learning rate. */
function main(spec: ScheduleSpec, lr: number, clock: ScheduleClock): (t: number) => number {
  switch (spec.name) {
    case 'constant':
    case 'reduceOnPlateau':
      return () => lr;
    case 'step':
      return (t) => stepDecayLr(lr, t, spec.every!, spec.gamma ?? 0.1);
    case 'exponential':
      return (t) => exponentialLr(lr, t, spec.gamma!);
    case 'inverseTime':
      return (t) => inverseTimeLr(lr, t, spec.decay!);
    case 'cosine': {
      // Without a period: one half cosine over what is left of training after the warm-up.
      const o: CosineOptions = {
        period: spec.period ?? clock.epochs - (spec.warmup?.epochs ?? 0),
        periodMult: spec.periodMult ?? 1,
        minFactor: spec.minFactor ?? 0,
      };
      return (t) => cosineLr(lr, t, o);
    }
    default: {
      // Every schedule name has a case: a new one in SCHEDULE_NAMES does not compile without it.
      const unknown: never = spec.name;
      throw new Error(`scheduleLr: unknown schedule ${JSON.stringify(unknown)}`);
    }
  }
}

/** The state of reduceOnPlateau between epochs. */
export interface PlateauState {
  lr: number;
  /** The best value of the metric seen (NaN before the first). */
  best: number;
  /** Epochs since the best (or since the last reduction). */
  wait: number;
  /** Epochs of cooldown left after a reduction. */
  cooldown: number;
}

export interface PlateauOptions {
  direction: Direction;
  factor: number;
  patience: number;
  minDelta: number;
  cooldown: number;
  minLr: number;
}

export function startPlateau(lr: number): PlateauState {
  return { lr, best: NaN, wait: 0, cooldown: 0 };
}

/** Whether `value` beats `best` by more than `minDelta` in the given direction (anything beats NaN). */
export function isImprovement(value: number, best: number, direction: Direction, minDelta: number): boolean {
  if (Number.isNaN(best)) return true;
  return direction === 'minimize' ? value < best - minDelta : value > best + minDelta;
}

/**
 * One epoch of reduceOnPlateau (as Keras' ReduceLROnPlateau): after `patience` epochs in a row
 * without improvement the rate is multiplied by `factor` (not below minLr), then `cooldown`
 * epochs pass before epochs without improvement count again.
 */
export function observePlateau(state: PlateauState, value: number, o: PlateauOptions): PlateauState {
  const next = { ...state };
  if (next.cooldown > 0) {
    next.cooldown -= 1;
    next.wait = 0;
  }
  if (isImprovement(value, next.best, o.direction, o.minDelta)) {
    next.best = value;
    next.wait = 0;
    return next;
  }
  if (next.cooldown > 0) return next;
  next.wait += 1;
  if (next.wait >= o.patience && next.lr > o.minLr) {
    next.lr = Math.max(next.lr * o.factor, o.minLr);
    next.cooldown = o.cooldown;
    next.wait = 0;
  }
  return next;
}

/**
 * The checks of a schedule that the config layer makes too (for specs built in code); throws a
 * UserError at the offending key. `epochs` is training.epochs.
 */
export function checkSchedule(spec: ScheduleSpec, epochs: number): void {
  const at = (key: string) => `training.schedule.${key}`;
  const need = (ok: boolean, key: string, what: string): void => {
    if (!ok) throw new UserError(`${what}, got ${JSON.stringify((spec as unknown as Record<string, unknown>)[key.split('.')[0]!])}`, { path: at(key) });
  };
  if (!(SCHEDULE_NAMES as readonly string[]).includes(spec.name)) {
    throw new UserError(`unknown schedule ${quote(String(spec.name))}: use one of ${SCHEDULE_NAMES.join(', ')}`, { path: at('name') });
  }
  const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
  const wholeAtLeast = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;
  const fraction = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v < 1;
  if (spec.warmup !== undefined) {
    const w = spec.warmup.epochs;
    if (!wholeAtLeast(w, 1) || w >= epochs) {
      throw new UserError(`the warm-up must be a whole number of epochs from 1 to ${epochs - 1} (training.epochs is ${epochs}), got ${JSON.stringify(w)}`, {
        path: at('warmup.epochs'),
      });
    }
    if (spec.warmup.startFactor !== undefined && !fraction(spec.warmup.startFactor)) {
      throw new UserError(`startFactor must be in [0, 1), got ${JSON.stringify(spec.warmup.startFactor)}`, { path: at('warmup.startFactor') });
    }
  }
  switch (spec.name) {
    case 'step':
      need(wholeAtLeast(spec.every, 1), 'every', 'a step schedule needs every: a whole number of epochs ≥ 1');
      if (spec.gamma !== undefined) need(positive(spec.gamma) && spec.gamma <= 1, 'gamma', 'gamma must be in (0, 1]');
      break;
    case 'exponential':
      need(positive(spec.gamma) && spec.gamma! <= 1, 'gamma', 'an exponential schedule needs gamma in (0, 1]');
      break;
    case 'inverseTime':
      need(positive(spec.decay), 'decay', 'an inverseTime schedule needs decay > 0');
      break;
    case 'cosine':
      if (spec.period !== undefined) need(positive(spec.period), 'period', 'period must be > 0');
      if (spec.periodMult !== undefined) need(typeof spec.periodMult === 'number' && spec.periodMult >= 1 && spec.period !== undefined, 'periodMult', 'periodMult must be ≥ 1 and needs period');
      if (spec.minFactor !== undefined) need(fraction(spec.minFactor), 'minFactor', 'minFactor must be in [0, 1)');
      break;
    case 'reduceOnPlateau':
      if (spec.factor !== undefined) need(positive(spec.factor) && spec.factor < 1, 'factor', 'factor must be in (0, 1)');
      if (spec.patience !== undefined) need(wholeAtLeast(spec.patience, 0), 'patience', 'patience must be a whole number ≥ 0');
      if (spec.cooldown !== undefined) need(wholeAtLeast(spec.cooldown, 0), 'cooldown', 'cooldown must be a whole number ≥ 0');
      if (spec.minDelta !== undefined) need(typeof spec.minDelta === 'number' && spec.minDelta >= 0, 'minDelta', 'minDelta must be ≥ 0');
      if (spec.minLr !== undefined) need(typeof spec.minLr === 'number' && spec.minLr >= 0, 'minLr', 'minLr must be ≥ 0');
      break;
    default:
      break;
  }
}
