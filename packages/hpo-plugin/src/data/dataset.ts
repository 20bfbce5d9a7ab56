/**
 * From a CSV file to training-ready typed arrays: pick the label column, parse the features as
 * numbers, encode classes, hold out a test split (when the config has one), split validation
 * rows off the rest (seeded, optionally stratified) and scale with statistics from the rows the
 * model is fitted on only.
 *
 * Every split is a pure function of (file, config): `prepareDataset` and `prepareTestSet` each
 * draw all splits afresh, so asking for the test set never changes the training rows, and the
 * full fit (train + validation) trains on exactly the rows tuning trained and validated on.
 */
import { Rng, mixSeed } from '@nx-hpo/optimizers';
import { UserError } from '../errors';
import type { DataConfig, ScaleKind, Task } from '../training/spec';
import { decodeCsvBytes, displayPathOf, parseCsv, readCsvBytes, type CsvTable } from './csv';
import { parseNumericCsv, parseNumericCsvFile, type NumericCsv } from './csv-numeric';
import { dataFormat } from './source-key';
import { encodeClasses, encodeNumericClasses, resolveLabelColumn } from './labels';
import type { DataShape, RawData } from './raw';
import { loadDataModule, loadJsonl, loadParquet } from './sources';

export type { DataShape, RawData } from './raw';
export { encodeClasses, encodeNumericClasses, resolveLabelColumn } from './labels';
import { applyScaler, fitScaler, scaleInPlace, type Scaler } from './scale';
import { splitIndices, type IndexSplit } from './split';
import { quote } from '../quote';

export { applyScaler, fitScaler, type Scaler } from './scale';

export interface Dataset extends DataShape {
  /** Row-major nTrain × numFeatures, scaled. */
  xTrain: Float32Array;
  yTrain: Float32Array;
  /** Row-major nVal × numFeatures, scaled with the training statistics. */
  xVal: Float32Array;
  yVal: Float32Array;
  nTrain: number;
  nVal: number;
  scaler: Scaler;
}

/**
 * Which rows the model is fitted on (and the scaler fitted to): `train`, the training split
 * (validation rows are reported on); `full`, training + validation rows, for the final model
 * once the parameters are chosen. The test split is never among them.
 */
export type FitMode = 'train' | 'full';

export interface PrepareOptions {
  /** Default `train`. */
  fit?: FitMode;
}

/** The held-out test rows, scaled with the scaler of the rows the model is fitted on. */
export interface TestSet extends DataShape {
  /** Row-major n × numFeatures, scaled. */
  x: Float32Array;
  /** Class index (classification) or target value (regression), one per row. */
  y: Float32Array;
  n: number;
  /** The scaler applied: the same one `prepareDataset` with the same `fit` fits. */
  scaler: Scaler;
}

/** Row indices of each split, each ascending; together a partition of the rows. */
export interface RowSplits {
  train: number[];
  val: number[];
  /** Empty when the config has no test split. */
  test: number[];
}

/**
 * Reads, splits and scales the data as the config says. With `fit: 'full'` the training rows are
 * training + validation (scaler fitted on them) and there are no validation rows; the test split
 * stays out either way.
 */
export function prepareDataset(cfg: DataConfig, opts: PrepareOptions = {}): Dataset {
  const raw = loadRawData(cfg);
  return datasetInPlace(raw, drawSplits(raw, cfg), cfg.scale, opts.fit ?? 'train');
}

/**
 * The test split (`cfg.test`, YAML data.test), scaled with the scaler `prepareDataset(cfg, opts)`
 * fits (on the training rows, or training + validation with `fit: 'full'`): pass the `fit` the
 * evaluated model was trained with. A `data.test` UserError when the config defines no test split.
 */
export function prepareTestSet(cfg: DataConfig, opts: PrepareOptions = {}): TestSet {
  requireTestSplit(cfg);
  const raw = loadRawData(cfg);
  const splits = drawSplits(raw, cfg);
  const fit = opts.fit ?? 'train';
  const f = raw.numFeatures;
  return testSetFromSplits(raw, splits, fitScaler(gatherRows(raw.x, f, fitRows(splits, fit)), f, cfg.scale));
}

