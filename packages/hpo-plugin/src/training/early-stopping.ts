/**
 * Early stopping inside a trial, as pure bookkeeping: which epoch is best so far and whether
 * training should stop. The trainer keeps the best epoch's weights (train.ts).
 */
import type { Direction } from '../config/enums';
import { UserError } from '../errors';
import { isImprovement } from './schedule';
import type { EarlyStoppingSpec } from './spec';

export interface EarlyStoppingOptions {
  metric: string;
  direction: Direction;
  patience: number;
  minDelta: number;
  restoreBest: boolean;
}

export interface EarlyStoppingState {
  /** NaN before the first epoch. */
  best: number;
  /** 0 before the first epoch. */
  bestEpoch: number;
  /** Epochs since the best. */
  wait: number;
}

export const EARLY_STOPPING_START: EarlyStoppingState = { best: NaN, bestEpoch: 0, wait: 0 };

/** The spec with its defaults (metric val_loss, patience 5, minDelta 0, restoreBest true); checks ranges. */
export function earlyStoppingOptions(spec: EarlyStoppingSpec): EarlyStoppingOptions {
  const metric = spec.metric ?? 'val_loss';
  const o: EarlyStoppingOptions = {
    metric,
    direction: spec.direction ?? (metric.includes('acc') ? 'maximize' : 'minimize'),
    patience: spec.patience ?? 5,
    minDelta: spec.minDelta ?? 0,
    restoreBest: spec.restoreBest ?? true,
  };
  if (!Number.isInteger(o.patience) || o.patience < 0) {
    throw new UserError(`patience must be a whole number ≥ 0, got ${JSON.stringify(o.patience)}`, { path: 'training.earlyStopping.patience' });
  }
  if (typeof o.minDelta !== 'number' || !(o.minDelta >= 0)) {
    throw new UserError(`minDelta must be a number ≥ 0, got ${JSON.stringify(o.minDelta)}`, { path: 'training.earlyStopping.minDelta' });
  }
  return o;
}

/**
 * After epoch `epoch` reported `value`: the new state, whether it is the best epoch so far, and
 * whether to stop (`patience` epochs in a row without an improvement larger than minDelta).
 */
export function observeEpoch(
  state: EarlyStoppingState,
  epoch: number,
  value: number,
  o: EarlyStoppingOptions,
): { state: EarlyStoppingState; improved: boolean; stop: boolean } {
  if (isImprovement(value, state.best, o.direction, o.minDelta)) {
    return { state: { best: value, bestEpoch: epoch, wait: 0 }, improved: true, stop: false };
  }
  const wait = state.wait + 1;
  return { state: { ...state, wait }, improved: false, stop: wait >= o.patience };
}
