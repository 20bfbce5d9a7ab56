/**
 * The sweep: asks the study for configurations, reuses every trial the store already holds, trains
 * the others on a pool of worker threads, tells the results back, and writes the outputs.
 *
 * Incrementality has two layers. Trial keys (store/trial-key.ts) make any configuration that was
 * ever trained with the same inputs free. The study journal makes the *sequence* of asks replay, so
 * an adaptive algorithm resumed after a crash, or given a bigger budget, continues exactly where it
 * stood instead of wandering off into new configurations.
 */
import { randomUUID } from 'node:crypto';
import type { AlgorithmName, AskedTrial, Params } from '@nx-hpo/optimizers';
import { createStudy, lossOf, type Study } from '@nx-hpo/optimizers';
import { resolveTrial } from '../config';
import type { TuneConfig } from '../config/types';
import { UserError } from '../errors';
import { canonicalJson, hashValue } from '../store/canonical';
import { StudyJournal, type JournalOp } from '../store/journal';
import { lineageKey, trialKey, trialKeyMaterial } from '../store/trial-key';
import type { RemoteTrialCache } from '../store/remote-cache';
import type { StoreEntry, StoredTrial, TrialStore } from '../store/trial-store';
import type { SerializedCheckpoint } from '../training/checkpoint';
import { toolVersions } from '../store/versions';
import { expectedBackend, type BackendRequest } from '../training/backend-choice';
import type { ModelArtifacts } from '../training/save';
import { formatDuration, formatValue } from './format';
import { openReportChannel } from './reports';
import { leaderboard, SweepOutputs, type BestRecord, type TrialRecord } from './outputs';
import { TrialPool } from './pool';
import type { TrialTaskResult } from './worker';
import type { Dataset } from '../data/dataset';

export interface Shard {
  /** 1-based, as in `--shard=2/3`. */
  index: number;
  count: number;
}

export interface SweepOptions {
  config: TuneConfig;
  outputDir: string;
  parallelism: number;
  backend: BackendRequest;
  log: (line: string) => void;
  /** Aborting stops the sweep: running trials are abandoned (not stored), finished ones are kept. */
  signal?: AbortSignal;
  /** Where trials are kept and looked up; without one every trial trains. */
  store?: TrialStore;
  /** A remote cache shared between machines, consulted when the local store misses. */
  remote?: RemoteTrialCache;
  /** Retrain trials stored as failed (default true). */
  retryFailed?: boolean;
  /** Train only this deterministic share of a static sweep. */
  shard?: Shard;
  /**
   * The prepared dataset, asked for once, when the first trial is to be trained (a run whose trials
   * are all reused never asks), and handed to every worker without a copy (shared memory). Without
   * it each worker prepares the data itself.
   */
  dataset?: () => Promise<Dataset>;
}

export interface SweepResult {
  records: TrialRecord[];
  best: BestRecord | undefined;
  trained: number;
  reused: number;
}

export class SweepInterrupted extends Error {
  constructor(
    readonly finished: number,
    readonly trained: number,
  ) {
    super('sweep interrupted');
  }
}

const STATIC_ALGORITHMS = new Set(['random', 'grid']);

