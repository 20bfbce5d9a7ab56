/**
 * A small compositing bitmap for the report's canvas marks: thousands of small marks (dots,
 * squares, crosses, bars) blended in script into one RGBA buffer, then put on the canvas at once.
 * Pure (no DOM): the masks come from the canvas (marks.ts), the blending is plain source-over.
 */

export type Rgb = [number, number, number];

/** Coverage masks (0..1 per pixel, `size` x `size`) of one small mark, fill and outline apart. */
export interface Sprite {
  size: number;
  /** The pixel of the mask that sits on the mark's anchor pixel. */
  ox: number;
  oy: number;
  fill?: Float32Array;
  stroke?: Float32Array;
  /** The rows and columns with any coverage (the rest is skipped when stamping). */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** A sprite from RGBA masks (only alpha is read), trimmed to the pixels that have coverage. */
export function sprite(size: number, ox: number, oy: number, fillRgba?: ArrayLike<number>, strokeRgba?: ArrayLike<number>): Sprite {
  const cov = (rgba?: ArrayLike<number>) => {
    if (!rgba) return undefined;
    const out = new Float32Array(size * size);
    for (let k = 0; k < out.length; k++) out[k] = (rgba[4 * k + 3] as number) / 255;
    return out;
  };
  const fill = cov(fillRgba);
  const stroke = cov(strokeRgba);
  let x0 = size;
  let y0 = size;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const k = y * size + x;
      if ((fill?.[k] ?? 0) > 0 || (stroke?.[k] ?? 0) > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return { size, ox, oy, fill, stroke, x0, x1, y0, y1 };
}

/** `#rgb` or `#rrggbb` (what the report's palettes use), or `rgb(r, g, b)`; undefined otherwise. */
export function parseColour(c: string): Rgb | undefined {
  let m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(c);
  if (m) return [parseInt((m[1] as string).repeat(2), 16), parseInt((m[2] as string).repeat(2), 16), parseInt((m[3] as string).repeat(2), 16)];
  m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  if (m) return [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16), parseInt(m[3] as string, 16)];
  m = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i.exec(c);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return undefined;
}

/**
 * Straight (not premultiplied) 8-bit RGBA, as ImageData holds it, blended source-over: the buffer
 * goes to the canvas as it is, with no conversion pass and a quarter of the memory of floats.
 */
export class Bitmap {
  readonly data: Uint8ClampedArray<ArrayBuffer>;
  /** Rows touched by addRect since the last compositeCoverage. */
  private covTop = Infinity;
  private covBottom = -1;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8ClampedArray(width * height * 4);
  }

  /** Blends colour `c` at opacity `a` (0..1) over pixel (x, y). */
  blend(x: number, y: number, c: Rgb, a: number): void {
    if (a <= 0 || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    blendAt(this.data, (y * this.width + x) * 4, c[0], c[1], c[2], a);
  }

  /** A sprite with its anchor on pixel (x, y): its fill in `fill`, then its outline in `stroke`, at opacity `alpha`. */
  stamp(s: Sprite, x: number, y: number, fill: Rgb | undefined, stroke: Rgb | undefined, alpha: number): void {
    const left = x - s.ox;
    const top = y - s.oy;
    // The sprite's covered rows and columns, clipped to the bitmap.
    const sx0 = Math.max(s.x0, -left);
    const sx1 = Math.min(s.x1, this.width - 1 - left);
    const sy0 = Math.max(s.y0, -top);
    const sy1 = Math.min(s.y1, this.height - 1 - top);
    if (fill && s.fill) this.stampMask(s.fill, s.size, left, top, sx0, sx1, sy0, sy1, fill, alpha);
    if (stroke && s.stroke) this.stampMask(s.stroke, s.size, left, top, sx0, sx1, sy0, sy1, stroke, alpha);
  }

  private stampMask(mask: Float32Array, size: number, left: number, top: number, sx0: number, sx1: number, sy0: number, sy1: number, c: Rgb, alpha: number): void {
    const d = this.data;
    const r = c[0];
    const g = c[1];
    const b = c[2];
    for (let sy = sy0; sy <= sy1; sy++) {
      let o = ((top + sy) * this.width + left + sx0) * 4;
      let k = sy * size + sx0;
      for (let sx = sx0; sx <= sx1; sx++, o += 4, k++) {
        const a = (mask[k] as number) * alpha;
        if (a > 0) blendAt(d, o, r, g, b, a);
      }
    }
  }

  /** A filled rectangle with fractional edges (partly covered edge pixels get partial coverage). */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb, alpha: number): void {
    const x1 = x + w;
    const y1 = y + h;
    for (let py = Math.max(0, Math.floor(y)); py < Math.min(this.height, Math.ceil(y1)); py++) {
      const cy = Math.min(py + 1, y1) - Math.max(py, y);
      for (let px = Math.max(0, Math.floor(x)); px < Math.min(this.width, Math.ceil(x1)); px++) {
        const cx = Math.min(px + 1, x1) - Math.max(px, x);
        this.blend(px, py, c, cx * cy * alpha);
      }
    }
  }

