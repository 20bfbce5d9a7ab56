/**
 * The page script of report.html: reads the embedded study JSON and draws every view as SVG, then
 * wires the interactions (hover tooltips, brushing the parallel coordinates, sorting the table).
 * Every per-trial mark carries `class="mark"` and `data-i` (the trial's index in the data), which
 * is how brushing dims marks everywhere and how the browser tests count marks.
 */
import { trainCommand, unpackReport, type PackedReport, type ReportStudy, type ReportTrial } from '../model';
import { bestSoFar, binGrid, OKABE_ITO, plotArea, smallMultiples, utilisation, valueDomain, viridis, type Frame } from '../layout';
import { extent, formatNumber, linearScale, paramScale, type ParamAxis, type Scale, type Value } from '../scale';
import { axisBottom, axisLeft, esc, px, svgOpen } from './svg';
import { crossPath, drawHighlight, drawLayer, HitIndex, layerSvg, MarkLayer } from './marks';

const scriptStart = performance.now();
const data = unpackReport(JSON.parse((document.getElementById('report-data') as HTMLElement).textContent as string) as PackedReport);
const trials = data.trials;
const n = trials.length;
const compare = data.kind === 'compare';
const maximize = data.direction === 'maximize';
const params = mergeParams(data.studies);
const W = 1100;
const HALF = 540;
const STATE_COLOUR = { complete: OKABE_ITO[0] as string, pruned: OKABE_ITO[1] as string, failed: OKABE_ITO[5] as string };
/** Finite objective values (complete and pruned trials). */
const valueOf = (t: ReportTrial): number | undefined => (t.value !== undefined && Number.isFinite(t.value) ? t.value : undefined);
const values = trials.map(valueOf);
/** Each parameter's value per trial, read once (a lookup by a computed key is slow, and views read them many times). */
const paramCols = new Map(params.map((p) => [p.name, trials.map((t) => t.params[p.name])]));
const colOf = (name: string): Array<Value | undefined> => paramCols.get(name) ?? [];
const seenOf = (name: string): Value[] => colOf(name).filter((v): v is Value => v !== undefined);
const vDomain = valueDomain(values.filter((v): v is number => v !== undefined));
const hasFailed = trials.some((t) => valueOf(t) === undefined);
/** The values seen (unpadded): the colour scale runs over exactly these. */
const vExtent = extent(values.filter((v): v is number => v !== undefined)) ?? [0, 1];
/** Colour of a value: bright (yellow) is better, whatever the direction. */
const valueColour = (v: number | undefined) => {
  if (v === undefined) return '#9aa3ad';
  const u = vExtent[1] > vExtent[0] ? (v - vExtent[0]) / (vExtent[1] - vExtent[0]) : 1;
  return viridis(maximize ? u : 1 - u);
};
const studyColour = (t: ReportTrial) => OKABE_ITO[(t.study ?? 0) % OKABE_ITO.length] as string;
/** Position of each trial in finish order within its study (the history's x). */
const order = finishOrder();
let selected: Uint8Array = new Uint8Array(n).fill(1);
/** Above this many trials, marks go on canvases (`#svg` / `#canvas` in the URL force either). */
const CANVAS_OVER = 500;
const useCanvas = location.hash.includes('canvas') || (!location.hash.includes('svg') && n > CANVAS_OVER);
const layers: MarkLayer[] = [];

/**
 * A chart: SVG axes under the marks, `over` (lines, labels) above them. With canvases, the marks
 * and `over` sit on layers above the SVG that let the pointer through to it (brushes).
 */
function plot(open: string, layer: MarkLayer, under: string, over = ''): string {
  const k = layers.push(layer) - 1;
  const count = layer.trialCount(n);
  if (!useCanvas) return open.replace('<svg ', `<svg data-layer="${k}" data-marks="${count}" `) + under + layerSvg(layer) + over + '</svg>';
  const viewBox = `viewBox="0 0 ${layer.width} ${layer.height}"`;
  return `<div class="plot" data-layer="${k}" data-chart="${esc(layer.chart)}" data-marks="${count}">${open.replace(/ data-chart="[^"]*"/, '')}${under}</svg><canvas class="marks-canvas"></canvas><svg class="over" ${viewBox}>${over}</svg><canvas class="hi-canvas"></canvas></div>`;
}

function mergeParams(studies: ReportStudy[]): ParamAxis[] {
  const byName = new Map<string, ParamAxis>();
  for (const s of studies) {
    for (const p of s.params) {
      const q = byName.get(p.name);
      if (!q) byName.set(p.name, { ...p, ...(p.choices ? { choices: [...p.choices] } : {}) });
      else if (q.type === 'categorical' || p.type === 'categorical') {
        q.type = 'categorical';
        q.choices = [...new Set([...(q.choices ?? []), ...(p.choices ?? [])].map(String))];
      } else {
        q.low = Math.min(q.low ?? Infinity, p.low ?? Infinity);
        q.high = Math.max(q.high ?? -Infinity, p.high ?? -Infinity);
        q.log = q.log === true && p.log === true;
      }
    }
  }
  return [...byName.values()];
}

function finishOrder(): number[] {
  const seen = new Map<number, number>();
  return trials.map((t) => {
    const k = (seen.get(t.study ?? 0) ?? 0) + 1;
    seen.set(t.study ?? 0, k);
    return k;
  });
}

function fmt(v: Value | undefined): string {
  if (v === undefined) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatNumber(v);
  return String(v);
}

function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A value axis with, when some trials have no value (failed), a "failed" row below it. */
function valueAxis(f: Frame): { scale: Scale; failedY: number } {
  const area = plotArea(f);
  const bottom = hasFailed ? area.y[0] - 16 : area.y[0];
  return { scale: linearScale(vDomain, [bottom, area.y[1]]), failedY: area.y[0] - 4 };
}

function failedLabel(x: number, y: number): string {
  return hasFailed ? `<text class="label" x="${px(x - 6)}" y="${px(y + 3.5)}" text-anchor="end">failed</text>` : '';
}

