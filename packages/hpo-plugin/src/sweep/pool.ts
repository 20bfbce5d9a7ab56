/** A fixed-size pool of trial worker threads (piscina), one TensorFlow.js instance per thread. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import type { Dataset } from '../data/dataset';
import type { BackendName } from '../training/backend';
import type { TuneConfig } from '../config/types';
import type { PortableConfig, TrialTask, TrialTaskResult, WorkerWarmUp } from './worker';

/**
 * The compiled worker. Code running from TypeScript sources (tests and scripts through tsx, or Nx
 * transpiling a workspace-local plugin whose exports do not name its build) has a transpiler that
 * worker threads do not inherit, so from sources prefer the package's build; without one, run the
 * .ts worker through tsx.
 */
function workerSetup(): { filename: string; execArgv?: string[] } {
  if (__filename.endsWith('.js')) return { filename: join(__dirname, 'worker.js') };
  const built = join(__dirname, '..', '..', 'dist', 'sweep', 'worker.js');
  if (existsSync(built)) return { filename: built };
  return { filename: join(__dirname, 'worker.ts'), execArgv: ['--import', 'tsx'] };
}

/** The config as it can cross to a thread: everything but its `locate` function. */
export function portableConfig(config: TuneConfig): PortableConfig {
  const { locate: _locate, ...rest } = config;
  return rest;
}

export class TrialPool {
  private readonly pool: Piscina;

  /**
   * With `warm`, every thread starts loading its backend and preparing the config's dataset at
   * once, before its first task arrives (worker.ts); with `warm.datasetFollows`, only its backend:
   * the dataset is being prepared by the caller and comes with the tasks.
   */
  constructor(
    readonly size: number,
    onError: (e: unknown) => void = () => {},
    warm?: { backend: BackendName; config: TuneConfig; dataset?: Dataset; datasetId?: string; datasetFollows?: boolean },
  ) {
    const { filename, execArgv } = workerSetup();
    // The sweep's prepared dataset rides along on shared memory: threads warm up on it, no parse.
    const workerData: WorkerWarmUp | undefined = warm
      ? {
          backend: warm.backend,
          config: portableConfig(warm.config),
          ...(warm.dataset ? { dataset: warm.dataset, datasetId: warm.datasetId } : {}),
          ...(warm.datasetFollows ? { datasetFollows: true } : {}),
        }
      : undefined;
    // Required here, not at the top: a run whose trials are all reused never starts a pool.
    const { Piscina: Pool } = require('piscina') as typeof import('piscina');
    this.pool = new Pool({
      filename,
      ...(execArgv ? { execArgv } : {}),
      ...(workerData ? { workerData } : {}),
      minThreads: size,
      maxThreads: size,
      // Keep idle threads alive for the whole sweep: each holds a warmed-up backend and dataset.
      idleTimeout: 60 * 60 * 1000,
    });
    // A thread's own error (e.g. its module failed to load) also rejects the task it was running,
    // which records the trial failed; unhandled, the event would take the whole process down.
    this.pool.on('error', onError);
  }

  run(task: TrialTask, signal?: AbortSignal): Promise<TrialTaskResult> {
    // The report port moves to the worker; the shared flag is shared, not copied.
    return this.pool.run(task, { signal, transferList: task.reports ? [task.reports.port] : [] });
  }

  /** Runs the worker's `probe` (see worker.ts) on one thread. */
  probe(task: Pick<TrialTask, 'configFile' | 'backend' | 'dataset' | 'datasetId'>): Promise<{ ok: true } | { ok: false; userError: string }> {
    return this.pool.run(task, { name: 'probe' });
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
