/**
 * The sweep: asks the study for configurations, trains them on a pool of worker threads, tells
 * the results back, and writes the outputs. Trials run `parallelism` at a time; the study sees the
 * unfinished ones as pending so parallel asks stay distinct.
 */
import type { AlgorithmName, Params } from '@nx-hpo/optimizers';
import { createStudy, lossOf } from '@nx-hpo/optimizers';
import type { TuneConfig } from '../config/types';
import { UserError } from '../errors';
import type { BackendName } from '../training/backend';
import type { ModelArtifacts } from '../training/save';
import { formatDuration, formatValue } from './format';
import { leaderboard, SweepOutputs, type BestRecord, type TrialRecord } from './outputs';
import { TrialPool } from './pool';
import type { TrialTaskResult } from './worker';

export interface SweepOptions {
  config: TuneConfig;
  outputDir: string;
  parallelism: number;
  backend: BackendName;
  log: (line: string) => void;
  /** Aborting stops the sweep: running trials are abandoned, finished ones are kept. */
  signal?: AbortSignal;
}

export interface SweepResult {
  records: TrialRecord[];
  best: BestRecord | undefined;
  backend: string | undefined;
  interrupted: boolean;
}

export class SweepInterrupted extends Error {
  constructor(readonly finished: number) {
    super('sweep interrupted');
  }
}

export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const { config, log } = opts;
  const { search, objective } = config;
  const study = createStudy({
    space: config.space,
    algorithm: search.algorithm as AlgorithmName,
    direction: objective.direction,
    seed: search.seed,
    options: search.options,
  });
  const total = Math.min(search.trials, study.remaining ?? Infinity);
  if (study.remaining !== undefined && study.remaining < search.trials) {
    log(`grid has ${study.remaining} points (< ${search.trials} trials): each runs once`);
  }
  const parallelism = Math.max(1, Math.min(opts.parallelism, total));
  const paramNames = Object.keys(config.space);
  const outputs = new SweepOutputs(opts.outputDir);
  outputs.reset();

  log(`tuning ${config.space ? paramNames.length : 0} parameters with ${search.algorithm}: ${total} trials, ${parallelism} in parallel, seed ${search.seed}`);
  const pool = new TrialPool(parallelism);
  const records: TrialRecord[] = [];
  let best: BestRecord | undefined;
  let bestModel: ModelArtifacts | undefined;
  let backendUsed: string | undefined;
  let userError: string | undefined;
  const started = Date.now();
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const finish = (id: number, params: Params, outcome: TrialTaskResult | Error, durationMs: number) => {
    let record: TrialRecord;
    if (outcome instanceof Error || !outcome.ok) {
      const error = outcome instanceof Error ? outcome.message : outcome.userError;
      if (!(outcome instanceof Error)) userError ??= outcome.userError;
      study.tell(id, { state: 'failed', error });
      record = { id, params, state: 'failed', durationMs, error };
    } else {
      if (!backendUsed) {
        backendUsed = outcome.backend;
        log(`backend: ${outcome.backend}`);
      }
      study.tell(id, outcome.value);
      record = { id, params, state: 'complete', value: outcome.value, durationMs: outcome.durationMs, metrics: outcome.final };
      if (!best || lossOf(outcome.value, objective.direction) < lossOf(best.value, objective.direction)) {
        best = { trial: id, params, value: outcome.value, metric: objective.metric, direction: objective.direction, metrics: outcome.final };
        bestModel = outcome.model;
      }
    }
    records.push(record);
    outputs.appendTrial(record);
    log(progressLine(record, records.length, total, best, objective.metric, Date.now() - started));
  };

  try {
    const running = new Set<Promise<void>>();
    let asked = 0;
    while ((asked < total || running.size > 0) && !abort.signal.aborted && userError === undefined) {
      while (asked < total && running.size < parallelism && !abort.signal.aborted && userError === undefined) {
        const trial = study.ask();
        asked++;
        const t0 = Date.now();
        const task = pool
          .run({ configFile: config.file, params: trial.params, seed: trainingSeed(config), backend: opts.backend }, abort.signal)
          .then(
            (r) => finish(trial.id, trial.params, r, Date.now() - t0),
            (e: unknown) => {
              if (abort.signal.aborted) return; // abandoned, not a failure of the trial
              finish(trial.id, trial.params, e instanceof Error ? e : new Error(String(e)), Date.now() - t0);
            },
          )
          .finally(() => running.delete(task));
        running.add(task);
      }
      if (running.size > 0) await Promise.race([...running, abortPromise(abort.signal)]);
    }
    if (userError !== undefined) {
      abort.abort();
      await Promise.allSettled([...running]);
      throw new UserError(userError);
    }
    if (abort.signal.aborted) {
      await Promise.allSettled([...running]);
      throw new SweepInterrupted(records.length);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await pool.close();
    outputs.writeCsv(records, paramNames);
    outputs.writeStudy(study.toJSON());
  }

  const board = leaderboard(records, objective.direction, objective.metric, paramNames);
  const failed = records.filter((r) => r.state === 'failed').length;
  const elapsed = formatDuration(Date.now() - started);
  log('');
  log(board);
  log('');
  log(`${records.length} trials in ${elapsed} (${records.length - failed} complete, ${failed} failed)`);
  if (best) {
    outputs.writeBest(best, bestModel);
    log(`best: trial ${best.trial}  ${best.metric}=${formatValue(best.value)}  ${JSON.stringify(best.params)}`);
  }
  outputs.writeReport(report(config, records, best, board, backendUsed, elapsed));
  log(`outputs: ${opts.outputDir}`);
  return { records, best, backend: backendUsed, interrupted: false };
}