/** One mark: a dot for a value (a square when pruned, hollow when reused), a cross in the failed row for a failed trial. */
function dot(layer: MarkLayer, i: number, x: number, y: number | undefined, failedY: number, fill: string, r: number): void {
  const t = trials[i] as ReportTrial;
  if (y === undefined) return layer.add({ k: 'cross', i, x, y: failedY, r, stroke: STATE_COLOUR.failed, sw: 1.5 });
  const hollow = t.reused && !compare;
  const stroke = hollow ? fill : undefined;
  const sw = hollow ? 1.5 : undefined;
  const inside = hollow ? '#fff' : fill;
  if (t.state === 'pruned') layer.add({ k: 'rect', i, x: x - r, y: y - r, w: 2 * r, h: 2 * r, fill: inside, stroke, sw });
  else layer.add({ k: 'circle', i, x, y, r, fill: inside, stroke, sw });
}

const markRadius = n > 3000 ? 1.6 : n > 500 ? 2.4 : 3.5;

// ---------------------------------------------------------------- views

/** With more than one proposing sampler (auto): how many trials each proposed. */
function proposerChips(): string[] {
  const counts = new Map<string, number>();
  for (const t of trials) if (t.sampler !== undefined) counts.set(t.sampler, (counts.get(t.sampler) ?? 0) + 1);
  if (counts.size < 2) return [];
  return [`<span class="chip">proposed by ${[...counts].map(([s, c]) => `${esc(s)} ${c}`).join(', ')}</span>`];
}

function header(): string {
  const s0 = data.studies[0] as ReportStudy;
  const count = (st: string) => trials.filter((t) => t.state === st).length;
  const reused = trials.filter((t) => t.reused).length;
  const chips = compare
    ? data.studies.map((s, k) => `<span class="chip"><i style="display:inline-block;width:9px;height:9px;border-radius:50%;background:${OKABE_ITO[k % 8]}"></i> ${esc(s.name)} · ${esc(s.algorithm)} · ${trials.filter((t) => (t.study ?? 0) === k).length} trials</span>`)
    : [
        `<span class="chip">${n}${s0.planned !== undefined ? ` of ${s0.planned}` : ''} trials</span>`,
        `<span class="chip state-complete">${count('complete')} complete</span>`,
        `<span class="chip state-pruned">${count('pruned')} pruned</span>`,
        `<span class="chip state-failed">${count('failed')} failed</span>`,
        `<span class="chip">${reused} reused from the store</span>`,
        `<span class="chip">algorithm: ${esc(s0.algorithm)}</span>`,
        ...proposerChips(),
      ];
  const banner = data.final ? '' : `<div class="banner">The sweep is still running: ${n}${s0.planned !== undefined ? ` of ${s0.planned}` : ''} trials finished. Reload to see progress.</div>`;
  return `<h1>${compare ? 'Compare studies' : 'Sweep report'}: ${esc(data.title)}</h1>
<p class="sub">objective: ${esc(data.direction)} <code>${esc(data.metric)}</code></p>${banner}<div class="chips">${chips.join('')}</div>`;
}

function bestIndex(study: number): number | undefined {
  let best: number | undefined;
  trials.forEach((t, i) => {
    if ((t.study ?? 0) !== study || t.state !== 'complete' || valueOf(t) === undefined) return;
    const b = best === undefined ? undefined : (trials[best] as ReportTrial).value;
    if (b === undefined || (maximize ? (t.value as number) > b : (t.value as number) < b)) best = i;
  });
  return best;
}

function bestCard(): string {
  const parts = data.studies.map((s, k) => {
    const i = bestIndex(k);
    if (i === undefined) return `<p>${compare ? esc(s.name) + ': ' : ''}no complete trial yet.</p>`;
    const t = trials[i] as ReportTrial;
    const rows = Object.entries(t.params).map(([name, v]) => `<code>${esc(name)}</code><span>${esc(fmt(v))}</span>`).join('');
    const cmd = s.train ? `<pre class="cmd" id="best-command${compare ? '-' + k : ''}">${esc(trainCommand(s.train, t.params))}</pre>` : '';
    return `<h2>Best${compare ? ` of ${esc(s.name)}` : ''}: trial ${t.id}, ${esc(s.metric)} = ${esc(fmt(t.value))}</h2><div class="best">${rows}</div>${cmd ? `<p class="note">Train it (and save the model):</p>${cmd}` : ''}`;
  });
  return `<section class="card" id="best">${parts.join('')}</section>`;
}

function historyView(): string {
  const f: Frame = { width: W, height: 300, left: 64, right: 16, top: 12, bottom: 44 };
  const area = plotArea(f);
  const perStudy = Math.max(1, ...order);
  const x = linearScale([1, Math.max(2, perStudy)], area.x, true);
  const { scale: y, failedY } = valueAxis(f);
  const open = svgOpen(f.width, f.height, 'history', 'objective value per trial in finish order');
  const under = axisLeft(y, area.x[0], data.metric, area.x[1]) + axisBottom(x, area.y[0], 'trial, in finish order') + failedLabel(area.x[0], failedY);
  const layer = new MarkLayer('history', f.width, f.height).reserve(n);
  trials.forEach((t, i) => {
    const v = values[i];
    dot(layer, i, x.map(order[i] as number), v === undefined ? undefined : y.map(v), failedY, compare ? studyColour(t) : STATE_COLOUR[t.state], markRadius);
  });
  // Best-so-far per study: a step line through the complete trials.
  let lines = '';
  data.studies.forEach((_, k) => {
    const idx = trials.map((t, i) => i).filter((i) => ((trials[i] as ReportTrial).study ?? 0) === k);
    const best = bestSoFar(idx.map((i) => ((trials[i] as ReportTrial).state === 'complete' ? valueOf(trials[i] as ReportTrial) : undefined)), data.direction);
    let d = '';
    let prev: number | undefined;
    idx.forEach((i, j) => {
      const b = best[j];
      if (b === undefined) return;
      const xx = x.map(order[i] as number);
      d += prev === undefined ? `M${px(xx)},${px(y.map(b))}` : `H${px(xx)}V${px(y.map(b))}`;
      prev = b;
    });
    if (prev !== undefined) d += `H${px(area.x[1])}`;
    if (d) lines += `<path d="${d}" pointer-events="none" fill="none" stroke="${compare ? OKABE_ITO[k % 8] : '#1b1f24'}" stroke-width="2" opacity="0.85"/>`;
  });
  const out = plot(open, layer, under, lines);
  const legend = compare
    ? ''
    : `<div class="legend"><span><i style="background:${STATE_COLOUR.complete}"></i>complete</span><span><i style="background:${STATE_COLOUR.pruned};border-radius:0"></i>pruned (last value)</span><span style="color:${STATE_COLOUR.failed}">× failed</span><span><i style="border:1.5px solid ${STATE_COLOUR.complete};background:#fff"></i>reused from the store</span><span>— best so far</span></div>`;
  return card('history', '1. Optimization history', `Each trial's ${esc(data.metric)} in the order trials finished; the line is the best complete trial so far.`, legend + out);
}

