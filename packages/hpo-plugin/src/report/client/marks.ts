/**
 * Per-trial marks, drawn either as SVG elements (crisp, inspectable; the default up to a few
 * thousand trials) or on a canvas laid over the chart's SVG axes (10,000-trial studies: a hundred
 * thousand SVG nodes would take seconds to lay out). Both draw the same list, in the chart's
 * viewBox coordinates, and both know which trial each mark belongs to (hover, brushing).
 *
 * A layer keeps its marks in typed arrays (kind, trial, style, geometry) with the styles interned:
 * a 10,000-trial page has ~120,000 marks, and one object per mark was a good part of its build time.
 */
import { esc, px } from './svg';
import { Bitmap, parseColour, sprite, type Rgb, type Sprite } from '../raster';

export type Mark =
  | { k: 'circle'; i: number; x: number; y: number; r: number; fill: string; stroke?: string; sw?: number }
  | { k: 'rect'; i: number; x: number; y: number; w: number; h: number; fill: string; stroke?: string; sw?: number }
  | { k: 'cross'; i: number; x: number; y: number; r: number; stroke: string; sw: number }
  | { k: 'line'; i: number; pts: ArrayLike<number>; stroke: string; sw?: number; op?: number };

export type Kind = Mark['k'];

/** How a mark is painted; shared by many marks of a layer. */
export interface Style {
  fill?: string;
  stroke?: string;
  sw?: number;
  op?: number;
}

const CIRCLE = 0;
const RECT = 1;
const CROSS = 2;
const LINE = 3;

function grow<T extends Float64Array | Int32Array | Uint8Array | Uint16Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class MarkLayer {
  count = 0;
  kind = new Uint8Array(256);
  /** The trial each mark belongs to. */
  trial = new Int32Array(256);
  style = new Uint16Array(256);
  x = new Float64Array(256);
  y = new Float64Array(256);
  /** circle, cross: radius; rect: width; line: offset of its first point in `pts`. */
  a = new Float64Array(256);
  /** rect: height; line: number of points. */
  b = new Float64Array(256);
  pts = new Float64Array(1024);
  npts = 0;
  readonly styles: Style[] = [];
  /** Style ids by kind and colour, then a short list to match the rest against (colours repeat, so lookups are by string identity). */
  private readonly styleIds = new Map<string, Array<{ s: Style; kind: Kind; id: number }>>();

  constructor(
    readonly chart: string,
    readonly width: number,
    readonly height: number,
    /** Default stroke width and opacity of lines. */
    readonly lineWidth = 1.2,
    readonly lineOpacity = 0.7,
  ) {}

  /** Room for `marks` marks and `points` line points, so that a big chart never grows its arrays. */
  reserve(marks: number, points = 0): this {
    if (marks > this.kind.length) {
      this.kind = grow(this.kind, marks);
      this.trial = grow(this.trial, marks);
      this.style = grow(this.style, marks);
      this.x = grow(this.x, marks);
      this.y = grow(this.y, marks);
      this.a = grow(this.a, marks);
      this.b = grow(this.b, marks);
    }
    if (points > this.pts.length) this.pts = grow(this.pts, points);
    return this;
  }

  styleId(kind: Kind, fill: string | undefined, stroke: string | undefined, sw: number | undefined, op: number | undefined): number {
    const key = fill ?? stroke ?? '';
    let list = this.styleIds.get(key);
    if (!list) this.styleIds.set(key, (list = []));
    for (const e of list) if (e.kind === kind && e.s.fill === fill && e.s.stroke === stroke && e.s.sw === sw && e.s.op === op) return e.id;
    const s: Style = {};
    if (fill !== undefined) s.fill = fill;
    if (stroke !== undefined) s.stroke = stroke;
    if (sw !== undefined) s.sw = sw;
    if (op !== undefined) s.op = op;
    const id = this.styles.push(s) - 1;
    list.push({ s, kind, id });
    return id;
  }

  private push(kind: number, i: number, style: number, x: number, y: number, a: number, b: number): void {
    const k = this.count++;
    this.reserve(k + 1);
    this.kind[k] = kind;
    this.trial[k] = i;
    this.style[k] = style;
    this.x[k] = x;
    this.y[k] = y;
    this.a[k] = a;
    this.b[k] = b;
  }

  add(m: Mark): void {
    switch (m.k) {
      case 'circle':
        return this.push(CIRCLE, m.i, this.styleId('circle', m.fill, m.stroke, m.sw, undefined), m.x, m.y, m.r, 0);
      case 'rect':
        return this.push(RECT, m.i, this.styleId('rect', m.fill, m.stroke, m.sw, undefined), m.x, m.y, m.w, m.h);
      case 'cross':
        return this.push(CROSS, m.i, this.styleId('cross', undefined, m.stroke, m.sw, undefined), m.x, m.y, m.r, 0);
      case 'line': {
        const len = m.pts.length >> 1;
        if (this.npts + 2 * len > this.pts.length) this.pts = grow(this.pts, this.npts + 2 * len);
        for (let k = 0; k < 2 * len; k++) this.pts[this.npts + k] = m.pts[k] as number;
        const off = this.npts;
        this.npts += 2 * len;
        return this.push(LINE, m.i, this.styleId('line', undefined, m.stroke, m.sw, m.op), 0, 0, off, len);
      }
    }
  }

  /** How many distinct trials have a mark here (`n`: trials in the study). */
  trialCount(n: number): number {
    const seen = new Uint8Array(n);
    let c = 0;
    for (let k = 0; k < this.count; k++) {
      const i = this.trial[k] as number;
      if (!seen[i]) {
        seen[i] = 1;
        c++;
      }
    }
    return c;
  }

  /** Where trial `i`'s first mark is anchored (a line: its first point), in viewBox coordinates. */
  anchorOf(i: number): { x: number; y: number } | undefined {
    for (let k = 0; k < this.count; k++) {
      if (this.trial[k] !== i) continue;
      const kind = this.kind[k];
      if (kind === LINE) return { x: this.pts[this.a[k] as number] as number, y: this.pts[(this.a[k] as number) + 1] as number };
      if (kind === RECT) return { x: (this.x[k] as number) + (this.a[k] as number) / 2, y: (this.y[k] as number) + (this.b[k] as number) / 2 };
      return { x: this.x[k] as number, y: this.y[k] as number };
    }
    return undefined;
  }
}

