/**
 * End to end: the cache never serves a trial for other inputs, and Nx's inputs and outputs are
 * what the executors read and write. A model module sees every parameter, so trials that differ
 * only in what the module reads must each train; an edit of a helper the module imports is an Nx
 * cache miss and retrains; `output:` and `--outputPath` move what is written and what Nx restores.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl, trainedReused } from './iris';
import { TempWorkspace } from './workspace';

/** A module model whose width comes from `params.units`, through a helper file. */
const MODEL_TS = `import { hiddenUnits } from './lib/width';
export function build(params: Record<string, unknown>, ctx: { inputShape: number[]; numClasses: number; tf: any }) {
  const { tf } = ctx;
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: ctx.inputShape, units: hiddenUnits(params), activation: 'relu' }));
  model.add(tf.layers.dense({ units: ctx.numClasses, activation: 'softmax' }));
  return model;
}
`;
const WIDTH_TS = `export function hiddenUnits(params: Record<string, unknown>): number {
  return Number(params.units);
}
`;

function moduleYaml(extra = ''): string {
  return `data:
  path: data/iris.csv
  header: true
  label: species
  validation: { split: 0.3, stratify: true, seed: 1 }
  scale: standard
model:
  module: ./model.ts
training:
  epochs: 2
  batchSize: 16
  optimizer: { name: adam, learningRate: 0.01 }
space:
  units: { type: int, low: 2, high: 64 }
objective: { metric: val_accuracy, direction: maximize }
search: { algorithm: random, trials: 6, parallelism: 2, seed: 3 }
${extra}`;
}

describe('trust the cache: a model module, its helpers and the outputs', () => {
  let ws: TempWorkspace;
  before(() => {
    ws = new TempWorkspace('nx-hpo-trust');
    ws.writeJson('apps/mod/project.json', { name: 'mod' });
    ws.copy('e2e/fixtures/iris.csv', 'apps/mod/data/iris.csv');
    ws.write('apps/mod/model.ts', MODEL_TS);
    ws.write('apps/mod/lib/width.ts', WIDTH_TS);
    ws.write('apps/mod/tune.yaml', moduleYaml());
  });
  after(() => ws.dispose());

  test("the inferred targets' inputs are the key's files: the module and the helper it imports", () => {
    const r = ws.nx(['show', 'project', 'mod', '--json']);
    assert.equal(r.code, 0, r.output);
    const project = JSON.parse(r.stdout);
    for (const input of ['{projectRoot}/tune.yaml', '{projectRoot}/data/iris.csv', '{projectRoot}/model.ts', '{projectRoot}/lib/width.ts']) {
      assert.ok(project.targets.tune.inputs.includes(input), `${input} in ${JSON.stringify(project.targets.tune.inputs)}`);
    }
    assert.deepEqual(project.targets.tune.outputs, ['{options.outputPath}']);
    assert.equal(project.targets.tune.options.outputPath, 'dist/hpo/mod/tune');
  });

  test('trials that differ only in a param the module reads each train (none is served for another)', () => {
    const r = ws.nx(['run', 'mod:tune']);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(trainedReused(r.output), { trained: 6, reused: 0 });
    const trials = readJsonl(ws.path('dist/hpo/mod/tune/trials.jsonl'));
    assert.equal(trials.length, 6);
    assert.equal(new Set(trials.map((t) => t.key)).size, 6, 'six configurations, six keys');
    assert.equal(new Set(trials.map((t) => (t.params as { units: number }).units)).size, 6);
    assert.ok(trials.every((t) => t.reused === false && t.state === 'complete'));
  });

  test('an edit of a helper the module imports is an Nx cache miss and retrains every trial', () => {
    const same = ws.nx(['run', 'mod:tune']);
    assert.equal(same.code, 0, same.output);
    assert.match(same.output, /local cache|existing outputs match the cache/, 'unchanged: an Nx cache hit');
    ws.write('apps/mod/lib/width.ts', WIDTH_TS.replace('return Number(params.units);', 'return Number(params.units) + 1;'));
    const edited = ws.nx(['run', 'mod:tune']);
    assert.equal(edited.code, 0, edited.output);
    assert.doesNotMatch(edited.output, /local cache|existing outputs match the cache/);
    assert.deepEqual(trainedReused(edited.output), { trained: 6, reused: 0 });
  });

  test('output: in the YAML moves the outputs, and Nx caches and restores that folder', () => {
    ws.write('apps/mod/tune.yaml', moduleYaml('output: out/mod-sweep\n'));
    const r = ws.nx(['run', 'mod:tune']);
    assert.equal(r.code, 0, r.output);
    assert.ok(existsSync(ws.path('out/mod-sweep/best.json')), r.output);
    rmSync(ws.path('out/mod-sweep'), { recursive: true, force: true });
    const again = ws.nx(['run', 'mod:tune']);
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /local cache/);
    assert.ok(existsSync(ws.path('out/mod-sweep/best.json')), 'restored from the Nx cache');
    // train (params: best) reads the tune target's real outputs.
    const train = ws.nx(['run', 'mod:train']);
    assert.equal(train.code, 0, train.output);
    const best = JSON.parse(readFileSync(ws.path('out/mod-sweep/best.json'), 'utf8'));
    assert.match(train.output, new RegExp(`best trial ${best.trial} of tune`));
    assert.ok(existsSync(ws.path('dist/hpo/mod/train/model.json')));
  });

  test('--outputPath moves the outputs and what Nx restores', () => {
    const r = ws.nx(['run', 'mod:tune', '--outputPath=custom/place']);
    assert.equal(r.code, 0, r.output);
    assert.ok(existsSync(ws.path('custom/place/trials.jsonl')), r.output);
    rmSync(ws.path('custom/place'), { recursive: true, force: true });
    const again = ws.nx(['run', 'mod:tune', '--outputPath=custom/place']);
    assert.equal(again.code, 0, again.output);
    assert.ok(existsSync(ws.path('custom/place/trials.jsonl')), 'restored from the Nx cache');
  });

  test('no absolute path in the cached outputs', () => {
    for (const file of ['report.md', 'trials.jsonl', 'best.json', 'study.json']) {
      const text = readFileSync(ws.path('out/mod-sweep', file), 'utf8');
      assert.ok(!text.includes(ws.root), `${file} holds ${ws.root}`);
    }
  });
});

