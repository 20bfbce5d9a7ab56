/**
 * bench:report — how fast report.html renders in headless Chromium, and how big it is, for
 * synthetic studies of 100, 1,000 and 10,000 trials (the goal: 10,000 trials in < 2 s, < 5 MB).
 *
 * "Render time" is measured by the page itself: performance.now() (ms since navigation started)
 * once the script has drawn everything and the browser has painted the next frame (rAF, then a
 * task), which the page writes to <html data-painted-ms>. The "seen by driver" column is the same
 * moment as playwright first observes it (a round trip and playwright's own page scripts later,
 * which is what earlier versions of this benchmark reported as "painted"). Each run opens a fresh page on a warm browser; medians over --runs. The 10,000-trial
 * study is also timed with SVG marks forced (#svg), which is why large studies draw on canvases.
 *
 * Usage: npm run bench:report -- [--runs 5] [--sizes 100,1000,10000] [--out bench-results/report.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { studyReport } from '../packages/hpo-plugin/src/report/build';
import { renderReportHtml } from '../packages/hpo-plugin/src/report/html';
import { syntheticStudy } from '../packages/hpo-plugin/test/report-fixtures';
import { CHROMIUM, CHROMIUM_FLAGS } from '../e2e/browser';
import { benchEnvironment, median, parseOptions, positiveInt, ROOT, runMain, table, totalLine, usageExit, writeBenchJson } from './bench-common';

const usage = usageExit('npm run bench:report -- [--runs 5] [--sizes 100,1000,10000] [--out bench-results/report.json]');

interface Row {
  trials: number;
  mode: string;
  bytes: number;
  /** Navigation start to painted, per run (ms), by the page's clock. */
  paintedMs: number[];
  /** Navigation start to the driver seeing a painted frame after data-ready (ms). */
  seenMs: number[];
  /** The page script's own time: build the views, draw the marks, fill the table (ms). */
  scriptMs: number[];
  /** CPU time of the renderer's main thread while loading (Chromium's ThreadTime metric, ms): less sensitive to a busy machine than wall time. */
  cpuMs: number[];
}

async function main(): Promise<void> {
  let runs = 5;
  let sizes = [100, 1000, 10_000];
  let out = 'bench-results/report.json';
  parseOptions(process.argv.slice(2), usage, (flag, value) => {
    if (flag === '--runs') runs = positiveInt('--runs', value(), usage);
    else if (flag === '--sizes') sizes = value().split(',').map((s) => positiveInt('--sizes', s, usage));
    else if (flag === '--out') out = value();
    else return false;
    return true;
  });
  const env = benchEnvironment('report');
  const dir = join(ROOT, 'bench-results', 'report');
  mkdirSync(dir, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  const rows: Row[] = [];
  try {
    const cases = [...sizes.map((n) => ({ n, mode: 'auto' })), ...(sizes.includes(10_000) ? [{ n: 10_000, mode: 'svg' }] : [])];
    for (const { n, mode } of cases) {
      const { info, records } = syntheticStudy(n, 1);
      const html = renderReportHtml(studyReport(info, records, true));
      const file = join(dir, `report-${n}.html`);
      writeFileSync(file, html);
      const row: Row = { trials: n, mode, bytes: Buffer.byteLength(html), paintedMs: [], seenMs: [], scriptMs: [], cpuMs: [] };
      for (let k = 0; k < runs; k++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Performance.enable');
        const threadTime = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN) * 1000;
        const cpu0 = await threadTime();
        await page.goto(pathToFileURL(file).href + (mode === 'svg' ? '#svg' : ''), { timeout: 120_000 });
        await page.waitForSelector('html[data-ready="true"]', { timeout: 120_000 });
        // After the next frame is painted: rAF runs before paint, the task after it runs after.
        const seen = (await page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))')) as number;
        await page.waitForSelector('html[data-painted-ms]', { timeout: 120_000 });
        const used = await page.getAttribute('html', 'data-marks-mode');
        row.mode = mode === 'auto' ? (used ?? '?') : `${used} (forced)`;
        row.paintedMs.push(Number(await page.getAttribute('html', 'data-painted-ms')));
        row.seenMs.push(Math.round(seen));
        row.cpuMs.push(Math.round((await threadTime()) - cpu0));
        row.scriptMs.push(Number(await page.getAttribute('html', 'data-render-ms')));
        if (errors.length) throw new Error(`page errors at ${n} trials: ${errors.join('; ')}`);
        await page.close();
      }
      rows.push(row);
      process.stderr.write(`${n} trials (${row.mode}): painted ${row.paintedMs.join(', ')} ms (driver saw ${row.seenMs.join(', ')}); main-thread CPU ${row.cpuMs.join(', ')} ms\n`);
    }
  } finally {
    await browser.close();
  }
  const printed = rows.map((r) => [
    String(r.trials),
    r.mode,
    `${(r.bytes / 1024 / 1024).toFixed(2)} MB`,
    String(median(r.paintedMs)),
    `${Math.min(...r.paintedMs)}–${Math.max(...r.paintedMs)}`,
    String(median(r.seenMs)),
    String(median(r.scriptMs)),
    String(median(r.cpuMs)),
  ]);
  console.log(`report.html in headless Chromium (${CHROMIUM}), ${runs} runs each, medians:\n`);
  console.log(table(['trials', 'marks', 'file size', 'painted ms (median)', 'range', 'seen by driver ms', 'page script ms', 'main-thread CPU ms'], printed));
  console.log('');
  console.log(totalLine(env));
  writeBenchJson(out, env, { runs, rows });
}

runMain(main);