export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const { config, log, store } = opts;
  const { search, objective } = config;
  if (opts.shard && !STATIC_ALGORITHMS.has(search.algorithm)) {
    throw new UserError(
      `--shard splits only static sweeps (random, grid); '${search.algorithm}' chooses each trial from the results of the ones before, so its trials cannot be split up front. Run it unsharded (the trial store still reuses every trial another machine trained).`,
      { path: 'search.algorithm', file: config.file },
    );
  }
  const backend = expectedBackend(opts.backend);
  const seed = trainingSeed(config);
  const retryFailed = opts.retryFailed ?? true;
  /** A trial's key, its lineage (the key without the epoch budget) and that budget, from one resolve. */
  interface TrialKeys {
    key: string;
    lineage: string;
    epochs: number;
  }
  const keysOf = (params: Params): TrialKeys => {
    const spec = resolveTrial(config, params);
    const inputs = { model: spec.model, training: spec.training, data: config.data, seed, backend };
    const epochs = (spec.training as { epochs?: unknown }).epochs;
    return { key: trialKey(inputs), lineage: lineageKey(inputs), epochs: typeof epochs === 'number' ? epochs : Infinity };
  };
  const keyOf = (params: Params): string => keysOf(params).key;

  // The loader maps `pruner: none` to no pruner.
  const pruner = search.pruner;
  const pruning = pruner !== undefined;
  const newStudy = (): Study =>
    createStudy({
      space: config.space,
      algorithm: search.algorithm as AlgorithmName,
      direction: objective.direction,
      seed: search.seed,
      options: search.options,
      ...(pruner !== undefined ? { pruner, maxEpochs: epochsOf(config) } : {}),
    });
  let study = newStudy();
  const total = Math.min(search.trials, study.remaining ?? Infinity);
  if (study.remaining !== undefined && study.remaining < search.trials) {
    log(`grid has ${study.remaining} points (fewer than ${search.trials} trials): each runs once`);
  }
  const paramNames = Object.keys(config.space);
  const outputs = new SweepOutputs(opts.outputDir);
  outputs.reset();

  const records: TrialRecord[] = [];
  let best: BestRecord | undefined;
  let bestModel: () => ModelArtifacts | undefined = () => undefined;
  let trained = 0;
  let reused = 0;
  const started = Date.now();

  /** Tells the study (and the journal) a finished trial's outcome. */
  const tell = (r: TrialRecord) => {
    if (r.state === 'complete') {
      study.tell(r.id, r.value as number);
      journalAppend({ op: 'tell', id: r.id, state: 'complete', value: r.value as number });
    } else if (r.state === 'pruned') {
      study.tell(r.id, { state: 'pruned', value: r.value });
      journalAppend({ op: 'tell', id: r.id, state: 'pruned', value: r.value as number });
    } else {
      study.tell(r.id, { state: 'failed', error: r.error ?? 'failed' });
      journalAppend({ op: 'tell', id: r.id, state: 'failed', error: r.error ?? 'failed' });
    }
  };

  const record = (r: TrialRecord, model: () => ModelArtifacts | undefined) => {
    records.push(r);
    if (r.reused) reused++;
    else trained++;
    outputs.appendTrial(r);
    if (r.state === 'complete' && r.value !== undefined) {
      if (!best || lossOf(r.value, objective.direction) < lossOf(best.value, objective.direction)) {
        best = { trial: r.id, params: r.params, value: r.value, metric: objective.metric, direction: objective.direction, metrics: r.metrics ?? {} };
        bestModel = model;
      }
    }
    log(progressLine(r, records.length, total, best, objective.metric, Date.now() - started));
  };

  /** The stored result of a trial, as a record, or undefined when it must be trained. */
  const fromStore = (id: number, params: Params, key: string, entry: StoreEntry | undefined): TrialRecord | undefined => {
    if (!entry) return undefined;
    const t = entry.trial;
    if (t.state === 'complete') {
      const value = t.metrics?.[objective.metric];
      if (value === undefined || !Number.isFinite(value)) return undefined;
      return { id, params, state: 'complete', value, durationMs: t.durationMs, metrics: t.metrics, reused: true, key, epochs: 0, curve: curveOf(t.history, objective.metric) };
    }
    if (t.state === 'pruned') {
      // A pruned result answers only a study that prunes; any other study needs the full run.
      const curve = curveOf(t.history, objective.metric);
      const value = curve[curve.length - 1];
      if (!pruning || value === undefined) return undefined;
      return { id, params, state: 'pruned', value, durationMs: t.durationMs, metrics: t.metrics, reused: true, key, epochs: 0, curve };
    }
    if (!retryFailed) return { id, params, state: 'failed', durationMs: t.durationMs, error: t.error, reused: true, key, epochs: 0, curve: [] };
    return undefined;
  };

  // --- The journal: replay what an earlier run of this very study asked and was told. ---
  const identity = studyIdentity(config, backend, seed);
  let journal: StudyJournal | undefined;
  if (store && !opts.shard) {
    journal = StudyJournal.open(store.root, identity);
    if (!journal) log('store: another run holds this study journal; reusing stored trials by key only');
  }
  let journalWritable = journal !== undefined;
  const pending: AskedTrial[] = [];
  let asked = 0;
  if (journal && store && journal.ops.length > 0) {
    const replay = replayJournal(journal.ops, study, total, (params) => {
      const key = keyOf(params);
      return { key, entry: store.get(key) };
    }, fromStore);
    if (!replay.matched) {
      log('store: the study journal no longer matches this study; starting it afresh (stored trials are still reused)');
      study = newStudy();
      journal.rewrite([]);
    } else {
      asked = replay.asked;
      pending.push(...replay.pending);
      if (replay.consumed < journal.ops.length) {
        if (replay.truncatedForRetry) journal.rewrite(journal.ops.slice(0, replay.consumed));
        else journalWritable = false; // a smaller budget than before: read it, leave it whole
      }
      for (const { record: r, entry } of replay.records) record(r, () => entry.loadModel());
    }
  }
  const journalAppend = (op: JournalOp) => {
    if (journalWritable) journal?.append(op);
  };

  const lookup = async (key: string): Promise<StoreEntry | undefined> => {
    if (!store) return undefined;
    const local = store.get(key);
    if (local || !opts.remote) return local;
    return (await opts.remote.pull(key, store)) ? store.get(key) : undefined;
  };
  const keep = (trial: StoredTrial, lineage: string, model?: ModelArtifacts, checkpoint?: SerializedCheckpoint) => {
    if (!store) return;
    store.put(trial, model, checkpoint);
    if (checkpoint && trial.history) store.addToLineage(lineage, trial.key, trial.history.length);
    opts.remote?.push(trial.key, store);
  };

  const shardSkips = (id: number) => opts.shard !== undefined && id % opts.shard.count !== opts.shard.index - 1;
  const nextTrial = (): AskedTrial | undefined => {
    const p = pending.shift();
    if (p) return p;
    if (asked >= total) return undefined;
    const t = study.ask();
    asked++;
    journalAppend({ op: 'ask', id: t.id, params: t.params });
    return t;
  };

  // Started with the first trial to train, after the data is ready: a fully reused run starts no thread.
  const poolSize = Math.max(1, Math.min(opts.parallelism, total));
  let pool: TrialPool | undefined;
  let datasetPromise: Promise<Dataset> | undefined;
  const datasetId = randomUUID();
  const prepared = async (): Promise<{ pool: TrialPool; dataset: Dataset | undefined }> => {
    const dataset = opts.dataset ? await (datasetPromise ??= opts.dataset()) : undefined;
    pool ??= new TrialPool(poolSize);
    return { pool, dataset };
  };
  log(
    `tuning ${paramNames.length} parameters with ${search.algorithm}: ${total} trials, ${Math.min(opts.parallelism, total)} in parallel, seed ${search.seed}` +
      (opts.shard ? `, shard ${opts.shard.index}/${opts.shard.count}` : ''),
  );
  log(`backend: ${backend}${store ? `  store: ${store.root}` : ''}`);
  let userError: string | undefined;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let warnedBackend = false;

  const finishTrained = (t: AskedTrial, { key, lineage }: TrialKeys, outcome: TrialTaskResult | Error, wallMs: number) => {
    if (outcome instanceof Error || !outcome.ok) {
      const error = outcome instanceof Error ? outcome.message : outcome.userError;
      if (!(outcome instanceof Error)) userError ??= outcome.userError;
      if (outcome instanceof Error) {
        keep({ key, params: t.params, state: 'failed', error, durationMs: wallMs, backend, versions: toolVersions(), createdAt: new Date().toISOString() }, lineage);
      }
      const failed: TrialRecord = { id: t.id, params: t.params, state: 'failed', durationMs: wallMs, error, reused: false, key, epochs: 0, curve: [] };
      tell(failed);
      record(failed, () => undefined);
      return;
    }
    if (outcome.backend !== backend && !warnedBackend) {
      warnedBackend = true;
      log(`warning: trials ran on '${outcome.backend}', not the expected '${backend}'; they are not stored`);
    }
    const state = outcome.pruned ? 'pruned' : 'complete';
    if (outcome.backend === backend) {
      keep(
        { key, params: t.params, state, metrics: outcome.final, history: outcome.history as unknown as Array<Record<string, number>>, durationMs: outcome.durationMs, backend, versions: toolVersions(), createdAt: new Date().toISOString() },
        lineage,
        outcome.model,
        outcome.checkpoint,
      );
    }
    const model = outcome.model;
    const history = outcome.history as unknown as Array<Record<string, number>>;
    const epochs = history.length - outcome.resumedFrom;
    const done: TrialRecord = { id: t.id, params: t.params, state, value: outcome.value, durationMs: outcome.durationMs, metrics: outcome.final, reused: false, key, epochs, curve: curveOf(history, objective.metric) };
    tell(done);
    record(done, () => model);
  };

  try {
    const running = new Set<Promise<void>>();
    const stop = () => abort.signal.aborted || userError !== undefined;
    const aborted = abortPromise(abort.signal);
    for (;;) {
      while (running.size < poolSize && !stop()) {
        const t = nextTrial();
        if (!t) break;
        const keys = keysOf(t.params);
        const { key } = keys;
        const entry = await lookup(key);
        const hit = fromStore(t.id, t.params, key, entry);
        if (hit) {
          tell(hit);
          record(hit, () => entry?.loadModel());
          continue;
        }
        if (shardSkips(t.id)) continue; // another shard trains it
        const t0 = Date.now();
        // Each epoch's objective goes to the study, which may prune the trial there and then.
        const reports = pruning
          ? openReportChannel((step, value) => {
              study.report(t.id, step, value);
              return study.shouldPrune(t.id);
            })
          : undefined;
        // A trial an earlier run pruned continues from where it stopped, and one trained before
        // with a smaller epoch budget from where that ended: not from scratch.
        const resumeFrom =
          (entry?.trial.state === 'pruned' ? entry.loadCheckpoint() : undefined) ??
          store?.lineageCheckpoint(keys.lineage, keys.epochs)?.checkpoint;
        const ready = await prepared();
        const task = ready.pool
          .run(
            {
              configFile: config.file,
              params: t.params,
              seed,
              backend: opts.backend,
              reports: reports?.channel,
              checkpoint: store !== undefined,
              resumeFrom,
              ...(ready.dataset ? { dataset: ready.dataset, datasetId } : {}),
            },
            abort.signal,
          )
          .then(
            (r) => finishTrained(t, keys, r, Date.now() - t0),
            (e: unknown) => {
              if (!abort.signal.aborted) finishTrained(t, keys, e instanceof Error ? e : new Error(String(e)), Date.now() - t0);
            },
          )
          .finally(() => {
            reports?.close();
            running.delete(task);
          });
        running.add(task);
      }
      if (running.size === 0) break;
      await Promise.race([...running, aborted]);
      if (stop()) {
        abort.abort();
        await Promise.allSettled([...running]);
        break;
      }
    }
    if (userError !== undefined) throw new UserError(userError);
    if (opts.signal?.aborted) throw new SweepInterrupted(records.length, trained);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    journal?.close();
    await pool?.close();
    await opts.remote?.flush();
    outputs.writeCsv(records, paramNames);
    outputs.writeStudy(study.toJSON());
  }

  const board = leaderboard(records, objective.direction, objective.metric, paramNames);
  const failed = records.filter((r) => r.state === 'failed').length;
  const prunedCount = records.filter((r) => r.state === 'pruned').length;
  const epochs = records.reduce((n, r) => n + r.epochs, 0);
  const elapsed = formatDuration(Date.now() - started);
  log('');
  log(board);
  log('');
  log(
    `${records.length} trials in ${elapsed}: ${trained} trained, ${reused} reused ` +
      `(${records.length - failed - prunedCount} complete, ${prunedCount} pruned, ${failed} failed; ${epochs} epochs trained)`,
  );
  if (best) {
    outputs.writeBest(best, bestModel());
    log(`best: trial ${best.trial}  ${best.metric}=${formatValue(best.value)}  ${JSON.stringify(best.params)}`);
  }
  outputs.writeReport(report(config, records, best, board, backend, elapsed, trained, reused));
  log(`outputs: ${opts.outputDir}`);
  return { records, best, trained, reused };
}