/** Parallel coordinates: one axis per parameter and one for the objective; brush an axis to filter. */
interface PcAxis {
  name: string;
  x: number;
  scale: Scale;
  pos: Float32Array;
}
let pcAxes: PcAxis[] = [];
const brushes = new Map<number, [number, number]>();

function pcView(): string {
  const f: Frame = { width: W, height: 360, left: 60, right: 70, top: 26, bottom: 40 };
  const area = plotArea(f);
  const count = params.length + 1;
  const step = count > 1 ? (area.x[1] - area.x[0]) / (count - 1) : 0;
  const bottom = hasFailed ? area.y[0] - 16 : area.y[0];
  pcAxes = params.map((p, k) => {
    const scale = paramScale(p, [area.y[0], area.y[1]], seenOf(p.name));
    const pos = new Float32Array(n);
    colOf(p.name).forEach((v, i) => {
      pos[i] = v === undefined ? NaN : scale.map(v);
    });
    return { name: p.name, x: area.x[0] + k * step, scale, pos };
  });
  const vs = linearScale(vDomain, [bottom, area.y[1]]);
  const vpos = new Float32Array(n);
  values.forEach((v, i) => {
    vpos[i] = v === undefined ? area.y[0] - 4 : vs.map(v);
  });
  pcAxes.push({ name: data.metric, x: area.x[0] + (count - 1) * step, scale: vs, pos: vpos });
  const open = svgOpen(f.width, f.height, 'parallel', 'parallel coordinates of parameters and objective');
  const pts: number[] = [];
  const layer = new MarkLayer('parallel', f.width, f.height, n > 2000 ? 0.6 : 1.2, n > 2000 ? 0.12 : n > 300 ? 0.3 : 0.7).reserve(n, 2 * n * pcAxes.length);
  for (let i = 0; i < n; i++) {
    // One scratch array for every line (the layer copies the points).
    pts.length = 0;
    for (const a of pcAxes) {
      const y = a.pos[i] as number;
      if (!Number.isNaN(y)) pts.push(a.x, y);
    }
    const t = trials[i] as ReportTrial;
    layer.add({ k: 'line', i, pts, stroke: compare ? studyColour(t) : valueColour(values[i]) });
  }
  let out = '';
  let brushAreas = '';
  pcAxes.forEach((a, k) => {
    out += `<g class="axis"><line x1="${px(a.x)}" x2="${px(a.x)}" y1="${px(area.y[0])}" y2="${px(area.y[1])}"/>`;
    for (const t of thinTicks(a.scale)) out += `<line x1="${px(a.x - 3)}" x2="${px(a.x)}" y1="${px(t.px)}" y2="${px(t.px)}"/><text x="${px(a.x - 5)}" y="${px(t.px + 3.5)}" text-anchor="end" style="paint-order:stroke;stroke:#fff;stroke-width:3px">${esc(t.label)}</text>`;
    const p = params[k];
    const unit = p ? (p.type === 'categorical' ? '' : p.log ? ' (log)' : '') : '';
    out += `<text class="title" x="${px(a.x)}" y="${px(area.y[1] - 10)}" text-anchor="middle">${esc(a.name + unit)}</text></g>`;
    brushAreas += `<rect class="brush-area" data-axis="${k}" x="${px(a.x - 12)}" y="${px(area.y[1])}" width="24" height="${px(area.y[0] - area.y[1])}"/><rect class="brush" data-brush="${k}" x="${px(a.x - 8)}" width="16" y="0" height="0" visibility="hidden"/>`;
  });
  if (hasFailed) out += `<text class="label" x="${px(area.x[1] + 8)}" y="${px(area.y[0])}">failed</text>`;
  // Brush areas take the pointer: above the lines with SVG marks, in the SVG under the canvases otherwise.
  out = useCanvas ? plot(open, layer, brushAreas, out) : plot(open, layer, '', out + brushAreas);
  const colour = compare ? 'Colour: study.' : `Colour: ${esc(data.metric)} (yellow is better).`;
  return card('parallel', '2. Parallel coordinates', `Each line is a trial. Drag along any axis to keep only the trials in that range (all views and the table follow); click an axis to clear its range. ${colour} <button id="clear-brushes">clear all ranges</button>`, out);
}

function thinTicks(scale: Scale) {
  const ticks = scale.ticks(6);
  const len = Math.abs(scale.range[1] - scale.range[0]);
  const k = Math.max(1, Math.ceil(ticks.length / Math.max(1, Math.floor(len / 16))));
  return ticks.filter((_, i) => i % k === 0);
}

function importanceView(): string {
  const rows = params.map((p) => p.name);
  const f: Frame = { width: HALF, height: 40 + rows.length * (compare ? 14 * data.studies.length + 8 : 26), left: 110, right: 50, top: 8, bottom: 30 };
  const area = plotArea(f);
  const x = linearScale([0, 1], area.x);
  let out = svgOpen(f.width, f.height, 'importance', 'parameter importance') + axisBottom(x, area.y[0], 'share of importance', area.y[1], 5);
  const band = (area.y[0] - area.y[1]) / Math.max(1, rows.length);
  const notes: string[] = [];
  rows.forEach((name, r) => {
    const y0 = area.y[1] + r * band;
    out += `<text x="${px(area.x[0] - 8)}" y="${px(y0 + band / 2 + 4)}" text-anchor="end">${esc(name)}</text>`;
    data.studies.forEach((s, k) => {
      const v = s.importance.values.find((e) => e.name === name)?.importance;
      if (v === undefined) return;
      const h = compare ? (band - 8) / data.studies.length : band - 8;
      const y = y0 + 4 + (compare ? k * h : 0);
      out += `<rect x="${px(area.x[0])}" y="${px(y)}" width="${px(Math.max(0.5, x.map(v) - area.x[0]))}" height="${px(h - 1)}" fill="${OKABE_ITO[k % 8]}"><title>${esc(s.name)} ${esc(name)}: ${(v * 100).toFixed(1)}%</title></rect>`;
      out += `<text x="${px(x.map(v) + 4)}" y="${px(y + h / 2 + 3.5)}">${(v * 100).toFixed(0)}%</text>`;
    });
  });
  data.studies.forEach((s) => {
    if (s.importance.values.length === 0) notes.push(`${compare ? esc(s.name) + ': ' : ''}not computed: ${esc(s.importance.reason ?? 'no data')}.`);
  });
  out += '</svg>';
  const s0 = data.studies[0] as ReportStudy;
  const method = `Method: <b>PED-ANOVA</b> (Watanabe, Bansal &amp; Hutter, IJCAI 2023; optuna-dashboard's method). For each parameter, how differently it is distributed among the top 10% of complete trials (${s0.importance.top} of ${s0.importance.trials}${compare ? ' in the first study' : ''}) than among all of them (Pearson divergence of 1-D Parzen estimates, log scale for log parameters); shares sum to 100%. Chosen over fANOVA on a random forest (Optuna's default) because it is closed-form and deterministic (no forest, no seed) and cheap enough to recompute after every trial, even for 10,000 trials.`;
  return card('importance', '3. Parameter importance', method + (notes.length ? `<br><b>${notes.join(' ')}</b>` : ''), out);
}

