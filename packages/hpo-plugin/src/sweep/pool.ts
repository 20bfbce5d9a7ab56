/** A fixed-size pool of trial worker threads (piscina), one TensorFlow.js instance per thread. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { TrialTask, TrialTaskResult } from './worker';

/** The compiled worker next to this file; under tsx (tests) the .ts source is used instead. */
function workerFile(): string {
  const js = join(__dirname, 'worker.js');
  return existsSync(js) ? js : join(__dirname, 'worker.ts');
}

export class TrialPool {
  private readonly pool: Piscina;

  constructor(readonly size: number) {
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: size,
      maxThreads: size,
      // Keep idle threads alive for the whole sweep: each holds a warmed-up backend and dataset.
      idleTimeout: 60 * 60 * 1000,
    });
  }

  run(task: TrialTask, signal?: AbortSignal): Promise<TrialTaskResult> {
    return this.pool.run(task, { signal });
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
