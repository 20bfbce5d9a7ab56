/**
 * What the configuration generator needs to know about a CSV before writing a tune.yaml: the
 * delimiter, whether the first row is a header, which column is the label, whether the task is
 * classification or regression, and how many rows and classes there are. Every problem is an
 * Error with a one-line message (Nx prints it as is).
 */
import { parseCsv, sniffDelimiter } from '../../data/csv';
import { encodeClasses } from '../../data/dataset';
import { isUserError } from '../../errors';

export type Task = 'classification' | 'regression';

export interface CsvProfile {
  delimiter: string;
  header: boolean;
  /** Column names (from the header, else `col<i>`). */
  columns: string[];
  /** Data rows (header excluded). */
  rows: number;
  labelIndex: number;
  labelName: string;
  /** The label's header name identifies it (present, not blank, not repeated): the YAML can name it. */
  labelByName: boolean;
  features: number;
  task: Task;
  /** Why the task is what it is (given, or how it was inferred). */
  taskReason: string;
  /** Class names (classification only). */
  classes?: string[];
  /** Label statistics (regression only). */
  labelRange?: { min: number; max: number };
}

export interface ProfileOptions {
  /** Column name or index (negative counts from the end); default: the last column. */
  label?: string | number;
  task?: Task;
  /** Force the header decision instead of detecting it. */
  header?: boolean;
  /** Fraction of rows held out for validation (sets the minimum row count). */
  validationSplit: number;
}

/** Integer labels with at most this many distinct values are taken for classes. */
export const MAX_INFERRED_CLASSES = 20;

export function isNumber(field: string | undefined): boolean {
  const s = field?.trim() ?? '';
  return s !== '' && Number.isFinite(Number(s));
}

/**
 * A header is detected when some column has a non-numeric first field above numeric values, or
 * when every first-row field is text that appears nowhere else in its column (names, not data).
 */
export function detectHeader(rows: readonly string[][]): boolean {
  const [first, ...rest] = rows;
  if (!first || rest.length === 0) return false;
  for (let c = 0; c < first.length; c++) {
    if (!isNumber(first[c]) && rest.every((r) => isNumber(r[c]))) return true;
  }
  if (first.some((f) => isNumber(f))) return false;
  return first.every((name, c) => !rest.some((r) => r[c]?.trim() === name.trim()));
}

function oneLine(e: unknown): Error {
  if (isUserError(e)) return new Error(e.format());
  return e instanceof Error ? e : new Error(String(e));
}

function resolveLabel(label: string | number | undefined, columns: string[], header: boolean, file: string): number {
  const n = columns.length;
  if (label === undefined || label === '') return n - 1;
  const text = String(label).trim();
  if (header) {
    const exact = columns.indexOf(text);
    if (exact >= 0) return exact;
  }
  if (/^-?\d+$/.test(text)) {
    const i = Number(text);
    const c = i < 0 ? n + i : i;
    if (c < 0 || c >= n) throw new Error(`${file}: no column ${text}: the data has ${n} columns (0..${n - 1}, or -${n}..-1 from the end)`);
    return c;
  }
  if (!header) throw new Error(`${file}: no column named "${text}": the file has no header row; give the label as a column index (0..${n - 1})`);
  const loose = columns.findIndex((h) => h.toLowerCase() === text.toLowerCase());
  const hint = loose >= 0 ? ` (did you mean "${columns[loose]}"?)` : '';
  throw new Error(`${file}: no column named "${text}"${hint}; the columns are ${columns.map((c) => `"${c}"`).join(', ')}`);
}

/** Minimum rows so that the validation split gets 2 rows (regression) or one row per class. */
export function minimumRows(task: Task, classes: number, validationSplit: number): number {
  const validationRows = task === 'classification' ? Math.max(2, classes) : 2;
  return Math.max(validationRows + 2, Math.ceil(validationRows / validationSplit));
}

