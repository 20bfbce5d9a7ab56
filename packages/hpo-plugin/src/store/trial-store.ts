/**
 * The local content-addressed trial store. One folder per trial key:
 *
 *   <root>/trials/<key[0:2]>/<key>/record.json   the trial record, with a checksum over itself
 *                                  model.json    the trained model (complete trials)
 *                                  weights.bin
 *
 * Entries are written under <root>/tmp and renamed into place, so a reader only ever sees a whole
 * entry; a damaged one (truncated, bad checksum, other format version) is reported once and ignored.
 */
import type { ToolVersions } from './versions';
import { describeError, type Warn } from '../warnings';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Params } from '@nx-hpo/optimizers';
import type { SerializedCheckpoint } from '../training/checkpoint';
import type { ModelArtifacts } from '../training/save';
import { canonicalJson, sha256 } from './canonical';

export const STORE_FORMAT = 'nx-hpo-trial';
export const STORE_FORMAT_VERSION = 1;

export interface StoredTrial {
  key: string;
  params: Params;
  /** `pruned`: stopped early by the study's pruner; metrics and history are those it reached. */
  state: 'complete' | 'failed' | 'pruned';
  /** Final metrics of a complete trial (the objective is read from these, whatever metric is asked). */
  metrics?: Record<string, number>;
  /** Per-epoch metrics. */
  history?: Array<Record<string, number>>;
  error?: string;
  durationMs: number;
  backend: string;
  versions: ToolVersions;
  createdAt: string;
}

interface RecordFile extends StoredTrial {
  format: string;
  version: number;
  files: Record<string, string>;
  checksum: string;
}

export interface StoreEntry {
  trial: StoredTrial;
  /** Loads the model files (complete trials only). */
  loadModel(): ModelArtifacts | undefined;
  /** The training state of a pruned trial, to continue it from where it stopped. */
  loadCheckpoint(): SerializedCheckpoint | undefined;
}

const ENTRY_FILES = ['record.json', 'model.json', 'weights.bin', 'checkpoint.json', 'checkpoint.bin'];

export class TrialStore {
  private readonly reported = new Set<string>();

  constructor(
    readonly root: string,
    private readonly warn: Warn = () => {},
  ) {}

  entryDir(key: string): string {
    return join(this.root, 'trials', key.slice(0, 2), key);
  }

  /** The complete, verified entry for `key`, or undefined (absent or damaged). */
  get(key: string): StoreEntry | undefined {
    return this.verifyDir(this.entryDir(key), key);
  }

  /** Reads and verifies the entry in `dir`; damaged entries are reported once and ignored. */
  verifyDir(dir: string, key: string): StoreEntry | undefined {
    const recordPath = join(dir, 'record.json');
    if (!existsSync(recordPath)) return undefined;
    try {
      const record = JSON.parse(readFileSync(recordPath, 'utf8')) as RecordFile;
      if (record.format !== STORE_FORMAT || record.version !== STORE_FORMAT_VERSION) {
        throw new Error(`format ${record.format}@${record.version}, expected ${STORE_FORMAT}@${STORE_FORMAT_VERSION}`);
      }
      const { checksum, ...rest } = record;
      if (sha256(canonicalJson(rest)) !== checksum) throw new Error('record checksum mismatch');
      if (record.key !== key) throw new Error(`entry holds key ${record.key}`);
      const files = new Map<string, Buffer>();
      for (const [name, hash] of Object.entries(record.files)) {
        const bytes = readFileSync(join(dir, name));
        if (sha256(bytes) !== hash) throw new Error(`${name} checksum mismatch`);
        files.set(name, bytes);
      }
      const { format: _f, version: _v, files: _files, ...trial } = rest;
      return { trial, loadModel: () => artifactsFrom(files), loadCheckpoint: () => checkpointFrom(files) };
    } catch (e) {
      if (!this.reported.has(key)) {
        this.reported.add(key);
        this.warn(`store: ignoring damaged entry ${key.slice(0, 12)} (${e instanceof Error ? e.message : String(e)}); it will be retrained`);
      }
      return undefined;
    }
  }

  /** Notes that `key`'s entry holds a checkpoint at `epoch` of the trial lineage `lineage`. */
  addToLineage(lineage: string, key: string, epoch: number): void {
    const dir = join(this.root, 'lineages', lineage.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    // One short line per append: O_APPEND keeps concurrent writers' lines whole.
    const fd = openSync(join(dir, `${lineage}.jsonl`), 'a');
    try {
      writeSync(fd, JSON.stringify({ key, epoch }) + '\n');
    } finally {
      closeSync(fd);
    }
  }

  /** The furthest verified checkpoint of `lineage` at an epoch below `beforeEpoch`, if any. */
  lineageCheckpoint(lineage: string, beforeEpoch: number): { key: string; epoch: number; checkpoint: SerializedCheckpoint } | undefined {
    const file = join(this.root, 'lineages', lineage.slice(0, 2), `${lineage}.jsonl`);
    if (!existsSync(file)) return undefined;
    const marks: Array<{ key: string; epoch: number }> = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      try {
        const m = JSON.parse(line) as { key?: unknown; epoch?: unknown };
        if (typeof m.key === 'string' && typeof m.epoch === 'number' && m.epoch < beforeEpoch) marks.push({ key: m.key, epoch: m.epoch });
      } catch {
        // a torn last line
      }
    }
    marks.sort((a, b) => b.epoch - a.epoch);
    for (const m of marks) {
      const checkpoint = this.get(m.key)?.loadCheckpoint();
      if (checkpoint) return { ...m, checkpoint };
    }
    return undefined;
  }

