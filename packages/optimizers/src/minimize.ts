/**
 * A whole search in one call: ask, evaluate, tell until the budget (or a grid) runs out.
 */
import type { SamplerOptions } from './algorithms';
import { Study, type BestTrial } from './study';
import type { Direction, Params, Space, Trial } from './types';

export interface MinimizeOptions {
  /** Defaults to 'random'. */
  algorithm?: string;
  /** How many trials to run (fewer if a grid is smaller). */
  trials: number;
  seed?: number;
  /** Defaults to 'minimize'; with 'maximize' the best trial has the highest value. */
  direction?: Direction;
  /** How many evaluations may be in flight at once (asks made before earlier ones are told). Default 1. */
  parallelism?: number;
  options?: SamplerOptions;
  /** Called after each trial is told, e.g. for progress output. */
  onTrial?: (trial: Trial, study: Study) => void;
}

export interface MinimizeResult {
  best: BestTrial | undefined;
  trials: readonly Trial[];
  study: Study;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs `fn` on up to `opts.trials` suggested points. A throwing (or rejecting) `fn` records a
 * failed trial and the search goes on; so does a non-finite result.
 */
export async function minimize(
  fn: (params: Params) => number | Promise<number>,
  space: Space,
  opts: MinimizeOptions,
): Promise<MinimizeResult> {
  const budget = opts.trials;
  if (!Number.isSafeInteger(budget) || budget < 0) throw new RangeError(`minimize: 'trials' must be a whole number ≥ 0 (got ${budget})`);
  const parallelism = opts.parallelism ?? 1;
  if (!Number.isSafeInteger(parallelism) || parallelism < 1) {
    throw new RangeError(`minimize: 'parallelism' must be a whole number ≥ 1 (got ${parallelism})`);
  }
  const study = new Study({
    space,
    algorithm: opts.algorithm ?? 'random',
    ...(opts.direction !== undefined ? { direction: opts.direction } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.options !== undefined ? { options: opts.options } : {}),
    // What auto plans from; other algorithms ignore them.
    ...(budget >= 1 ? { budget } : {}),
    parallelism,
  });

  let started = 0;
  // Each worker asks, awaits and tells in turn; ask() is synchronous, so workers never race on it.
  const worker = async (): Promise<void> => {
    while (started < budget && study.remaining !== 0) {
      started++;
      const { id, params } = study.ask();
      let outcome: { state: 'complete'; value: number; durationMs: number } | { state: 'failed'; error: string; durationMs: number };
      const t0 = performance.now();
      try {
        const value: unknown = await fn(params);
        const durationMs = performance.now() - t0;
        outcome =
          typeof value === 'number'
            ? { state: 'complete', value, durationMs }
            : { state: 'failed', error: `objective returned ${String(value)}, not a number`, durationMs };
      } catch (e) {
        outcome = { state: 'failed', error: errorMessage(e), durationMs: performance.now() - t0 };
      }
      // Told outside the try: an error from the study or sampler is a bug to surface, not a failed trial.
      const trial = study.tell(id, outcome);
      opts.onTrial?.(trial, study);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, Math.max(1, budget)) }, worker));
  return { best: study.best, trials: study.trials, study };
}
