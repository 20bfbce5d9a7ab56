/**
 * The body of a trial worker thread (run by piscina). Each thread selects its TensorFlow.js backend
 * once and caches the parsed config per YAML file; the dataset is the sweep's, prepared once on
 * shared memory and handed over in `workerData` and with each task (or, without one, prepared here
 * once per YAML file), so a trial costs only its training.
 *
 * A sweep's pool hands each thread its backend and the already-parsed config as `workerData`
 * (`WorkerWarmUp`): the thread loads tfjs and prepares the dataset as soon as it starts, while the
 * main thread is still asking for the first trials, and never compiles the config's JSON schema
 * again (that alone costs as much as a short trial).
 */
import { workerData } from 'node:worker_threads';
import type { Params } from '@nx-hpo/optimizers';
import { isUserError, type UserError } from '../errors';
import { locateInConfig } from '../executors/user-errors';
import { loadModelModule } from '../training/model';
import type { TuneConfig } from '../config/types';
import { prepareDatasetAsync } from '../data/dataset';
import type { Dataset } from '../data/dataset';
import { selectBackend, type Backend, type BackendName } from '../training/backend';
import { deserializeCheckpoint, serializeCheckpoint, type SerializedCheckpoint } from '../training/checkpoint';
import { reportAndAsk, type ReportChannel } from './reports';
import { runTrial, type TrialRun } from './trial';

export interface TrialTask {
  configFile: string;
  params: Params;
  seed: number;
  backend: BackendName;
  /** Where to report each epoch's objective and hear whether to stop (pruning); absent: never stop. */
  reports?: ReportChannel;
  /** Return the training state of a trial that ends pruned, so it can be continued later. */
  checkpoint?: boolean;
  /** Continue from the checkpoint of this very trial stopped earlier. */
  resumeFrom?: SerializedCheckpoint;
  /**
   * The dataset the sweep prepared once, its arrays on SharedArrayBuffers (so passing it to the
   * thread shares the memory, it does not copy it). Absent: the worker prepares the data itself.
   */
  dataset?: Dataset;
  /** Names `dataset` within the sweep: a thread keeps the first copy it got and reuses that object. */
  datasetId?: string;
}

export type TrialTaskResult =
  | ({
      ok: true;
      backend: string;
      durationMs: number;
      value: number;
      /** The epoch training continued from (0: from scratch). */
      resumedFrom: number;
      /** Epochs whose pruning decision did not come in time (the trial went on). */
      pruneTimeouts: number;
      checkpoint?: SerializedCheckpoint;
    } & Omit<TrialRun, 'value' | 'checkpoint'>)
  /** A user-caused error (bad model for the data, …), as its one `file:line:col: …` line. */
  | { ok: false; userError: string };

/** A parsed config without its `locate` function (which cannot cross to a thread). */
export type PortableConfig = Omit<TuneConfig, 'locate'>;

/** What a sweep's pool gives each thread to start with. */
export interface WorkerWarmUp {
  backend: BackendName;
  config: PortableConfig;
  /** The sweep's prepared dataset (shared memory): the thread prepares nothing itself. */
  dataset?: Dataset;
  datasetId?: string;
  /**
   * The sweep's dataset is still being prepared (while this thread loads its backend) and comes
   * with each task: the thread prepares nothing itself either.
   */
  datasetFollows?: boolean;
}

let backendPromise: Promise<Backend> | undefined;
const configs = new Map<string, TuneConfig>();
const datasets = new Map<string, Promise<Dataset>>();
let keptDataset: { id: string | undefined; dataset: Dataset } | undefined;
const warm = workerData as WorkerWarmUp | undefined;

/** Loaded only when a config must be read from its file (ajv and the YAML parser are not small). */
const loadConfig = (file: string): TuneConfig => (require('../config') as typeof import('../config')).loadTuneConfig(file);

function configFor(configFile: string): TuneConfig {
  if (warm?.config.file !== configFile) return loadConfig(configFile);
  // Source positions are only wanted for an error message: read the file again then.
  return { ...warm.config, locate: (path) => loadConfig(configFile).locate(path) };
}

/**
 * The trial's config and dataset: the sweep's shared dataset (with the task, or from workerData),
 * the same arrays for every trial; else one this thread prepared for the YAML file and keeps.
 */
