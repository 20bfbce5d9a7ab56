/**
 * Data beyond CSV: JSON Lines files, Parquet files (read by hyparquet) and data modules (a user's
 * `load(ctx)` returning features and labels with their shape). Each gives the same `RawData` the
 * CSV reader does, so splitting, scaling, the prepared-data cache and training never know the
 * difference. Errors are UserErrors at the file's line and column, or at the YAML's `data.…` key.
 */
import { relative, resolve } from 'node:path';
import { UserError } from '../errors';
import { quote } from '../quote';
import type { DataConfig } from '../config/types';
import { importModule } from '../training/model';
import { decodeCsvBytes, displayPathOf, readCsvBytes } from './csv';
import { encodeClasses, encodeNumericClasses, resolveLabelColumn } from './labels';
import type { RawData } from './raw';
import { declaredFiles } from './source-key';

/** Sets the label (classes for classification, values for regression) on `raw`; `where` locates errors. */
function setLabels(raw: RawData, labels: ArrayLike<unknown>, where: { path: string } | { file: string }): RawData {
  const n = labels.length;
  const numbers = new Float64Array(n);
  let numeric = true;
  for (let r = 0; r < n; r++) {
    const v = labels[r];
    const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(x)) numeric = false;
    numbers[r] = x;
  }
  if (raw.task === 'regression') {
    if (!numeric) throw new UserError(`task: regression needs numeric labels, but the label ${quote(String(raw.labelName))} holds non-numbers`, where);
    raw.y = Float32Array.from(numbers);
    return raw;
  }
  const { classes, index } = numeric ? encodeNumericClasses(numbers) : encodeClasses(Array.from(labels, (l) => String(l).trim()));
  if (classes.length < 2) {
    throw new UserError(`the label ${quote(String(raw.labelName))} has a single class (${quote(String(classes[0]))}): classification needs at least 2`, {
      path: 'data.label',
    });
  }
  raw.classes = classes;
  raw.numClasses = classes.length;
  raw.y = index;
  return raw;
}

function emptyRaw(cfg: DataConfig, n: number, featureNames: string[], labelName: string): RawData {
  return { task: cfg.task, featureNames, labelName, numFeatures: featureNames.length, numClasses: 1, n, x: new Float32Array(n * featureNames.length), y: new Float32Array(n) };
}

// --- JSON Lines ----------------------------------------------------------------------------------

/**
 * One JSON object per line (blank lines skipped): the keys of the first object are the columns,
 * in order; every line has the same keys; features are numbers, the label any scalar.
 */
export function loadJsonl(cfg: DataConfig): RawData {
  const path = cfg.path as string;
  const file = displayPathOf(path);
  const text = decodeCsvBytes(readCsvBytes(path, file));
  const lines: Array<{ line: number; value: Record<string, unknown> }> = [];
  let start = 0;
  for (let line = 1; start < text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const body = text.slice(start, end).replace(/\r$/, '');
    if (body.trim() !== '') {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch (e) {
        const pos = /position (\d+)/.exec((e as Error).message);
        throw new UserError(`not valid JSON: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, '')}`, { file, line, col: pos ? Number(pos[1]) + 1 : 1 });
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new UserError(`each line must be a JSON object of column: value, got ${Array.isArray(value) ? 'an array' : quote(JSON.stringify(value))}`, { file, line, col: 1 });
      }
      lines.push({ line, value: value as Record<string, unknown> });
    }
    start = end + 1;
  }
  if (lines.length === 0) throw new UserError('the data file has no data rows', { file });
  const columns = Object.keys(lines[0]!.value);
  const labelColumn = resolveLabelColumn(cfg.label, columns.length, columns);
  if (columns.length < 2) throw new UserError(`the data has ${columns.length} column: it needs at least one feature besides the label`, { file });
  const features = columns.filter((_, c) => c !== labelColumn);
  const labelName = columns[labelColumn]!;
  const raw = emptyRaw(cfg, lines.length, features, labelName);
  const labels: unknown[] = [];
  const f = features.length;
  lines.forEach(({ line, value }, r) => {
    const body = text.split('\n', line)[line - 1] ?? '';
    const colOf = (key: string) => Math.max(1, body.indexOf(JSON.stringify(key)) + 1);
    const keys = Object.keys(value);
    if (keys.length !== columns.length || keys.some((k) => !(k in lines[0]!.value))) {
      const missing = columns.find((c) => !(c in value));
      const extra = keys.find((k) => !columns.includes(k));
      const what = missing !== undefined ? `has no ${quote(String(missing))}` : `has ${quote(String(extra))}, which the first line does not`;
      throw new UserError(`this line ${what}: every line needs the first line's keys (${columns.map((c) => quote(String(c))).join(', ')})`, {
        file,
        line,
        col: extra !== undefined ? colOf(extra) : 1,
      });
    }
    for (let k = 0; k < f; k++) {
      const key = features[k]!;
      const v = value[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new UserError(`value ${quote(String(v))} of ${quote(String(key))} is not a number`, { file, line, col: colOf(key) });
      }
      raw.x[r * f + k] = v;
    }
    const label = value[labelName];
    if (label === null || typeof label === 'object') {
      throw new UserError(`the label ${quote(String(labelName))} must be a number or a string, got ${quote(String(label))}`, { file, line, col: colOf(labelName) });
    }
    labels.push(label);
  });
  return setLabels(raw, labels, { file });
}