/** The training seed is the sweep's seed (or training.seed): equal configs train identically. */
export function trainingSeed(config: TuneConfig): number {
  const s = (config.training as { seed?: unknown }).seed;
  return typeof s === 'number' ? s : config.search.seed;
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export function progressLine(
  r: TrialRecord,
  done: number,
  total: number,
  best: BestRecord | undefined,
  metric: string,
  elapsedMs: number,
): string {
  const width = String(total).length;
  const head = `trial ${String(done).padStart(width)}/${total}`;
  const value = r.state === 'complete' ? `${metric}=${formatValue(r.value)}` : `failed: ${r.error ?? 'unknown error'}`;
  const bestPart = best ? `best=${formatValue(best.value)} (trial ${best.trial})` : 'best=-';
  const eta = done < total ? `eta ${formatDuration((elapsedMs / done) * (total - done))}` : `done in ${formatDuration(elapsedMs)}`;
  return `${head}  ${value}  ${bestPart}  ${eta}`;
}

function report(
  config: TuneConfig,
  records: TrialRecord[],
  best: BestRecord | undefined,
  board: string,
  backend: string | undefined,
  elapsed: string,
): string {
  const lines = [
    `# Sweep report`,
    '',
    `- config: \`${config.file}\``,
    `- algorithm: ${config.search.algorithm}, seed ${config.search.seed}, ${records.length} trials in ${elapsed}`,
    `- objective: ${config.objective.direction} \`${config.objective.metric}\``,
    `- backend: ${backend ?? 'none (no trial completed)'}`,
    '',
  ];
  if (best) {
    lines.push(`## Best: trial ${best.trial}, ${best.metric} = ${formatValue(best.value)}`, '', '```json', JSON.stringify(best.params, null, 2), '```', '');
  }
  lines.push('## Leaderboard', '', '```', board, '```', '');
  const failed = records.filter((r) => r.state === 'failed');
  if (failed.length) {
    lines.push('## Failed trials', '', ...failed.map((r) => `- trial ${r.id}: ${r.error}`), '');
  }
  return lines.join('\n');
}