export function crossPath(x: number, y: number, r: number): string {
  return `M${px(x - r)},${px(y - r)}L${px(x + r)},${px(y + r)}M${px(x - r)},${px(y + r)}L${px(x + r)},${px(y - r)}`;
}

function markSvg(layer: MarkLayer, k: number): string {
  const s = layer.styles[layer.style[k] as number] as Style;
  const stroke = s.stroke ? ` stroke="${esc(s.stroke)}" stroke-width="${s.sw ?? 1}"` : '';
  const i = layer.trial[k] as number;
  const x = layer.x[k] as number;
  const y = layer.y[k] as number;
  const a = layer.a[k] as number;
  switch (layer.kind[k]) {
    case CIRCLE:
      return `<circle class="mark" data-i="${i}" cx="${px(x)}" cy="${px(y)}" r="${px(a)}" fill="${s.fill}"${stroke}/>`;
    case RECT:
      return `<rect class="mark" data-i="${i}" x="${px(x)}" y="${px(y)}" width="${px(a)}" height="${px(layer.b[k] as number)}" fill="${s.fill}"${stroke}/>`;
    case CROSS:
      return `<path class="mark" data-i="${i}" d="${crossPath(x, y, a)}" fill="none"${stroke}/>`;
    default: {
      let d = '';
      const end = a + 2 * (layer.b[k] as number);
      for (let p = a; p < end; p += 2) d += `${p > a ? 'L' : 'M'}${px(layer.pts[p] as number)},${px(layer.pts[p + 1] as number)}`;
      const w = s.sw ?? layer.lineWidth;
      const op = s.op ?? layer.lineOpacity;
      return `<path class="mark" data-i="${i}" d="${d}" fill="none" stroke="${s.stroke}" stroke-width="${w}" stroke-opacity="${op}"/>`;
    }
  }
}

