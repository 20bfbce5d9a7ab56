/** Label columns: finding the label column, and classes from label values. */
import { UserError } from '../errors';
import { quote } from '../quote';

/** The 0-based label column, or a `data.label` UserError saying what exists. */
export function resolveLabelColumn(label: number | string, numColumns: number, header: string[] | undefined): number {
  const range = `0..${numColumns - 1}, or -${numColumns}..-1 from the end`;
  if (typeof label === 'number') {
    if (!Number.isInteger(label)) throw new UserError(`label must be a column index or name, got ${label}`, { path: 'data.label' });
    const c = label < 0 ? numColumns + label : label;
    if (c < 0 || c >= numColumns) {
      throw new UserError(`label column ${label} does not exist: the data has ${numColumns} columns (${range})`, { path: 'data.label' });
    }
    return c;
  }
  if (!header) {
    throw new UserError(
      `label ${quote(label)} is a column name but the data has no header: set data.header: true, or give a column index (${range})`,
      { path: 'data.label' },
    );
  }
  const c = header.indexOf(label);
  if (c >= 0) return c;
  const trimmed = header.findIndex((h) => h.trim().toLowerCase() === label.trim().toLowerCase());
  const hint = trimmed >= 0 ? ` (did you mean ${quote(header[trimmed]!)}?)` : '';
  const shown = header.slice(0, 30).map((h) => quote(h)).join(', ');
  const more = header.length > 30 ? `, … (${header.length} in all)` : '';
  throw new UserError(`no column named ${quote(label)}${hint}; the columns are ${shown}${more}`, { path: 'data.label' });
}

/**
 * Class names in natural order and each row's class index. When every label is a number the
 * classes are those numbers (so `1` and `1.0` are one class), ordered numerically.
 */
export function encodeClasses(labels: readonly string[]): { classes: string[]; index: Float32Array } {
  const numeric = labels.every((l) => l !== '' && Number.isFinite(Number(l)));
  const keys = numeric ? labels.map((l) => String(Number(l))) : labels;
  const unique = [...new Set(keys)];
  if (numeric) unique.sort((a, b) => Number(a) - Number(b));
  else {
    const collator = new Intl.Collator('en', { numeric: true });
    unique.sort((a, b) => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
  }
  const position = new Map(unique.map((c, i) => [c, i]));
  const index = new Float32Array(keys.length);
  keys.forEach((k, r) => (index[r] = position.get(k)!));
  return { classes: unique, index };
}

/** Class names and indexes of labels that are all finite numbers, without a string per row. */
export function encodeNumericClasses(values: ArrayLike<number>): { classes: string[]; index: Float32Array } {
  const seen = new Map<number, number>();
  for (let r = 0; r < values.length; r++) if (!seen.has(values[r]!)) seen.set(values[r]!, 0);
  const unique = [...seen.keys()].sort((a, b) => a - b);
  unique.forEach((v, i) => seen.set(v, i));
  const index = new Float32Array(values.length);
  for (let r = 0; r < values.length; r++) index[r] = seen.get(values[r]!)!;
  return { classes: unique.map((v) => String(v)), index };
}

