/**
 * Scales and axis ticks for the report's charts: pure functions shared by the Node side (tests,
 * layout) and the browser side (bundled into report.html). A parameter's axis uses its own units:
 * a log axis for `log: true`, a category axis for categoricals, a linear axis otherwise.
 */

export type Value = number | string | boolean;

export interface Scale {
  kind: 'linear' | 'log' | 'band';
  /** Pixel position of a value (centre of its band for categories). */
  map(v: Value): number;
  /** Value at a pixel position (numbers only; a band scale returns the nearest category's index). */
  invert(px: number): number;
  ticks(count?: number): Tick[];
  range: [number, number];
  /** Width of one category band (0 for continuous scales). */
  bandwidth: number;
}

export interface Tick {
  value: Value;
  px: number;
  label: string;
}

/** The smallest and largest finite numbers (undefined when there are none). */
export function extent(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** A 1-2-5 step giving about `count` intervals over [lo, hi]. */
export function niceStep(lo: number, hi: number, count: number): number {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const nice = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
  return nice * mag;
}

/** Multiples of a nice step inside [lo, hi] (both ends included when they fall on a step). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (lo === hi) return [lo];
  if (lo > hi) [lo, hi] = [hi, lo];
  const step = niceStep(lo, hi, count);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const out: number[] = [];
  // Rounding to the step's decimals keeps 0.30000000000000004 out of the labels.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let k = first; k <= last; k++) out.push(Number((k * step).toFixed(Math.min(20, decimals))));
  return out;
}

/** A number as short as it can be while still telling ticks `step` apart. */
export function formatNumber(v: number, step?: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return Number(v.toPrecision(step !== undefined ? 2 : 4)).toExponential().replace('e+', 'e');
  if (step !== undefined && step > 0) {
    const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
    return v.toFixed(Math.min(10, decimals));
  }
  return String(Number(v.toPrecision(4)));
}

/** Pads a degenerate domain so a single value still gets an axis. */
function padded(lo: number, hi: number, log: boolean): [number, number] {
  if (lo < hi) return [lo, hi];
  if (log) return [lo / 2, hi * 2];
  const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - d, hi + d];
}

/** `integer`: ticks only at whole numbers (trial numbers, epochs, int parameters). */
export function linearScale(domain: [number, number], range: [number, number], integer = false): Scale {
  const [d0, d1] = padded(domain[0], domain[1], false);
  const [r0, r1] = range;
  const k = (r1 - r0) / (d1 - d0);
  return {
    kind: 'linear',
    range,
    bandwidth: 0,
    map: (v) => r0 + (Number(v) - d0) * k,
    invert: (px) => d0 + (px - r0) / k,
    ticks(count = 5) {
      const step = integer ? Math.max(1, niceStep(d0, d1, count)) : niceStep(d0, d1, count);
      const ticks = integer ? niceTicks(d0, d1, count).filter((t) => Number.isInteger(t)) : niceTicks(d0, d1, count);
      return ticks.map((t) => ({ value: t, px: r0 + (t - d0) * k, label: formatNumber(t, step) }));
    },
  };
}

export function logScale(domain: [number, number], range: [number, number]): Scale {
  const lo0 = domain[0] > 0 ? domain[0] : 1e-12;
  const hi0 = domain[1] > 0 ? domain[1] : lo0;
  const [d0, d1] = padded(lo0, hi0, true);
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const [r0, r1] = range;
  const k = (r1 - r0) / (l1 - l0);
  return {
    kind: 'log',
    range,
    bandwidth: 0,
    map: (v) => r0 + (Math.log10(Number(v)) - l0) * k,
    invert: (px) => 10 ** (l0 + (px - r0) / k),
    ticks(count = 5) {
      return logTicks(d0, d1, count).map((t) => ({ value: t, px: r0 + (Math.log10(t) - l0) * k, label: formatNumber(t) }));
    },
  };
}

/** Powers of ten in [lo, hi]; with fewer than `count` of them, also their 2x and 5x multiples. */
export function logTicks(lo: number, hi: number, count = 5): number[] {
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const inside = (t: number) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9);
  const decades: number[] = [];
  for (let e = e0; e <= e1; e++) decades.push(e);
  let mults = [1];
  if (decades.filter((e) => inside(10 ** e)).length < count) mults = [1, 2, 5];
  const out: number[] = [];
  // Thin out only very long ranges; the axis drops labels that would overlap anyway.
  const every = Math.max(1, Math.ceil(decades.length / Math.max(1, 2 * count)));
  for (const e of decades) {
    if (mults.length === 1 && (e - e0) % every !== 0) continue;
    for (const m of mults) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (inside(t)) out.push(t);
    }
  }
  if (out.length === 0) return niceTicks(lo, hi, count).filter((t) => t > 0);
  return out;
}

export function bandScale(categories: readonly Value[], range: [number, number]): Scale {
  const [r0, r1] = range;
  const n = Math.max(1, categories.length);
  const bw = (r1 - r0) / n;
  const index = new Map(categories.map((c, i) => [String(c), i]));
  return {
    kind: 'band',
    range,
    bandwidth: Math.abs(bw),
    map: (v) => r0 + ((index.get(String(v)) ?? -0.5) + 0.5) * bw,
    invert: (px) => Math.max(0, Math.min(n - 1, Math.floor((px - r0) / bw))),
    ticks: () => categories.map((c, i) => ({ value: c, px: r0 + (i + 0.5) * bw, label: String(c) })),
  };
}

/** What the report knows of a parameter's definition. */
export interface ParamAxis {
  name: string;
  type: 'float' | 'int' | 'categorical';
  low?: number;
  high?: number;
  log?: boolean;
  choices?: Value[];
}

/** The axis of a parameter in its own units, spanning its whole search range. */
export function paramScale(p: ParamAxis, range: [number, number], seen: readonly Value[] = []): Scale {
  if (p.type === 'categorical') {
    const choices = p.choices ?? [];
    const extra = [...new Set(seen.map(String))].filter((s) => !choices.some((c) => String(c) === s)).sort();
    return bandScale([...choices, ...extra], range);
  }
  const nums = seen.filter((v): v is number => typeof v === 'number');
  const e = extent(nums);
  const lo = Math.min(p.low ?? Infinity, e?.[0] ?? Infinity);
  const hi = Math.max(p.high ?? -Infinity, e?.[1] ?? -Infinity);
  const domain: [number, number] = Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [0, 1];
  return p.log && domain[0] > 0 ? logScale(domain, range) : linearScale(domain, range, p.type === 'int');
}