async function prepare(task: Pick<TrialTask, 'configFile' | 'dataset' | 'datasetId'>): Promise<{ config: TuneConfig; dataset: Dataset }> {
  let config = configs.get(task.configFile);
  if (!config) configs.set(task.configFile, (config = configFor(task.configFile)));
  const fromWarm = warm?.config.file === task.configFile && warm.dataset ? { dataset: warm.dataset, id: warm.datasetId } : undefined;
  const shared = task.dataset ? { dataset: task.dataset, id: task.datasetId } : fromWarm;
  if (shared) {
    // Each copy is a new object over the same shared memory; keep one, so that whatever the
    // training layer keeps per dataset (e.g. tensors) survives from trial to trial.
    if (!keptDataset || keptDataset.id !== shared.id || shared.id === undefined) keptDataset = { id: shared.id, dataset: shared.dataset };
    return { config, dataset: keptDataset.dataset };
  }
  let dataset = datasets.get(task.configFile);
  if (!dataset) datasets.set(task.configFile, (dataset = prepareDatasetAsync(config.data)));
  return { config, dataset: await dataset };
}

if (warm?.backend) {
  backendPromise = selectBackend(warm.backend);
  backendPromise.then(
    () => {
      // The first task prepares it again and reports the error as that trial's.
      if (!warm.datasetFollows) prepare({ configFile: warm.config.file, dataset: warm.dataset, datasetId: warm.datasetId }).catch(() => {});
    },
    // The first task awaits the same promise and reports the failure.
    () => {},
  );
}

/**
 * Loads what every trial needs (the config, the data, a model module and its `build`) before any
 * trial trains, so that an error that would fail every trial stops the sweep up front instead.
 * What it loads stays cached in this thread for the trials that follow.
 */
export async function probe(task: Pick<TrialTask, 'configFile' | 'backend' | 'dataset' | 'datasetId'>): Promise<{ ok: true } | { ok: false; userError: string }> {
  let config: TuneConfig | undefined;
  try {
    backendPromise ??= selectBackend(task.backend);
    await backendPromise;
    config = (await prepare(task)).config;
    const model = config.model as { module?: unknown };
    if (typeof model.module === 'string') await loadModelModule(model.module);
    return { ok: true };
  } catch (e) {
    if (isUserError(e)) return { ok: false, userError: locatedLine(e, config) };
    throw e;
  }
}

/** A user error's one line, located in the YAML when it names only a config path. */
function locatedLine(e: UserError, config: TuneConfig | undefined): string {
  return (locateInConfig(e, config) as UserError).format();
}

export default async function runTrialTask(task: TrialTask): Promise<TrialTaskResult> {
  backendPromise ??= selectBackend(task.backend);
  const backend = await backendPromise;
  const started = Date.now();
  let config: TuneConfig | undefined;
  try {
    const prepared = await prepare(task);
    const { dataset } = prepared;
    config = prepared.config;
    const trialConfig = prepared.config;
    const reports = task.reports;
    let pruneTimeouts = 0;
    const shouldStop = reports
      ? (epoch: number, v: number) => {
          const decision = reportAndAsk(reports, epoch, v);
          if (decision === 'timed-out') pruneTimeouts++;
          return decision === 'stop';
        }
      : undefined;
    let resumeFrom = task.resumeFrom ? deserializeCheckpoint(task.resumeFrom) : undefined;
    const train = () =>
      runTrial({ config: trialConfig, dataset, params: task.params, seed: task.seed, backend, shouldStop, resumeFrom, checkpoint: task.checkpoint });
    let trained: Awaited<ReturnType<typeof train>>;
    try {
      trained = await train();
    } catch (e) {
      // A checkpoint this training cannot continue (e.g. a schedule spanning the whole run):
      // train from scratch instead.
      if (!resumeFrom || !(e instanceof Error) || !e.message.startsWith('cannot resume training')) throw e;
      resumeFrom = undefined;
      trained = await train();
    }
    const { value, checkpoint, ...run } = trained;
    if (value === undefined) throw new Error(`no ${trialConfig.objective.metric} was reported`);
    const kept = checkpoint ? serializeCheckpoint(checkpoint) : undefined;
    return {
      ok: true,
      ...run,
      value,
      resumedFrom: resumeFrom?.epoch ?? 0,
      pruneTimeouts,
      ...(kept ? { checkpoint: kept } : {}),
      backend: backend.backend,
      durationMs: Date.now() - started,
    };
  } catch (e) {
    // Error subclasses lose their identity crossing the thread boundary, so send the formatted line.
    if (isUserError(e)) return { ok: false, userError: locatedLine(e, config) };
    throw e;
  }
}
