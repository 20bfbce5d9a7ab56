/**
 * What identifies a sweep's study and how its trials train: the study identity (which journal a
 * run replays), the training seed and the epoch budget. Pure functions of the config.
 */
import type { Params } from '@nx-hpo/optimizers';
import { resolveTrial } from '../config';
import type { TuneConfig } from '../config/types';
import { hashValue } from '../store/canonical';
import { lineageKey, trialKey, trialKeyMaterial, type TrialKeyInputs } from '../store/trial-key';

/** A trial's key, its lineage (the key without the epoch budget) and that budget, from one resolve. */
export interface TrialKeys {
  key: string;
  lineage: string;
  epochs: number;
}

/** What a trial's key covers, for `params` under `config` (resolved once). */
export function trialKeyInputs(config: TuneConfig, params: Params, seed: number, backend: string): TrialKeyInputs {
  const spec = resolveTrial(config, params);
  return { params, model: spec.model, training: spec.training, data: config.data, seed, backend };
}

export function trialKeys(config: TuneConfig, params: Params, seed: number, backend: string): TrialKeys {
  const inputs = trialKeyInputs(config, params, seed, backend);
  return { key: trialKey(inputs), lineage: lineageKey(inputs), epochs: epochsOf(inputs.training) ?? Infinity };
}

/**
 * The identity of a study: what decides its sequence of suggestions and the values it is told.
 * Not the budget or parallelism (so a bigger budget continues the same study).
 */
export function studyIdentity(config: TuneConfig, backend: string, seed: number): string {
  const material = trialKeyMaterial({ params: {}, model: config.model, training: config.training, data: config.data, seed, backend });
  return hashValue({
    v: 2,
    space: config.space,
    objective: config.objective,
    algorithm: config.search.algorithm,
    seed: config.search.seed,
    options: config.search.options,
    // What was pruned decides what adaptive samplers learn; absent (no pruner) leaves older ids alone.
    pruner: config.search.pruner,
    trialConfig: material,
  });
}

/** The training seed is the sweep's seed (or training.seed): equal configs train identically. */
export function trainingSeed(config: TuneConfig): number {
  const s = (config.training as { seed?: unknown }).seed;
  return typeof s === 'number' ? s : config.search.seed;
}

/** The epochs a complete trial trains (the pruners' full budget). */
export function epochsOf(training: unknown): number | undefined {
  const e = (training as { epochs?: unknown } | undefined)?.epochs;
  return typeof e === 'number' ? e : undefined;
}
