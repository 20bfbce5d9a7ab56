/**
 * A training checkpoint: everything needed to continue a trial's training exactly where it
 * stopped (a pruned trial promoted, or a sweep re-run with more epochs), so that stopping at epoch
 * k and resuming gives the same curve, bit for bit, as training straight through (same seed, same
 * backend). It is plain data plus ArrayBuffers: structured-clonable across worker threads, and
 * `serializeCheckpoint` turns it into JSON-safe data plus one buffer for disk.
 *
 * What is not in it is rebuilt: the model from its spec and seed (then its weights are
 * overwritten), the shuffling order from (seed, epoch), the dropout masks from (seed, epoch, batch),
 * and scheduled learning rates from the global step.
 */
import type { Params } from '@nx-hpo/optimizers';
import { canonicalJson } from '../store/canonical';
import type { Dataset } from '../data/dataset';
import type { EarlyStoppingState } from './early-stopping';
import type { LrControlState } from './lr-control';
import type { OptimizerState } from './optimizer-state';
import { dependsOnEpochs } from './schedule';
import type { ModelSpec, TrainingSpec } from './spec';
import type { PackedTensorSpec, TensorPack } from './tensor-pack';
import type { EpochLog } from './epoch-log';

export const CHECKPOINT_FORMAT = 'nx-hpo-training-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface TrainingCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  /** The last epoch trained (1-based); resuming trains epoch + 1 onwards. */
  epoch: number;
  /** The logs of epochs 1..epoch. */
  history: EpochLog[];
  /** Early stopping ended this training: resuming trains no further epoch, as a straight run would not. */
  stoppedEarly: boolean;
  /** What determined the training; resuming under anything else is refused. */
  fit: CheckpointFit;
  /** The model's weights at `epoch` (model.weights order, named by the model's variables). */
  weights: TensorPack;
  optimizer: OptimizerState;
  /** With a schedule. */
  lrControl?: LrControlState;
  /** With early stopping: its bookkeeping, and with restoreBest the best epoch's weights. */
  earlyStopping?: { state: EarlyStoppingState; best?: TensorPack };
}

/** The inputs that shape the training curve, compared as canonical JSON on resume. */
export interface CheckpointFit {
  seed: number;
  params: Params;
  backend: string;
  model: ModelSpec;
  /** training without `epochs`, unless the schedule depends on it. */
  training: Omit<TrainingSpec, 'epochs'> & { epochs?: number };
  rows: { train: number; val: number; features: number; classes: number };
}

export function checkpointFit(o: { seed: number; params: Params; backend: string; modelSpec: ModelSpec; training: TrainingSpec; dataset: Dataset }): CheckpointFit {
  const { epochs, ...rest } = o.training;
  const training = o.training.schedule && dependsOnEpochs(o.training.schedule) ? { ...rest, epochs } : rest;
  const ds = o.dataset;
  return {
    seed: o.seed,
    params: o.params,
    backend: o.backend,
    model: o.modelSpec,
    training,
    rows: { train: ds.nTrain, val: ds.nVal, features: ds.numFeatures, classes: ds.numClasses },
  };
}

/**
 * Why `checkpoint` cannot continue a training with `fit` (the first difference found), or
 * undefined when it can. A different epoch budget is fine unless a schedule depends on it.
 */
export function checkpointMismatch(checkpoint: TrainingCheckpoint, fit: CheckpointFit): string | undefined {
  if (checkpoint.format !== CHECKPOINT_FORMAT || checkpoint.version !== CHECKPOINT_VERSION) {
    return `not a version ${CHECKPOINT_VERSION} training checkpoint`;
  }
  for (const key of Object.keys(fit) as Array<keyof CheckpointFit>) {
    if (canonicalJson(checkpoint.fit[key]) !== canonicalJson(fit[key])) {
      const what = key === 'training' && (checkpoint.fit.training.epochs ?? fit.training.epochs) !== undefined ? 'training (its epochs set the schedule)' : key;
      return `the checkpoint was trained with another ${what}: ${canonicalJson(checkpoint.fit[key])} ≠ ${canonicalJson(fit[key])}`;
    }
  }
  return undefined;
}

/** A TensorPack in serialised form: its slice of the one data buffer. */
interface PackRef {
  specs: PackedTensorSpec[];
  offset: number;
  byteLength: number;
}

/** A serialised checkpoint: `json` survives JSON.stringify / JSON.parse unchanged, `data` holds every tensor. */
export interface SerializedCheckpoint {
  json: Record<string, unknown>;
  data: ArrayBuffer;
}

/**
 * NaN and ±Infinity (val_loss without validation rows, a state's "no best yet") become
 * `{ "$number": "NaN" }`, which JSON keeps; every TensorPack becomes a slice of `data`.
 */
export function serializeCheckpoint(checkpoint: TrainingCheckpoint): SerializedCheckpoint {
  const buffers: ArrayBuffer[] = [];
  let offset = 0;
  const json = encode(checkpoint, (pack) => {
    const ref: PackRef = { specs: pack.specs, offset, byteLength: pack.data.byteLength };
    buffers.push(pack.data);
    offset += pack.data.byteLength;
    return ref;
  }) as Record<string, unknown>;
  const data = new Uint8Array(offset);
  let at = 0;
  for (const b of buffers) {
    data.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return { json, data: data.buffer };
}

export function deserializeCheckpoint(serialized: SerializedCheckpoint): TrainingCheckpoint {
  const { json, data } = serialized;
  if (json['format'] !== CHECKPOINT_FORMAT) throw new Error('not a training checkpoint');
  if (json['version'] !== CHECKPOINT_VERSION) throw new Error(`training checkpoint version ${String(json['version'])}; this reads version ${CHECKPOINT_VERSION}`);
  return decode(json, data) as TrainingCheckpoint;
}

const NUMBER_KEY = '$number';

function isPack(v: object): v is TensorPack {
  return 'specs' in v && 'data' in v && v.data instanceof ArrayBuffer;
}

function isPackRef(v: Record<string, unknown>): boolean {
  return Array.isArray(v['specs']) && typeof v['offset'] === 'number' && typeof v['byteLength'] === 'number' && Object.keys(v).length === 3;
}

function encode(v: unknown, pack: (p: TensorPack) => PackRef): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : { [NUMBER_KEY]: String(v) };
  if (Array.isArray(v)) return v.map((x) => encode(x, pack));
  if (v instanceof ArrayBuffer) throw new Error('an ArrayBuffer outside a TensorPack cannot be serialised');
  if (v && typeof v === 'object') {
    if (isPack(v)) return pack(v);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encode(x, pack);
    return out;
  }
  return v;
}

function decode(v: unknown, data: ArrayBuffer): unknown {
  if (Array.isArray(v)) return v.map((x) => decode(x, data));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === NUMBER_KEY) return Number(o[NUMBER_KEY]);
    if (isPackRef(o)) {
      const { offset, byteLength } = o as unknown as PackRef;
      if (offset + byteLength > data.byteLength) throw new Error('training checkpoint data is shorter than its index says');
      return { specs: o['specs'] as PackedTensorSpec[], data: data.slice(offset, offset + byteLength) } satisfies TensorPack;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decode(x, data);
    return out;
  }
  return v;
}
