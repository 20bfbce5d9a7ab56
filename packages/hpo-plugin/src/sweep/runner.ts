/**
 * The sweep: asks the study for configurations, reuses every trial the store already holds, trains
 * the others on a pool of worker threads, tells the results back, and writes the outputs.
 *
 * Incrementality has two layers. Trial keys (store/trial-key.ts) make any configuration that was
 * ever trained with the same inputs free. The study journal makes the *sequence* of asks replay, so
 * an adaptive algorithm resumed after a crash, or given a bigger budget, continues exactly where it
 * stood instead of wandering off into new configurations.
 *
 * One trial's path through `Sweep`: ask → look up (store, remote cache) → train (worker pool) →
 * tell (study, journal, store, outputs); `write` leaves the final outputs.
 */
import { randomUUID } from 'node:crypto';
import type { AlgorithmName, AskedTrial, Params } from '@nx-hpo/optimizers';
import { createStudy, type Study } from '@nx-hpo/optimizers';
import type { TuneConfig } from '../config/types';
import { displayFile } from '../config/yaml-source';
import { UserError } from '../errors';
import { describeError, Warnings, type Warn } from '../warnings';
import type { JournalOp } from '../store/journal';
import { FileStudyStorage } from '../storage/file';
import { StorageError, type StudyStorage, type TrialSummary } from '../storage/types';
import type { RemoteTrialCache } from '../store/remote-cache';
import type { StoreEntry, StoredTrial, TrialStore } from '../store/trial-store';
import { deserializeCheckpoint, type SerializedCheckpoint } from '../training/checkpoint';
import type { EpochLog } from '../training/epoch-log';
import { toolVersions } from '../store/versions';
import { expectedBackend, type BackendRequest } from '../training/backend-choice';
import type { ModelArtifacts } from '../training/save';
import { compareComplete, tieBreakOf } from './best';
import { formatDuration, formatValue } from './format';
import { epochsOf, studyIdentity, trainingSeed, trialKeys, type TrialKeys } from './identity';
import { openReportChannel } from './reports';
import { leaderboard, SweepOutputs, type BestRecord, type TrialRecord } from './outputs';
import { TrialPool } from './pool';
import { markdownReport, progressLine, summaryLine } from './progress';
import { replayJournal, tellOp, tellStudy } from './replay';
import { curveOf, lookUpEntry, storedRecord, type StoredAnswerRules } from './stored';
import type { TrialTaskResult } from './worker';
import type { Dataset } from '../data/dataset';
import { HtmlReportWriter } from '../report/writer';
import type { SweepProgress } from './status';
import { SharedStudy, type ToldTrial } from './shared';

export { progressLine } from './progress';
export { studyIdentity, trainingSeed } from './identity';

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
  /** Says a warning once per kind (default: once per message, through `log`). */
  warn?: Warn;
  /**
   * Paths in the outputs and the log are shown relative to this folder (the workspace root; default
   * the working directory), so the same trials give the same files and lines on any machine.
   */
  root?: string;
  /**
   * The prepared dataset, asked for once, when the first trial is to be trained (a run whose trials
   * are all reused never asks), and handed to every worker without a copy (shared memory). Without
   * it each worker prepares the data itself.
   */
  dataset?: () => Promise<Dataset>;
  /** report.html: the study's name (e.g. `app:tune`) and the command that trains given params. */
  report?: { name: string; train?: string };
  /** Live progress (the TTY status block): trial starts, per-epoch values, finishes. */
  progress?: SweepProgress;
  /**
   * Opens the storage of a study shared with other processes (PostgreSQL, from NX_HPO_STORAGE), or
   * gives undefined for the local file journal. `study` is the study identity.
   */
  sharedStorage?: (study: string, meta: Record<string, unknown>) => Promise<StudyStorage | undefined>;
  /** How often a shared sweep looks at the journal while it waits for other processes (default 1 s). */
  pollMs?: number;
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
  refuseShardOfAdaptive(opts);
  const sweep = new Sweep(opts);
  try {
    await sweep.begin();
    await sweep.drive();
  } finally {
    await sweep.close();
  }
  return sweep.write();
}