interface ReplayResult {
  matched: boolean;
  /** Ops consumed (a prefix of the journal). */
  consumed: number;
  asked: number;
  /** Asked but never told (running when the earlier run stopped), in ask order. */
  pending: AskedTrial[];
  records: Array<{ record: TrialRecord; entry: StoreEntry }>;
  /** The replay stopped at a failed trial that is to be retried. */
  truncatedForRetry: boolean;
}

/**
 * Feeds the journal's asks and tells to a fresh study. Each ask must reproduce the journalled
 * parameters (else the algorithm or its inputs changed: no match) and each told trial must be in
 * the store. Stops at the budget, or at a failed trial to retry (its later history is dropped).
 */
function replayJournal(
  ops: JournalOp[],
  study: Study,
  total: number,
  lookup: (params: Params) => { key: string; entry: StoreEntry | undefined },
  fromStore: (id: number, params: Params, key: string, entry: StoreEntry | undefined) => TrialRecord | undefined,
): ReplayResult {
  const open = new Map<number, AskedTrial>();
  const result: ReplayResult = { matched: true, consumed: 0, asked: 0, pending: [], records: [], truncatedForRetry: false };
  for (const op of ops) {
    if (op.op === 'ask') {
      if (result.asked >= total) break;
      const t = study.ask();
      if (t.id !== op.id || canonicalJson(t.params) !== canonicalJson(op.params)) return { ...result, matched: false };
      open.set(t.id, t);
      result.asked++;
    } else {
      const t = open.get(op.id);
      if (!t) return { ...result, matched: false };
      const { key, entry } = lookup(t.params);
      const rec = fromStore(t.id, t.params, key, entry);
      if (!rec || !entry) {
        if (op.state === 'failed') {
          result.truncatedForRetry = true; // retrain it: what followed was decided without it
          break;
        }
        return { ...result, matched: false };
      }
      open.delete(op.id);
      if (rec.state === 'complete') study.tell(t.id, rec.value as number);
      else if (rec.state === 'pruned') study.tell(t.id, { state: 'pruned', value: rec.value });
      else study.tell(t.id, { state: 'failed', error: rec.error ?? 'failed' });
      result.records.push({ record: rec, entry });
    }
    result.consumed++;
  }
  result.pending = [...open.values()].sort((a, b) => a.id - b.id);
  return result;
}

