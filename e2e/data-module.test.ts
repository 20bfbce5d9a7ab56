/**
 * End to end, data beyond a CSV: examples/shapes-cnn tunes a conv net on images from a data module.
 * Its inferred inputs cover the module's imports and declared files; the data is prepared once
 * and cached, a fully reused re-run reads no data at all, and the train target loads the prepared
 * arrays instead of running the module again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { TempWorkspace } from './workspace';

describe('data module: examples/shapes-cnn', () => {
  let ws: TempWorkspace;
  const env = () => ({ NX_CACHE_DIRECTORY: ws.path('.nx', 'cache') });
  before(() => {
    ws = new TempWorkspace('nx-hpo-data-module');
    ws.copy('examples/shapes-cnn', 'examples/shapes-cnn');
  });
  after(() => ws.dispose());

  test('inputs: the YAML, the module, its local import and its declared file', () => {
    const r = ws.nx(['show', 'project', 'shapes-cnn', '--json'], env());
    assert.equal(r.code, 0, r.output);
    const inputs = JSON.parse(r.stdout).targets.tune.inputs as unknown[];
    for (const f of ['tune.yaml', 'shapes.data.ts', 'rng.ts', 'data/templates.txt']) assert.ok(inputs.includes(`{projectRoot}/${f}`), `${f} in ${JSON.stringify(inputs)}`);
  });

  test('tunes on [n, 8, 8, 1] images; a reused re-run reads no data; train loads the prepared arrays', () => {
    const first = ws.nx(['run', 'shapes-cnn:tune', '--trials=2'], env());
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /data: 270 training \+ 90 validation rows × \[8, 8, 1\] ready in [\d.]+ s \(read and prepared, now cached\)/);
    assert.match(first.output, /2 trials in .*: 2 trained, 0 reused \(2 complete/);
    assert.equal(readdirSync(ws.path('.nx-hpo', 'store', 'prepared')).length, 1);

    const again = ws.nx(['run', 'shapes-cnn:tune', '--trials=2', '--skip-nx-cache'], env());
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /0 trained, 2 reused/);
    assert.doesNotMatch(again.output, /^data: /m, 'a fully reused run neither runs the module nor loads prepared arrays');

    const train = ws.nx(['run', 'shapes-cnn:train', '--skip-nx-cache'], env());
    assert.equal(train.code, 0, train.output);
    assert.match(train.output, /data: 270 training \+ 90 validation rows × \[8, 8, 1\] ready in [\d.]+ s \(from the prepared-data cache\)/);
    assert.match(train.output, /model and metrics\.json written/);
  });
});