function refuseShardOfAdaptive({ shard, config }: SweepOptions): void {
  if (!shard || STATIC_ALGORITHMS.has(config.search.algorithm)) return;
  throw new UserError(
    `--shard splits only static sweeps (random, grid); '${config.search.algorithm}' chooses each trial from the results of the ones before, so its trials cannot be split up front. Run it unsharded (the trial store still reuses every trial another machine trained), or set search.algorithm to random or grid (it defaults to auto).`,
    { path: 'search.algorithm', file: config.file },
  );
}

/** A trial the store answered (`hit`), or one to train (`entry`: a pruned earlier run, if any). */
interface LookedUp {
  keys: TrialKeys;
  entry: StoreEntry | undefined;
  hit: TrialRecord | undefined;
}

class Sweep {
  private readonly config: TuneConfig;
  private readonly backend: string;
  private readonly seed: number;
  private readonly rules: StoredAnswerRules;
  private readonly outputs: SweepOutputs;
  /** Started with the first trial to train, once the data is ready: a fully reused run starts no thread. */
  private pool: TrialPool | undefined;
  private readonly poolSize: number;
  /** The sweep's prepared data (opts.dataset), shared with every worker; `datasetId` names it there. */
  private dataset: Dataset | undefined;
  private readonly datasetId = randomUUID();
  private readonly warn: Warn;
  private readonly abort = new AbortController();
  private readonly started = Date.now();
  private study: Study;
  readonly total: number;

  /** The local study journal (storage/file.ts), when this run holds it. */
  private journal: FileStudyStorage | undefined;
  /** The study shared through a database with other processes, when there is one. */
  private shared: SharedStudy | undefined;
  /** What this process trained or looked up itself, until the shared journal tells it back. */
  private readonly ownResults = new Map<number, { record: TrialRecord; model: () => ModelArtifacts | undefined }>();
  private storageFailure: StorageError | undefined;
  /** Outputs were reset: from here on, close() writes what the sweep has (before, it leaves them alone). */
  private begun = false;
  private readonly pending: AskedTrial[] = [];
  private asked = 0;

  private readonly records: TrialRecord[] = [];
  private best: BestRecord | undefined;
  private bestTrial: TrialRecord | undefined;
  private bestModel: () => ModelArtifacts | undefined = () => undefined;
  private trained = 0;
  private reused = 0;
  private probed: Promise<void> | undefined;
  private readonly html: HtmlReportWriter;
  /** Worker slots free for the report's timeline, lowest first. */
  private readonly freeSlots: number[];

  constructor(private readonly opts: SweepOptions) {
    this.config = opts.config;
    this.backend = expectedBackend(opts.backend);
    this.seed = trainingSeed(this.config);
    this.rules = { metric: this.config.objective.metric, pruning: this.config.search.pruner !== undefined, retryFailed: opts.retryFailed ?? true };
    this.study = this.newStudy();
    this.total = Math.min(this.config.search.trials, this.study.remaining ?? Infinity);
    this.outputs = new SweepOutputs(opts.outputDir);
    this.warn = opts.warn ?? new Warnings(opts.log).warn;
    this.poolSize = Math.max(1, Math.min(opts.parallelism, this.total));
    this.freeSlots = Array.from({ length: this.poolSize }, (_, i) => i);
    const { search, objective, space } = this.config;
    const name = opts.report?.name ?? this.display(this.config.file);
    this.html = new HtmlReportWriter(
      opts.outputDir,
      { name, algorithm: search.algorithm, metric: objective.metric, direction: objective.direction, space, train: opts.report?.train, planned: this.total },
      (line) => this.warn(line, 'report-html'),
    );
  }

  private newStudy(): Study {
    const { space, search, objective, training } = this.config;
    // The loader maps `pruner: none` to no pruner.
    return createStudy({
      space,
      algorithm: search.algorithm as AlgorithmName,
      direction: objective.direction,
      seed: search.seed,
      options: search.options,
      // What auto plans from (the others ignore them); not part of the study identity: a replay
      // follows the journal's recorded proposers whatever the budget.
      budget: search.trials,
      parallelism: Math.max(1, this.opts.parallelism),
      ...(search.pruner !== undefined ? { pruner: search.pruner, maxEpochs: epochsOf(training) } : {}),
    });
  }

  private keysOf(params: Params): TrialKeys {
    return trialKeys(this.config, params, this.seed, this.backend);
  }

