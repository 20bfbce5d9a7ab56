/**
 * Drives an optimizer's learning rate from a schedule during training: before every batch it sets
 * the rate the schedule gives for that step, and after every epoch it lets reduceOnPlateau see
 * the metrics. The arithmetic is in schedule.ts; this file only connects it to the optimizer.
 */
import { UserError } from '../errors';
import { learningRateOf, setLearningRate } from './optimizer';
import { observePlateau, scheduleLr, startPlateau, type LrSchedule, type PlateauOptions, type PlateauState, type ScheduleClock } from './schedule';
import type { ScheduleSpec } from './spec';
import type { Optimizer } from './tf';

export interface LrControl {
  /** Sets the rate of global step `step` (batches since training began, from 0) before it trains. */
  beforeBatch(step: number): void;
  /** Gives the metrics of epoch `epoch` (1-based) to reduceOnPlateau. */
  afterEpoch(epoch: number, metrics: object): void;
  /** What resuming needs: reduceOnPlateau's state (every other schedule is a function of the step). */
  save(): LrControlState;
  /** Continues from a saved state (of the same schedule). */
  restore(state: LrControlState): void;
}

export interface LrControlState {
  plateau?: PlateauState;
}

export interface LrControlOptions {
  clock: ScheduleClock;
  /** Whether the dataset has validation rows (val_ metrics exist). */
  hasValidation: boolean;
}

/** Starts from the optimizer's own learning rate (the config's, or a module's compiled one). */
export function createLrControl(spec: ScheduleSpec, optimizer: Optimizer, o: LrControlOptions): LrControl {
  const base = learningRateOf(optimizer);
  if (!(base > 0)) {
    throw new UserError(`a schedule needs an optimizer with a positive numeric learningRate; ${optimizer.getClassName()} has ${String(base)}`, {
      path: 'training.schedule',
    });
  }
  const lrAt: LrSchedule = scheduleLr(spec, base, o.clock);
  const warmupEpochs = spec.warmup?.epochs ?? 0;
  const warmupEnd = warmupEpochs * o.clock.stepsPerEpoch;
  const plateau = spec.name === 'reduceOnPlateau' ? plateauOptions(spec) : undefined;
  let state: PlateauState = startPlateau(base);

  return {
    beforeBatch(step) {
      const lr = plateau && step >= warmupEnd ? state.lr : lrAt(step);
      // Only on a change: tfjs SGD rebuilds a scalar tensor for every new rate.
      if (lr !== learningRateOf(optimizer)) setLearningRate(optimizer, lr);
    },
    afterEpoch(epoch, metrics) {
      if (!plateau || epoch <= warmupEpochs) return;
      const value = (metrics as Record<string, unknown>)[plateau.metric];
      if (typeof value !== 'number' || Number.isNaN(value)) {
        // Fitting on everything (no validation rows): a val_ metric does not exist, so the rate stays.
        if (!o.hasValidation && plateau.metric.startsWith('val_')) return;
        throw new UserError(`training reports no '${plateau.metric}' to watch`, { path: 'training.schedule.metric' });
      }
      state = observePlateau(state, value, plateau);
    },
    save() {
      return plateau ? { plateau: { ...state } } : {};
    },
    restore(saved) {
      if (plateau && saved.plateau) state = { ...saved.plateau };
    },
  };
}

/** reduceOnPlateau's options with Keras' defaults. */
function plateauOptions(spec: ScheduleSpec): PlateauOptions & { metric: string } {
  const metric = spec.metric ?? 'val_loss';
  return {
    metric,
    direction: metric.includes('acc') ? 'maximize' : 'minimize',
    factor: spec.factor ?? 0.1,
    patience: spec.patience ?? 10,
    minDelta: spec.minDelta ?? 1e-4,
    cooldown: spec.cooldown ?? 0,
    minLr: spec.minLr ?? 0,
  };
}
