/**
 * Per-trial marks, drawn either as SVG elements (crisp, inspectable; the default up to a few
 * thousand trials) or on a canvas laid over the chart's SVG axes (10,000-trial studies: a hundred
 * thousand SVG nodes would take seconds to lay out). Both draw the same list, in the chart's
 * viewBox coordinates, and both know which trial each mark belongs to (hover, brushing).
 */
import { esc, px } from './svg';

export type Mark =
  | { k: 'circle'; i: number; x: number; y: number; r: number; fill: string; stroke?: string; sw?: number }
  | { k: 'rect'; i: number; x: number; y: number; w: number; h: number; fill: string; stroke?: string; sw?: number }
  | { k: 'cross'; i: number; x: number; y: number; r: number; stroke: string; sw: number }
  | { k: 'line'; i: number; pts: number[]; stroke: string; sw?: number; op?: number };

export class MarkLayer {
  readonly marks: Mark[] = [];
  constructor(
    readonly chart: string,
    readonly width: number,
    readonly height: number,
    /** Default stroke width and opacity of lines. */
    readonly lineWidth = 1.2,
    readonly lineOpacity = 0.7,
  ) {}

  add(m: Mark): void {
    this.marks.push(m);
  }
}

export function crossPath(x: number, y: number, r: number): string {
  return `M${px(x - r)},${px(y - r)}L${px(x + r)},${px(y + r)}M${px(x - r)},${px(y + r)}L${px(x + r)},${px(y - r)}`;
}

function markSvg(m: Mark, layer: MarkLayer): string {
  const stroke = (s?: string, w?: number) => (s ? ` stroke="${esc(s)}" stroke-width="${w ?? 1}"` : '');
  switch (m.k) {
    case 'circle':
      return `<circle class="mark" data-i="${m.i}" cx="${px(m.x)}" cy="${px(m.y)}" r="${px(m.r)}" fill="${m.fill}"${stroke(m.stroke, m.sw)}/>`;
    case 'rect':
      return `<rect class="mark" data-i="${m.i}" x="${px(m.x)}" y="${px(m.y)}" width="${px(m.w)}" height="${px(m.h)}" fill="${m.fill}"${stroke(m.stroke, m.sw)}/>`;
    case 'cross':
      return `<path class="mark" data-i="${m.i}" d="${crossPath(m.x, m.y, m.r)}" fill="none"${stroke(m.stroke, m.sw)}/>`;
    case 'line': {
      let d = '';
      for (let k = 0; k < m.pts.length; k += 2) d += `${k ? 'L' : 'M'}${px(m.pts[k] as number)},${px(m.pts[k + 1] as number)}`;
      const w = m.sw ?? layer.lineWidth;
      const op = m.op ?? layer.lineOpacity;
      return `<path class="mark" data-i="${m.i}" d="${d}" fill="none" stroke="${m.stroke}" stroke-width="${w}" stroke-opacity="${op}"/>`;
    }
  }
}

export function layerSvg(layer: MarkLayer): string {
  let out = '<g class="marks">';
  for (const m of layer.marks) out += markSvg(m, layer);
  return out + '</g>';
}

/**
 * Draws the layer on a canvas sized to the chart; `dim` marks are drawn faintly; with `onlyHi`, just
 * the marks of trial `hi`, emphasised (the hover layer). Opaque marks of one style go into one path
 * (one fill or stroke call for thousands of dots); lines keep one stroke each, so that translucent
 * lines still add up where many trials overlap.
 */
const LINES_PER_PATH = 64;