export function layerSvg(layer: MarkLayer): string {
  let out = '<g class="marks">';
  for (let k = 0; k < layer.count; k++) out += markSvg(layer, k);
  return out + '</g>';
}

/**
 * Lines in one path: thousands of translucent lines go into one path per colour and run of
 * LINES_PER_PATH lines (overlaps inside a path do not add up, overlaps between paths still do, so
 * density still shows); a stroke call per line costs seconds at 10,000 trials.
 */
const LINES_PER_PATH = 64;
/** Sprites (small marks stamped from a mask) up to this size in device pixels; larger rects are filled directly. */
const SPRITE_MAX = 24;
/** Up to this many rect styles in a chart, its rects are composited style by style (compositeRects). */
const MAX_RECT_GROUPS = 16;

/** The canvas's backing size for the layer at the chart's displayed width (`cssWidth`). */
export function canvasScale(layer: MarkLayer, cssWidth: number): { ratio: number; w: number; h: number } {
  const ratio = (window.devicePixelRatio || 1) * (cssWidth / layer.width || 1);
  return { ratio, w: Math.max(1, Math.round(layer.width * ratio)), h: Math.max(1, Math.round(layer.height * ratio)) };
}

/** The canvas sized for the layer at this CSS width (resized only when that changes), cleared. */
function clearedCanvas(canvas: HTMLCanvasElement, layer: MarkLayer, cssWidth: number): { ratio: number; w: number; h: number; ctx: CanvasRenderingContext2D } {
  const { ratio, w, h } = canvasScale(layer, cssWidth);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ratio, w, h, ctx };
}

/**
 * Draws the layer on a canvas sized to the chart (`cssWidth`: the chart's displayed width, read
 * once for all charts so that drawing never forces a layout); `dim` marks are drawn faintly.
 *
 * Dots, squares, crosses and bars are composited in script into one bitmap (one putImageData per
 * chart), from masks the canvas itself draws once per shape and quarter-pixel offset, so they look
 * as canvas-drawn marks do. Drawn one by one through the canvas API, 10,000 dots cost ~40 ms of
 * calls and as much again of rasterisation per chart. Lines (and large outlined rects) go through
 * the canvas API, above the bitmap.
 */
export function drawLayer(canvas: HTMLCanvasElement, layer: MarkLayer, dim: Uint8Array | undefined, cssWidth: number): void {
  const { ratio, w, h, ctx } = clearedCanvas(canvas, layer, cssWidth);
  let bitmap: Bitmap | undefined;
  const api: number[] = [];
  // Sprites by style and quarter-pixel offset (a chart's marks of one style share their size).
  const cache = new Map<number, { a: number; b: number; sprite: Sprite }>();
  // Rects of few styles (bars, a timeline) are composited per style, as one canvas path each.
  const rectStyles = new Set<number>();
  for (let k = 0; k < layer.count && rectStyles.size <= MAX_RECT_GROUPS; k++) if (layer.kind[k] === RECT) rectStyles.add(layer.style[k] as number);
  const rectGroups = rectStyles.size <= MAX_RECT_GROUPS ? new Map<number, number[]>() : undefined;
  const colours = layer.styles.map((s) => ({ fill: s.fill ? rgbOf(s.fill) : undefined, stroke: s.stroke ? rgbOf(s.stroke) : undefined }));
  for (let k = 0; k < layer.count; k++) {
    const kind = layer.kind[k] as number;
    const s = layer.style[k] as number;
    const st = layer.styles[s] as Style;
    const large = kind === RECT && ((layer.a[k] as number) * ratio > SPRITE_MAX || (layer.b[k] as number) * ratio > SPRITE_MAX);
    if (kind === LINE || (large && st.stroke && !rectGroups)) {
      api.push(k);
      continue;
    }
    bitmap ??= new Bitmap(w, h);
    const faint = dim !== undefined && dim[layer.trial[k] as number] === 0;
    if (kind === RECT && rectGroups) {
      const key = s * 2 + (faint ? 1 : 0);
      const g = rectGroups.get(key);
      if (g) g.push(k);
      else rectGroups.set(key, [k]);
      continue;
    }
    const alpha = faint ? 0.06 : 1;
    const c = colours[s] as { fill?: Rgb; stroke?: Rgb };
    const x = (layer.x[k] as number) * ratio;
    const y = (layer.y[k] as number) * ratio;
    if (large) {
      if (c.fill) bitmap.fillRect(x, y, (layer.a[k] as number) * ratio, (layer.b[k] as number) * ratio, c.fill, alpha);
      continue;
    }
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const q = Math.floor((x - ix) * 4) * 4 + Math.floor((y - iy) * 4);
    const a = layer.a[k] as number;
    const b = layer.b[k] as number;
    let hit = cache.get(s * 16 + q);
    if (!hit || hit.a !== a || hit.b !== b) cache.set(s * 16 + q, (hit = { a, b, sprite: spriteFor(kind, a, b, st, ratio, q) }));
    bitmap.stamp(hit.sprite, ix, iy, c.fill, c.stroke, alpha);
  }
  if (bitmap && rectGroups?.size) compositeRects(bitmap, layer, rectGroups, colours, ratio);
  if (bitmap) ctx.putImageData(new ImageData(bitmap.data, w, h), 0, 0);
  if (api.length === 0) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.lineJoin = 'round';
  paintWithApi(ctx, layer, api, dim);
}