  /** The entry for `key` as one self-contained blob (for the remote cache), or undefined. */
  exportBundle(key: string): Buffer | undefined {
    if (!this.get(key)) return undefined;
    const dir = this.entryDir(key);
    const files: Record<string, string> = {};
    for (const name of ENTRY_FILES) {
      if (existsSync(join(dir, name))) files[name] = readFileSync(join(dir, name)).toString('base64');
    }
    const bundle: Bundle = { format: 'nx-hpo-trial-bundle', files };
    return Buffer.from(JSON.stringify(bundle));
  }

  /** Installs a bundle fetched from elsewhere, only if it verifies as a whole entry for `key`. */
  importBundle(key: string, data: Buffer): boolean {
    const tmp = join(this.root, 'tmp', `import-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      const bundle = JSON.parse(data.toString('utf8')) as Bundle;
      if (bundle.format !== 'nx-hpo-trial-bundle' || typeof bundle.files?.['record.json'] !== 'string') return false;
      mkdirSync(tmp, { recursive: true });
      for (const [name, b64] of Object.entries(bundle.files)) {
        if (!ENTRY_FILES.includes(name)) return false;
        writeDurable(join(tmp, name), Buffer.from(b64, 'base64'));
      }
      // Verify with the same reader as local entries before it becomes visible.
      if (!this.verifyDir(tmp, key)) return false;
      const dest = this.entryDir(key);
      mkdirSync(join(dest, '..'), { recursive: true });
      if (!existsSync(dest)) renameSync(tmp, dest);
      return this.get(key) !== undefined;
    } catch (e) {
      // A bundle that does not parse is the sender's problem; failing to write it is ours (ENOSPC, EACCES).
      if (!(e instanceof SyntaxError)) this.warn(`store: could not import a trial from the remote cache (${describeError(e)}); it will be trained here`, 'store-import');
      return false;
    } finally {
      removeQuietly(tmp);
    }
  }

  /** Writes an entry atomically; a concurrent writer of the same key may win, which is fine. */
  put(trial: StoredTrial, model?: ModelArtifacts, checkpoint?: SerializedCheckpoint): void {
    const tmp = join(this.root, 'tmp', `${trial.key}-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(tmp, { recursive: true });
    try {
      const files: Record<string, string> = {};
      if (model) {
        const modelJson = Buffer.from(JSON.stringify(model.modelJson));
        const weights = Buffer.from(model.weights);
        writeDurable(join(tmp, 'model.json'), modelJson);
        writeDurable(join(tmp, 'weights.bin'), weights);
        files['model.json'] = sha256(modelJson);
        files['weights.bin'] = sha256(weights);
      }
      if (checkpoint) {
        const json = Buffer.from(JSON.stringify(checkpoint.json));
        const data = Buffer.from(checkpoint.data);
        writeDurable(join(tmp, 'checkpoint.json'), json);
        writeDurable(join(tmp, 'checkpoint.bin'), data);
        files['checkpoint.json'] = sha256(json);
        files['checkpoint.bin'] = sha256(data);
      }
      const rest = { format: STORE_FORMAT, version: STORE_FORMAT_VERSION, ...trial, files };
      const record: RecordFile = { ...rest, checksum: sha256(canonicalJson(rest)) };
      writeDurable(join(tmp, 'record.json'), Buffer.from(JSON.stringify(record)));
      const dest = this.entryDir(trial.key);
      mkdirSync(join(dest, '..'), { recursive: true });
      if (existsSync(dest)) {
        // Another run stored a result first: keep it, unless ours is more complete
        // (complete > pruned > failed).
        const existing = this.get(trial.key);
        const rank = { failed: 0, pruned: 1, complete: 2 } as const;
        if (existing && rank[existing.trial.state] >= rank[trial.state]) return;
        // A damaged or failed entry: move it aside, then put ours in its place.
        const trash = join(this.root, 'tmp', `replaced-${trial.key}-${randomBytes(4).toString('hex')}`);
        renameSync(dest, trash);
        rmSync(trash, { recursive: true, force: true });
      }
      try {
        renameSync(tmp, dest);
      } catch (e) {
        // Lost a race with another writer that renamed first: theirs is equally valid.
        if (!this.get(trial.key)) throw e;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

interface Bundle {
  format: 'nx-hpo-trial-bundle';
  files: Record<string, string>;
}

function checkpointFrom(files: Map<string, Buffer>): SerializedCheckpoint | undefined {
  const json = files.get('checkpoint.json');
  const data = files.get('checkpoint.bin');
  if (!json || !data) return undefined;
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return { json: JSON.parse(json.toString('utf8')) as Record<string, unknown>, data: copy.buffer };
}

function artifactsFrom(files: Map<string, Buffer>): ModelArtifacts | undefined {
  const modelJson = files.get('model.json');
  const weights = files.get('weights.bin');
  if (!modelJson || !weights) return undefined;
  const copy = new Uint8Array(weights.byteLength);
  copy.set(weights);
  return { modelJson: JSON.parse(modelJson.toString('utf8')), weights: copy.buffer };
}

/** Removes a temporary folder; one that could not even be created is no error. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // ENOTDIR/EACCES: nothing of ours is there
  }
}

/** Written and flushed before the rename, so a renamed entry is whole even after a power loss. */
function writeDurable(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