/** Deterministic jitter across a category band, so trials on one category do not hide each other. */
function jitter(i: number, width: number): number {
  return (((i * 0.6180339887) % 1) - 0.5) * width * 0.6;
}

function sliceView(): string {
  const lay = smallMultiples(params.length, W, 250, 14);
  const f: Frame = { width: lay.cellWidth, height: 220, left: 58, right: 10, top: 10, bottom: 42 };
  const area = plotArea(f);
  const { scale: y, failedY } = valueAxis(f);
  const colours = trials.map((t, i) => (compare ? studyColour(t) : viridis(n > 1 ? i / (n - 1) : 0)));
  const charts = params.map((p) => {
    const x = paramScale(p, area.x, seenOf(p.name));
    const col = colOf(p.name);
    const open = svgOpen(f.width, f.height, `slice:${p.name}`, `${data.metric} against ${p.name}`);
    const layer = new MarkLayer(`slice:${p.name}`, f.width, f.height).reserve(n);
    const under = axisLeft(y, area.x[0], data.metric, area.x[1], 4) + axisBottom(x, area.y[0], p.name + (p.log ? ' (log)' : ''), undefined, 4) + failedLabel(area.x[0], failedY);
    trials.forEach((t, i) => {
      const v = col[i];
      if (v === undefined) return;
      const xx = x.map(v) + (x.kind === 'band' ? jitter(i, x.bandwidth) : 0);
      const val = values[i];
      dot(layer, i, xx, val === undefined ? undefined : y.map(val), failedY, colours[i] as string, markRadius * 0.85);
    });
    return `<div>${plot(open, layer, under)}</div>`;
  });
  const colour = compare ? 'Colour: study.' : 'Colour: trial number (dark purple first, yellow last).';
  return card('slices', '4. Slice plots', `${esc(data.metric)} against each parameter, on the parameter's own axis. ${colour}`, `<div style="display:grid;grid-template-columns:repeat(${lay.columns},1fr);gap:14px">${charts.join('')}</div>`);
}

function contourView(): string {
  const s0 = data.studies[0] as ReportStudy;
  const ranked = s0.importance.values.map((v) => v.name).filter((name) => params.some((p) => p.name === name));
  const names = ranked.length >= 2 ? ranked.slice(0, 2) : params.slice(0, 2).map((p) => p.name);
  if (names.length < 2) return card('contour', '5. Contour', 'Needs two parameters.', '');
  const [px1, py1] = names.map((nm) => params.find((p) => p.name === nm) as ParamAxis) as [ParamAxis, ParamAxis];
  const f: Frame = { width: HALF, height: 380, left: 64, right: 14, top: 10, bottom: 44 };
  const area = plotArea(f);
  const seen = (p: ParamAxis) => seenOf(p.name);
  const ca = colOf(px1.name);
  const cb = colOf(py1.name);
  const x = paramScale(px1, area.x, seen(px1));
  const y = paramScale(py1, area.y, seen(py1));
  const cols = x.kind === 'band' ? Math.round((area.x[1] - area.x[0]) / x.bandwidth) : 22;
  const rows = y.kind === 'band' ? Math.round((area.y[0] - area.y[1]) / y.bandwidth) : 18;
  const pts: Array<{ x: number; y: number; value: number }> = [];
  trials.forEach((t, i) => {
    const a = ca[i];
    const b = cb[i];
    const v = values[i];
    if (a !== undefined && b !== undefined && v !== undefined && t.state === 'complete') pts.push({ x: x.map(a), y: y.map(b), value: v });
  });
  const cells = binGrid(pts, area.x, area.y, cols, rows, data.direction);
  const cw = (area.x[1] - area.x[0]) / cols;
  const ch = (area.y[1] - area.y[0]) / rows;
  const open = svgOpen(f.width, f.height, 'contour', `best ${data.metric} over ${px1.name} and ${py1.name}`);
  let out = '';
  for (const c of cells) {
    const x0 = area.x[0] + c.col * cw;
    const y0 = area.y[0] + c.row * ch;
    out += `<rect x="${px(x0)}" y="${px(Math.min(y0, y0 + ch))}" width="${px(cw + 0.3)}" height="${px(Math.abs(ch) + 0.3)}" fill="${valueColour(c.value)}" opacity="0.85"><title>best ${fmt(c.value)} of ${c.count} trials</title></rect>`;
  }
  out += axisLeft(y, area.x[0], py1.name + (py1.log ? ' (log)' : ''), undefined, 5) + axisBottom(x, area.y[0], px1.name + (px1.log ? ' (log)' : ''), undefined, 5);
  const layer = new MarkLayer('contour', f.width, f.height).reserve(n);
  trials.forEach((t, i) => {
    const a = ca[i];
    const b = cb[i];
    if (a === undefined || b === undefined) return;
    const xx = x.map(a) + (x.kind === 'band' ? jitter(i, x.bandwidth) : 0);
    const yy = y.map(b) + (y.kind === 'band' ? jitter(i + 7, y.bandwidth) : 0);
    const colour = t.state === 'failed' ? STATE_COLOUR.failed : t.state === 'pruned' ? STATE_COLOUR.pruned : '#1b1f24';
    if (t.state === 'failed') layer.add({ k: 'cross', i, x: xx, y: yy, r: markRadius * 0.8, stroke: colour, sw: 1.3 });
    else layer.add({ k: 'circle', i, x: xx, y: yy, r: markRadius * 0.7, fill: colour, stroke: '#fff', sw: 0.5 });
  });
  out = plot(open, layer, out);
  const why = ranked.length >= 2 ? 'the two most important parameters' : 'the first two parameters (importance not computed yet)';
  return card('contour', '5. Contour', `Best ${esc(data.metric)} of the complete trials in each cell, over ${why}: <b>${esc(px1.name)}</b> × <b>${esc(py1.name)}</b>. Cells with no trial stay empty (nothing is interpolated). Dots: trials (orange pruned, × failed). Colour: yellow is better.`, out + gradientLegend());
}