/** Each style's rects as one shape: all fills, then all outlines (as a canvas path filled, then stroked). */
function compositeRects(bitmap: Bitmap, layer: MarkLayer, groups: Map<number, number[]>, colours: Array<{ fill?: Rgb; stroke?: Rgb }>, ratio: number): void {
  const cov = new Float32Array(bitmap.width * bitmap.height);
  for (const [key, ks] of groups) {
    const s = key >> 1;
    const alpha = key & 1 ? 0.06 : 1;
    const st = layer.styles[s] as Style;
    const c = colours[s] as { fill?: Rgb; stroke?: Rgb };
    if (c.fill) {
      for (const k of ks) bitmap.addRect(cov, (layer.x[k] as number) * ratio, (layer.y[k] as number) * ratio, (layer.a[k] as number) * ratio, (layer.b[k] as number) * ratio);
      bitmap.compositeCoverage(cov, c.fill, alpha);
    }
    if (c.stroke) {
      const half = ((st.sw ?? 1) * ratio) / 2;
      for (const k of ks) {
        const x = (layer.x[k] as number) * ratio;
        const y = (layer.y[k] as number) * ratio;
        const w = (layer.a[k] as number) * ratio;
        const h = (layer.b[k] as number) * ratio;
        bitmap.addRect(cov, x - half, y - half, w + 2 * half, h + 2 * half);
        bitmap.addRect(cov, x + half, y + half, w - 2 * half, h - 2 * half, -1);
      }
      bitmap.compositeCoverage(cov, c.stroke, alpha);
    }
  }
}

/** Draws trial `hi`'s marks emphasised (the hover layer), or clears it (hi < 0). */
export function drawHighlight(canvas: HTMLCanvasElement, layer: MarkLayer, hi: number, cssWidth: number): void {
  const { ratio, ctx } = clearedCanvas(canvas, layer, cssWidth);
  if (hi < 0) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.lineJoin = 'round';
  for (let k = 0; k < layer.count; k++) {
    if (layer.trial[k] !== hi) continue;
    ctx.beginPath();
    tracePath(ctx, layer, k);
    const s = layer.styles[layer.style[k] as number] as Style;
    const kind = layer.kind[k];
    ctx.globalAlpha = 1;
    if (kind === CIRCLE || kind === RECT) {
      ctx.fillStyle = s.fill as string;
      ctx.fill();
    }
    ctx.strokeStyle = '#000';
    ctx.lineWidth = kind === LINE || kind === CROSS ? 2.5 : 2;
    ctx.stroke();
  }
}