  /** Joins a shared study (before anything is cleared), says what is about to run, clears old outputs, and replays the study journal. */
  async begin(): Promise<void> {
    const { log, shard, parallelism, store } = this.opts;
    const { search, space } = this.config;
    await this.joinShared();
    if (this.study.remaining !== undefined && this.study.remaining < search.trials) {
      log(`grid has ${this.study.remaining} points (fewer than ${search.trials} trials): each runs once`);
    }
    this.outputs.reset();
    this.begun = true;
    this.opts.progress?.setTotal?.(this.total);
    log(
      `tuning ${Object.keys(space).length} parameters with ${search.algorithm}: ${this.total} trials, ${Math.min(parallelism, this.total)} in parallel, seed ${search.seed}` +
        (shard ? `, shard ${shard.index}/${shard.count}` : ''),
    );
    log(`backend: ${this.backend}${store ? `  store: ${this.display(store.root)}` : ''}`);
    if (this.shared) {
      log(`study: shared through ${this.shared.storage.label} (this process: ${this.shared.storage.owner})`);
      await this.shared.sync();
      this.shared.startHeartbeat();
      return;
    }
    this.replay();
  }

  /** Opens the shared storage, if the sweep has one: its errors come before any output is touched. */
  private async joinShared(): Promise<void> {
    const { sharedStorage, shard, log } = this.opts;
    if (!sharedStorage) return;
    const identity = studyIdentity(this.config, this.backend, this.seed);
    const { search, objective, space } = this.config;
    const storage = await sharedStorage(identity, { algorithm: search.algorithm, seed: search.seed, objective, space, config: this.display(this.config.file) });
    if (!storage) return;
    if (shard) {
      await storage.close();
      throw new UserError('--shard and a shared study (NX_HPO_STORAGE) do not combine: the shared study already spreads its trials over every process that joins it');
    }
    this.shared = new SharedStudy(storage, this.study, {
      total: this.total,
      log,
      onTold: (t) => this.toldShared(t),
      heartbeatMs: Math.max(250, Math.floor((storage.leaseMs ?? 60_000) / 4)),
    });
  }

  /** A tell read back from the shared journal: this process's own result, or another's summary. */
  private toldShared(t: ToldTrial): void {
    const own = this.ownResults.get(t.id);
    this.ownResults.delete(t.id);
    if (own && t.mine) {
      this.record(own.record, own.model);
      return;
    }
    const s: TrialSummary = t.summary ?? { durationMs: 0, curve: [] };
    const { store } = this.opts;
    const record: TrialRecord = {
      id: t.id,
      params: t.params,
      state: t.result.state,
      ...(t.result.value !== undefined ? { value: t.result.value } : {}),
      durationMs: s.durationMs,
      ...(s.metrics ? { metrics: s.metrics } : {}),
      ...(t.result.state === 'failed' ? { error: t.result.error ?? s.error ?? 'failed' } : {}),
      reused: true,
      ...(s.key ? { key: s.key } : {}),
      epochs: 0,
      curve: s.curve,
    };
    this.record(record, () => (s.key ? store?.get(s.key)?.loadModel() : undefined));
  }

  /** Feeds what an earlier run of this very study asked and was told back into the study. */
  private replay(): void {
    const { store, shard, log } = this.opts;
    if (!store || shard) return;
    this.journal = FileStudyStorage.open(store.root, studyIdentity(this.config, this.backend, this.seed));
    if (!this.journal) {
      log('store: another run holds this study journal; reusing stored trials by key only');
      return;
    }
    const { ops } = this.journal;
    if (ops.length === 0) return;
    const replay = replayJournal(ops, this.study, this.total, (id, params) => {
      const { key } = this.keysOf(params);
      const entry = store.get(key);
      return { entry, record: storedRecord(id, params, key, entry, this.rules) };
    });
    if (!replay.matched) {
      log('store: the study journal no longer matches this study; starting it afresh (stored trials are still reused)');
      this.study = this.newStudy();
      this.journal.rewrite([]);
      return;
    }
    this.asked = replay.asked;
    this.pending.push(...replay.pending);
    if (replay.consumed < ops.length) {
      if (replay.truncatedForRetry) this.journal.rewrite(ops.slice(0, replay.consumed));
      else this.journal.freeze(); // a smaller budget than before: read it, leave it whole
    }
    for (const { record, entry } of replay.records) this.record(record, () => entry.loadModel());
  }

