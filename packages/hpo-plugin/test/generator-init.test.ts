/** The init generator (what `nx add @nx-hpo/plugin` runs), on the devkit's in-memory Tree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger, readJson, readNxJson, updateNxJson, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { initGenerator } from '../src/generators/init/generator';

const PKG = join(__dirname, '..');
const ownDeps = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')).dependencies as Record<string, string>;
const quiet = { skipInstall: true, skipFormat: true };

test('registers the plugin, ignores the store and adds the tfjs packages at our versions', async () => {
  const tree = createTreeWithEmptyWorkspace();
  await initGenerator(tree, quiet);
  assert.ok(readNxJson(tree)!.plugins!.includes('@nx-hpo/plugin'));
  assert.match(tree.read('.gitignore', 'utf-8')!, /^\.nx-hpo$/m);
  const pkg = readJson(tree, 'package.json');
  assert.equal(pkg.devDependencies['@tensorflow/tfjs'], ownDeps['@tensorflow/tfjs']);
  assert.equal(pkg.devDependencies['@tensorflow/tfjs-backend-wasm'], ownDeps['@tensorflow/tfjs-backend-wasm']);
  assert.match(ownDeps['@tensorflow/tfjs']!, /^\d+\.\d+\.\d+$/, 'an exact version');
});

test('says what it did and, after installing, the next step', async (t) => {
  const lines: string[] = [];
  t.mock.method(logger, 'info', (m: string) => lines.push(m));
  const tree = createTreeWithEmptyWorkspace();
  const done = await initGenerator(tree, quiet);
  assert.ok(lines.includes('@nx-hpo/plugin: registered in nx.json'));
  assert.ok(lines.includes('@nx-hpo/plugin: added .nx-hpo (the trial store) to .gitignore'));
  assert.ok(lines.some((l) => /^@nx-hpo\/plugin: added @tensorflow\/tfjs@\d/.test(l)));
  assert.ok(!lines.some((l) => l.startsWith('Next:')), 'the next step comes after the install');
  await done();
  assert.equal(lines.at(-1), 'Next: nx g @nx-hpo/plugin:configuration --directory=models/<name> --data=<file.csv>  (then: nx run <name>:tune)');
});

test('is idempotent: a second run changes nothing', async () => {
  const tree = createTreeWithEmptyWorkspace();
  await initGenerator(tree, quiet);
  const snapshot = () => ['nx.json', '.gitignore', 'package.json'].map((f) => tree.read(f, 'utf-8'));
  const before = snapshot();
  await initGenerator(tree, quiet);
  assert.deepEqual(snapshot(), before);
  assert.equal(readNxJson(tree)!.plugins!.filter((p) => (typeof p === 'string' ? p : p.plugin) === '@nx-hpo/plugin').length, 1);
});

test('keeps an existing registration with its options, and other plugins', async () => {
  const tree = createTreeWithEmptyWorkspace();
  const nxJson = readNxJson(tree)!;
  nxJson.plugins = ['@nx/js', { plugin: '@nx-hpo/plugin', options: { tuneTargetName: 'search' } }];
  updateNxJson(tree, nxJson);
  await initGenerator(tree, { ...quiet, tuneTargetName: 'other' });
  assert.deepEqual(readNxJson(tree)!.plugins, ['@nx/js', { plugin: '@nx-hpo/plugin', options: { tuneTargetName: 'search' } }]);
});

test('a workspace without nx.json gets one', async () => {
  const tree = createTreeWithEmptyWorkspace();
  tree.delete('nx.json');
  await initGenerator(tree, quiet);
  assert.deepEqual(readJson(tree, 'nx.json'), { $schema: './node_modules/nx/schemas/nx-schema.json', plugins: ['@nx-hpo/plugin'] });
});

test('custom target names register the plugin with options', async () => {
  const tree = createTreeWithEmptyWorkspace();
  await initGenerator(tree, { ...quiet, tuneTargetName: 'hpo', trainTargetName: 'fit' });
  assert.deepEqual(readNxJson(tree)!.plugins!.at(-1), { plugin: '@nx-hpo/plugin', options: { tuneTargetName: 'hpo', trainTargetName: 'fit' } });
});

test('creates nx.json plugins when there were none, keeps .gitignore lines, listed versions untouched', async () => {
  const tree = createTreeWithEmptyWorkspace();
  const nxJson = readNxJson(tree)!;
  delete nxJson.plugins;
  updateNxJson(tree, nxJson);
  tree.write('.gitignore', 'node_modules\ndist');
  writeJson(tree, 'package.json', { name: 'ws', dependencies: { '@tensorflow/tfjs': '4.20.0' } });
  await initGenerator(tree, quiet);
  assert.deepEqual(readNxJson(tree)!.plugins, ['@nx-hpo/plugin']);
  assert.equal(tree.read('.gitignore', 'utf-8'), 'node_modules\ndist\n\n# nx-hpo trial store (trained trials, study journals)\n.nx-hpo\n');
  const pkg = readJson(tree, 'package.json');
  assert.equal(pkg.dependencies['@tensorflow/tfjs'], '4.20.0', 'an existing version is kept');
  assert.equal(pkg.devDependencies?.['@tensorflow/tfjs'], undefined, 'and not listed twice');
  assert.equal(pkg.devDependencies['@tensorflow/tfjs-backend-wasm'], ownDeps['@tensorflow/tfjs-backend-wasm']);
});

test('an already ignored store (/.nx-hpo/) is not added again; skipPackageJson leaves package.json alone', async () => {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('.gitignore', '/.nx-hpo/\n');
  const pkgBefore = tree.read('package.json', 'utf-8');
  await initGenerator(tree, { ...quiet, skipPackageJson: true });
  assert.equal(tree.read('.gitignore', 'utf-8'), '/.nx-hpo/\n');
  assert.equal(tree.read('package.json', 'utf-8'), pkgBefore);
});

test('the collection: init (alias ng-add) and configuration (alias config), with schemas Nx Console can show', () => {
  const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  const collection = JSON.parse(readFileSync(join(PKG, pkg.generators), 'utf8'));
  assert.deepEqual(collection.generators.init.aliases, ['ng-add']);
  assert.deepEqual(collection.generators.configuration.aliases, ['config']);
  for (const [name, g] of Object.entries<{ factory: string; schema: string; description: string }>(collection.generators)) {
    const schema = JSON.parse(readFileSync(join(PKG, g.schema), 'utf8'));
    assert.ok(g.description.length > 20, `${name} has a description`);
    assert.ok(Object.values<{ 'x-prompt'?: string }>(schema.properties).some((p) => p['x-prompt']), `${name} has an x-prompt`);
    for (const [key, prop] of Object.entries<{ description?: string }>(schema.properties)) assert.ok(prop.description, `${name}.${key} has a description`);
    // The factory is the built module; it exists after `npm run build`.
    const mod = require(join(PKG, g.factory));
    assert.equal(typeof mod.default, 'function', `${name}'s factory exports a default function`);
  }
  // `nx add` passes --keepExistingVersions to init when the schema has it.
  assert.ok(JSON.parse(readFileSync(join(PKG, collection.generators.init.schema), 'utf8')).properties.keepExistingVersions);
  assert.ok(JSON.parse(readFileSync(join(PKG, pkg['nx-migrations'].migrations), 'utf8')));
});
