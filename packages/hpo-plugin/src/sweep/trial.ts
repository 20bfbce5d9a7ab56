/**
 * One trial, start to finish, in whichever thread runs it: resolve the config with the trial's
 * parameters, build and train the model, read the objective. Shared by the tune workers and the
 * train executor so both train exactly the same way.
 */
import type { Params } from '@nx-hpo/optimizers';
import type { TuneConfig } from '../config/types';
import { resolveTrial } from '../config/resolve';
import type { Dataset } from '../data/dataset';
import type { TrainingCheckpoint } from '../training/checkpoint';
import { trainModel, type EpochLog } from '../training/train';
import { serializeModel, type ModelArtifacts } from '../training/save';
import type { Backend } from '../training/backend';

export interface TrialRun {
  /** The objective (its last reported value when pruned); undefined only when not required. */
  value: number | undefined;
  /** The trial was stopped early because `shouldStop` said so. */
  pruned: boolean;
  /** With `checkpoint: true`: the training state after the last epoch trained, for `resumeFrom`. */
  checkpoint?: TrainingCheckpoint;
  history: EpochLog[];
  final: Record<string, number>;
  model: ModelArtifacts;
}

export interface RunTrialOptions {
  config: TuneConfig;
  dataset: Dataset;
  params: Params;
  seed: number;
  backend: Backend;
  onEpoch?: (log: EpochLog) => void;
  /** Asked after each epoch with the objective's value then; true stops (prunes) the trial. */
  shouldStop?: (epoch: number, value: number) => boolean;
  /** Continue a trial stopped earlier (same config and seed) from its checkpoint. */
  resumeFrom?: TrainingCheckpoint;
  /** Return a checkpoint of the training state when done. */
  checkpoint?: boolean;
  /** Fail when the objective metric is missing (default true). */
  requireObjective?: boolean;
}

export async function runTrial(opts: RunTrialOptions): Promise<TrialRun> {
  const { config, dataset, params, seed, backend } = opts;
  const spec = resolveTrial(config, params);
  const metric = config.objective.metric;
  let pruned = false;
  const result = await trainModel({
    tf: backend.tf,
    modelSpec: spec.model,
    training: spec.training,
    dataset,
    seed,
    params,
    ...(opts.resumeFrom ? { resumeFrom: opts.resumeFrom } : {}),
    ...(opts.checkpoint ? { checkpoint: true } : {}),
    onEpoch: (log) => {
      opts.onEpoch?.(log);
      const value = (log as unknown as Record<string, unknown>)[metric];
      if (opts.shouldStop && typeof value === 'number' && Number.isFinite(value) && opts.shouldStop(log.epoch, value)) {
        pruned = true;
        return 'stop';
      }
      return undefined;
    },
  });
  try {
    const value = result.final[metric];
    if (value === undefined && opts.requireObjective === false) {
      return { value, pruned, checkpoint: result.checkpoint, history: result.history, final: result.final, model: await serializeModel(result.model) };
    }
    if (value === undefined) {
      throw new Error(`training produced no '${metric}' (it reports ${Object.keys(result.final).join(', ')})`);
    }
    if (!Number.isFinite(value)) throw new Error(`objective ${metric} is ${value}`);
    return { value, pruned, checkpoint: result.checkpoint, history: result.history, final: result.final, model: await serializeModel(result.model) };
  } finally {
    result.model.dispose();
  }
}