/**
 * The identity of a study: what decides its sequence of suggestions and the values it is told.
 * Not the budget or parallelism (so a bigger budget continues the same study).
 */
export function studyIdentity(config: TuneConfig, backend: string, seed: number): string {
  const material = trialKeyMaterial({ model: config.model, training: config.training, data: config.data, seed, backend });
  return hashValue({
    v: 1,
    space: config.space,
    objective: config.objective,
    algorithm: config.search.algorithm,
    seed: config.search.seed,
    options: config.search.options,
    // What was pruned decides what adaptive samplers learn; absent (no pruner) leaves older ids alone.
    pruner: config.search.pruner,
    trialConfig: material,
  });
}

/** The objective's value at each epoch, as the trial reported it. */
function curveOf(history: Array<Record<string, number>> | undefined, metric: string): number[] {
  return (history ?? []).map((h) => h[metric]).filter((v): v is number => typeof v === 'number');
}

/** The epochs a complete trial trains (the pruners' full budget). */
function epochsOf(config: TuneConfig): number | undefined {
  const e = (config.training as { epochs?: unknown }).epochs;
  return typeof e === 'number' ? e : undefined;
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
  const value =
    r.state === 'complete'
      ? `${metric}=${formatValue(r.value)}`
      : r.state === 'pruned'
        ? `${metric}=${formatValue(r.value)} pruned at epoch ${r.curve.length}`
        : `failed: ${r.error ?? 'unknown error'}`;
  const bestPart = best ? `best=${formatValue(best.value)} (trial ${best.trial})` : 'best=-';
  const eta = done < total ? `eta ${formatDuration((elapsedMs / done) * (total - done))}` : `done in ${formatDuration(elapsedMs)}`;
  return `${head}  ${value}  ${bestPart}  ${eta}${r.reused ? '  (reused)' : ''}`;
}

function report(
  config: TuneConfig,
  records: TrialRecord[],
  best: BestRecord | undefined,
  board: string,
  backend: string,
  elapsed: string,
  trained: number,
  reused: number,
): string {
  const lines = [
    `# Sweep report`,
    '',
    `- config: \`${config.file}\``,
    `- algorithm: ${config.search.algorithm}, seed ${config.search.seed}; ${records.length} trials in ${elapsed} (${trained} trained, ${reused} reused)`,
    `- objective: ${config.objective.direction} \`${config.objective.metric}\``,
    `- backend: ${backend}`,
    '',
  ];
  if (best) {
    lines.push(`## Best: trial ${best.trial}, ${best.metric} = ${formatValue(best.value)}`, '', '```json', JSON.stringify(best.params, null, 2), '```', '');
  }
  lines.push('## Leaderboard', '', '```', board, '```', '');
  const failed = records.filter((r) => r.state === 'failed');
  if (failed.length) lines.push('## Failed trials', '', ...failed.map((r) => `- trial ${r.id}: ${r.error}`), '');
  return lines.join('\n');
}