function gradientLegend(): string {
  const stops = Array.from({ length: 9 }, (_, k) => `<stop offset="${k / 8}" stop-color="${viridis(k / 8)}"/>`).join('');
  const worse = fmt(maximize ? vExtent[0] : vExtent[1]);
  const better = fmt(maximize ? vExtent[1] : vExtent[0]);
  return `<svg viewBox="0 0 ${HALF} 28"><defs><linearGradient id="vgrad">${stops}</linearGradient></defs><rect x="64" y="4" width="300" height="10" fill="url(#vgrad)"/><text x="64" y="26">${esc(worse)} (worse)</text><text x="364" y="26" text-anchor="end">${esc(better)} (better)</text></svg>`;
}

function curvesView(): string {
  const f: Frame = { width: HALF, height: 380, left: 64, right: 14, top: 10, bottom: 44 };
  const area = plotArea(f);
  const maxEpoch = Math.max(1, ...trials.map((t) => t.curve.length));
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of trials) {
    for (const v of t.curve) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const e: [number, number] = lo <= hi ? [lo, hi] : vDomain;
  const pts: number[] = [];
  const curvePts = (t: ReportTrial): number[] => {
    pts.length = 0;
    t.curve.forEach((v, k) => pts.push(x.map(k + 1), y.map(v)));
    return pts;
  };
  const x = linearScale([1, Math.max(2, maxEpoch)], area.x, true);
  const y = linearScale(valueDomain(e), area.y);
  const open = svgOpen(f.width, f.height, 'curves', `${data.metric} per epoch of every trial`);
  const under = axisLeft(y, area.x[0], data.metric, area.x[1]) + axisBottom(x, area.y[0], 'epoch');
  const bests = new Set(data.studies.map((_, k) => bestIndex(k)));
  const layer = new MarkLayer('curves', f.width, f.height, n > 2000 ? 0.6 : 1.3, n > 2000 ? 0.25 : 0.6).reserve(n, 2 * maxEpoch * n);
  let ends = '';
  const best: number[] = [];
  trials.forEach((t, i) => {
    if (t.curve.length === 0) return;
    const colour = compare ? studyColour(t) : STATE_COLOUR[t.state];
    if (bests.has(i)) return best.push(i);
    if (t.curve.length === 1) layer.add({ k: 'circle', i, x: x.map(1), y: y.map(t.curve[0] as number), r: 2, fill: colour });
    else layer.add({ k: 'line', i, pts: curvePts(t), stroke: colour });
    if (t.state === 'pruned') {
      const k = t.curve.length;
      ends += `<path d="${crossPath(x.map(k), y.map(t.curve[k - 1] as number), 3)}" stroke="${STATE_COLOUR.pruned}" stroke-width="1.5" fill="none" pointer-events="none"/>`;
    }
  });
  // The best trials last, so they are drawn on top.
  for (const i of best) {
    const t = trials[i] as ReportTrial;
    layer.add({ k: 'line', i, pts: curvePts(t), stroke: compare ? studyColour(t) : '#1b1f24', sw: 3, op: 1 });
  }
  const out = plot(open, layer, under, ends);
  const noCurve = trials.filter((t) => t.curve.length === 0).length;
  return card('curves', '6. Learning curves', `${esc(data.metric)} after each epoch; pruned trials (orange) end with × where the pruner stopped them; the thick line is the best trial.${noCurve ? ` ${noCurve} trials reported no epochs (failed before the first).` : ''}`, out);
}

function timelineView(): string {
  const timed = trials.map((t, i) => i).filter((i) => {
    const t = trials[i] as ReportTrial;
    return t.start !== undefined && t.end !== undefined && t.slot !== undefined;
  });
  const reused = trials.map((t, i) => i).filter((i) => (trials[i] as ReportTrial).reused);
  const spans = timed.map((i) => ({ slot: (trials[i] as ReportTrial).slot as number, start: (trials[i] as ReportTrial).start as number, end: (trials[i] as ReportTrial).end as number }));
  const use = utilisation(spans);
  const lanes = Math.max(1, use.slots);
  const laneH = Math.max(6, Math.min(26, 220 / lanes));
  const strip = reused.length ? 40 : 0;
  const f: Frame = { width: HALF, height: 60 + lanes * laneH + strip, left: 64, right: 14, top: 8, bottom: 44 + strip };
  const area = plotArea(f);
  const tMax = Math.max(1, ...spans.map((s) => s.end));
  const x = linearScale([0, tMax / 1000], area.x);
  const open = svgOpen(f.width, f.height, 'timeline', 'trials per worker slot over time');
  let out = axisBottom(x, area.y[0], 'seconds since the sweep started', area.y[1]);
  for (let s = 0; s < use.slots; s++) out += `<text x="${px(area.x[0] - 6)}" y="${px(area.y[1] + s * laneH + laneH / 2 + 4)}" text-anchor="end">worker ${s + 1}</text>`;
  const layer = new MarkLayer('timeline', f.width, f.height).reserve(n);
  for (const i of timed) {
    const t = trials[i] as ReportTrial;
    const x0 = x.map((t.start as number) / 1000);
    const x1 = Math.max(x0 + 1, x.map((t.end as number) / 1000));
    // A white edge separates neighbouring bars, until bars get thinner than it.
    layer.add({ k: 'rect', i, x: x0, y: area.y[1] + (t.slot as number) * laneH + 1, w: x1 - x0, h: laneH - 2, fill: STATE_COLOUR[t.state], ...(timed.length < 400 ? { stroke: '#fff', sw: 0.5 } : {}) });
  }
  if (reused.length) {
    const y0 = f.height - strip + 2;
    out += `<text class="label" x="${px(area.x[0])}" y="${px(y0 + 4)}">reused from the store, no training time (${reused.length}; in finish order, not on the time axis):</text>`;
    const w = (area.x[1] - area.x[0]) / reused.length;
    reused.forEach((i, k) => {
      const t = trials[i] as ReportTrial;
      layer.add({ k: 'rect', i, x: area.x[0] + k * w, y: y0 + 12, w: Math.max(0.6, w - (w > 3 ? 1 : 0)), h: 14, fill: '#fff', stroke: STATE_COLOUR[t.state], sw: w > 3 ? 1.2 : 0.4 });
    });
  }
  out = plot(open, layer, out);
  const busy = use.slots ? `${use.slots} worker slot${use.slots > 1 ? 's' : ''} busy ${(use.share * 100).toFixed(0)}% of ${duration(use.span)} (${duration(use.busy)} of training).` : 'No trial was trained in this run.';
  return card('timeline', '7. Timeline', `Each trained trial from start to end on the worker slot that ran it; gaps are idle time. ${busy}`, out);
}

