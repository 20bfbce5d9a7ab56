/** `@nx-hpo/plugin:tune` — run the hyperparameter search a tune.yaml defines. */
import { writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { loadTuneConfig } from '../../config';
import type { TuneConfig } from '../../config/types';
import { describePrepared, loadPreparedData } from '../../data/prepare';
import { UserError } from '../../errors';
import { Warnings } from '../../warnings';
import { RemoteTrialCache, remoteCacheFromEnv } from '../../store/remote-cache';
import { TrialStore } from '../../store/trial-store';
import { runSweep, SweepInterrupted, type Shard } from '../../sweep/runner';
import { locateInConfig, reportFailure } from '../user-errors';
import type { TuneExecutorOptions } from './schema';
import { quote } from '../../quote';

export default async function tuneExecutor(
  options: TuneExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  let config: TuneConfig | undefined;
  const interrupt = new AbortController();
  const onSigint = () => {
    // Said at once, synchronously: Nx may stop forwarding output as soon as it exits itself.
    if (!interrupt.signal.aborted) {
      writeSync(2, '\ninterrupted: abandoning running trials; finished trials are kept in the store. Run the same command again to resume.\n');
    }
    interrupt.abort();
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    const file = isAbsolute(options.config) ? options.config : join(context.root, options.config);
    config = loadTuneConfig(file, {
      algorithm: options.algorithm,
      trials: options.trials,
      parallelism: options.parallelism,
      seed: options.seed,
    });
    const outputDir = join(context.root, options.outputPath ?? defaultOutput(context, config));
    const parallelism = options.parallelism ?? config.search.parallelism ?? availableParallelism();
    const data = config.data;
    const { warn } = new Warnings((line) => console.warn(line));
    const store = new TrialStore(storeRoot(options, config, context.root), warn);
    const remoteConfig = remoteCacheFromEnv();
    const remote = remoteConfig ? new RemoteTrialCache(remoteConfig, warn) : undefined;
    await runSweep({
      config,
      outputDir,
      parallelism,
      backend: options.backend ?? 'auto',
      log: (line) => console.log(line),
      signal: interrupt.signal,
      store,
      remote,
      retryFailed: config.search.retryFailed,
      shard: options.shard === undefined ? undefined : parseShard(options.shard),
      root: context.root,
      warn,
      // Prepared once per run (from the prepared-data cache when it can), when the first trial is
      // to be trained; a data error is reported then, before any worker starts.
      dataset: async () => {
        const prepared = await loadPreparedData(data, { storeRoot: store.root, warn: (m) => warn(m, 'prepared-data') });
        console.log(describePrepared(prepared));
        return prepared.dataset;
      },
    });
    return { success: true };
  } catch (e) {
    if (e instanceof SweepInterrupted) {
      console.error(
        `interrupted: ${e.finished} finished trials are kept in the store (${e.trained} trained this run); run the same command again to resume.`,
      );
      process.exitCode = 130;
      return { success: false };
    }
    return reportFailure(locateInConfig(e, config), options.verbose);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
  }
}

/** Option, then env NX_HPO_STORE (machine-wide, e.g. a CI disk), then the YAML, then the default. */
export function storeRoot(options: { store?: string }, config: TuneConfig, workspaceRoot: string): string {
  const chosen = options.store ?? process.env['NX_HPO_STORE'] ?? config.store;
  if (!chosen) return join(workspaceRoot, '.nx-hpo', 'store');
  return isAbsolute(chosen) ? chosen : join(workspaceRoot, chosen);
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UserError(`--shard must be i/n with 1 <= i <= n, e.g. --shard=2/3 (got ${quote(text)})`);
  }
  return { index, count };
}

export function defaultOutput(context: ExecutorContext, config: TuneConfig): string {
  if (config.output) return config.output;
  if (context.projectName && context.targetName) return join('dist', 'hpo', context.projectName, context.targetName);
  return relative(context.root, join(config.dir, 'dist', 'hpo'));
}
