/**
 * The prepared-data cache: a prepared dataset (split, scaled float32 arrays) stored under the trial
 * store's folder, content-addressed like the trials, so that later runs, other targets over the same
 * data and the `train` target load arrays instead of parsing the file again.
 *
 *   <store>/prepared/<key[0:2]>/<key>/meta.json   shape, classes, scaler, array offsets, checksum
 *                                     arrays.bin  xTrain, yTrain, xVal, yVal (float32, little-endian)
 *
 *   key = sha256({ v, data: dataMaterial(data) (as in the trial key), fit, plugin version })
 *
 * Entries are written under <store>/tmp and renamed into place, so a reader sees a whole entry or
 * none; an entry that does not read back whole (size, checksum of meta) is ignored and rewritten.
 * Arrays load into one SharedArrayBuffer, ready to hand to the trial worker threads without a copy.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DataConfig } from '../config/types';
import { hashValue } from '../store/canonical';
import { toolVersions } from '../store/versions';
import type { Dataset, FitMode } from './dataset';
import { dataMaterial } from '../store/trial-key';

/** Bump when the prepared arrays of the same inputs would differ (parsing, splitting, scaling). */
export const PREPARED_VERSION = 1;

const ARRAYS = ['xTrain', 'yTrain', 'xVal', 'yVal'] as const;
type ArrayName = (typeof ARRAYS)[number];

interface Meta {
  format: 'nx-hpo-prepared';
  version: number;
  key: string;
  shape: Omit<Dataset, ArrayName>;
  arrays: Record<ArrayName, { offset: number; length: number }>;
  bytes: number;
  checksum: string;
}

export function preparedKey(data: DataConfig, fit: FitMode): string {
  return hashValue({ v: PREPARED_VERSION, data: dataMaterial(data), fit, plugin: toolVersions().plugin });
}

export class PreparedDataCache {
  constructor(
    readonly storeRoot: string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  private dir(key: string): string {
    return join(this.storeRoot, 'prepared', key.slice(0, 2), key);
  }

  /** The stored dataset, on one SharedArrayBuffer, or undefined (absent or unreadable). */
  get(key: string): Dataset | undefined {
    const dir = this.dir(key);
    const metaFile = join(dir, 'meta.json');
    if (!existsSync(metaFile)) return undefined;
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Meta;
      const { checksum, ...rest } = meta;
      if (meta.format !== 'nx-hpo-prepared' || meta.version !== PREPARED_VERSION || meta.key !== key || hashValue(rest) !== checksum) {
        throw new Error('meta.json does not match its checksum or format');
      }
      const shared = new SharedArrayBuffer(meta.bytes);
      const fd = openSync(join(dir, 'arrays.bin'), 'r');
      try {
        if (fstatSync(fd).size !== meta.bytes) throw new Error(`arrays.bin has ${fstatSync(fd).size} bytes, expected ${meta.bytes}`);
        const view = new Uint8Array(shared);
        for (let at = 0; at < meta.bytes; ) {
          const got = readSync(fd, view, at, Math.min(meta.bytes - at, 1 << 30), at);
          if (got <= 0) throw new Error('arrays.bin ended early');
          at += got;
        }
      } finally {
        closeSync(fd);
      }
      const arrays = {} as Record<ArrayName, Float32Array>;
      for (const name of ARRAYS) arrays[name] = new Float32Array(shared, meta.arrays[name].offset, meta.arrays[name].length);
      return { ...meta.shape, ...arrays } as Dataset;
    } catch (e) {
      this.warn(`prepared-data cache: ignoring damaged entry ${dir} (${(e as Error).message}); preparing the data again`);
      return undefined;
    }
  }

  /** Stores a dataset under `key` (atomically; a failure to write is a warning, not an error). */
  put(key: string, dataset: Dataset): void {
    const tmp = join(this.storeRoot, 'tmp', `prepared-${key.slice(0, 8)}-${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(tmp, { recursive: true });
      const arrays = {} as Meta['arrays'];
      let offset = 0;
      for (const name of ARRAYS) {
        arrays[name] = { offset, length: dataset[name].length };
        offset += dataset[name].byteLength;
      }
      const fd = openSync(join(tmp, 'arrays.bin'), 'w');
      try {
        for (const name of ARRAYS) {
          const a = dataset[name];
          const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
          for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, Math.min(bytes.length - at, 1 << 30));
        }
      } finally {
        closeSync(fd);
      }
      const { xTrain: _a, yTrain: _b, xVal: _c, yVal: _d, ...shape } = dataset;
      const body: Omit<Meta, 'checksum'> = { format: 'nx-hpo-prepared', version: PREPARED_VERSION, key, shape, arrays, bytes: offset };
      writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ ...body, checksum: hashValue(body) }));
      const dir = this.dir(key);
      mkdirSync(join(dir, '..'), { recursive: true });
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // a damaged entry
      renameSync(tmp, dir);
    } catch (e) {
      this.warn(`prepared-data cache: could not store the prepared data (${(e as Error).message}); the next run prepares it again`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
