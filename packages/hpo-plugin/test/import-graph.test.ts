/**
 * The import graph, read by madge: no cycles in either package, and the optimizers never import
 * the plugin (they are a standalone library).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import madge from 'madge';

const repo = join(__dirname, '..', '..', '..');

test('no import cycles, and the optimizers stand alone', async () => {
  const graph = await madge([join(repo, 'packages/hpo-plugin/src'), join(repo, 'packages/optimizers/src')], {
    fileExtensions: ['ts'],
    tsConfig: join(repo, 'tsconfig.base.json'),
    baseDir: join(repo, 'packages'),
  });
  assert.deepEqual(graph.circular(), []);
  const deps = graph.obj();
  assert.ok(Object.keys(deps).length > 100, 'the graph holds both packages');
  for (const [file, imports] of Object.entries(deps)) {
    if (!file.startsWith('optimizers/')) continue;
    assert.deepEqual(imports.filter((d) => !d.startsWith('optimizers/')), [], `${file} imports outside the optimizers`);
  }
});