  /**
   * Adds a rectangle's coverage (fractional at its edges, `sign` -1 to take it away) to `cov`, a
   * coverage buffer of this bitmap's size: rects of one style accumulate there and are composited
   * once (see compositeCoverage), so that bars thinner than a pixel side by side fill it, as one
   * canvas path would, instead of leaving lighter seams.
   */
  addRect(cov: Float32Array, x: number, y: number, w: number, h: number, sign = 1): void {
    if (!(w > 0 && h > 0)) return;
    const x1 = x + w;
    const y1 = y + h;
    const top = Math.max(0, Math.floor(y));
    const bottom = Math.min(this.height, Math.ceil(y1));
    if (top < this.covTop) this.covTop = top;
    if (bottom > this.covBottom) this.covBottom = bottom;
    for (let py = top; py < bottom; py++) {
      const cy = Math.min(py + 1, y1) - Math.max(py, y);
      let o = py * this.width + Math.max(0, Math.floor(x));
      for (let px = Math.max(0, Math.floor(x)); px < Math.min(this.width, Math.ceil(x1)); px++, o++) {
        cov[o] = (cov[o] as number) + sign * (Math.min(px + 1, x1) - Math.max(px, x)) * cy;
      }
    }
  }

  /** Blends colour `c` through a coverage buffer (clamped to 0..1, times `alpha`) and clears the buffer. */
  compositeCoverage(cov: Float32Array, c: Rgb, alpha: number): void {
    const d = this.data;
    const end = Math.min(cov.length, this.covBottom * this.width);
    for (let p = Math.max(0, this.covTop * this.width); p < end; p++) {
      const v = cov[p] as number;
      if (v === 0) continue;
      cov[p] = 0;
      const a = Math.min(1, v) * alpha;
      if (a > 0) blendAt(d, p * 4, c[0], c[1], c[2], a);
    }
    this.covTop = Infinity;
    this.covBottom = -1;
  }
}

/** Source-over of (r, g, b) at opacity `a` (0..1) onto the straight-alpha pixel at byte offset `o`. */
export function blendAt(d: Uint8ClampedArray, o: number, r: number, g: number, b: number, a: number): void {
  const da = (d[o + 3] as number) / 255;
  if (a >= 1 || da === 0) {
    d[o] = r;
    d[o + 1] = g;
    d[o + 2] = b;
    d[o + 3] = a * 255;
    return;
  }
  const keep = da * (1 - a);
  const out = a + keep;
  const inv = 1 / out;
  d[o] = (r * a + (d[o] as number) * keep) * inv;
  d[o + 1] = (g * a + (d[o + 1] as number) * keep) * inv;
  d[o + 2] = (b * a + (d[o + 2] as number) * keep) * inv;
  d[o + 3] = out * 255;
}
