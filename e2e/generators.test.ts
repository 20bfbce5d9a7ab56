/**
 * End to end, with this repository's build linked in: `nx g @nx-hpo/plugin:configuration` on
 * iris and on CSVs the repository never saw (generated here), then `nx run <project>:tune` reaches
 * a sensible score and `train` trains the winner; bad input gets Nx's one-line error and leaves
 * the workspace as it was. (e2e/packed-install.test.ts does the same from the npm tarballs.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { assertOneLineError, meanPredictorMae, moonsCsv, readBest, regressionTsv } from './generate-then-tune';
import { TempWorkspace } from './workspace';

/** Every file of the workspace with its content (Nx's own .nx folder and node_modules left out). */
function files(dir: string, base = dir): Array<[string, string]> {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules' && e.name !== '.nx')
    .flatMap((e): Array<[string, string]> => {
      const p = join(dir, e.name);
      return e.isDirectory() ? files(p, base) : [[relative(base, p), readFileSync(p, 'utf8')]];
    })
    .sort((a, b) => a[0].localeCompare(b[0]));
}

describe('configuration generator, then tune', () => {
  let ws: TempWorkspace;
  let outside: string;
  before(() => {
    ws = new TempWorkspace('nx-hpo-gen');
    ws.copy('e2e/fixtures/iris.csv', 'data/iris.csv');
    ws.write('.prettierrc', '{}\n'); // prettier is the workspace's formatter: formatFiles and nx format:check use it
    outside = mkdtempSync(join(tmpdir(), 'nx-hpo-csv-'));
  });
  after(() => {
    ws.dispose();
    rmSync(outside, { recursive: true, force: true });
  });
  const env = () => ({ NX_CACHE_DIRECTORY: ws.path('.nx', 'cache') });

  test('iris: label inferred (last column), data referenced, tune reaches val_accuracy >= 0.9, train trains it', (t0) => {
    const g = ws.nx(['g', '@nx-hpo/plugin:configuration', '--directory=models/iris', '--data=data/iris.csv', '--trials=3', '--no-interactive'], env());
    assert.equal(g.code, 0, g.output);
    assert.match(g.output, /label: column "species" \(index 4\); task: classification, 3 classes/);
    assert.match(g.output, /data: referenced where it is \(data\/iris\.csv\), not copied/);
    // What `nx format:check` says about the generated file, and about the unquoted placeholder form.
    const fmt = ws.nx(['format:check', '--files=models/iris/tune.yaml'], env());
    assert.equal(fmt.code, 0, fmt.output);
    ws.write('models/iris/unquoted.yaml', 'model: { units: ${units} }\n');
    assert.notEqual(ws.nx(['format:check', '--files=models/iris/unquoted.yaml'], env()).code, 0, 'nx format:check rejects the unquoted form');
    rmSync(ws.path('models/iris/unquoted.yaml'));
    const t = ws.nx(['run', 'iris:tune'], env());
    assert.equal(t.code, 0, t.output);
    const best = readBest(ws.path('dist/hpo/iris/tune'));
    assert.equal(best.metric, 'val_accuracy');
    t0.diagnostic(`iris best val_accuracy ${best.value}`);
    assert.ok(best.value >= 0.9, `best val_accuracy ${best.value}`);
    const tr = ws.nx(['run', 'iris:train'], env());
    assert.equal(tr.code, 0, tr.output);
    assert.ok(existsSync(ws.path('dist/hpo/iris/train/model.json')));
  });

  test('an unseen classification CSV from outside the workspace, label by name: copied into the project', () => {
    // (packed-install.test.ts tunes this kind of file; here only what the generator writes.)
    const csv = join(outside, 'moons.csv');
    writeFileSync(csv, moonsCsv());
    const g = ws.nx(['g', '@nx-hpo/plugin:config', '--directory=models/moons', `--data=${csv}`, '--label=moon', '--no-interactive'], env());
    assert.equal(g.code, 0, g.output);
    assert.match(g.output, /data: copied to models\/moons\/data\/moons\.csv/);
    assert.match(g.output, /label: column "moon" \(index 1\); task: classification, 2 classes/);
    assert.equal(readFileSync(ws.path('models/moons/data/moons.csv'), 'utf8'), moonsCsv());
    const show = ws.nx(['show', 'project', 'moons', '--json'], env());
    assert.equal(show.code, 0, show.output);
    const targets = JSON.parse(show.stdout).targets;
    assert.ok(targets.tune.inputs.includes('{projectRoot}/data/moons.csv'), 'the copied data is an input of the inferred tune target');
  });

  test('an unseen regression TSV without a header: task inferred, val_mae well below the mean predictor', (t0) => {
    const { text, labels } = regressionTsv();
    ws.write('raw/curve.tsv', text);
    const g = ws.nx(['g', '@nx-hpo/plugin:configuration', '--directory=models/curve', '--data=raw/curve.tsv', '--no-interactive'], env());
    assert.equal(g.code, 0, g.output);
    assert.match(g.output, /no header row, delimiter "\\t"/);
    assert.match(g.output, /task: regression \(the label "col4" holds \d+ distinct numbers/);
    const t = ws.nx(['run', 'curve:tune', '--trials=3'], env());
    assert.equal(t.code, 0, t.output);
    const best = readBest(ws.path('dist/hpo/curve/tune'));
    assert.equal(best.metric, 'val_mae');
    const baseline = meanPredictorMae(labels);
    t0.diagnostic(`curve best val_mae ${best.value}, mean predictor ${baseline}`);
    assert.ok(best.value < 0.35 * baseline, `best val_mae ${best.value} vs ${baseline} for the mean`);
  });

  test('bad input: one line from nx, non-zero exit, nothing written', () => {
    ws.write('data/one-class.csv', 'x,y\n' + Array.from({ length: 30 }, (_, i) => `${i},yes`).join('\n') + '\n');
    ws.write('data/few.csv', 'a,b,c\n1,2,x\n3,4,y\n5,6,z\n7,8,x\n9,1,y\n');
    ws.writeJson('models/keep/project.json', { name: 'keep' });
    ws.write('models/keep/tune.yaml', '# a tune.yaml the user wrote\n');
    const before = files(ws.root);
    const cases: Array<[string[], RegExp]> = [
      [['--directory=models/a', '--data=data/nope.csv'], /--data: no such file: data\/nope\.csv/],
      [['--directory=models/a', '--data=data/iris.csv', '--label=specie'], /data\/iris\.csv: no column named "specie"; the columns are/],
      [['--directory=models/a', '--data=data/one-class.csv'], /data\/one-class\.csv: the label column "y" has one class only \("yes"\): classification needs at least 2/],
      [['--directory=models/a', '--data=data/few.csv'], /data\/few\.csv: 5 data rows is too few: a stratified 20% validation split of 3 classes needs at least 15/],
      [['--project=keep', '--data=data/iris.csv'], /models\/keep\/tune\.yaml already exists: pass --force to overwrite it/],
    ];
    for (const [args, message] of cases) {
      const r = ws.nx(['g', '@nx-hpo/plugin:configuration', ...args, '--no-interactive'], env());
      assert.notEqual(r.code, 0, r.output);
      assertOneLineError(r.output, message);
    }
    assert.deepEqual(files(ws.root), before, 'no file added or changed');
    assert.equal(existsSync(ws.path('models/a')), false);
    assert.equal(readFileSync(ws.path('models/keep/tune.yaml'), 'utf8'), '# a tune.yaml the user wrote\n');
  });
});