function tracePath(ctx: CanvasRenderingContext2D, layer: MarkLayer, k: number): void {
  const x = layer.x[k] as number;
  const y = layer.y[k] as number;
  const a = layer.a[k] as number;
  switch (layer.kind[k]) {
    case CIRCLE:
      ctx.moveTo(x + a, y);
      ctx.arc(x, y, a, 0, Math.PI * 2);
      return;
    case RECT:
      ctx.rect(x, y, a, layer.b[k] as number);
      return;
    case CROSS:
      ctx.moveTo(x - a, y - a);
      ctx.lineTo(x + a, y + a);
      ctx.moveTo(x - a, y + a);
      ctx.lineTo(x + a, y - a);
      return;
    default: {
      const pts = layer.pts;
      const end = a + 2 * (layer.b[k] as number);
      ctx.moveTo(pts[a] as number, pts[a + 1] as number);
      for (let p = a + 2; p < end; p += 2) ctx.lineTo(pts[p] as number, pts[p + 1] as number);
    }
  }
}

/** Lines and large outlined rects: one path per style, faintness and run of LINES_PER_PATH marks. */
function paintWithApi(ctx: CanvasRenderingContext2D, layer: MarkLayer, marks: number[], dim: Uint8Array | undefined): void {
  // Few lines (small studies): one stroke each, so each trial's line keeps its own opacity.
  const perPath = marks.length > 3000 ? LINES_PER_PATH : 1;
  const groups = new Map<number, number[]>();
  const runs = new Map<number, number>();
  for (const k of marks) {
    const faint = dim !== undefined && dim[layer.trial[k] as number] === 0 ? 1 : 0;
    const base = (layer.style[k] as number) * 2 + faint;
    const run = runs.get(base) ?? 0;
    runs.set(base, run + 1);
    const key = base + 2 * layer.styles.length * Math.floor(run / perPath);
    const g = groups.get(key);
    if (g) g.push(k);
    else groups.set(key, [k]);
  }
  for (const [key, ks] of groups) {
    const s = layer.styles[(key >> 1) % layer.styles.length] as Style;
    const faint = (key & 1) === 1;
    const kind = layer.kind[ks[0] as number];
    ctx.beginPath();
    for (const k of ks) tracePath(ctx, layer, k);
    if (kind === LINE) {
      ctx.globalAlpha = faint ? 0.04 : (s.op ?? layer.lineOpacity);
      ctx.strokeStyle = s.stroke as string;
      ctx.lineWidth = s.sw ?? layer.lineWidth;
      ctx.stroke();
      continue;
    }
    ctx.globalAlpha = faint ? 0.06 : 1;
    if (s.fill) {
      ctx.fillStyle = s.fill;
      ctx.fill();
    }
    ctx.strokeStyle = s.stroke as string;
    ctx.lineWidth = s.sw ?? 1;
    ctx.stroke();
  }
}

// ---------------------------------------------------------------- sprites

/** A CSS colour as RGB: hex parsed here, anything else normalised by a canvas first. */
function rgbOf(colour: string): Rgb {
  const rgb = parseColour(colour);
  if (rgb) return rgb;
  const ctx = spriteContext();
  ctx.fillStyle = '#000';
  ctx.fillStyle = colour;
  return parseColour(String(ctx.fillStyle)) ?? [0, 0, 0];
}

function spriteContext(): CanvasRenderingContext2D {
  spriteCtx ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  return spriteCtx;
}

const sprites = new Map<string, Sprite>();
let spriteCtx: CanvasRenderingContext2D | undefined;

