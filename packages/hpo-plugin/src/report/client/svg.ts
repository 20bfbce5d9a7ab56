/** SVG as strings: building one string per chart and setting it once is what keeps 10,000 trials fast. */
import type { Scale } from '../scale';

export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** Two decimals are plenty for pixels and keep the markup short. */
export function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export function svgOpen(width: number, height: number, chart: string, label: string): string {
  return `<svg viewBox="0 0 ${width} ${height}" data-chart="${esc(chart)}" role="img" aria-label="${esc(label)}">`;
}

/** A horizontal axis at `y` with ticks, optional grid lines up to `gridTop`, and a centred label. */
export function axisBottom(scale: Scale, y: number, label: string, gridTop?: number, count = 6): string {
  const [a, b] = scale.range;
  let out = `<g class="axis"><line x1="${px(a)}" x2="${px(b)}" y1="${px(y)}" y2="${px(y)}"/>`;
  const ticks = thin(scale.ticks(count), Math.abs(b - a), 46);
  for (const t of ticks) {
    if (gridTop !== undefined) out += `<line class="gridline" stroke="#eef0f3" x1="${px(t.px)}" x2="${px(t.px)}" y1="${px(gridTop)}" y2="${px(y)}" style="stroke:#eef0f3"/>`;
    out += `<line x1="${px(t.px)}" x2="${px(t.px)}" y1="${px(y)}" y2="${px(y + 4)}"/><text x="${px(t.px)}" y="${px(y + 15)}" text-anchor="middle">${esc(t.label)}</text>`;
  }
  out += `<text class="label" x="${px((a + b) / 2)}" y="${px(y + 30)}" text-anchor="middle">${esc(label)}</text></g>`;
  return out;
}

/** A vertical axis at `x` (ticks to the left), optional grid lines to `gridRight`, a rotated label. */
export function axisLeft(scale: Scale, x: number, label: string, gridRight?: number, count = 5): string {
  const [a, b] = scale.range;
  let out = `<g class="axis"><line x1="${px(x)}" x2="${px(x)}" y1="${px(a)}" y2="${px(b)}"/>`;
  for (const t of thin(scale.ticks(count), Math.abs(b - a), 14)) {
    if (gridRight !== undefined) out += `<line x1="${px(x)}" x2="${px(gridRight)}" y1="${px(t.px)}" y2="${px(t.px)}" style="stroke:#eef0f3"/>`;
    out += `<line x1="${px(x - 4)}" x2="${px(x)}" y1="${px(t.px)}" y2="${px(t.px)}"/><text x="${px(x - 6)}" y="${px(t.px + 3.5)}" text-anchor="end">${esc(t.label)}</text>`;
  }
  const mid = (a + b) / 2;
  out += `<text class="label" transform="translate(${px(x - 44)},${px(mid)}) rotate(-90)" text-anchor="middle">${esc(label)}</text></g>`;
  return out;
}

/** Keeps every k-th tick so labels at least `minGap` pixels apart do not overlap. */
export function thin<T>(ticks: T[], length: number, minGap: number): T[] {
  if (ticks.length <= 1) return ticks;
  const gap = length / (ticks.length - 1);
  const k = Math.max(1, Math.ceil(minGap / Math.max(gap, 1e-9)));
  return ticks.filter((_, i) => i % k === 0);
}
