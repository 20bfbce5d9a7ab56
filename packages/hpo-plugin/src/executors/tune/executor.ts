/** `@nx-hpo/plugin:tune` — run the hyperparameter search a tune.yaml defines. */
import { availableParallelism } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { loadTuneConfig } from '../../config';
import type { TuneConfig } from '../../config/types';
import { prepareDataset } from '../../data/dataset';
import { runSweep, SweepInterrupted } from '../../sweep/runner';
import { locateInConfig, reportFailure } from '../user-errors';
import type { TuneExecutorOptions } from './schema';

export default async function tuneExecutor(
  options: TuneExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  let config: TuneConfig | undefined;
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const file = isAbsolute(options.config) ? options.config : join(context.root, options.config);
    config = loadTuneConfig(file, {
      algorithm: options.algorithm,
      trials: options.trials,
      parallelism: options.parallelism,
      seed: options.seed,
    });
    // Read the data once up front so a data error is reported before any worker starts.
    prepareDataset(config.data);
    const outputDir = join(context.root, options.outputPath ?? defaultOutput(context, config));
    const parallelism = options.parallelism ?? config.search.parallelism ?? availableParallelism();
    await runSweep({
      config,
      outputDir,
      parallelism,
      backend: options.backend ?? 'auto',
      log: (line) => console.log(line),
      signal: interrupt.signal,
    });
    return { success: true };
  } catch (e) {
    if (e instanceof SweepInterrupted) {
      console.error(`interrupted: ${e.finished} finished trials kept; run the same command again to resume.`);
      process.exitCode = 130;
      return { success: false };
    }
    return reportFailure(locateInConfig(e, config), options.verbose);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export function defaultOutput(context: ExecutorContext, config: TuneConfig): string {
  if (config.output) return config.output;
  if (context.projectName && context.targetName) return join('dist', 'hpo', context.projectName, context.targetName);
  return relative(context.root, join(config.dir, 'dist', 'hpo'));
}