export function profileCsv(text: string, file: string, options: ProfileOptions): CsvProfile {
  let table;
  const delimiter = sniffDelimiter(text);
  try {
    table = parseCsv(text, { header: false, delimiter, displayPath: file });
  } catch (e) {
    throw oneLine(e);
  }
  const all = table.rows;
  if (all.length === 0) throw new Error(`${file}: the file is empty`);
  const header = options.header ?? detectHeader(all);
  const data = header ? all.slice(1) : all;
  const width = all[0]!.length;
  if (width < 2) throw new Error(`${file}: found 1 column (delimiter ${JSON.stringify(delimiter)}): the data needs at least one feature column and a label column`);
  if (data.length === 0) throw new Error(`${file}: no data rows${header ? ' below the header' : ''}`);
  const columns = header ? all[0]!.map((h, i) => h.trim() || `col${i}`) : all[0]!.map((_, i) => `col${i}`);
  const labelIndex = resolveLabel(options.label, columns, header, file);
  const labelName = columns[labelIndex]!;
  const lineOf = (r: number) => r + 1 + (header ? 1 : 0);

  // Features must be numbers: the loader parses every non-label column as one.
  for (let c = 0; c < width; c++) {
    if (c === labelIndex) continue;
    const bad = data.findIndex((r) => !isNumber(r[c]));
    if (bad >= 0) {
      const v = data[bad]![c]!.trim();
      const what = v === '' ? 'an empty value' : `"${v}"`;
      throw new Error(
        `${file}:${lineOf(bad)}: feature column "${columns[c]}" (index ${c}) holds ${what}: features must be numbers; encode or drop that column, or choose it as the label with --label=${header ? columns[c] : c}`,
      );
    }
  }
  const labels = data.map((r) => r[labelIndex]!.trim());
  const emptyLabel = labels.findIndex((l) => l === '');
  if (emptyLabel >= 0) throw new Error(`${file}:${lineOf(emptyLabel)}: empty label in column "${labelName}"`);

  const numeric = labels.every((l) => isNumber(l));
  const distinct = new Set(numeric ? labels.map((l) => String(Number(l))) : labels).size;
  let task: Task;
  let taskReason: string;
  if (options.task) {
    task = options.task;
    taskReason = 'given with --task';
  } else if (!numeric) {
    task = 'classification';
    taskReason = `the label "${labelName}" holds text`;
  } else if (labels.every((l) => Number.isInteger(Number(l))) && distinct <= MAX_INFERRED_CLASSES) {
    task = 'classification';
    taskReason = `the label "${labelName}" holds ${distinct} distinct whole numbers; --task=regression treats them as quantities`;
  } else {
    task = 'regression';
    taskReason = `the label "${labelName}" holds ${distinct} distinct numbers; --task=classification treats them as classes`;
  }

  const headerName = header ? all[0]![labelIndex]!.trim() : '';
  const labelByName = headerName !== '' && all[0]!.filter((h) => h.trim() === headerName).length === 1;
  const profile: CsvProfile = { delimiter, header, columns, rows: data.length, labelIndex, labelName, labelByName, features: width - 1, task, taskReason };
  if (task === 'regression') {
    const bad = labels.findIndex((l) => !isNumber(l));
    if (bad >= 0) throw new Error(`${file}:${lineOf(bad)}: label "${labels[bad]}" in column "${labelName}" is not a number: regression needs numeric labels`);
    const values = labels.map(Number);
    profile.labelRange = { min: Math.min(...values), max: Math.max(...values) };
  } else {
    const { classes } = encodeClasses(labels);
    if (classes.length < 2) {
      throw new Error(`${file}: the label column "${labelName}" has one class only (${JSON.stringify(classes[0])}): classification needs at least 2`);
    }
    profile.classes = classes;
  }
  const k = profile.classes?.length ?? 1;
  const min = minimumRows(task, k, options.validationSplit);
  if (data.length < min) {
    const why =
      task === 'classification'
        ? `a stratified ${options.validationSplit * 100}% validation split of ${k} classes needs at least ${min}`
        : `a ${options.validationSplit * 100}% validation split needs at least ${min}`;
    throw new Error(`${file}: ${data.length} data row${data.length === 1 ? '' : 's'} is too few: ${why}`);
  }
  return profile;
}
