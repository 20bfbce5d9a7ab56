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
import { LiveStatus } from '../../sweep/status';
import { openSharedStorage } from '../../storage';
import { locateInConfig, reportFailure } from '../user-errors';
import type { TuneExecutorOptions } from './schema';
import { quote } from '../../quote';

export default async function tuneExecutor(
  options: TuneExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  let config: TuneConfig | undefined;
  let status: LiveStatus | undefined;
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
    status = liveStatus(config);
    const log = status ? (line: string) => (status as LiveStatus).log(line) : (line: string) => console.log(line);
    // With the live block, warnings go above it too (they would otherwise land inside it).
    const { warn } = new Warnings(status ? log : (line) => console.warn(line));
    const store = new TrialStore(storeRoot(options, config, context.root), warn);
    const remoteConfig = remoteCacheFromEnv();
    const remote = remoteConfig ? new RemoteTrialCache(remoteConfig, warn) : undefined;
    await runSweep({
      config,
      outputDir,
      parallelism,
      backend: options.backend ?? 'auto',
      log,
      report: { name: context.projectName && context.targetName ? `${context.projectName}:${context.targetName}` : relative(context.root, file), train: trainCommandPrefix(context, options.config) },
      ...(status ? { progress: status } : {}),
      signal: interrupt.signal,
      store,
      remote,
      retryFailed: config.search.retryFailed,
      shard: options.shard === undefined ? undefined : parseShard(options.shard),
      root: context.root,
      warn,
      // NX_HPO_STORAGE=postgresql://… shares the study with every process that names the same one.
      sharedStorage: (study, meta) => openSharedStorage({ study, meta, warn: (m) => console.warn(`warning: ${m}`) }),
      // Prepared once per run (from the prepared-data cache when it can), when the first trial is
      // to be trained; a data error is reported then, before any worker starts.
      dataset: async () => {
        const prepared = await loadPreparedData(data, { storeRoot: store.root, warn: (m) => warn(m, 'prepared-data') });
        log(describePrepared(prepared));
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
    status?.close();
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

/** The live status block, on a terminal only: CI logs and pipes keep the plain progress lines. */
function liveStatus(config: TuneConfig): LiveStatus | undefined {
  if (!process.stdout.isTTY || process.env['CI'] || process.env['NX_HPO_PLAIN'] === '1') return undefined;
  const epochs = (config.training as { epochs?: unknown }).epochs;
  return new LiveStatus(process.stdout, {
    metric: config.objective.metric,
    total: config.search.trials,
    ...(typeof epochs === 'number' ? { epochs } : {}),
  });
}

/**
 * `npx nx run <project>:<train target>` for the train target of this same YAML (the inferred
 * `train`/`train-<name>`, or any target running @nx-hpo/plugin:train on it); undefined without one.
 */
export function trainCommandPrefix(context: ExecutorContext, configOption: string): string | undefined {
  const project = context.projectName;
  if (!project) return undefined;
  const targets = context.projectsConfigurations?.projects?.[project]?.targets ?? {};
  const norm = (p: unknown) => (typeof p === 'string' ? p.replace(/\{projectRoot\}/g, context.projectsConfigurations?.projects?.[project]?.root ?? '').replace(/^\.\//, '') : '');
  const mine = norm(configOption);
  const name = Object.keys(targets)
    .sort()
    .find((t) => targets[t]?.executor === '@nx-hpo/plugin:train' && norm(targets[t]?.options?.config) === mine);
  return name ? `npx nx run ${project}:${name}` : undefined;
}