// ---------------------------------------------------------------- table

interface Column {
  key: string;
  label: string;
  left?: boolean;
  get: (t: ReportTrial, i: number) => Value | undefined;
  show?: (t: ReportTrial, i: number) => string;
}

const rank = rankOrder();
/** Trial indices, best first. */
const byRank = Array.from({ length: n }, (_, i) => i).sort((a, b) => (rank[a] as number) - (rank[b] as number));
const columns: Column[] = [
  { key: 'rank', label: '#', get: (_, i) => rank[i], show: (t, i) => (t.state === 'complete' ? String(rank[i]) : '-') },
  { key: 'id', label: 'trial', get: (t) => t.id },
  ...(compare ? [{ key: 'study', label: 'study', left: true, get: (t: ReportTrial) => (data.studies[t.study ?? 0] as ReportStudy).name }] : []),
  { key: 'state', label: 'state', left: true, get: (t) => t.state, show: (t) => `<span class="state-${t.state}">${t.state}</span>${t.error ? ` <span title="${esc(t.error)}">(${esc(t.error.slice(0, 40))})</span>` : ''}` },
  { key: 'value', label: data.metric, get: (t) => valueOf(t), show: (t) => fmt(valueOf(t)) },
  ...params.map((p) => ({ key: 'p:' + p.name, label: p.name, left: p.type === 'categorical', get: (t: ReportTrial) => t.params[p.name] })),
  { key: 'epochs', label: 'epochs', get: (t) => t.curve.length, show: (t) => `${t.curve.length}${t.reused ? '' : t.epochs !== t.curve.length ? ` (${t.epochs} trained)` : ''}` },
  { key: 'duration', label: 'duration', get: (t) => t.durationMs, show: (t) => duration(t.durationMs) },
  { key: 'reused', label: 'reused', get: (t) => (t.reused ? 'yes' : 'no') },
  // algorithm auto: which portfolio member proposed each trial.
  ...(trials.some((t) => t.sampler !== undefined) ? [{ key: 'sampler', label: 'sampler', left: true, get: (t: ReportTrial) => t.sampler }] : []),
];
let sortKey = 'rank';
let sortDir = 1;
/**
 * The table shows every (filtered) trial but keeps only a window of rows in the DOM, moved as it
 * scrolls: 10,000 rows of 13 cells were a third of the page's layout time.
 */
const ROW_WINDOW = 80;
/** Row height in pixels (17px lines, 6px padding, a 1px rule: see the page's style), measured again on scroll. */
let rowHeight = 24;
let tableRows: number[] = [];
let tableFirst = 0;
let tableScrolled = false;
let bestRows = new Set<number | undefined>();

/** Best first: complete trials by value, then pruned by the value they reached, then failed (by id). */
function rankOrder(): number[] {
  const idx = trials.map((_, i) => i);
  const group = (t: ReportTrial) => (t.state === 'complete' ? 0 : t.state === 'pruned' ? 1 : 2);
  idx.sort((a, b) => {
    const ta = trials[a] as ReportTrial;
    const tb = trials[b] as ReportTrial;
    const g = group(ta) - group(tb);
    if (g) return g;
    if (ta.state !== 'failed') {
      const d = ((ta.value as number) - (tb.value as number)) * (maximize ? -1 : 1);
      if (d) return d;
    }
    return (ta.study ?? 0) - (tb.study ?? 0) || ta.id - tb.id;
  });
  const out = new Array<number>(n);
  idx.forEach((i, r) => (out[i] = r + 1));
  return out;
}