  /** Appends an ask or a tell to the local journal (a frozen one keeps it out). */
  private async journalAppend(op: JournalOp): Promise<void> {
    const journal = this.journal;
    if (!journal) return;
    if (op.op === 'ask') await journal.claim(journal.ops.length, () => op);
    else await journal.append(op);
  }

  /**
   * The next trial: in a shared study, the one this process claims; else one asked before but never
   * finished, else a new suggestion within the budget.
   */
  private async ask(): Promise<AskedTrial | undefined> {
    if (this.shared) return this.shared.claim();
    const p = this.pending.shift();
    if (p) return p;
    if (this.asked >= this.total) return undefined;
    const t = this.study.ask();
    this.asked++;
    await this.journalAppend({ op: 'ask', id: t.id, params: t.params, sampler: t.sampler, ...(t.askMs !== undefined ? { askMs: t.askMs } : {}) });
    return t;
  }

  private async lookUp(t: AskedTrial): Promise<LookedUp> {
    const keys = this.keysOf(t.params);
    const entry = await lookUpEntry(keys.key, this.opts.store, this.opts.remote);
    return { keys, entry, hit: storedRecord(t.id, t.params, keys.key, entry, this.rules) };
  }

  /** Tells the study (and the journal) a finished trial's outcome, and records it. */
  private async tell(r: TrialRecord, model: () => ModelArtifacts | undefined): Promise<void> {
    if (this.shared) return this.tellShared(this.shared, r, model);
    tellStudy(this.study, r);
    await this.journalAppend(tellOp(r));
    this.record(r, model);
  }

  /** Journals the outcome; it is recorded when the journal tells it back, in the order every process sees. */
  private async tellShared(shared: SharedStudy, r: TrialRecord, model: () => ModelArtifacts | undefined): Promise<void> {
    this.ownResults.set(r.id, { record: r, model });
    // Told only once its model is in the remote cache, so every process can fetch what it hears of.
    if (!r.reused) await this.opts.remote?.flush();
    const summary: TrialSummary = { durationMs: r.durationMs, curve: r.curve, ...(r.metrics ? { metrics: r.metrics } : {}), ...(r.error ? { error: r.error } : {}), ...(r.key ? { key: r.key } : {}) };
    const result = r.state === 'failed' ? { state: 'failed' as const, error: r.error ?? 'failed' } : { state: r.state, value: r.value as number };
    if (!(await shared.tell(r.id, result, summary))) this.ownResults.delete(r.id);
  }

  /** One epoch's objective to the study (through the shared journal when there is one); true stops the trial. */
  private report(id: number, step: number, value: number): boolean | Promise<boolean> {
    if (this.shared) return this.shared.report(id, step, value);
    this.study.report(id, step, value);
    return this.study.shouldPrune(id);
  }

  private record(r: TrialRecord, model: () => ModelArtifacts | undefined): void {
    const { direction, metric } = this.config.objective;
    r.sampler = this.study.trial(r.id).sampler;
    this.records.push(r);
    if (r.reused) this.reused++;
    else this.trained++;
    this.outputs.appendTrial(r);
    if (r.state === 'complete' && r.value !== undefined) {
      if (!this.bestTrial || compareComplete(r, this.bestTrial, { metric, direction }) < 0) {
        this.bestTrial = r;
        this.bestModel = model;
      }
      const b = this.bestTrial;
      this.best = { trial: b.id, params: b.params, value: b.value as number, metric, direction, metrics: b.metrics ?? {} };
    }
    this.opts.log(progressLine(r, this.records.length, this.total, this.best, metric, Date.now() - this.started));
    this.opts.progress?.trialFinished(r.id, this.records.length, this.best && { trial: this.best.trial, value: this.best.value });
    this.html.update(this.records);
  }

  /** Keeps a trained trial in the store (and the remote cache), indexed by its lineage when it has a checkpoint. */
  private keep(trial: StoredTrial, lineage: string | undefined, model?: ModelArtifacts, checkpoint?: SerializedCheckpoint): void {
    const { store, remote } = this.opts;
    if (!store) return;
    try {
      store.put(trial, model, checkpoint);
      if (lineage && checkpoint && trial.history) store.addToLineage(lineage, trial.key, trial.history.length);
    } catch (e) {
      this.warn(`store: could not keep a trial (${describeError(e)}); its result is in this run's outputs but will be trained again next time`, 'store-write');
      return;
    }
    remote?.push(trial.key, store);
  }