// --- Parquet -------------------------------------------------------------------------------------

type Hyparquet = typeof import('hyparquet');
// hyparquet is an ES module; tsc would turn import() into require() under CommonJS.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** A Parquet file's flat columns: numeric features (any int/float type, no nulls) and a label column. */
export async function loadParquet(cfg: DataConfig): Promise<RawData> {
  const path = cfg.path as string;
  const file = displayPathOf(path);
  const hp = (await dynamicImport('hyparquet')) as Hyparquet;
  const bytes = readCsvBytes(path, file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: ReturnType<Hyparquet['parquetMetadata']>;
  try {
    metadata = hp.parquetMetadata(buffer);
  } catch (e) {
    throw new UserError(`not a valid Parquet file: ${(e as Error).message}`, { file });
  }
  const columns = hp.parquetSchema(metadata).children.map((c) => c.element.name);
  const n = Number(metadata.num_rows);
  if (n === 0) throw new UserError('the data file has no data rows', { file });
  const labelColumn = resolveLabelColumn(cfg.label, columns.length, columns);
  if (columns.length < 2) throw new UserError(`the data has ${columns.length} column: it needs at least one feature besides the label`, { file });
  const features = columns.filter((_, c) => c !== labelColumn);
  const labelName = columns[labelColumn]!;
  const raw = emptyRaw(cfg, n, features, labelName);
  const featureIndex = new Map(features.map((name, k) => [name, k]));
  const f = features.length;
  const labels: unknown[] = new Array(n);
  try {
    await hp.parquetRead({
      file: buffer,
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        const k = featureIndex.get(columnName);
        const end = Math.min(rowEnd, n);
        for (let r = Math.max(rowStart, 0); r < end; r++) {
          const v = columnData[r - rowStart] as unknown;
          if (k === undefined) {
            if (columnName === labelName) labels[r] = typeof v === 'bigint' ? Number(v) : v;
            continue;
          }
          const x = typeof v === 'bigint' ? Number(v) : v;
          if (typeof x !== 'number' || !Number.isFinite(x)) {
            throw new UserError(`value ${x === null || x === undefined ? 'null' : quote(String(x))} of column ${quote(String(columnName))} at row ${r + 1} is not a number`, { file });
          }
          raw.x[r * f + k] = x;
        }
      },
    });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read Parquet file: ${(e as Error).message}`, { file });
  }
  for (let r = 0; r < n; r++) {
    if (labels[r] === null || labels[r] === undefined) throw new UserError(`the label ${quote(String(labelName))} is missing at row ${r + 1}`, { file });
  }
  return setLabels(raw, labels, { file });
}

// --- Data modules --------------------------------------------------------------------------------

/** What a data module's `load` is given. */
export interface DataModuleContext {
  /** `data.options` from the YAML ({} when absent). */
  options: Record<string, unknown>;
  /** The absolute paths of the files under `data.files`, sorted. */
  files: string[];
}

/** A tensor as far as loading needs one (tf.Tensor has these). */
interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
}

/** What `load` returns: one example per row of `x`. */
export interface LoadedData {
  /** Features: a flat numeric array with `shape`, nested arrays, or a tensor. */
  x: ArrayLike<number> | number[][] | TensorLike;
  /** One label per example: class names or indexes (classification) or targets (regression), or a tensor. */
  y: ArrayLike<number | string> | TensorLike;
  /** [examples, ...one example's shape], e.g. [n, 28, 28, 1]; needed for a flat `x`. */
  shape?: number[];
  featureNames?: string[];
  labelName?: string;
  /** The files `load` read: each must be under `data.files`, so the trial key covers it. */
  files?: string[];
}

const MODULE = { path: 'data.module' };

export async function loadDataModule(cfg: DataConfig): Promise<RawData> {
  const modulePath = cfg.module as string;
  const shown = displayPathOf(modulePath);
  let mod: unknown;
  try {
    mod = await importModule(modulePath);
  } catch (e) {
    throw new UserError(`cannot load data module ${shown}: ${firstLine((e as Error)?.message ?? String(e))}`, MODULE);
  }
  const m = mod as { load?: unknown; default?: unknown } | undefined;
  const load = [m?.load, (m?.default as { load?: unknown } | undefined)?.load, m?.default].find((c) => typeof c === 'function') as
    | ((ctx: DataModuleContext) => LoadedData | Promise<LoadedData>)
    | undefined;
  if (!load) throw new UserError(`${shown} must export a function load(ctx) returning { x, y, shape }`, MODULE);
  const files = declaredFiles(cfg);
  let loaded: LoadedData;
  try {
    loaded = await load({ options: cfg.options ?? {}, files });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`load() in ${shown} failed: ${firstLine((e as Error)?.message ?? String(e))}`, MODULE);
  }
  if (!loaded || typeof loaded !== 'object') throw new UserError(`load() in ${shown} must return { x, y, shape }, got ${String(loaded)}`, MODULE);
  checkReadFiles(loaded.files, files, shown);
  const { values: x, shape } = features(loaded, shown);
  const n = shape[0]!;
  const featureShape = shape.slice(1);
  const numFeatures = featureShape.reduce((a, b) => a * b, 1);
  const labels = isTensor(loaded.y) ? Array.from(loaded.y.dataSync()) : loaded.y;
  if (!labels || typeof (labels as ArrayLike<unknown>).length !== 'number') throw new UserError(`load() in ${shown} returned no labels y`, MODULE);
  if (labels.length !== n) throw new UserError(`load() in ${shown} returned ${n} examples in x but ${labels.length} labels in y`, MODULE);
  if (n === 0) throw new UserError(`load() in ${shown} returned no examples`, MODULE);
  const names = loaded.featureNames && loaded.featureNames.length === numFeatures ? loaded.featureNames : Array.from({ length: numFeatures }, (_, j) => `f${j}`);
  const raw = emptyRaw(cfg, n, names, loaded.labelName ?? 'label');
  raw.x = x;
  if (featureShape.length > 1) raw.featureShape = featureShape;
  return setLabels(raw, labels, MODULE);
}

function isTensor(v: unknown): v is TensorLike {
  return !!v && typeof v === 'object' && typeof (v as TensorLike).dataSync === 'function' && Array.isArray((v as TensorLike).shape);
}

/** The features as float32 and their shape [n, ...], checked. */
function features(loaded: LoadedData, shown: string): { values: Float32Array; shape: number[] } {
  const x = loaded.x;
  let shape = loaded.shape;
  let flat: ArrayLike<number>;
  if (isTensor(x)) {
    shape ??= x.shape;
    flat = x.dataSync();
  } else if (Array.isArray(x) && Array.isArray(x[0])) {
    const rows = x as number[][];
    const width = rows[0]!.length;
    shape ??= [rows.length, width];
    const out = new Float32Array(rows.length * width);
    rows.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== width) throw new UserError(`load() in ${shown}: row ${r} of x has ${Array.isArray(row) ? row.length : 'no'} values, row 0 has ${width}`, MODULE);
      out.set(row, r * width);
    });
    flat = out;
  } else if (x && typeof (x as ArrayLike<number>).length === 'number') {
    flat = x as ArrayLike<number>;
    if (!shape) throw new UserError(`load() in ${shown} returned a flat x without its shape: return { x, y, shape: [examples, ...] }`, MODULE);
  } else {
    throw new UserError(`load() in ${shown} returned no features x`, MODULE);
  }
  if (!Array.isArray(shape) || shape.length < 2 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new UserError(`load() in ${shown} returned shape ${JSON.stringify(shape)}: expected [examples, ...one example's shape] of positive integers`, MODULE);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== size) throw new UserError(`load() in ${shown} returned ${flat.length} feature values, but shape ${JSON.stringify(shape)} holds ${size}`, MODULE);
  const values = flat instanceof Float32Array ? flat : Float32Array.from(flat);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new UserError(`load() in ${shown} returned a non-finite feature value (${values[i]}) at flat index ${i}`, MODULE);
  }
  return { values, shape };
}

/** Every file `load` says it read must be among the declared ones (else the key would miss it). */
function checkReadFiles(read: string[] | undefined, declared: string[], shown: string): void {
  if (read === undefined) return;
  const known = new Set(declared);
  for (const f of read) {
    const abs = resolve(f);
    if (!known.has(abs)) {
      throw new UserError(
        `${shown} read ${relative(process.cwd(), abs) || abs}, which data.files does not list: list it (or its folder) so that changing it retrains`,
        { path: 'data.files' },
      );
    }
  }
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}
