/** Turning the templates into concrete specs for one trial. */
import type { Params } from '@nx-hpo/optimizers';
import { UserError } from '../errors';
import { substitute } from './placeholders';
import type { ModelSpec, TrainingSpec, TuneConfig } from './types';

/**
 * The model and training specs for `params`: every `${name}` replaced by its typed value (text
 * around a placeholder makes a string), `$${` by `${`. Loading already checked the templates
 * against every choice and the range ends, so values from the space give valid specs.
 * Throws an Error (a caller's bug, not the user's) when a referenced parameter has no value.
 */
export function resolveTrial(config: TuneConfig, params: Params): { model: ModelSpec; training: TrainingSpec } {
  const missing = config.refs.filter((name) => !Object.prototype.hasOwnProperty.call(params, name));
  if (missing.length > 0) throw new Error(`resolveTrial: no value for ${missing.map((n) => `'${n}'`).join(', ')}`);
  return {
    model: substitute(config.model, params) as ModelSpec,
    training: substitute(config.training, params) as TrainingSpec,
  };
}

/** A UserError located at a config path, for problems found after loading (e.g. a missing label column). */
export function userErrorAt(config: TuneConfig, path: Array<string | number>, message: string): UserError {
  return new UserError(message, config.locate(path));
}
