/**
 * The configuration generator on the devkit's in-memory Tree: what it infers from a CSV, that the
 * tune.yaml it writes passes the project's own loader (and the data loads as it says), and that
 * every bad input gets one line and leaves the tree unchanged.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { addProjectConfiguration, readProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse as parseYaml } from 'yaml';
import { ALGORITHMS } from '@nx-hpo/optimizers';
import { loadTuneConfig } from '../src/config';
import { prepareDataset } from '../src/data/dataset';
import { configurationGenerator } from '../src/generators/configuration/generator';
import { detectHeader, profileCsv } from '../src/generators/configuration/csv-profile';
import { planSearch } from '../src/generators/configuration/tune-yaml';
import type { ConfigurationGeneratorSchema } from '../src/generators/configuration/schema';
import { IRIS_CSV, blobsCsv, regressionCsv, writeTreeToDisk } from './generator-helpers';

const IRIS = readFileSync(IRIS_CSV);

function workspace(files: Record<string, string | Buffer> = {}): Tree {
  const tree = createTreeWithEmptyWorkspace();
  for (const [path, content] of Object.entries(files)) tree.write(path, content);
  return tree;
}

async function generate(tree: Tree, options: Partial<ConfigurationGeneratorSchema> & { data: string }): Promise<string> {
  await configurationGenerator(tree, { skipFormat: true, ...options } as ConfigurationGeneratorSchema);
  return tree.root;
}

/** Writes the tree to disk and loads the tune.yaml with the loader the executors use. */
function loadGenerated(tree: Tree, tunePath: string) {
  const dir = writeTreeToDisk(tree);
  try {
    const config = loadTuneConfig(join(dir, tunePath));
    const dataset = prepareDataset(config.data);
    return { config, dataset };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('configuration generator: what it writes', () => {
  test('iris in a new folder project: header, named label, 3 classes, stratified, loads', async () => {
    const tree = workspace({ 'data/iris.csv': IRIS });
    await generate(tree, { directory: 'models/iris', data: 'data/iris.csv' });
    assert.equal(readProjectConfiguration(tree, 'iris').root, 'models/iris');
    const text = tree.read('models/iris/tune.yaml', 'utf-8')!;
    assert.match(text, /^# yaml-language-server: \$schema=\.\.\/\.\.\/node_modules\/@nx-hpo\/plugin\/schema\/tune\.schema\.json$/m);
    const doc = parseYaml(text); // standard YAML, no masking
    assert.equal(doc.data.path, '../../data/iris.csv', 'a file in the workspace is referenced, not copied');
    assert.equal(tree.exists('models/iris/data/iris.csv'), false);
    assert.equal(doc.data.label, 'species');
    assert.equal(doc.model.layers[0].dense.units, '${units}');
    const { config, dataset } = loadGenerated(tree, 'models/iris/tune.yaml');
    assert.equal(config.data.task, 'classification');
    assert.equal(config.data.header, true);
    assert.deepEqual(config.data.validation, { split: 0.2, stratify: true, seed: 0 });
    assert.equal(config.data.scale, 'standard');
    assert.deepEqual(config.objective, { metric: 'val_accuracy', direction: 'maximize' });
    assert.equal(config.search.algorithm, 'bayesian');
    assert.equal(config.search.trials, 20);
    assert.deepEqual(dataset.classes, ['setosa', 'versicolor', 'virginica']);
    assert.equal(dataset.nTrain + dataset.nVal, 150);
    assert.equal(dataset.nVal, 30);
    // Quoted placeholders still become typed values.
    assert.deepEqual(Object.keys(config.space).sort(), ['activation', 'batchSize', 'dropout', 'lr', 'units']);
  });

  test('a CSV outside the workspace is copied into the project; --label by index; --task, --algorithm, --trials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-hpo-csv-'));
    try {
      const csv = join(dir, 'points.csv');
      writeFileSync(csv, regressionCsv(200));
      const tree = workspace();
      addProjectConfiguration(tree, 'app', { root: 'apps/app', targets: {} });
      await generate(tree, { project: 'app', data: csv, label: '4', task: 'regression', algorithm: 'tpe', trials: 7 });
      assert.equal(tree.read('apps/app/data/points.csv', 'utf-8'), readFileSync(csv, 'utf8'));
      const { config, dataset } = loadGenerated(tree, 'apps/app/tune.yaml');
      assert.equal(config.data.path!.endsWith(join('apps', 'app', 'data', 'points.csv')), true);
      assert.equal(config.data.header, false);
      assert.equal(config.data.label, 4);
      assert.equal(config.data.task, 'regression');
      assert.equal(config.data.validation.stratify, false);
      assert.deepEqual(config.objective, { metric: 'val_mae', direction: 'minimize' });
      assert.equal(config.search.algorithm, 'tpe');
      assert.equal(config.search.trials, 7);
      assert.equal(dataset.numFeatures, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('infers regression from many distinct numbers and classification from a few whole numbers', () => {
    const reg = profileCsv(regressionCsv(100), 'r.csv', { validationSplit: 0.2 });
    assert.equal(reg.task, 'regression');
    assert.equal(reg.header, false);
    const ints = 'a,b,y\n' + Array.from({ length: 60 }, (_, i) => `${i},${i * 2},${i % 4}`).join('\n');
    const cls = profileCsv(ints, 'i.csv', { validationSplit: 0.2 });
    assert.equal(cls.task, 'classification');
    assert.deepEqual(cls.classes, ['0', '1', '2', '3']);
    assert.equal(profileCsv(ints, 'i.csv', { validationSplit: 0.2, task: 'regression' }).task, 'regression');
  });

  test('semicolon-delimited, gzip-compressed, label in the middle: delimiter and label written, data loads', async () => {
    const csv = blobsCsv(90, 3, 5, ';').split('\n').map((l) => {
      const f = l.split(';');
      return l === '' ? l : [f[0], f[3], f[1], f[2]].join(';'); // kind moves to index 1
    }).join('\n');
    const tree = workspace({ 'raw/blobs.csv.gz': gzipSync(csv) });
    await generate(tree, { directory: 'blobs', data: 'raw/blobs.csv.gz', label: 'kind', copyData: true });
    const doc = parseYaml(tree.read('blobs/tune.yaml', 'utf-8')!);
    assert.equal(doc.data.delimiter, ';');
    assert.equal(doc.data.path, 'data/blobs.csv.gz', '--copyData copies a workspace file too');
    const { dataset } = loadGenerated(tree, 'blobs/tune.yaml');
    assert.deepEqual(dataset.classes, ['alpha', 'beta', 'gamma']);
    assert.deepEqual(dataset.featureNames, ['f0', 'f1', 'f2']);
  });

  test('grid: every float has values, so the loader accepts --algorithm grid', async () => {
    const tree = workspace({ 'd/iris.csv': IRIS });
    await generate(tree, { directory: 'g', data: 'd/iris.csv', algorithm: 'grid' });
    const { config } = loadGenerated(tree, 'g/tune.yaml');
    assert.equal(config.search.algorithm, 'grid');
  });

  test('--force overwrites an existing tune.yaml', async () => {
    const tree = workspace({ 'd/iris.csv': IRIS });
    addProjectConfiguration(tree, 'p', { root: 'p', targets: {} });
    tree.write('p/tune.yaml', 'old');
    await generate(tree, { project: 'p', data: 'd/iris.csv', force: true });
    assert.match(tree.read('p/tune.yaml', 'utf-8')!, /^data:/m);
  });

  test('the same command again with --force rewrites the tune.yaml of the project it created', async () => {
    const tree = workspace({ 'd/iris.csv': IRIS });
    await generate(tree, { directory: 'models/iris', data: 'd/iris.csv' });
    await generate(tree, { directory: 'models/iris', data: 'd/iris.csv', trials: 5, force: true });
    assert.match(tree.read('models/iris/tune.yaml', 'utf-8')!, /trials: 5,/);
    assert.equal(readProjectConfiguration(tree, 'iris').root, 'models/iris');
  });

  test('run from a subfolder: --data and --directory are relative to it, as with Nx generators', async (t) => {
    const tree = workspace({ 'apps/sub/iris.csv': IRIS });
    t.mock.method(process, 'cwd', () => join(tree.root, 'apps', 'sub'));
    await generate(tree, { directory: 'models/a', data: 'iris.csv' });
    assert.equal(readProjectConfiguration(tree, 'a').root, 'apps/sub/models/a');
    assert.equal(parseYaml(tree.read('apps/sub/models/a/tune.yaml', 'utf-8')!).data.path, '../../iris.csv');
  });

  test('the space grows with the data', () => {
    const small = planSearch(150, 4);
    const large = planSearch(50_000, 30);
    assert.ok(small.units.high < large.units.high);
    assert.ok(Math.max(...small.batchSizes) < Math.max(...large.batchSizes));
    assert.ok(small.epochs >= large.epochs);
    assert.equal(small.hiddenLayers, 1);
    assert.equal(large.hiddenLayers, 2);
    for (const n of [10, 37, 150, 1797, 20_000, 1_000_000]) {
      const p = planSearch(n, 8);
      assert.ok(p.batchSizes.every((b) => b >= 1 && b <= Math.max(8, n)), `batch sizes for ${n} rows`);
      assert.ok(p.epochs >= 10 && p.epochs <= 60);
    }
  });

  test('the bundled digits data (gzip, no header, 64 features, digits 0-9): classification, and it loads', async () => {
    const digits = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'digits-mlp', 'data', 'digits.csv.gz'));
    const tree = workspace({ 'data/digits.csv.gz': digits });
    await generate(tree, { directory: 'models/digits', data: 'data/digits.csv.gz' });
    const doc = parseYaml(tree.read('models/digits/tune.yaml', 'utf-8')!);
    assert.equal(doc.data.header, false);
    assert.equal(doc.data.label, -1);
    assert.equal(doc.data.task, 'classification');
    assert.deepEqual(doc.model.layers.at(-1), { dense: { units: 10, activation: 'softmax' } });
    assert.deepEqual(doc.space.units, { type: 'int', low: 16, high: 128, log: true });
    const { dataset } = loadGenerated(tree, 'models/digits/tune.yaml');
    assert.equal(dataset.numFeatures, 64);
    assert.equal(dataset.nTrain + dataset.nVal, 1797);
  });

  test('odd headers: a repeated label name is written by index, a multi-line one quoted; both files load', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i},${(i * 7) % 5},${i % 2 ? 'a' : 'b'}`).join('\n');
    const tree = workspace({ 'dup.csv': `x,y,x\n${rows}\n`, 'nl.csv': `x,y,"the\nlabel"\n${rows}\n` });
    await generate(tree, { directory: 'dup', data: 'dup.csv' });
    await generate(tree, { directory: 'nl', data: 'nl.csv' });
    assert.equal(parseYaml(tree.read('dup/tune.yaml', 'utf-8')!).data.label, -1, 'a repeated name cannot identify the column');
    assert.equal(parseYaml(tree.read('nl/tune.yaml', 'utf-8')!).data.label, 'the\nlabel', 'a quoted multi-line name can');
    for (const p of ['dup/tune.yaml', 'nl/tune.yaml']) {
      const { dataset } = loadGenerated(tree, p);
      assert.deepEqual(dataset.classes, ['a', 'b'], p);
    }
  });

  test('header detection', () => {
    assert.equal(detectHeader([['a', 'b'], ['1', '2']]), true);
    assert.equal(detectHeader([['1', '2'], ['3', '4']]), false);
    assert.equal(detectHeader([['1.5', 'cat'], ['3', 'dog']]), false);
    assert.equal(detectHeader([['x', 'label'], ['3', 'dog']]), true);
  });

  test('the schema lists every algorithm the optimizers offer', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '..', 'src', 'generators', 'configuration', 'schema.json'), 'utf8'));
    assert.deepEqual(schema.properties.algorithm.enum, [...ALGORITHMS], 'update schema.json (and schema.d.ts) when @nx-hpo/optimizers adds an algorithm');
  });
});

describe('configuration generator: bad input gets one line and changes nothing', () => {
  const cases: Array<{ name: string; files?: Record<string, string | Buffer>; options: Partial<ConfigurationGeneratorSchema>; message: RegExp }> = [
    { name: 'no such file', options: { directory: 'm', data: 'nope.csv' }, message: /^--data: no such file: nope\.csv/ },
    {
      name: 'no such column',
      files: { 'iris.csv': IRIS },
      options: { directory: 'm', data: 'iris.csv', label: 'specie' },
      message: /^iris\.csv: no column named "specie"; the columns are "sepal_length", .*"species"$/,
    },
    {
      name: 'column index out of range',
      files: { 'iris.csv': IRIS },
      options: { directory: 'm', data: 'iris.csv', label: 9 },
      message: /^iris\.csv: no column 9: the data has 5 columns/,
    },
    {
      name: 'one class only',
      files: { 'one.csv': 'x,y\n' + Array.from({ length: 30 }, (_, i) => `${i},yes`).join('\n') },
      options: { directory: 'm', data: 'one.csv' },
      message: /^one\.csv: the label column "y" has one class only \("yes"\): classification needs at least 2$/,
    },
    {
      name: 'too few rows for the splits',
      files: { 'few.csv': 'a,b,c\n1,2,x\n3,4,y\n5,6,z\n7,8,x\n9,1,y\n' },
      options: { directory: 'm', data: 'few.csv' },
      message: /^few\.csv: 5 data rows is too few: a stratified 20% validation split of 3 classes needs at least 15$/,
    },
    {
      name: 'a text feature',
      files: { 't.csv': 'colour,size,y\nred,1,0\nblue,2,1\n' },
      options: { directory: 'm', data: 't.csv' },
      message: /^t\.csv:2: feature column "colour" \(index 0\) holds "red": features must be numbers/,
    },
    {
      name: 'regression on text labels',
      files: { 'iris.csv': IRIS },
      options: { directory: 'm', data: 'iris.csv', task: 'regression' },
      message: /^iris\.csv:2: label "setosa" in column "species" is not a number: regression needs numeric labels$/,
    },
    {
      name: 'ragged rows',
      files: { 'r.csv': 'a,b\n1,2\n3\n' },
      options: { directory: 'm', data: 'r.csv' },
      message: /^r\.csv:3:1: row has 1 field, expected 2 like the first row$/,
    },
    {
      name: 'an existing tune.yaml without --force',
      files: { 'iris.csv': IRIS, 'p/project.json': '{"name":"p"}', 'p/tune.yaml': 'keep me' },
      options: { project: 'p', data: 'iris.csv' },
      message: /^p\/tune\.yaml already exists: pass --force to overwrite it$/,
    },
    {
      name: 'the same --directory again without --force',
      files: { 'iris.csv': IRIS, 'models/iris/project.json': '{"name":"iris"}' },
      options: { directory: 'models/iris', data: 'iris.csv' },
      message: /^--directory: models\/iris is already the project "iris": use --project=iris \(or --force to rewrite its tune\.yaml\)$/,
    },
    { name: 'no such project', files: { 'iris.csv': IRIS }, options: { project: 'ghost', data: 'iris.csv' }, message: /^--project: no project named "ghost"/ },
    { name: 'neither --project nor --directory', files: { 'iris.csv': IRIS }, options: { data: 'iris.csv' }, message: /^give --directory=<folder>/ },
    {
      name: 'both --project and --directory',
      files: { 'iris.csv': IRIS },
      options: { data: 'iris.csv', project: 'a', directory: 'b' },
      message: /not both$/,
    },
    {
      name: 'a project name that is taken',
      files: { 'iris.csv': IRIS, 'apps/iris/project.json': '{"name":"iris"}' },
      options: { data: 'iris.csv', directory: 'models/iris' },
      message: /^a project named "iris" already exists \(in apps\/iris\)/,
    },
    { name: 'a directory outside the workspace', files: { 'iris.csv': IRIS }, options: { data: 'iris.csv', directory: '../x' }, message: /^--directory must be a folder inside the workspace/ },
    { name: 'zero trials', files: { 'iris.csv': IRIS }, options: { data: 'iris.csv', directory: 'x', trials: 0 }, message: /^--trials must be a whole number of at least 1/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const tree = workspace(c.files);
      const before = tree.listChanges().map((f) => [f.path, f.content?.toString('base64')]);
      await assert.rejects(
        () => generate(tree, c.options as ConfigurationGeneratorSchema),
        (e: Error) => {
          assert.doesNotMatch(e.message, /\n/, 'one line');
          assert.match(e.message, c.message);
          return true;
        },
      );
      assert.deepEqual(tree.listChanges().map((f) => [f.path, f.content?.toString('base64')]), before, 'the tree is unchanged');
    });
  }
});
