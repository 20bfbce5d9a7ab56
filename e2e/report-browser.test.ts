/**
 * report.html in real Chromium: opened from disk, as a person would. No console errors, no network;
 * every chart has a mark per trial; brushing the parallel coordinates filters the other views and
 * the table; hovering shows the trial; the table sorts. Screenshots go to tmp/report-artifacts/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { compareReport, studyReport } from '../packages/hpo-plugin/src/report/build';
import { renderReportHtml } from '../packages/hpo-plugin/src/report/html';
import { unpackReport, type PackedReport, type ReportData } from '../packages/hpo-plugin/src/report/model';
import { syntheticStudy } from '../packages/hpo-plugin/test/report-fixtures';
import { ARTIFACTS, chromiumMissing, collectErrors, launchChromium } from './browser';
import { addIrisProject, irisYaml } from './iris';
import { TempWorkspace } from './workspace';

const missing = chromiumMissing();

/** How many marks each chart must have: one per trial it can show. */
function expectedMarks(data: ReportData, chart: string): number {
  const n = data.trials.length;
  if (chart === 'curves') return data.trials.filter((t) => t.curve.length > 0).length;
  if (chart === 'timeline') return data.trials.filter((t) => t.reused || t.slot !== undefined).length;
  return n;
}

async function open(browser: Browser, file: string, hash = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = collectErrors(page);
  await page.goto(pathToFileURL(file).href + hash);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
  return { page, errors };
}

// Callbacks run in the page; they use only what they are handed, so this file needs no DOM types.
async function chartCounts(page: Page): Promise<Array<{ chart: string; declared: number; dom: number }>> {
  return page.$$eval('[data-marks]', (els) =>
    els.map((el) => ({
      chart: el.getAttribute('data-chart') as string,
      declared: Number(el.getAttribute('data-marks')),
      dom: new Set(Array.from(el.querySelectorAll('.mark'), (m) => (m as typeof el).getAttribute('data-i'))).size,
    })),
  );
}

const undimmed = (page: Page, chart: string) => page.locator(`[data-chart="${chart}"] .mark:not(.dim)`).count();

function write(name: string, html: string): string {
  const file = join(ARTIFACTS, name);
  writeFileSync(file, html);
  return file;
}