  /** Where training starts: a trial an earlier run pruned, or one trained with a smaller epoch budget. */
  private resumePoint(entry: StoreEntry | undefined, keys: TrialKeys): SerializedCheckpoint | undefined {
    return (entry?.trial.state === 'pruned' ? entry.loadCheckpoint() : undefined) ?? this.opts.store?.lineageCheckpoint(keys.lineage, keys.epochs)?.checkpoint;
  }

  /**
   * Reports each epoch a resumed trial already trained, as an uninterrupted trial would have, so a
   * pruner decides on its whole curve. Returns the epoch the pruner stops it at, if it does.
   */
  private async reportEarlierEpochs(id: number, history: readonly EpochLog[]): Promise<number | undefined> {
    const { metric } = this.config.objective;
    for (const log of history) {
      const value = (log as unknown as Record<string, unknown>)[metric];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (await this.report(id, log.epoch, value)) return log.epoch;
    }
    return undefined;
  }

  /** A resumed trial its earlier epochs condemn: pruned there, kept with the checkpoint it resumed from. */
  private async prunedBeforeTraining(t: AskedTrial, { key }: TrialKeys, checkpoint: SerializedCheckpoint, history: EpochLog[], epoch: number): Promise<void> {
    const reached = history.slice(0, epoch) as unknown as Array<Record<string, number>>;
    const metrics = reached[reached.length - 1] ?? {};
    const curve = curveOf(reached, this.config.objective.metric);
    const trial = { key, params: t.params, state: 'pruned', metrics, history: reached, durationMs: 0, backend: this.backend, versions: toolVersions(), createdAt: new Date().toISOString() } as const;
    this.keep(trial, undefined, undefined, checkpoint);
    await this.tell({ id: t.id, params: t.params, state: 'pruned', value: curve[curve.length - 1], durationMs: 0, metrics, reused: false, key, epochs: 0, curve }, () => undefined);
  }

  /** Trains one trial on the pool; resolves once it is told. */
  private async train(t: AskedTrial, { keys, entry }: LookedUp): Promise<void> {
    const t0 = Date.now();
    const resumeFrom = this.resumePoint(entry, keys);
    let reported = 0;
    if (this.rules.pruning && resumeFrom) {
      const { history } = deserializeCheckpoint(resumeFrom);
      const prunedAt = await this.reportEarlierEpochs(t.id, history);
      if (prunedAt !== undefined) return this.prunedBeforeTraining(t, keys, resumeFrom, history, prunedAt);
      reported = history.length;
    }
    const slot = (this.freeSlots.sort((a, b) => a - b).shift() as number) ?? 0;
    this.opts.progress?.trialStarted(t.id, t.params, slot);
    const { progress } = this.opts;
    // Each epoch's objective goes to the study, which may prune the trial there and then. Epochs
    // reported already (a resumed trial's, or again after a refused checkpoint) are not re-told.
    // (A shared study skips re-reported epochs itself: a retried trial re-reports its first attempt's.)
    const shared = this.shared;
    const reports =
      this.rules.pruning || progress
        ? openReportChannel(
            (step, value) => {
              progress?.epoch(t.id, step, value);
              if (!this.rules.pruning) return false;
              if (shared) return shared.report(t.id, step, value);
              if (step > reported) this.study.report(t.id, step, value);
              reported = Math.max(reported, step);
              return this.study.shouldPrune(t.id);
            },
            (e) => this.failStorage(e),
          )
        : undefined;
    const task = {
      configFile: this.config.file,
      params: t.params,
      seed: this.seed,
      backend: this.opts.backend,
      reports: reports?.channel,
      checkpoint: this.opts.store !== undefined,
      resumeFrom,
      ...(this.dataset ? { dataset: this.dataset, datasetId: this.datasetId } : {}),
    };
    const timing = () => ({ startMs: t0 - this.started, endMs: Date.now() - this.started, slot });
    let finished: { record: TrialRecord; model: () => ModelArtifacts | undefined } | undefined;
    try {
      const outcome = await (this.pool as TrialPool).run(task, this.abort.signal);
      finished = this.finishTrained(t, keys, outcome, Date.now() - t0, timing());
    } catch (e) {
      if (!this.abort.signal.aborted) finished = this.finishTrained(t, keys, e instanceof Error ? e : new Error(String(e)), Date.now() - t0, timing());
    } finally {
      this.freeSlots.push(slot);
      reports?.close();
    }
    if (finished) await this.tell(finished.record, finished.model);
  }

