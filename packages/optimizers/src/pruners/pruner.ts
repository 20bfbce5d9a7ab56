/**
 * What every pruner implements, and the small pieces the pruners share (option checks, reading a
 * trial's curve). A pruner keeps no state of its own: each decision is a function of the trials'
 * intermediate reports (and, for hyperband, of the study seed), so a study restored from JSON
 * decides exactly as the original would have.
 *
 * Steps are the resource a trial has used so far, as the caller numbers them in `report(id, step,
 * value)`: for the plugin, the number of epochs trained (1 after the first epoch).
 */
import { AlgorithmError } from '../errors';
import { lossOf, type Direction, type Trial } from '../types';

export type PrunerName = 'median' | 'asha' | 'hyperband';

/** What a pruner sees when asked about one trial. */
export interface PruneContext {
  direction: Direction;
  /** Every trial of the study in id order (the asked one included), in any state. */
  trials: readonly Trial[];
  /** The study seed: hyperband assigns trials to brackets from it. */
  seed: number;
}

/**
 * A trial that asynchronous successive halving would now resume: it stopped (was pruned) at a rung
 * where it has since become one of the best 1/η, and never got to the next rung.
 */
export interface Promotion {
  trialId: number;
  /** Index of the rung it stopped at (0 = the lowest). */
  rung: number;
  /** Its value at that rung (as reported, not sign-flipped). */
  value: number;
  /** The steps (epochs) it would train to: the next rung's, or maxEpochs from the last rung. */
  toEpochs: number;
  /** The hyperband bracket it belongs to; undefined for a plain ASHA pruner. */
  bracket?: number;
}

/** One pruning rule behind `createStudy({ pruner })`. */
export interface Pruner {
  readonly name: PrunerName;
  /** The resolved options, defaults filled in: plain JSON that createPruner reads back unchanged. */
  readonly config: PrunerConfig;
  /** Whether `trial` (running, with its latest report last) should stop now. */
  shouldPrune(trial: Trial, ctx: PruneContext): boolean;
  /** Stopped trials that successive halving would promote now (ASHA and hyperband only). */
  promotable?(ctx: PruneContext): Promotion[];
}

export interface MedianPrunerConfig {
  name: 'median';
  warmupSteps: number;
  minTrials: number;
}

export interface AshaPrunerConfig {
  name: 'asha';
  minEpochs: number;
  reductionFactor: number;
  maxEpochs: number;
}

export interface HyperbandPrunerConfig {
  name: 'hyperband';
  minEpochs: number;
  reductionFactor: number;
  maxEpochs: number;
}

export type PrunerConfig = MedianPrunerConfig | AshaPrunerConfig | HyperbandPrunerConfig;

/** Values a pruner may take from the study rather than from its own options. */
export interface PrunerDefaults {
  /** The steps (epochs) of a complete trial: the default `maxEpochs` of asha and hyperband. */
  maxEpochs?: number;
}

// ---------------------------------------------------------------------------------------------
// Option checks: errors carry the path ['pruner', option] so a config reader can point at the line.

export type OptionRule = [ok: (v: number) => boolean, rule: string];

export const positive: OptionRule = [(v) => v > 0, 'must be a number above 0'];
export const atLeastZero: OptionRule = [(v) => v >= 0, 'must be a number of at least 0'];
export const wholeAtLeast = (min: number): OptionRule => [(v) => Number.isInteger(v) && v >= min, `must be a whole number of at least ${min}`];

/**
 * Checks `raw` (the spec minus `name`) against `rules`: unknown keys and bad values throw an
 * AlgorithmError with path ['pruner', key]. Returns the numeric options that were given.
 */
export function checkOptions<K extends string>(
  pruner: PrunerName,
  raw: Record<string, unknown>,
  rules: Record<K, OptionRule>,
): Partial<Record<K, number>> {
  const known = Object.keys(rules) as K[];
  const out: Partial<Record<K, number>> = {};
  for (const key of Object.keys(raw)) {
    if (key === 'name') continue;
    if (!(known as string[]).includes(key)) {
      throw new AlgorithmError(`unknown option '${key}' for pruner '${pruner}'; known options: ${known.join(', ')}`, ['pruner', key]);
    }
    const v = raw[key];
    if (v === undefined) continue;
    const [ok, rule] = rules[key as K];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new AlgorithmError(`pruner '${pruner}' option '${key}' ${rule} (got ${JSON.stringify(v)})`, ['pruner', key]);
    }
    out[key as K] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading curves

/** Trials whose reports may inform a decision: failed ones say nothing reliable and are ignored. */
export function informative(trial: Trial): boolean {
  return trial.state !== 'failed';
}

/** The value reported at exactly `step`, if any (reports are in increasing step order). */
export function valueAt(trial: Trial, step: number): number | undefined {
  for (const [s, v] of trial.intermediate) {
    if (s === step) return v;
    if (s > step) return undefined;
  }
  return undefined;
}

/** The trial's best value (by direction) among its reports up to and including `step`. */
export function bestUpTo(trial: Trial, step: number, direction: Direction): number | undefined {
  let best: number | undefined;
  for (const [s, v] of trial.intermediate) {
    if (s > step) break;
    if (best === undefined || lossOf(v, direction) < lossOf(best, direction)) best = v;
  }
  return best;
}