/**
 * `prepareDataset` and (when the config has a test split) `prepareTestSet` from one read of the
 * file; the same arrays as calling both.
 */
export function prepareSplits(cfg: DataConfig, opts: PrepareOptions = {}): { dataset: Dataset; test?: TestSet } {
  const raw = loadRawData(cfg);
  const splits = drawSplits(raw, cfg);
  const dataset = datasetFromSplits(raw, splits, cfg.scale, opts.fit ?? 'train');
  return cfg.test ? { dataset, test: testSetFromSplits(raw, splits, dataset.scaler) } : { dataset };
}

/**
 * Draws the splits the config describes: the test rows first (from all rows), then the
 * validation rows from what is left, so neither training nor validation ever holds a test row.
 * Each split has its own seeded stream; the validation draw is the same with or without a test
 * split except that the test rows are no longer in its pool. UserErrors at the split's
 * `data.….split` when rounding leaves a split empty.
 */
export function drawSplits(raw: RawData, cfg: Pick<DataConfig, 'validation' | 'test'>): RowSplits {
  let pool = Array.from({ length: raw.n }, (_, i) => i);
  let test: number[] = [];
  if (cfg.test) {
    const { split, stratify, seed } = cfg.test;
    // Mixed with a stream tag so that equal test and validation seeds (both default 0) do not
    // drive both shuffles with the same random numbers.
    const drawn = splitOff(raw, split, { stratify, seed: mixSeed(seed, TEST_STREAM) });
    if (drawn.held.length === 0 || drawn.rest.length === 0) {
      const which = drawn.held.length === 0 ? 'no test rows' : 'no rows for training and validation';
      throw new UserError(`a test split of ${split} of ${rows(raw.n)} leaves ${which}`, { path: 'data.test.split' });
    }
    pool = drawn.rest;
    test = drawn.held;
  }
  const { split, stratify, seed } = cfg.validation;
  const { rest, held } = splitOff(raw, split, { stratify, seed, from: pool });
  if (held.length === 0 || rest.length === 0) {
    const which = held.length === 0 ? 'no validation rows' : 'no training rows';
    const of = cfg.test ? `the ${rows(pool.length)} left after the test split` : rows(raw.n);
    throw new UserError(`a validation split of ${split} of ${of} leaves ${which}`, { path: 'data.validation.split' });
  }
  return { train: rest, val: held, test };
}

/** Tags the test split's random stream (any constant other streams do not use). */
const TEST_STREAM = 0x7e57;

