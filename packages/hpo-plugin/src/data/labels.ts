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
  // Each row's id in first-seen order. Classes are few: a scan of the ones seen so far is cheaper
  // than a Map lookup of a double per row; past SMALL of them (a label of many values), a Map.
  const SMALL = 16;
  const seen: number[] = [];
  let lookup: Map<number, number> | undefined;
  const ids = new Uint32Array(values.length);
  for (let r = 0; r < values.length; r++) {
    const v = values[r]!;
    let id = -1;
    if (lookup) id = lookup.get(v) ?? -1;
    else for (let j = 0; j < seen.length; j++) if (seen[j] === v) id = j; // === as the Map's SameValueZero, for finite numbers
    if (id < 0) {
      id = seen.push(v) - 1;
      if (lookup) lookup.set(v, id);
      else if (seen.length > SMALL) lookup = new Map(seen.map((u, j) => [u, j]));
    }
    ids[r] = id;
  }
  const order = seen.map((_, j) => j).sort((a, b) => seen[a]! - seen[b]!);
  const rank = new Uint32Array(seen.length);
  order.forEach((j, position) => (rank[j] = position));
  const index = new Float32Array(values.length);
  for (let r = 0; r < values.length; r++) index[r] = rank[ids[r]!]!;
  return { classes: order.map((j) => String(seen[j])), index };
}