/** The coverage masks of a small mark at a quarter-pixel offset, drawn once by the canvas itself. */
function spriteFor(kind: number, a: number, b: number, s: Style, ratio: number, q: number): Sprite {
  const base = `${kind}|${a}|${b}|${s.fill ? 1 : 0}|${s.stroke ? (s.sw ?? 1) : ''}|${ratio}`;
  const hit = sprites.get(`${base}|${q}`);
  if (hit) return hit;
  // All 16 quarter-pixel offsets of the shape, fill and outline, drawn side by side and read back
  // at once: a read back flushes the canvas, and one per sprite cost more than the stamping.
  const ext = kind === RECT ? Math.max(a, b) : 2 * a;
  const pad = 2 + Math.ceil((s.sw ?? 1) * ratio);
  const size = Math.ceil(ext * ratio) + 2 * pad + 1;
  const ctx = spriteContext();
  const sheetW = 16 * size;
  const sheetH = 2 * size;
  if (ctx.canvas.width < sheetW || ctx.canvas.height < sheetH) {
    ctx.canvas.width = Math.max(ctx.canvas.width, sheetW);
    ctx.canvas.height = Math.max(ctx.canvas.height, sheetH);
  }
  // The mark's anchor (centre, or a rect's corner) sits at (ox + fx, oy + fy) in its cell.
  const ox = kind === RECT ? pad : pad + Math.ceil(a * ratio);
  const oy = ox;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, sheetW, sheetH);
  ctx.fillStyle = '#000';
  ctx.strokeStyle = '#000';
  const hasFill = !!s.fill && kind !== CROSS;
  for (let v = 0; v < 16; v++) {
    for (let row = 0; row < 2; row++) {
      if (row === 0 ? !hasFill : !s.stroke) continue;
      ctx.setTransform(ratio, 0, 0, ratio, v * size + ox + Math.floor(v / 4) / 4, row * size + oy + (v % 4) / 4);
      ctx.beginPath();
      if (kind === CIRCLE) ctx.arc(0, 0, a, 0, Math.PI * 2);
      else if (kind === RECT) ctx.rect(0, 0, a, b);
      else {
        ctx.moveTo(-a, -a);
        ctx.lineTo(a, a);
        ctx.moveTo(-a, a);
        ctx.lineTo(a, -a);
      }
      ctx.lineWidth = s.sw ?? 1;
      if (row === 0) ctx.fill();
      else ctx.stroke();
    }
  }
  const sheet = ctx.getImageData(0, 0, sheetW, sheetH).data;
  const cell = (v: number, row: number) => {
    const out = new Uint8ClampedArray(size * size * 4);
    for (let y = 0; y < size; y++) out.set(sheet.subarray(((row * size + y) * sheetW + v * size) * 4, ((row * size + y) * sheetW + v * size + size) * 4), y * size * 4);
    return out;
  };
  for (let v = 0; v < 16; v++) sprites.set(`${base}|${v}`, sprite(size, ox, oy, hasFill ? cell(v, 0) : undefined, s.stroke ? cell(v, 1) : undefined));
  return sprites.get(`${base}|${q}`) as Sprite;
}

// ---------------------------------------------------------------- hit testing

/** Nearest mark to a point (within `radius`), by the mark's centre or, for lines, its vertices. */
export class HitIndex {
  private readonly cells = new Map<number, number[]>();
  private readonly cell = 12;

  constructor(private readonly layer: MarkLayer) {
    for (let k = 0; k < layer.count; k++) anchors(layer, k, (x, y) => this.put(x, y, k));
  }

  private key(cx: number, cy: number): number {
    return cx * 100003 + cy;
  }

  private put(x: number, y: number, k: number): void {
    const key = this.key(Math.floor(x / this.cell), Math.floor(y / this.cell));
    const list = this.cells.get(key);
    if (list) {
      if (list[list.length - 1] !== k) list.push(k);
    } else this.cells.set(key, [k]);
  }

  nearest(x: number, y: number, radius = 8, alive?: Uint8Array): number {
    let best = -1;
    let bestD = radius * radius;
    const cx = Math.floor(x / this.cell);
    const cy = Math.floor(y / this.cell);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const k of this.cells.get(this.key(cx + dx, cy + dy)) ?? []) {
          const i = this.layer.trial[k] as number;
          if (alive && alive[i] === 0) continue;
          anchors(this.layer, k, (ax, ay) => {
            const d = (ax - x) ** 2 + (ay - y) ** 2;
            if (d <= bestD) {
              bestD = d;
              best = i;
            }
          });
        }
      }
    }
    return best;
  }
}

function anchors(layer: MarkLayer, k: number, f: (x: number, y: number) => void): void {
  const kind = layer.kind[k];
  if (kind === LINE) {
    const a = layer.a[k] as number;
    const end = a + 2 * (layer.b[k] as number);
    for (let p = a; p < end; p += 2) f(layer.pts[p] as number, layer.pts[p + 1] as number);
  } else if (kind === RECT) f((layer.x[k] as number) + (layer.a[k] as number) / 2, (layer.y[k] as number) + (layer.b[k] as number) / 2);
  else f(layer.x[k] as number, layer.y[k] as number);
}

