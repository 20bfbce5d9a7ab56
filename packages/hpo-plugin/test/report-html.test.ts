/** report.html as a file: self-contained, deterministic, atomic; and the live status block. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareReport, studyReport } from '../src/report/build';
import { embedJson, renderReportHtml } from '../src/report/html';
import { packReport, trainCommand, unpackReport, type PackedReport } from '../src/report/model';
import { HtmlReportWriter } from '../src/report/writer';
import { parseParamOverrides } from '../src/config/overrides';
import { eta, LiveStatus, statusBlock } from '../src/sweep/status';
import { SYNTHETIC_SPACE, syntheticStudy } from './report-fixtures';

describe('report.html', () => {
  test('is one self-contained file: inline script and style, no URL it would fetch', () => {
    const { info, records } = syntheticStudy(40);
    const html = renderReportHtml(studyReport(info, records, true));
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=/i);
    assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//i);
    assert.doesNotMatch(html, /@import|url\(["']?http/i);
    assert.match(html, /<script type="application\/json" id="report-data">/);
  });

  test('the same trials give the same bytes (also after a JSON round trip, as from trials.jsonl)', () => {
    const { info, records } = syntheticStudy(200, 7);
    const a = renderReportHtml(studyReport(info, records, true));
    const b = renderReportHtml(studyReport(info, JSON.parse(JSON.stringify(records)), true));
    assert.equal(a, b);
    const other = syntheticStudy(200, 8);
    assert.notEqual(renderReportHtml(studyReport(other.info, other.records, true)), a);
  });

  test('data that looks like markup cannot end its script element', () => {
    const { info, records } = syntheticStudy(5);
    const evil = records.map((r) => ({ ...r, error: '</script><script>alert(1)</script>\u2028' }));
    const html = renderReportHtml(studyReport({ ...info, name: '<b>x</b>' }, evil, true));
    const data = html.slice(html.indexOf('id="report-data">'), html.indexOf('</script>', html.indexOf('id="report-data">')));
    assert.doesNotMatch(data, /<\/script/i);
    assert.match(html, /<title>Sweep report: &lt;b&gt;x&lt;\/b&gt;<\/title>/);
    assert.equal(JSON.parse(embedJson({ s: '</script>\u2028' }.s)), '</script>\u2028');
  });

  test('the page embeds the trials packed by field, and unpacking gives them back', () => {
    const { info, records } = syntheticStudy(300, 4);
    const data = studyReport(info, records, true);
    const html = renderReportHtml(data);
    const embedded = JSON.parse(html.slice(html.indexOf('id="report-data">') + 'id="report-data">'.length, html.indexOf('</script>', html.indexOf('id="report-data">')))) as PackedReport;
    assert.equal(embedded.trials.count, 300);
    assert.deepEqual(Object.keys(embedded.trials.params), Object.keys(info.space));
    assert.deepEqual(unpackReport(embedded), JSON.parse(JSON.stringify(data)));
    // Fields no trial has are left out; a trial without a field gets it back as absent, not null.
    const some = studyReport(info, records.slice(0, 3).map((r, k) => (k === 1 ? { ...r, startMs: undefined, endMs: undefined, slot: undefined, error: 'x' } : r)), true);
    const back = unpackReport(JSON.parse(JSON.stringify(packReport(some))) as PackedReport);
    assert.deepEqual(back, JSON.parse(JSON.stringify(some)));
    assert.equal('slot' in (back.trials[1] as object), false);
    assert.equal(packReport(studyReport(info, [], true)).trials.count, 0);
  });

  test('a 10,000-trial study stays under 5 MB', () => {
    const { info, records } = syntheticStudy(10_000);
    const bytes = Buffer.byteLength(renderReportHtml(studyReport(info, records, true)));
    assert.ok(bytes < 5 * 1024 * 1024, `${bytes} bytes`);
  });

  test('the writer replaces the file atomically, leaves no temporary files, and never throws', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-hpo-report-'));
    try {
      const { info, records } = syntheticStudy(30);
      const warnings: string[] = [];
      const w = new HtmlReportWriter(dir, info, (l) => warnings.push(l), 0);
      w.update(records.slice(0, 10));
      assert.match(readFileSync(w.path, 'utf8'), /"final":false/);
      w.finish(records);
      assert.match(readFileSync(w.path, 'utf8'), /"final":true/);
      assert.deepEqual(readdirSync(dir), ['report.html']);
      const broken = new HtmlReportWriter(join(dir, 'missing', 'deeper'), info, (l) => warnings.push(l), 0);
      broken.finish(records);
      broken.finish(records);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] as string, /^warning: could not write report\.html/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the train command is exact: parsing it back gives the same parameters', () => {
    const params = { lr: 0.0033458894412988034, units: 68, activation: 'relu', dropout: 0.39, batchSize: 32, optimizer: 'rmsprop' };
    const cmd = trainCommand('npx nx run app:train', params);
    assert.equal(cmd, 'npx nx run app:train --params=lr=0.0033458894412988034,units=68,activation=relu,dropout=0.39,batchSize=32,optimizer=rmsprop');
    const given = cmd.slice(cmd.indexOf('--params=') + 9);
    assert.deepEqual(parseParamOverrides(given, SYNTHETIC_SPACE), params);
    // Values a shell or the name=value syntax would mangle go as JSON.
    assert.equal(trainCommand('nx run a:train', { act: "it's, odd" }), `nx run a:train --params='{"act":"it'\\''s, odd"}'`);
  });

  test('trials keep their timeline fields and, with algorithm auto, the sampler that proposed them', () => {
    const { info, records } = syntheticStudy(10, 9);
    const data = studyReport(info, records.map((r, k) => ({ ...r, sampler: k % 2 ? 'tpe' : 'gp' })), true);
    const trained = data.trials.find((t) => !t.reused);
    assert.ok(trained && trained.start !== undefined && trained.end !== undefined && trained.slot !== undefined);
    assert.deepEqual(data.trials.slice(0, 2).map((t) => t.sampler), ['gp', 'tpe']);
  });

  test('a compare page holds every study and tags each trial with its study', () => {
    const a = syntheticStudy(20, 1);
    const b = syntheticStudy(30, 2);
    const data = compareReport('2 studies', [
      { info: { ...a.info, name: 'app:tune' }, records: a.records },
      { info: { ...b.info, name: 'app:tune-bohb', algorithm: 'tpe' }, records: b.records },
    ]);
    assert.equal(data.kind, 'compare');
    assert.deepEqual(data.studies.map((s) => s.name), ['app:tune', 'app:tune-bohb']);
    assert.equal(data.trials.length, 50);
    assert.equal(data.trials.filter((t) => t.study === 1).length, 30);
  });
});

describe('live status block', () => {
  const base = { metric: 'val_accuracy', total: 10, epochs: 15, startedAt: 0 };
  test('shows each running trial with its epoch and value, the best so far and an ETA', () => {
    const lines = statusBlock(
      {
        ...base,
        done: 4,
        best: { trial: 2, value: 0.9712 },
        running: [
          { id: 6, slot: 1, params: { lr: 0.001, act: 'relu' }, startedAt: 30_000, epoch: 3, value: 0.8 },
          { id: 5, slot: 0, params: { lr: 0.01, act: 'tanh' }, startedAt: 20_000 },
        ],
      },
      40_000,
      200,
    );
    assert.equal(lines[0], '▸ 4/10 trials done · 2 running · best val_accuracy=0.9712 (trial 2) · 40s elapsed · eta 55s');
    assert.equal(lines[1], '  worker 1  trial 5  starting     20s  lr=0.01 act=tanh');
    assert.equal(lines[2], '  worker 2  trial 6  epoch 3/15   val_accuracy=0.8  10s  lr=0.001 act=relu');
    assert.ok(statusBlock({ ...base, done: 0, running: [] }, 1000, 30).every((l) => l.length <= 30));
  });

  test('ETA counts the finished share of running trials', () => {
    const running = [{ id: 1, slot: 0, params: {}, startedAt: 0, epoch: 15 }];
    assert.equal(eta({ ...base, done: 1, running }, 20_000), 80_000);
    assert.equal(eta({ ...base, done: 0, running: [] }, 5_000), undefined);
  });

  test('redraws in place: permanent lines go above the block, close() erases it', () => {
    let out = '';
    let now = 0;
    const s = new LiveStatus({ write: (t: string) => (out += t), columns: 120 }, { metric: 'acc', total: 2, epochs: 3 }, () => now);
    s.trialStarted(0, { lr: 0.1 }, 0);
    now = 500;
    s.epoch(0, 1, 0.5);
    s.log('trial 1/2  acc=0.9');
    s.trialFinished(0, 1, { trial: 0, value: 0.9 });
    s.close();
    assert.match(out, /worker 1 {2}trial 0 {2}starting/);
    assert.match(out, /epoch 1\/3 {4}acc=0\.5/);
    // Each redraw first moves up over the old block and clears it.
    assert.match(out, /\x1b\[2F\x1b\[Jtrial 1\/2 {2}acc=0\.9\n/);
    assert.ok(out.endsWith('\x1b[1F\x1b[J'), JSON.stringify(out.slice(-20)));
  });
});