function compareValues(a: Value | undefined, b: Value | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function renderTable(): void {
  const col = columns.find((c) => c.key === sortKey) as Column;
  const idx: number[] = [];
  // Rank order first (a stable sort keeps it among equal values); each trial's sort value read once.
  for (const i of byRank) if (selected[i]) idx.push(i);
  if (sortKey !== 'rank') {
    const keys = new Array<Value | undefined>(n);
    for (const i of idx) keys[i] = col.get(trials[i] as ReportTrial, i);
    idx.sort((a, b) => sortDir * compareValues(keys[a], keys[b]));
  } else if (sortDir < 0) idx.reverse();
  tableRows = idx;
  bestRows = new Set(data.studies.map((_, k) => bestIndex(k)));
  const head = columns.map((c) => `<th class="${c.left ? 'l' : ''}" data-key="${esc(c.key)}"${c.key === sortKey ? ` aria-sort="${sortDir > 0 ? 'ascending' : 'descending'}"` : ''}>${esc(c.label)}</th>`).join('');
  (document.getElementById('table-count') as HTMLElement).textContent = `${idx.length} of ${n} trials${idx.length < n ? ' (filtered by the parallel-coordinates ranges)' : ''}`;
  (document.getElementById('trial-table') as HTMLElement).innerHTML = `<thead><tr>${head}</tr></thead><tbody></tbody>`;
  // Back to the top after a sort or a brush; not read on the first render (a read forces a layout).
  if (tableFirst > 0 || tableScrolled) (document.getElementById('table-wrap') as HTMLElement).scrollTop = 0;
  tableScrolled = false;
  renderRows(0);
}

/** Puts rows `first` .. `first + ROW_WINDOW` of the sorted table in the DOM; padding stands in for the others. */
function renderRows(first: number): void {
  tableFirst = first;
  const end = Math.min(tableRows.length, first + ROW_WINDOW);
  let body = '';
  for (let r = first; r < end; r++) {
    const i = tableRows[r] as number;
    const t = trials[i] as ReportTrial;
    body += `<tr data-i="${i}"${bestRows.has(i) ? ' class="is-best"' : ''}>`;
    for (const c of columns) body += `<td${c.left ? ' class="l"' : ''}>${c.show ? c.show(t, i) : esc(fmt(c.get(t, i)))}</td>`;
    body += '</tr>';
  }
  const pad = document.getElementById('table-pad') as HTMLElement;
  pad.style.paddingTop = `${first * rowHeight}px`;
  pad.style.paddingBottom = `${(tableRows.length - end) * rowHeight}px`;
  ((document.getElementById('trial-table') as HTMLTableElement).tBodies[0] as HTMLElement).innerHTML = body;
}

/** On scroll: measure the rows once, then move the window when the view nears its edge. */
function wireTableScroll(): void {
  const wrap = document.getElementById('table-wrap') as HTMLElement;
  let pending = false;
  wrap.addEventListener('scroll', () => {
    tableScrolled = true;
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const rows = ((document.getElementById('trial-table') as HTMLTableElement).tBodies[0] as HTMLTableSectionElement).rows;
      if (rows.length > 1) {
        const h = ((rows[rows.length - 1] as HTMLElement).offsetTop - (rows[0] as HTMLElement).offsetTop) / (rows.length - 1);
        if (h > 0 && Math.abs(h - rowHeight) > 0.01) rowHeight = h;
      }
      const top = Math.floor(wrap.scrollTop / rowHeight);
      const visible = Math.ceil(wrap.clientHeight / rowHeight);
      const first = Math.max(0, Math.min(Math.max(0, tableRows.length - ROW_WINDOW), top - Math.floor((ROW_WINDOW - visible) / 2)));
      if (first !== tableFirst && (Math.abs(first - tableFirst) >= 10 || top < tableFirst + 5 || top + visible > tableFirst + ROW_WINDOW - 5)) renderRows(first);
    });
  });
}

function tableView(): string {
  return card('table', '8. Trials', 'Click a column to sort (again to reverse); click a row for the command that trains that trial. The best trial is highlighted and first by default.', `<p class="note" id="table-count"></p><div class="tablewrap" id="table-wrap"><div id="table-pad"><table class="trials" id="trial-table"></table></div></div><pre class="cmd" id="row-command" hidden></pre>`);
}

function card(id: string, title: string, note: string, body: string): string {
  return `<section class="card" id="view-${id}"><h2>${title}</h2><p class="note">${note}</p>${body}</section>`;
}

// ---------------------------------------------------------------- interactions

function applySelection(): void {
  selected = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let ok = 1;
    for (const [k, [lo, hi]] of brushes) {
      const y = (pcAxes[k] as PcAxis).pos[i] as number;
      if (!(y >= lo && y <= hi)) {
        ok = 0;
        break;
      }
    }
    selected[i] = ok;
  }
  if (useCanvas) drawAll();
  else {
    for (const m of document.querySelectorAll<SVGElement>('.mark')) m.classList.toggle('dim', brushes.size > 0 && !selected[Number(m.getAttribute('data-i'))]);
  }
  renderTable();
}

/** The chart's SVG (the axes one with canvases) and its viewBox coordinates of a pointer event. */
function chartSvg(el: Element): SVGSVGElement {
  return (el instanceof SVGSVGElement ? el : el.querySelector('svg')) as SVGSVGElement;
}

function svgPoint(svg: SVGSVGElement, e: MouseEvent): { x: number; y: number } {
  const m = svg.getScreenCTM();
  if (!m) return { x: 0, y: 0 };
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
  return { x: p.x, y: p.y };
}

function wireBrushing(): void {
  const chart = document.querySelector('[data-chart="parallel"]');
  if (!chart) return;
  const svg = chartSvg(chart);
  let drag: { axis: number; y0: number } | undefined;
  const show = (k: number, lo: number, hi: number) => {
    const r = chart.querySelector<SVGRectElement>(`[data-brush="${k}"]`) as SVGRectElement;
    r.setAttribute('y', px(lo));
    r.setAttribute('height', px(Math.max(0, hi - lo)));
    r.setAttribute('visibility', hi > lo ? 'visible' : 'hidden');
  };
  svg.addEventListener('pointerdown', (e) => {
    const target = (e.target as Element).closest('.brush-area');
    if (!target) return;
    drag = { axis: Number(target.getAttribute('data-axis')), y0: svgPoint(svg, e).y };
    svg.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  svg.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const y = svgPoint(svg, e).y;
    show(drag.axis, Math.min(drag.y0, y), Math.max(drag.y0, y));
  });
  svg.addEventListener('pointerup', (e) => {
    if (!drag) return;
    const y = svgPoint(svg, e).y;
    const lo = Math.min(drag.y0, y);
    const hi = Math.max(drag.y0, y);
    if (hi - lo < 3) {
      brushes.delete(drag.axis);
      show(drag.axis, 0, 0);
    } else brushes.set(drag.axis, [lo, hi]);
    drag = undefined;
    applySelection();
  });
  document.getElementById('clear-brushes')?.addEventListener('click', () => {
    for (const k of brushes.keys()) show(k, 0, 0);
    brushes.clear();
    applySelection();
  });
}

/** Draws every chart's canvas. All widths are read first: one layout, not one per canvas resized. */
function drawAll(): void {
  const plots = [...document.querySelectorAll<HTMLElement>('.plot[data-layer]')];
  const widths = plots.map((el) => el.clientWidth);
  plots.forEach((el, k) => {
    const layer = layers[Number(el.getAttribute('data-layer'))] as MarkLayer;
    drawLayer(el.querySelector('canvas.marks-canvas') as HTMLCanvasElement, layer, brushes.size > 0 ? selected : undefined, widths[k] as number);
  });
}

