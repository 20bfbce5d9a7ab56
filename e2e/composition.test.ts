/**
 * End to end, tuning composed into a build graph: examples/digits-app's `evaluate` depends on
 * digits-mlp:train, which depends on digits-mlp:tune. From a clean state one command runs all three
 * in order; the second invocation is all Nx cache hits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { TempWorkspace } from './workspace';

describe('composition: digits-app:evaluate ← digits-mlp:train ← digits-mlp:tune', () => {
  let ws: TempWorkspace;
  before(() => {
    ws = new TempWorkspace();
    ws.copy('examples/digits-mlp', 'examples/digits-mlp');
    ws.copy('examples/digits-app', 'examples/digits-app');
    // The real example, on a smaller budget so the test stays quick.
    const yaml = ws.path('examples/digits-mlp/tune.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('epochs: 15', 'epochs: 3').replace('trials: 20', 'trials: 3'));
  });
  after(() => ws.dispose());

  test('nx graph shows the chain', () => {
    const r = ws.nx(['graph', '--file=graph.json']);
    assert.equal(r.code, 0, r.output);
    const graph = JSON.parse(readFileSync(ws.path('graph.json'), 'utf8')).graph;
    assert.ok(graph.dependencies['digits-app'].some((d: { target: string }) => d.target === 'digits-mlp'));
  });

  test('from a clean state, evaluate runs tune → train → evaluate in order', () => {
    const r = ws.nx(['run', 'digits-app:evaluate', '--output-style=static']);
    assert.equal(r.code, 0, r.output);
    const order = ['nx run digits-mlp:tune', 'nx run digits-mlp:train', 'nx run digits-app:evaluate'].map((s) => r.output.indexOf(s));
    assert.ok(order.every((i) => i >= 0), r.output);
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'tasks ran in dependency order');
    assert.match(r.output, /3 trained, 0 reused/);
    assert.match(r.output, /training best trial \d+ of tune/);
    assert.match(r.output, /fit full/);
    const evaluation = JSON.parse(readFileSync(ws.path('dist/digits-app/evaluation.json'), 'utf8'));
    const best = JSON.parse(readFileSync(ws.path('dist/hpo/digits-mlp/tune/best.json'), 'utf8'));
    assert.deepEqual(evaluation.params, best.params);
    assert.equal(evaluation.testRows, 270);
    assert.ok(evaluation.testAccuracy > 0.5, `a trained model, not chance: ${evaluation.testAccuracy}`);
  });

  test('a second invocation is all Nx cache hits', () => {
    const r = ws.nx(['run', 'digits-app:evaluate']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Nx read the output from the cache instead of running the command for 3 out of 3 tasks/);
  });
});