  /** Keeps a trained trial's outcome in the store and gives the record to tell. */
  private finishTrained(
    t: AskedTrial,
    { key, lineage }: TrialKeys,
    outcome: TrialTaskResult | Error,
    wallMs: number,
    timing: { startMs: number; endMs: number; slot: number },
  ): { record: TrialRecord; model: () => ModelArtifacts | undefined } {
    const base = { id: t.id, params: t.params, reused: false, key, ...timing };
    if (outcome instanceof Error || !outcome.ok) {
      // A trial's own failure (its module's build() threw, training diverged, …) fails it alone.
      const error = outcome instanceof Error ? oneLine(outcome.message) : outcome.userError;
      this.keep({ key, params: t.params, state: 'failed', error, durationMs: wallMs, backend: this.backend, versions: toolVersions(), createdAt: new Date().toISOString() }, lineage);
      return { record: { ...base, state: 'failed', durationMs: wallMs, error, epochs: 0, curve: [] }, model: () => undefined };
    }
    if (outcome.backend !== this.backend) {
      this.warn(`trials ran on '${outcome.backend}', not the expected '${this.backend}'; they are not stored`, 'backend');
    }
    if (outcome.pruneTimeouts > 0) {
      this.warn('a pruning decision did not come within 60 s; the trial trained on (pruners may stop fewer trials than they would)', 'prune-timeout');
    }
    const state = outcome.pruned ? 'pruned' : 'complete';
    const history = outcome.history as unknown as Array<Record<string, number>>;
    if (outcome.backend === this.backend) {
      const stored = { key, params: t.params, state, metrics: outcome.final, history, durationMs: outcome.durationMs, backend: this.backend, versions: toolVersions(), createdAt: new Date().toISOString() } as const;
      this.keep(stored, lineage, outcome.model, outcome.checkpoint);
    }
    const model = outcome.model;
    const epochs = history.length - outcome.resumedFrom;
    const curve = curveOf(history, this.config.objective.metric);
    return { record: { ...base, state, value: outcome.value, durationMs: outcome.durationMs, metrics: outcome.final, epochs, curve }, model: () => model };
  }

  private display(path: string): string {
    return displayFile(path, this.opts.root ?? process.cwd());
  }

  private stopped(): boolean {
    return this.abort.signal.aborted || this.storageFailure !== undefined;
  }

  /** The shared storage failed for good (its retries spent): stop, keeping what finished. */
  private failStorage(e: unknown): void {
    this.storageFailure ??= e instanceof StorageError ? e : new StorageError(e instanceof Error ? e.message : String(e));
    this.abort.abort();
  }

  /**
   * Before the first trial trains: starts the pool, prepares the data meanwhile (once, here; a data
   * error stops the sweep) and loads what every trial needs in a worker, so an error that would fail them
   * all (a model module without build()) stops the sweep before any training.
   */
  private probe(): Promise<void> {
    this.probed ??= (async () => {
      // The threads start first, so that they load TensorFlow.js and its backend while the data is
      // prepared here; the dataset then comes with the probe and every task.
      this.pool = new TrialPool(
        this.poolSize,
        // piscina reports here only a thread that failed with no task running: one that fails
        // during a trial rejects that trial's task instead, which records the trial failed.
        (e) => this.warn(`a trial worker thread failed between trials (${describeError(e)}); a new thread takes its place`, 'worker-error'),
        { backend: this.opts.backend, config: this.config, datasetFollows: this.opts.dataset !== undefined },
      );
      this.dataset = await this.opts.dataset?.();
      const r = await this.pool.probe({
        configFile: this.config.file,
        backend: this.opts.backend,
        ...(this.dataset ? { dataset: this.dataset, datasetId: this.datasetId } : {}),
      });
      if (!r.ok) throw new UserError(r.userError);
    })();
    return this.probed;
  }