describe('a failing trial fails alone', () => {
  let ws: TempWorkspace;
  before(() => {
    ws = new TempWorkspace('nx-hpo-fail');
    ws.writeJson('apps/mod/project.json', { name: 'mod' });
    ws.copy('e2e/fixtures/iris.csv', 'apps/mod/data/iris.csv');
    ws.write('apps/mod/lib/width.ts', WIDTH_TS);
  });
  after(() => ws.dispose());

  test("build() throwing for some params fails those trials; the sweep goes on and succeeds", () => {
    ws.write('apps/mod/model.ts', MODEL_TS.replace('const { tf } = ctx;', "const { tf } = ctx;\n  if (Number(params.units) > 32) throw new Error('too wide for this test');"));
    ws.write('apps/mod/tune.yaml', moduleYaml());
    const r = ws.nx(['run', 'mod:tune']);
    assert.equal(r.code, 0, r.output);
    const trials = readJsonl(ws.path('dist/hpo/mod/tune/trials.jsonl'));
    assert.equal(trials.length, 6);
    const failed = trials.filter((t) => t.state === 'failed');
    const complete = trials.filter((t) => t.state === 'complete');
    assert.ok(failed.length > 0 && complete.length > 0, `mixed outcomes expected: ${JSON.stringify(trials.map((t) => [t.params, t.state]))}`);
    for (const t of failed) {
      assert.ok((t.params as { units: number }).units > 32);
      assert.match(String(t.error), /too wide for this test/);
    }
  });

  test('a module without build() stops the sweep before any training, at its position in the YAML', () => {
    ws.write('apps/mod/model.ts', 'export const notBuild = 1;\n');
    ws.write('apps/mod/tune.yaml', moduleYaml());
    const r = ws.nx(['run', 'mod:tune', '--skip-nx-cache']);
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /tune\.yaml:8:\d+: model\.module: .*must export a function build/);
    assert.doesNotMatch(r.output, /trial 1\/6/);
    const jsonl = join(ws.path('dist/hpo/mod/tune'), 'trials.jsonl');
    assert.ok(!existsSync(jsonl) || readFileSync(jsonl, 'utf8').trim() === '', 'no trial recorded');
  });
});