export function drawLayer(canvas: HTMLCanvasElement, layer: MarkLayer, dim: Uint8Array | undefined, hi = -1, onlyHi = false): void {
  // Thousands of translucent lines: one path per colour and run of LINES_PER_PATH lines (overlaps
  // inside a path do not add up, overlaps between paths still do, so density still shows); a
  // stroke call per line costs seconds at 10,000 trials.
  const batchLines = layer.marks.length > 3000;
  const rect = canvas.getBoundingClientRect();
  const ratio = (window.devicePixelRatio || 1) * (rect.width / layer.width || 1);
  const w = Math.max(1, Math.round(layer.width * ratio));
  const h = Math.max(1, Math.round(layer.height * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.lineJoin = 'round';
  const groups = new Map<string, Mark[]>();
  let lines = 0;
  for (const m of layer.marks) {
    if (onlyHi && m.i !== hi) continue;
    const faint = !onlyHi && dim !== undefined && dim[m.i] === 0;
    if (m.k === 'line' && (onlyHi || !batchLines)) {
      paintLine(ctx, m, layer, faint, onlyHi);
      continue;
    }
    const key = `${m.k}|${faint ? 1 : 0}|${'fill' in m ? m.fill : ''}|${m.stroke ?? ''}|${m.sw ?? ''}|${m.k === 'line' ? `${m.op ?? ''}|${Math.floor(lines++ / LINES_PER_PATH)}` : ''}`;
    const g = groups.get(key);
    if (g) g.push(m);
    else groups.set(key, [m]);
  }
  for (const [key, marks] of groups) paintGroup(ctx, marks, layer, key.split('|')[1] === '1', onlyHi);
}

function paintLine(ctx: CanvasRenderingContext2D, m: Extract<Mark, { k: 'line' }>, layer: MarkLayer, faint: boolean, emphasise: boolean): void {
  ctx.beginPath();
  for (let k = 0; k < m.pts.length; k += 2) {
    if (k) ctx.lineTo(m.pts[k] as number, m.pts[k + 1] as number);
    else ctx.moveTo(m.pts[k] as number, m.pts[k + 1] as number);
  }
  ctx.globalAlpha = faint ? 0.04 : emphasise ? 1 : (m.op ?? layer.lineOpacity);
  ctx.strokeStyle = emphasise ? '#000' : m.stroke;
  ctx.lineWidth = emphasise ? 2.5 : (m.sw ?? layer.lineWidth);
  ctx.stroke();
}

function paintGroup(ctx: CanvasRenderingContext2D, marks: Mark[], layer: MarkLayer, faint: boolean, emphasise: boolean): void {
  const head = marks[0] as Mark;
  if (head.k === 'line') {
    ctx.beginPath();
    for (const m of marks as Array<Extract<Mark, { k: 'line' }>>) {
      for (let k = 0; k < m.pts.length; k += 2) {
        if (k) ctx.lineTo(m.pts[k] as number, m.pts[k + 1] as number);
        else ctx.moveTo(m.pts[k] as number, m.pts[k + 1] as number);
      }
    }
    ctx.globalAlpha = faint ? 0.04 : (head.op ?? layer.lineOpacity);
    ctx.strokeStyle = head.stroke;
    ctx.lineWidth = head.sw ?? layer.lineWidth;
    ctx.stroke();
    return;
  }
  const first = head;
  ctx.globalAlpha = faint ? 0.06 : 1;
  ctx.beginPath();
  for (const m of marks) {
    if (m.k === 'circle') {
      ctx.moveTo(m.x + m.r, m.y);
      ctx.arc(m.x, m.y, m.r, 0, Math.PI * 2);
    } else if (m.k === 'rect') ctx.rect(m.x, m.y, m.w, m.h);
    else if (m.k === 'cross') {
      ctx.moveTo(m.x - m.r, m.y - m.r);
      ctx.lineTo(m.x + m.r, m.y + m.r);
      ctx.moveTo(m.x - m.r, m.y + m.r);
      ctx.lineTo(m.x + m.r, m.y - m.r);
    }
  }
  if (first.k !== 'cross') {
    ctx.fillStyle = first.fill;
    ctx.fill();
  }
  if (first.stroke || emphasise) {
    ctx.strokeStyle = emphasise ? '#000' : (first.stroke as string);
    ctx.lineWidth = emphasise ? (first.k === 'cross' ? 2.5 : 2) : (first.sw ?? 1);
    ctx.stroke();
  }
}

/** Nearest mark to a point (within `radius`), by the mark's centre or, for lines, its vertices. */
export class HitIndex {
  private readonly cells = new Map<number, number[]>();
  private readonly cell = 12;

  constructor(private readonly layer: MarkLayer) {
    layer.marks.forEach((m, k) => {
      for (const [x, y] of anchors(m)) this.put(x, y, k);
    });
  }

  private key(cx: number, cy: number): number {
    return cx * 100003 + cy;
  }

  private put(x: number, y: number, k: number): void {
    const key = this.key(Math.floor(x / this.cell), Math.floor(y / this.cell));
    const list = this.cells.get(key);
    if (list) list.push(k);
    else this.cells.set(key, [k]);
  }

  nearest(x: number, y: number, radius = 8, alive?: Uint8Array): number {
    let best = -1;
    let bestD = radius * radius;
    const cx = Math.floor(x / this.cell);
    const cy = Math.floor(y / this.cell);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const k of this.cells.get(this.key(cx + dx, cy + dy)) ?? []) {
          const m = this.layer.marks[k] as Mark;
          if (alive && alive[m.i] === 0) continue;
          for (const [ax, ay] of anchors(m)) {
            const d = (ax - x) ** 2 + (ay - y) ** 2;
            if (d <= bestD) {
              bestD = d;
              best = m.i;
            }
          }
        }
      }
    }
    return best;
  }
}

function anchors(m: Mark): Array<[number, number]> {
  if (m.k === 'line') {
    const out: Array<[number, number]> = [];
    for (let k = 0; k < m.pts.length; k += 2) out.push([m.pts[k] as number, m.pts[k + 1] as number]);
    return out;
  }
  if (m.k === 'rect') return [[m.x + m.w / 2, m.y + m.h / 2]];
  return [[m.x, m.y]];
}