  /** Keeps the pool busy until the budget is spent or the sweep is interrupted. */
  async drive(): Promise<void> {
    const onAbort = () => this.abort.abort();
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const running = new Set<Promise<void>>();
      const aborted = abortPromise(this.abort.signal);
      for (;;) {
        try {
          while (running.size < this.poolSize && !this.stopped()) {
            const t = await this.ask();
            if (!t) break;
            const found = await this.lookUp(t);
            if (found.hit) {
              const entry = found.entry;
              await this.tell(found.hit, () => entry?.loadModel());
              continue;
            }
            if (this.shardSkips(t.id)) continue; // another shard trains it
            await this.probe();
            const task: Promise<void> = this.train(t, found)
              .catch((e: unknown) => {
                if (e instanceof StorageError) this.failStorage(e);
                else throw e;
              })
              .finally(() => running.delete(task));
            running.add(task);
          }
          if (this.shared && !this.stopped()) {
            // Others may still run trials (or die holding them): look again after a while.
            if (running.size === 0 && this.shared.finished) break;
            await Promise.race([...running, aborted, delay(this.opts.pollMs ?? 1000)]);
            if (!this.stopped()) await this.shared.sync();
          } else {
            if (running.size === 0) break;
            await Promise.race([...running, aborted]);
          }
        } catch (e) {
          if (!(e instanceof StorageError)) throw e;
          this.failStorage(e);
        }
        if (this.stopped()) {
          this.abort.abort();
          await Promise.allSettled([...running]);
          break;
        }
      }
      if (this.storageFailure) throw this.storageFailure;
      if (this.opts.signal?.aborted) throw new SweepInterrupted(this.records.length, this.trained);
    } finally {
      this.opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private shardSkips(id: number): boolean {
    const { shard } = this.opts;
    return shard !== undefined && id % shard.count !== shard.index - 1;
  }

  /** Releases the journal, the pool and the remote cache; writes what even an interrupted sweep leaves. */
  async close(): Promise<void> {
    await this.journal?.close();
    if (!this.begun) {
      await this.shared?.storage.close();
      await this.pool?.close();
      return;
    }
    if (this.shared) await this.closeShared(this.shared);
    await this.pool?.close();
    await this.opts.remote?.flush();
    this.outputs.writeCsv(this.records, Object.keys(this.config.space));
    this.outputs.writeStudy(this.study.toJSON());
    this.html.finish(this.records, this.records.length >= this.total);
  }

  /**
   * Ends this process's part in a shared study: trials.jsonl in trial order (the same file in every
   * process, but for `reused`), and the best model fetched when another machine trained it.
   */
  private async closeShared(shared: SharedStudy): Promise<void> {
    shared.stopHeartbeat();
    // Interrupted or failed with trials running: others retry them now, not after the lease.
    await shared.release().catch(() => undefined);
    await shared.storage.close();
    this.records.sort((a, b) => a.id - b.id);
    this.outputs.writeTrials(this.records);
    const best = this.bestTrial;
    if (!best?.key || this.bestModel()) return;
    const entry = await lookUpEntry(best.key, this.opts.store, this.opts.remote).catch(() => undefined);
    if (entry) this.bestModel = () => entry.loadModel();
    else this.opts.log(`best model: trial ${best.id} was trained by another process whose model is not in this store or the remote cache; best.json describes it, best-model/ is left out`);
  }

  /** The leaderboard, summary, best.json, best model and report.md. */
  write(): SweepResult {
    const { log, outputDir } = this.opts;
    const { records, trained, reused } = this;
    const { direction, metric } = this.config.objective;
    const tieBreak = this.bestTrial && tieBreakOf(this.bestTrial, records, { metric, direction });
    const best = this.best && tieBreak ? { ...this.best, tieBreak } : this.best;
    const board = leaderboard(records, direction, metric, Object.keys(this.config.space));
    const elapsed = formatDuration(Date.now() - this.started);
    log('');
    log(board);
    log('');
    log(summaryLine({ records, elapsed, trained, reused }));
    if (best) {
      this.outputs.writeBest(best, this.bestModel());
      log(`best: trial ${best.trial}  ${best.metric}=${formatValue(best.value)}  ${JSON.stringify(best.params)}`);
    }
    const configFile = this.display(this.config.file);
    this.outputs.writeReport(markdownReport({ ...this.config, file: configFile }, { records, best, board, backend: this.backend, elapsed, trained, reused }));
    log(`outputs: ${this.display(outputDir)}`);
    if (records.length > 0 && records.every((r) => r.state === 'failed')) {
      throw new UserError(`all ${records.length} trials failed; the first: ${records[0]?.error ?? 'unknown error'}`);
    }
    return { records, best, trained, reused };
  }
}

/** An internal error's message as one line (a trial's error is a field of one JSON line and one progress line). */
function oneLine(message: string): string {
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