function tooltipHtml(i: number): string {
  const t = trials[i] as ReportTrial;
  const study = compare ? `${esc((data.studies[t.study ?? 0] as ReportStudy).name)} · ` : '';
  const rows = Object.entries(t.params).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(fmt(v))}</td></tr>`).join('');
  const value = valueOf(t) === undefined ? '' : ` · ${esc(data.metric)} <b>${esc(fmt(t.value))}</b>`;
  const extra = [`${t.curve.length} epochs`, duration(t.durationMs), t.reused ? 'reused from the store' : '', t.slot !== undefined ? `worker ${t.slot + 1}` : '', t.sampler ? `sampled by ${t.sampler}` : ''].filter(Boolean).join(' · ');
  return `<div>${study}trial <b>${t.id}</b> · ${t.state}${value}</div><table>${rows}</table><div>${esc(extra)}</div>${t.error ? `<div>${esc(t.error)}</div>` : ''}`;
}

function wireTooltips(): void {
  const tip = document.getElementById('tooltip') as HTMLElement;
  let current = -1;
  const moveTo = (e: MouseEvent) => {
    const w = tip.offsetWidth;
    const left = e.clientX + 14 + w > window.innerWidth ? e.clientX - 14 - w : e.clientX + 14;
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${Math.max(0, Math.min(window.innerHeight - tip.offsetHeight - 4, e.clientY + 14))}px`;
  };
  const showTip = (i: number, e: MouseEvent) => {
    if (i !== current) tip.innerHTML = tooltipHtml(i);
    tip.hidden = false;
    moveTo(e);
  };
  const hideTip = () => {
    tip.hidden = true;
  };
  if (useCanvas) {
    // Canvases: find the nearest mark under the pointer; emphasise it on the chart's top canvas.
    for (const el of document.querySelectorAll<HTMLElement>('.plot[data-layer]')) {
      const layer = layers[Number(el.getAttribute('data-layer'))] as MarkLayer;
      const svg = chartSvg(el);
      const hiCanvas = el.querySelector('canvas.hi-canvas') as HTMLCanvasElement;
      let index: HitIndex | undefined;
      el.addEventListener('mousemove', (e) => {
        index ??= new HitIndex(layer);
        const p = svgPoint(svg, e);
        const i = index.nearest(p.x, p.y, 8, brushes.size > 0 ? selected : undefined);
        if (i < 0) {
          hideTip();
          if (current >= 0) drawHighlight(hiCanvas, layer, -1, el.clientWidth);
          current = -1;
          return;
        }
        showTip(i, e);
        if (i !== current) drawHighlight(hiCanvas, layer, i, el.clientWidth);
        current = i;
      });
      el.addEventListener('mouseleave', () => {
        hideTip();
        drawHighlight(hiCanvas, layer, -1, el.clientWidth);
        current = -1;
      });
    }
    return;
  }
  const highlight = (i: number, on: boolean) => {
    for (const m of document.querySelectorAll(`.mark[data-i="${i}"]`)) m.classList.toggle('hi', on);
  };
  document.addEventListener('mouseover', (e) => {
    const m = (e.target as Element).closest?.('.mark');
    if (!m) return;
    const i = Number(m.getAttribute('data-i'));
    if (i !== current && current >= 0) highlight(current, false);
    showTip(i, e);
    if (i !== current) highlight(i, true);
    current = i;
  });
  document.addEventListener('mousemove', (e) => {
    if (!tip.hidden) moveTo(e);
  });
  document.addEventListener('mouseout', (e) => {
    const m = (e.target as Element).closest?.('.mark');
    if (!m) return;
    const to = (e as MouseEvent).relatedTarget as Element | null;
    if (to && to.closest?.('.mark') === m) return;
    hideTip();
    if (current >= 0) highlight(current, false);
    current = -1;
  });
}

function wireTable(): void {
  const table = document.getElementById('trial-table') as HTMLElement;
  table.addEventListener('click', (e) => {
    const th = (e.target as Element).closest('th');
    if (th) {
      const key = th.getAttribute('data-key') as string;
      sortDir = key === sortKey ? -sortDir : key === 'rank' ? 1 : 1;
      sortKey = key;
      renderTable();
      return;
    }
    const tr = (e.target as Element).closest('tr[data-i]');
    if (!tr) return;
    const t = trials[Number(tr.getAttribute('data-i'))] as ReportTrial;
    const s = data.studies[t.study ?? 0] as ReportStudy;
    const box = document.getElementById('row-command') as HTMLElement;
    if (!s.train) return;
    box.hidden = false;
    box.textContent = `# trial ${t.id}\n${trainCommand(s.train, t.params)}`;
  });
}

function render(): void {
  const app = document.getElementById('app') as HTMLElement;
  const started = performance.now();
  const views = compare
    ? [header(), bestCard(), historyView(), pcView(), `<div class="row">${importanceView()}${curvesView()}</div>`, sliceView(), tableView()]
    : [header(), bestCard(), historyView(), pcView(), `<div class="row">${importanceView()}${contourView()}</div>`, sliceView(), `<div class="row">${curvesView()}${timelineView()}</div>`, tableView()];
  app.innerHTML = views.join('');
  // The table before the canvases: drawing reads the charts' widths, the one layout of the page.
  renderTable();
  if (useCanvas) drawAll();
  wireBrushing();
  wireTooltips();
  wireTable();
  wireTableScroll();
  document.documentElement.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
  document.documentElement.setAttribute('data-script-start-ms', String(Math.round(scriptStart)));
  document.documentElement.setAttribute('data-parse-ms', String(Math.round(started - scriptStart)));
  document.documentElement.setAttribute('data-marks-mode', useCanvas ? 'canvas' : 'svg');
  document.documentElement.setAttribute('data-ready', 'true');
  // When the frame with every view in it has been painted (rAF runs before the paint, a task
  // queued from it after): the page's own clock, for the benchmark.
  requestAnimationFrame(() => setTimeout(() => document.documentElement.setAttribute('data-painted-ms', String(Math.round(performance.now()))), 0));
}

render();

/**
 * A small window hook for the browser tests (and devtools): where trial `i`'s mark on a chart is,
 * in page coordinates, whether it is an SVG element or painted on a canvas.
 */
(window as unknown as { nxHpoReport: unknown }).nxHpoReport = {
  mode: useCanvas ? 'canvas' : 'svg',
  charts: () => layers.map((l) => l.chart),
  pointOf(chart: string, i: number): { x: number; y: number } | undefined {
    const k = layers.findIndex((l) => l.chart === chart);
    const m = layers[k]?.anchorOf(i);
    const el = document.querySelector(`[data-layer="${k}"]`);
    if (!m || !el) return undefined;
    const { x, y } = m;
    const ctm = chartSvg(el).getScreenCTM();
    if (!ctm) return undefined;
    const p = new DOMPoint(x, y).matrixTransform(ctm);
    return { x: p.x, y: p.y };
  },
};
