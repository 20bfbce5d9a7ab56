/**
 * The report's layout math, pure and shared with the browser: chart frames, best-so-far series,
 * the contour grid, timeline lanes and worker utilisation.
 */
import { extent, type Scale } from './scale';

export interface Frame {
  width: number;
  height: number;
  /** Margins around the plot area (axes and labels live there). */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The plot area of a frame as x and y pixel ranges (y upwards: range runs bottom to top). */
export function plotArea(f: Frame): { x: [number, number]; y: [number, number] } {
  return { x: [f.left, f.width - f.right], y: [f.height - f.bottom, f.top] };
}

/** Columns for `n` small charts of at least `minWidth` in `width`, and each chart's width. */
export function smallMultiples(n: number, width: number, minWidth: number, gap = 12): { columns: number; rows: number; cellWidth: number } {
  const columns = Math.max(1, Math.min(n, Math.floor((width + gap) / (minWidth + gap))));
  const cellWidth = Math.floor((width - gap * (columns - 1)) / columns);
  return { columns, rows: Math.ceil(n / columns), cellWidth };
}

/** The best value seen after each entry, in order (undefined entries, e.g. failed trials, carry the best on). */
export function bestSoFar(values: ReadonlyArray<number | undefined>, direction: 'minimize' | 'maximize'): Array<number | undefined> {
  let best: number | undefined;
  return values.map((v) => {
    if (v !== undefined && Number.isFinite(v) && (best === undefined || (direction === 'maximize' ? v > best : v < best))) best = v;
    return best;
  });
}

/** The y domain of objective values, padded by 5% so marks do not sit on the frame. */
export function valueDomain(values: Iterable<number>): [number, number] {
  const e = extent(values) ?? [0, 1];
  const pad = (e[1] - e[0]) * 0.05 || Math.abs(e[0]) * 0.05 || 1;
  return [e[0] - pad, e[1] + pad];
}

export interface Cell {
  col: number;
  row: number;
  /** Best objective value among the trials in the cell. */
  value: number;
  count: number;
}

/**
 * The contour plot's grid: trials binned by pixel position on two parameter axes; each cell keeps
 * the best value in it. Cells with no trial are absent (nothing is invented between trials).
 */
export function binGrid(
  points: ReadonlyArray<{ x: number; y: number; value: number }>,
  x: [number, number],
  y: [number, number],
  columns: number,
  rows: number,
  direction: 'minimize' | 'maximize',
): Cell[] {
  const cells = new Map<number, Cell>();
  const cw = (x[1] - x[0]) / columns;
  const ch = (y[1] - y[0]) / rows;
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    const col = Math.min(columns - 1, Math.max(0, Math.floor((p.x - x[0]) / cw)));
    const row = Math.min(rows - 1, Math.max(0, Math.floor((p.y - y[0]) / ch)));
    const k = row * columns + col;
    const c = cells.get(k);
    if (!c) cells.set(k, { col, row, value: p.value, count: 1 });
    else {
      c.count++;
      if (direction === 'maximize' ? p.value > c.value : p.value < c.value) c.value = p.value;
    }
  }
  return [...cells.values()].sort((a, b) => a.row - b.row || a.col - b.col);
}

/** Bin count along a scale: one per category on a band scale, else `n`. */
export function binsFor(scale: Scale, n: number): number {
  return scale.kind === 'band' ? Math.max(1, Math.round((scale.range[1] - scale.range[0]) / (scale.bandwidth || 1)) || 1) : n;
}

export interface Span {
  slot: number;
  start: number;
  end: number;
}

/** Worker slots in use and the share of slot-time spent training between the first start and the last end. */
export function utilisation(spans: readonly Span[]): { slots: number; span: number; busy: number; share: number } {
  if (spans.length === 0) return { slots: 0, span: 0, busy: 0, share: 0 };
  const slots = Math.max(...spans.map((s) => s.slot)) + 1;
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => s.end));
  const busy = spans.reduce((n, s) => n + Math.max(0, s.end - s.start), 0);
  const span = t1 - t0;
  return { slots, span, busy, share: span > 0 ? Math.min(1, busy / (slots * span)) : 1 };
}

/** Colour-blind-safe categorical colours (Okabe & Ito 2008). */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** Viridis (perceptually uniform, colour-blind-safe) at 9 stops, interpolated. */
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

/** Viridis at t in [0, 1], quantised to 1/128 (invisible, and it lets a canvas batch equal colours). */
export function viridis(t: number): string {
  const k = Math.round(Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * 128);
  return (VIRIDIS_TABLE[k] ??= viridisAt(k / 128));
}

const VIRIDIS_TABLE: string[] = [];

function viridisAt(q: number): string {
  const x = q * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = hex(VIRIDIS[i] as string);
  const b = hex(VIRIDIS[i + 1] as string);
  const c = a.map((v, k) => Math.round(v + ((b[k] as number) - v) * f));
  return '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
}

function hex(s: string): number[] {
  return [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
}
