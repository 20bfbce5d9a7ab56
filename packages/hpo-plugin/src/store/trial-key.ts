/**
 * The trial key: sha256 over everything that decides a trial's result, in canonical form.
 *
 *   key = sha256(canonicalJson({
 *     v,                          // key recipe version
 *     model, training,            // resolved after ${} substitution (a module model: its content hash)
 *     data: { sha256, header, label, task, validation, test, scale, delimiter }, // data/source-key.ts;
 *                                 // a data module: its import closure's hash, its declared files' hashes, options
 *     seed, backend, versions: { plugin, tfjs },
 *   }))
 *
 * Not in the key: the YAML text (comments, key order, formatting), the search space, the objective
 * (a stored trial keeps all its metrics), the algorithm, the trial's id.
 */
import type { DataConfig } from '../config/types';
import { hashValue } from './canonical';
import { moduleHash } from './content-hash';
import { dataKeyMaterial } from '../data/source-key';
import { toolVersions } from './versions';

export const KEY_VERSION = 1;

export interface TrialKeyInputs {
  model: unknown;
  training: unknown;
  data: DataConfig;
  seed: number;
  backend: string;
}

/** What the key is computed over; exposed so tests and `--verbose` can show why two keys differ. */
export function trialKeyMaterial(inputs: TrialKeyInputs): Record<string, unknown> {
  const { data } = inputs;
  let model = inputs.model;
  if (model && typeof model === 'object' && typeof (model as { module?: unknown }).module === 'string') {
    const m = model as { module: string };
    model = { ...m, module: { sha256: moduleHash(m.module) } };
  }
  return {
    v: KEY_VERSION,
    model,
    training: inputs.training,
    data: dataKeyMaterial(data),
    seed: inputs.seed,
    backend: inputs.backend,
    versions: toolVersions(),
  };
}

export function trialKey(inputs: TrialKeyInputs): string {
  return hashValue(trialKeyMaterial(inputs));
}

/**
 * The key of a trial's lineage: everything in its key but the epoch budget. Trials of one lineage
 * train the same epochs in the same way up to the shorter budget, so a checkpoint of one continues
 * another (the training layer refuses where a schedule spans the whole run).
 */
export function lineageKey(inputs: TrialKeyInputs): string {
  const material = trialKeyMaterial(inputs);
  const { epochs: _epochs, ...training } = (material.training ?? {}) as Record<string, unknown>;
  return hashValue({ ...material, training, lineage: true });
}
