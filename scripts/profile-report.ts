/**
 * profile:report — where a synthetic study's report.html spends the renderer's main thread, from a
 * Chromium trace taken through CDP (playwright-core): time per trace event (parsing the page, the
 * script, layout, canvas rasterisation, paint), and the page script's own hottest functions from
 * the sampling profiler. The trace is written for Chrome DevTools or Perfetto to open.
 *
 * Usage: npm run profile:report -- [--trials 10000] [--hash '#svg'] [--out bench-results/report/trace-10000.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { studyReport } from '../packages/hpo-plugin/src/report/build';
import { renderReportHtml } from '../packages/hpo-plugin/src/report/html';
import { syntheticStudy } from '../packages/hpo-plugin/test/report-fixtures';
import { CHROMIUM, CHROMIUM_FLAGS } from '../e2e/browser';
import { parseOptions, positiveInt, ROOT, runMain, table, usageExit } from './bench-common';

const usage = usageExit("npm run profile:report -- [--trials 10000] [--hash '#svg'] [--out FILE]");

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string; data?: { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } };
}
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

async function main(): Promise<void> {
  let n = 10_000;
  let hash = '';
  let out = '';
  parseOptions(process.argv.slice(2), usage, (flag, value) => {
    if (flag === '--trials') n = positiveInt('--trials', value(), usage);
    else if (flag === '--hash') hash = value();
    else if (flag === '--out') out = value();
    else return false;
    return true;
  });
  out ||= join(ROOT, 'bench-results', 'report', `trace-${n}.json`);
  const file = join(ROOT, 'bench-results', 'report', `profile-${n}.html`);
  mkdirSync(dirname(file), { recursive: true });
  const { info, records } = syntheticStudy(n, 1);
  writeFileSync(file, renderReportHtml(studyReport(info, records, true)));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    const url = pathToFileURL(file).href + hash;
    const warm = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await warm.goto(url);
    await warm.waitForSelector('html[data-painted-ms]', { timeout: 120_000 });
    await warm.close();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const cdp = await page.context().newCDPSession(page);
    const events: TraceEvent[] = [];
    cdp.on('Tracing.dataCollected', (d) => events.push(...(d.value as unknown as TraceEvent[])));
    const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-v8.cpu_profiler', 'blink', 'loading', 'v8'];
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: categories }, transferMode: 'ReportEvents' });
    await page.goto(url);
    await page.waitForSelector('html[data-painted-ms]', { timeout: 120_000 });
    const painted = await page.getAttribute('html', 'data-painted-ms');
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await done;
    writeFileSync(out, JSON.stringify({ traceEvents: events }));
    summarise(events, n, painted);
    console.log(`\ntrace: ${out} (open in Chrome DevTools' Performance panel or ui.perfetto.dev)`);
  } finally {
    await browser.close();
  }
}

function summarise(events: TraceEvent[], n: number, painted: string | null): void {
  // The renderer's main thread: the one that parsed the page.
  const parser = events.find((e) => e.name === 'ParseHTML');
  if (!parser) throw new Error('the trace has no ParseHTML event');
  const main = events.filter((e) => e.pid === parser.pid && e.tid === parser.tid && e.ph === 'X');
  const byName = new Map<string, { ms: number; count: number }>();
  for (const e of main) {
    const a = byName.get(e.name) ?? { ms: 0, count: 0 };
    a.ms += (e.dur ?? 0) / 1000;
    a.count++;
    byName.set(e.name, a);
  }
  const pick = ['ParseHTML', 'EvaluateScript', 'UpdateLayoutTree', 'Layout', 'CanvasRenderingContext2D::FinalizeFrame', 'PrePaint', 'Paint', 'Commit', 'MinorGC', 'MajorGC'];
  console.log(`report.html, ${n} trials: painted at ${painted} ms (page clock; tracing slows it)\n`);
  console.log(
    table(
      ['main-thread event', 'ms (nested events overlap)', 'count'],
      pick.filter((k) => byName.has(k)).map((k) => [k, (byName.get(k) as { ms: number }).ms.toFixed(1), String((byName.get(k) as { count: number }).count)]),
    ),
  );
  // Self time per function of the page script, from the sampling profiler's chunks.
  const nodes = new Map<number, ProfileNode>();
  const self = new Map<string, number>();
  for (const e of events) {
    if (e.name !== 'ProfileChunk' || e.pid !== parser.pid) continue;
    const d = e.args?.data;
    for (const node of d?.cpuProfile?.nodes ?? []) nodes.set(node.id, node);
    const samples = d?.cpuProfile?.samples ?? [];
    const deltas = d?.timeDeltas ?? [];
    samples.forEach((s, k) => {
      const f = nodes.get(s)?.callFrame;
      const key = f ? `${f.functionName || '(anonymous)'}${f.url ? ` line ${f.lineNumber + 1}` : ''}` : '?';
      self.set(key, (self.get(key) ?? 0) + (deltas[k] ?? 0) / 1000);
    });
  }
  const top = [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 20);
  console.log('\n' + table(['function (self time; the page script is minified)', 'ms'], top.map(([k, v]) => [k, v.toFixed(1)])));
}

runMain(main);