describe('report.html in Chromium', { skip: missing }, () => {
  let browser: Browser;
  const { info, records } = syntheticStudy(60, 3);
  const data = studyReport(info, records, true);
  let file: string;
  before(async () => {
    browser = await launchChromium();
    file = write('synthetic-60.html', renderReportHtml(data));
  });
  after(async () => browser?.close());

  test('renders every view with a mark per trial and no console error (SVG marks)', async () => {
    const { page, errors } = await open(browser, file);
    assert.equal(await page.getAttribute('html', 'data-marks-mode'), 'svg');
    const counts = await chartCounts(page);
    const charts = counts.map((c) => c.chart);
    for (const c of ['history', 'parallel', 'contour', 'curves', 'timeline', ...Object.keys(info.space).map((p) => `slice:${p}`)]) assert.ok(charts.includes(c), `chart ${c} is missing (${charts.join(', ')})`);
    for (const c of counts) {
      assert.equal(c.dom, expectedMarks(data, c.chart), `${c.chart}: ${c.dom} trials with a mark`);
      assert.equal(c.declared, c.dom, c.chart);
    }
    assert.match(await page.textContent('#view-importance') ?? '', /PED-ANOVA/);
    assert.match(await page.textContent('#best-command') ?? '', /^npx nx run synthetic:train --params=lr=/);
    await page.screenshot({ path: join(ARTIFACTS, 'synthetic-60.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('brushing a parallel-coordinates axis filters the table and dims the other views', async () => {
    const { page, errors } = await open(browser, file);
    const n = data.trials.length;
    assert.match(await page.textContent('#table-count') ?? '', new RegExp(`^${n} of ${n} trials`));
    await page.locator('.brush-area[data-axis="0"]').scrollIntoViewIfNeeded();
    const area = await page.locator('.brush-area[data-axis="0"]').boundingBox();
    assert.ok(area);
    const x = area.x + area.width / 2;
    await page.mouse.move(x, area.y + area.height * 0.05);
    await page.mouse.down();
    await page.mouse.move(x, area.y + area.height * 0.3, { steps: 5 });
    await page.mouse.move(x, area.y + area.height * 0.5, { steps: 5 });
    await page.mouse.up();
    const kept = await undimmed(page, 'parallel');
    assert.ok(kept > 0 && kept < n, `kept ${kept} of ${n}`);
    assert.equal(await page.textContent('#table-count').then((t) => Number(t?.split(' ')[0])), kept);
    assert.equal(await page.locator('#trial-table tbody tr').count(), kept);
    // The same trials stay lit in every other chart.
    const history = await undimmed(page, 'history');
    assert.equal(history, kept);
    // Brushed trials really are inside the range on that axis (lr: top of the axis = largest lr).
    const rows = await page.$$eval('#trial-table tbody tr', (trs) => trs.map((tr) => Number(tr.getAttribute('data-i'))));
    const lrs = rows.map((k) => data.trials[k]?.params['lr'] as number);
    const all = data.trials.map((t) => t.params['lr'] as number);
    assert.ok(Math.min(...lrs) > Math.min(...all), 'the smallest learning rates are filtered out');
    await page.screenshot({ path: join(ARTIFACTS, 'synthetic-60-brushed.png'), fullPage: false, clip: { x: 0, y: (await page.locator('#view-parallel').boundingBox())?.y ?? 0, width: 1280, height: 900 } });
    await page.click('#clear-brushes');
    assert.match(await page.textContent('#table-count') ?? '', new RegExp(`^${n} of ${n} trials`));
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('hovering a mark shows that trial\'s params and value; the table sorts', async () => {
    const { page, errors } = await open(browser, file);
    const mark = page.locator('[data-chart="history"] .mark').nth(5);
    const i = Number(await mark.getAttribute('data-i'));
    const t = data.trials[i];
    assert.ok(t);
    await mark.hover();
    const tip = page.locator('#tooltip');
    await tip.waitFor({ state: 'visible' });
    const text = (await tip.textContent()) ?? '';
    assert.match(text, new RegExp(`trial ${t.id}\\b`));
    assert.match(text, /lr/);
    assert.match(text, new RegExp(t.state));
    await page.screenshot({ path: join(ARTIFACTS, 'synthetic-60-tooltip.png'), clip: { x: 0, y: 0, width: 1280, height: 900 } });
    // Sort by trial id, then reversed.
    await page.click('#trial-table th[data-key="id"]');
    const ids = await page.$$eval('#trial-table tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    await page.click('#trial-table th[data-key="id"]');
    const down = await page.$$eval('#trial-table tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(down, [...ids].reverse());
    // A row gives the command that trains it.
    await page.click('#trial-table tbody tr:first-child');
    assert.match(await page.textContent('#row-command') ?? '', /npx nx run synthetic:train --params=/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('canvas marks (large studies): same counts, hover and brushing', async () => {
    const { page, errors } = await open(browser, file, '#canvas');
    assert.equal(await page.getAttribute('html', 'data-marks-mode'), 'canvas');
    for (const c of await chartCounts(page)) assert.equal(c.declared, expectedMarks(data, c.chart), c.chart);
    const i = data.trials.findIndex((t) => t.state === 'complete');
    const p = (await page.evaluate(`window.nxHpoReport.pointOf('history', ${i})`)) as { x: number; y: number };
    await page.mouse.move(p.x, p.y);
    await page.locator('#tooltip').waitFor({ state: 'visible' });
    assert.match((await page.textContent('#tooltip')) ?? '', new RegExp(`trial ${data.trials[i]?.id}\\b`));
    await page.locator('.brush-area[data-axis="0"]').scrollIntoViewIfNeeded();
    const area = await page.locator('.brush-area[data-axis="0"]').boundingBox();
    assert.ok(area);
    await page.mouse.move(area.x + area.width / 2, area.y + 5);
    await page.mouse.down();
    await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2, { steps: 5 });
    await page.mouse.up();
    const count = Number((await page.textContent('#table-count'))?.split(' ')[0]);
    assert.ok(count > 0 && count < data.trials.length, String(count));
    await page.screenshot({ path: join(ARTIFACTS, 'synthetic-60-canvas.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the table keeps every trial reachable: scrolling moves its window of rows, sorting returns to the top', async () => {
    const big = syntheticStudy(1500, 5);
    const bigData = studyReport(big.info, big.records, true);
    const { page, errors } = await open(browser, write('synthetic-1500.html', renderReportHtml(bigData)));
    const rows = () => page.$$eval('#trial-table tbody tr', (trs) => trs.map((tr) => Number(tr.getAttribute('data-i'))));
    const first = await rows();
    assert.ok(first.length >= 20 && first.length < 200, `${first.length} rows in the DOM`);
    assert.match((await page.textContent('#table-count')) ?? '', /^1500 of 1500 trials$/);
    // Scrolled to the bottom: the last rows are the failed trials (ranked last), in the DOM and in view.
    await page.$eval('#table-wrap', (el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction(`document.querySelector('#trial-table tbody tr:last-child td:nth-child(3)')?.textContent?.startsWith('failed')`);
    const last = await rows();
    assert.notDeepEqual(last, first);
    // Rank order puts failed trials last, by id: the bottom row is the failed trial with the largest id.
    const failed = bigData.trials.filter((t) => t.state === 'failed').map((t) => t.id);
    assert.equal(bigData.trials[last[last.length - 1] as number]?.id, Math.max(...failed));
    const box = await page.locator('#trial-table tbody tr:last-child').boundingBox();
    const wrap = await page.locator('#table-wrap').boundingBox();
    assert.ok(box && wrap && box.y + box.height <= wrap.y + wrap.height + 1 && box.y >= wrap.y, 'the last row is in view');
    await page.locator('#view-table').screenshot({ path: join(ARTIFACTS, 'synthetic-1500-table-bottom.png') });
    // Sorting by trial id goes back to the top: trial 0 first.
    await page.click('#trial-table th[data-key="id"]');
    const sorted = await page.$$eval('#trial-table tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(sorted.slice(0, 5), [0, 1, 2, 3, 4]);
    assert.equal(await page.$eval('#table-wrap', (el) => el.scrollTop), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a compare page overlays studies', async () => {
    const a = syntheticStudy(40, 1);
    const b = syntheticStudy(40, 2);
    const cmp = compareReport('app: tune vs tune-bohb', [
      { info: { ...a.info, name: 'app:tune' }, records: a.records },
      { info: { ...b.info, name: 'app:tune-bohb', algorithm: 'tpe' }, records: b.records },
    ]);
    const { page, errors } = await open(browser, write('compare.html', renderReportHtml(cmp)));
    for (const c of await chartCounts(page)) {
      assert.equal(c.dom, expectedMarks(cmp, c.chart), c.chart);
    }
    assert.match((await page.textContent('h1')) ?? '', /Compare studies/);
    assert.match((await page.textContent('#trial-table')) ?? '', /app:tune-bohb/);
    await page.screenshot({ path: join(ARTIFACTS, 'compare.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('report.html of a real sweep', { skip: missing }, () => {
  let ws: TempWorkspace;
  let browser: Browser;
  before(async () => {
    ws = new TempWorkspace('nx-hpo-report');
    addIrisProject(ws, 'apps/iris', 'iris', { trials: 4, parallelism: 2 });
    ws.write('apps/iris/tpe.tune.yaml', irisYaml({ algorithm: 'tpe', trials: 4, parallelism: 2, seed: 3 }));
    ws.writeJson('apps/iris/project.json', {
      name: 'iris',
      targets: { compare: { executor: '@nx-hpo/plugin:report', dependsOn: ['tune', 'tune-tpe'], options: { studies: ['iris:tune', 'iris:tune-tpe'] } } },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    ws?.dispose();
  });

  test('nx run iris:tune leaves a report.html that opens from disk with every trial', async () => {
    const r = ws.nx(['run', 'iris:tune']);
    assert.equal(r.code, 0, r.output);
    const file = ws.path('dist/hpo/iris/tune/report.html');
    const data = unpackReport(JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(readFileSync(file, 'utf8'))?.[1] ?? 'null') as PackedReport);
    assert.equal(data.final, true);
    assert.equal(data.trials.length, 4);
    for (const t of data.trials) {
      assert.ok(t.slot === 0 || t.slot === 1, `trial ${t.id} slot ${t.slot}`);
      assert.ok((t.start as number) >= 0 && (t.end as number) >= (t.start as number));
    }
    assert.equal(data.studies[0]?.train, 'npx nx run iris:train');
    const { page, errors } = await open(browser, file);
    for (const c of await chartCounts(page)) assert.equal(c.dom, expectedMarks(data, c.chart), c.chart);
    assert.match((await page.textContent('#best-command')) ?? '', /^npx nx run iris:train --params=lr=[\d.e-]+,units=\d+,activation=(relu|tanh)$/);
    await page.screenshot({ path: join(ARTIFACTS, 'iris-tune.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the same trials give a byte-identical report.html (all reused from the store)', () => {
    const runs = [1, 2].map(() => {
      const r = ws.nx(['run', 'iris:tune', '--skip-nx-cache']);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /0 trained, 4 reused/);
      return readFileSync(ws.path('dist/hpo/iris/tune/report.html'));
    });
    assert.ok(runs[0]?.equals(runs[1] as Buffer), 'report.html differs between two runs of the same trials');
  });

  test('compare studies: @nx-hpo/plugin:report overlays two tune targets on one page', async () => {
    const r = ws.nx(['run', 'iris:compare']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /iris:tune: 4 trials \(random\)/);
    assert.match(r.output, /iris:tune-tpe: 4 trials \(tpe\)/);
    const file = ws.path('dist/hpo/iris/compare/report.html');
    const { page, errors } = await open(browser, file);
    const counts = await chartCounts(page);
    assert.ok(counts.length >= 5);
    for (const c of counts) assert.equal(c.dom, 8, c.chart);
    assert.match((await page.textContent('h1')) ?? '', /Compare studies: iris:tune vs iris:tune-tpe/);
    await page.screenshot({ path: join(ARTIFACTS, 'iris-compare.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
    const bad = ws.nx(['run', 'iris:compare', '--studies=apps/nowhere', '--skip-nx-cache']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.output, /studies: apps\/nowhere has no trials\.jsonl/);
  });
});