function rows(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

function requireTestSplit(cfg: DataConfig): void {
  if (!cfg.test) {
    throw new UserError('no test split is defined: add e.g. `test: { split: 0.2 }` under data to hold rows out of tuning', { path: 'data.test' });
  }
}

/** The rows the model (and scaler) is fitted on. */
function fitRows(splits: RowSplits, fit: FitMode): number[] {
  return fit === 'full' ? [...splits.train, ...splits.val].sort((a, b) => a - b) : splits.train;
}

function datasetFromSplits(raw: RawData, splits: RowSplits, scale: ScaleKind, fit: FitMode): Dataset {
  return fit === 'full' ? buildDataset(raw, fitRows(splits, fit), [], scale) : buildDataset(raw, splits.train, splits.val, scale);
}

function testSetFromSplits(raw: RawData, splits: RowSplits, scaler: Scaler): TestSet {
  const f = raw.numFeatures;
  const test: TestSet = {
    task: raw.task,
    featureNames: raw.featureNames,
    labelName: raw.labelName,
    numFeatures: f,
    numClasses: raw.numClasses,
    x: scaleInPlace(gatherRows(raw.x, f, splits.test), scaler),
    y: gatherRows(raw.y, 1, splits.test),
    n: splits.test.length,
    scaler,
  };
  if (raw.featureShape) test.featureShape = raw.featureShape;
  if (raw.classes) test.classes = raw.classes;
  return test;
}

/**
 * Splits `fraction` of the rows (of `from`, default all rows) off, seeded by `seed`; stratified
 * by class when asked and the task is classification.
 */
export function splitOff(
  raw: RawData,
  fraction: number,
  opts: { stratify: boolean; seed: number; from?: readonly number[] },
): IndexSplit {
  const from = opts.from ?? Array.from({ length: raw.n }, (_, i) => i);
  const strata = opts.stratify && raw.task === 'classification' ? raw.y : undefined;
  return splitIndices(from, fraction, new Rng(opts.seed), strata);
}

/**
 * Gathers the given rows, fits the scaler on the training rows and scales both sets (in place: the
 * gathered copies are the dataset's arrays, so a large dataset is never held twice). The arrays are
 * backed by SharedArrayBuffers, so that trial worker threads read them without a copy each.
 */
export function buildDataset(raw: RawData, trainRows: readonly number[], valRows: readonly number[], scale: ScaleKind): Dataset {
  const f = raw.numFeatures;
  const xTrain = gatherRows(raw.x, f, trainRows);
  const scaler = fitScaler(xTrain, f, scale);
  return assemble(raw, scaler, {
    xTrain: scaleInPlace(xTrain, scaler),
    yTrain: gatherRows(raw.y, 1, trainRows),
    xVal: scaleInPlace(gatherRows(raw.x, f, valRows), scaler),
    yVal: gatherRows(raw.y, 1, valRows),
  });
}

/** A Dataset of `raw`'s description and the given (already scaled) split arrays. */
function assemble(raw: RawData, scaler: Dataset['scaler'], arrays: Pick<Dataset, 'xTrain' | 'yTrain' | 'xVal' | 'yVal'>): Dataset {
  const dataset: Dataset = {
    task: raw.task,
    featureNames: raw.featureNames,
    labelName: raw.labelName,
    numFeatures: raw.numFeatures,
    numClasses: raw.numClasses,
    ...arrays,
    nTrain: arrays.yTrain.length,
    nVal: arrays.yVal.length,
    scaler,
  };
  if (raw.featureShape) dataset.featureShape = raw.featureShape;
  if (raw.classes) dataset.classes = raw.classes;
  return dataset;
}

/**
 * `datasetFromSplits` that reuses `raw`'s memory instead of copying the rows (raw is consumed): the
 * training rows move to the front in place (each only ever moves towards the start, so in order
 * none is overwritten before it moved), the validation rows follow them, and the arrays are views
 * of that one block. Peak memory is the raw data plus the validation rows, not twice the data.
 */
function datasetInPlace(raw: RawData, splits: RowSplits, scale: ScaleKind, fit: FitMode): Dataset {
  const trainRows = fitRows(splits, fit);
  const valRows = fit === 'full' ? [] : splits.val;
  const f = raw.numFeatures;
  const shared = (a: Float32Array) => (a.buffer instanceof SharedArrayBuffer ? a : (() => {
    const c = sharedFloat32(a.length);
    c.set(a);
    return c;
  })());
  const x = shared(raw.x);
  const y = shared(raw.y);
  const xVal = gatherRows(x, f, valRows);
  const yVal = gatherRows(y, 1, valRows);
  trainRows.forEach((r, k) => {
    if (r !== k) {
      x.copyWithin(k * f, r * f, (r + 1) * f);
      y[k] = y[r]!;
    }
  });
  const nTrain = trainRows.length;
  const nVal = valRows.length;
  x.set(xVal, nTrain * f);
  y.set(yVal, nTrain);
  const xTrain = x.subarray(0, nTrain * f);
  const scaler = fitScaler(xTrain, f, scale);
  return assemble(raw, scaler, {
    xTrain: scaleInPlace(xTrain, scaler),
    yTrain: y.subarray(0, nTrain),
    xVal: scaleInPlace(x.subarray(nTrain * f, (nTrain + nVal) * f), scaler),
    yVal: y.subarray(nTrain, nTrain + nVal),
  });
}

/** Copies rows `rows` of a row-major matrix with `width` columns (into shared memory). */
export function gatherRows(x: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = sharedFloat32(rows.length * width);
  if (width === 1) {
    for (let k = 0; k < rows.length; k++) out[k] = x[rows[k]!]!;
    return out;
  }
  rows.forEach((r, k) => out.set(x.subarray(r * width, (r + 1) * width), k * width));
  return out;
}

/** A zeroed Float32Array on a SharedArrayBuffer. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
}

/**
 * Every row of the data, whatever its source: a CSV, JSON Lines or Parquet file, or a data module.
 * The one way the sweep, the train target and the prepared-data cache read data.
 */
export async function loadRawDataAsync(cfg: DataConfig): Promise<RawData> {
  if (cfg.module !== undefined) return loadDataModule(cfg);
  if (dataFormat(cfg.path as string) === 'parquet') return loadParquet(cfg);
  return loadRawData(cfg);
}

/** `prepareDataset` for every data source (data modules and Parquet load asynchronously). */
export async function prepareDatasetAsync(cfg: DataConfig, opts: PrepareOptions = {}): Promise<Dataset> {
  const raw = await loadRawDataAsync(cfg);
  return datasetInPlace(raw, drawSplits(raw, cfg), cfg.scale, opts.fit ?? 'train');
}

/** `prepareSplits` for every data source (data modules and Parquet load asynchronously). */
export async function prepareSplitsAsync(cfg: DataConfig, opts: PrepareOptions = {}): Promise<{ dataset: Dataset; test?: TestSet }> {
  const raw = await loadRawDataAsync(cfg);
  const splits = drawSplits(raw, cfg);
  const dataset = datasetFromSplits(raw, splits, cfg.scale, opts.fit ?? 'train');
  return cfg.test ? { dataset, test: testSetFromSplits(raw, splits, dataset.scaler) } : { dataset };
}

/** Reads a CSV or JSON Lines file and parses every row into features and a label. */
export function loadRawData(cfg: DataConfig): RawData {
  if (cfg.module !== undefined || cfg.path === undefined || dataFormat(cfg.path) === 'parquet') {
    throw new Error('data modules and Parquet files load asynchronously: use loadRawDataAsync / prepareDatasetAsync');
  }
  if (dataFormat(cfg.path) === 'jsonl') return loadJsonl(cfg);
  const file = displayPathOf(cfg.path);
  const options = { header: cfg.header, ...(cfg.delimiter !== undefined ? { delimiter: cfg.delimiter } : {}) };
  const label = (numColumns: number, header: string[] | undefined) => resolveLabelColumn(cfg.label, numColumns, header);
  const usable = (fast: NumericCsv | undefined): fast is NumericCsv => fast !== undefined && (cfg.task === 'classification' || fast.labelValues !== undefined);
  // A plain file is read a window at a time (never whole); a gzip file is decompressed whole first.
  let fast: NumericCsv | 'gzip' | undefined;
  try {
    fast = cfg.path.endsWith('.gz') ? 'gzip' : parseNumericCsvFile(cfg.path, options, label);
  } catch {
    fast = undefined; // unreadable: readCsvBytes below words the error
  }
  if (fast !== 'gzip' && usable(fast)) return rawFromNumeric(fast, cfg);
  const bytes = readCsvBytes(cfg.path, file);
  if (fast === 'gzip') {
    const whole = parseNumericCsv(bytes, options, label);
    if (usable(whole)) return rawFromNumeric(whole, cfg);
  }
  // Anything the fast path does not take (quotes, an error to locate...) goes through the general reader.
  return rawFromGeneralReader(bytes, cfg, file);
}

/** A CSV through the general reader only (strings per field): the reference the fast path matches. */
export function loadRawCsvGeneral(cfg: DataConfig): RawData {
  const path = cfg.path as string;
  const file = displayPathOf(path);
  return rawFromGeneralReader(readCsvBytes(path, file), cfg, file);
}

function rawFromGeneralReader(bytes: Buffer, cfg: DataConfig, file: string): RawData {
  const table = parseCsv(decodeCsvBytes(bytes), { header: cfg.header, displayPath: file, ...(cfg.delimiter !== undefined ? { delimiter: cfg.delimiter } : {}) });
  return rawFromTable(table, cfg);
}

function rawFromNumeric(fast: NumericCsv, cfg: DataConfig): RawData {
  const { numColumns, labelColumn, header } = fast;
  const columnName = (c: number): string => header?.[c] ?? `col${c}`;
  const featureNames: string[] = [];
  for (let c = 0; c < numColumns; c++) if (c !== labelColumn) featureNames.push(columnName(c));
  const raw: RawData = {
    task: cfg.task,
    featureNames,
    labelName: columnName(labelColumn),
    numFeatures: numColumns - 1,
    numClasses: 1,
    n: fast.n,
    x: fast.x,
    y: new Float32Array(fast.n),
  };
  if (cfg.task === 'regression') {
    raw.y.set(fast.labelValues!);
    return raw;
  }
  const { classes, index } = fast.labelValues ? encodeNumericClasses(fast.labelValues) : encodeClasses(fast.labelTexts!);
  return withClasses(raw, classes, index, labelColumn, header);
}

function withClasses(raw: RawData, classes: string[], index: Float32Array, labelColumn: number, header: string[] | undefined): RawData {
  if (classes.length < 2) {
    throw new UserError(
      `the label column ${describeColumn(labelColumn, header)} has a single class (${quote(classes[0]!)}): classification needs at least 2`,
      { path: 'data.label' },
    );
  }
  raw.classes = classes;
  raw.numClasses = classes.length;
  raw.y = index;
  return raw;
}

function rawFromTable(table: CsvTable, cfg: DataConfig): RawData {
  const n = table.rows.length;
  if (n === 0) throw new UserError('the data file has no data rows', { file: table.file });
  const numColumns = table.header?.length ?? table.rows[0]!.length;
  const labelColumn = resolveLabelColumn(cfg.label, numColumns, table.header);
  if (numColumns < 2) throw new UserError(`the data has ${numColumns} column: it needs at least one feature besides the label`, { file: table.file });

  const featureColumns: number[] = [];
  for (let c = 0; c < numColumns; c++) if (c !== labelColumn) featureColumns.push(c);
  const columnName = (c: number): string => table.header?.[c] ?? `col${c}`;
  const f = featureColumns.length;

  const x = new Float32Array(n * f);
  for (let r = 0; r < n; r++) {
    const row = table.rows[r]!;
    for (let k = 0; k < f; k++) {
      const c = featureColumns[k]!;
      x[r * f + k] = parseNumber(row[c]!, table, r, c, 'feature');
    }
  }

  const labels = table.rows.map((row) => row[labelColumn]!.trim());
  const raw: RawData = {
    task: cfg.task,
    featureNames: featureColumns.map(columnName),
    labelName: columnName(labelColumn),
    numFeatures: f,
    numClasses: 1,
    n,
    x,
    y: new Float32Array(n),
  };
  if (cfg.task === 'regression') {
    for (let r = 0; r < n; r++) raw.y[r] = parseNumber(table.rows[r]![labelColumn]!, table, r, labelColumn, 'label');
    return raw;
  }
  const { classes, index } = encodeClasses(labels);
  return withClasses(raw, classes, index, labelColumn, table.header);
}

function parseNumber(text: string, table: CsvTable, row: number, column: number, role: 'feature' | 'label'): number {
  const s = text.trim();
  const v = s === '' ? NaN : Number(s);
  if (Number.isFinite(v)) return v;
  const { line, col } = table.locate(row, column);
  const where = `${role === 'label' ? 'label ' : ''}column ${describeColumn(column, table.header)}`;
  const message = s === '' ? `empty value in ${where}` : `value ${quote(s)} in ${where} is not a number`;
  throw new UserError(role === 'label' ? `${message} (task: regression needs numeric labels)` : message, { file: table.file, line, col });
}

function describeColumn(column: number, header: string[] | undefined): string {
  return header ? `${quote(header[column]!)} (index ${column})` : `${column} (0-based index)`;
}
