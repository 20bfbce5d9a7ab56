/**
 * Data beyond CSV: JSON Lines, Parquet and data modules give the same prepared data a CSV would,
 * errors point at the file's line and column or the YAML key, and the trial key covers a data
 * module's import closure, its declared files and its options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTuneConfig, resolveTrial } from '../src/config';
import { loadRawData, loadRawDataAsync, prepareDatasetAsync, prepareSplitsAsync } from '../src/data/dataset';
import { trialKey } from '../src/store/trial-key';
import { config, csv, userError } from './data-helpers';

const dir = mkdtempSync(join(tmpdir(), 'hpo-sources-'));
let count = 0;
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, `${count++}-${name}`);
  writeFileSync(p, content);
  return p;
}

const rows = [
  { a: 1.5, b: -2, species: 'setosa' },
  { a: 3, b: 0.004, species: 'virginica' },
  { a: 0.25, b: 7, species: 'setosa' },
  { a: 9, b: 1, species: 'virginica' },
];
const sameCsv = () => csv('a,b,species\n1.5,-2,setosa\n3,0.004,virginica\n0.25,7,setosa\n9,1,virginica\n');

test('JSON Lines: the same data as the CSV, label by name without a header setting', () => {
  const p = file('d.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n');
  const fromJsonl = loadRawData(config(p, { label: 'species' }));
  assert.deepEqual(fromJsonl, loadRawData(config(sameCsv(), { header: true, label: 'species' })));
});

test('JSON Lines: errors at file:line:col', () => {
  const bad = file('bad.jsonl', '{"a": 1, "y": 0}\n{"a": "x", "y": 1}\n');
  userError(
    () => loadRawData(config(bad, { label: 'y' })),
    (e) => assert.match(e.format(), /bad\.jsonl:2:2: value 'x' of 'a' is not a number/),
  );
  const broken = file('broken.jsonl', '{"a": 1, "y": 0}\n{"a": 1, "y": }\n');
  userError(
    () => loadRawData(config(broken, { label: 'y' })),
    (e) => assert.match(e.format(), /broken\.jsonl:2:\d+: not valid JSON/),
  );
  const missing = file('missing.jsonl', '{"a": 1, "y": 0}\n{"y": 1}\n');
  userError(
    () => loadRawData(config(missing, { label: 'y' })),
    (e) => assert.match(e.format(), /missing\.jsonl:2:1: this line has no 'a'/),
  );
});

test('Parquet (hyparquet): the same data as the CSV', async () => {
  const { parquetWriteBuffer } = (await import('hyparquet-writer')) as typeof import('hyparquet-writer');
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'a', data: rows.map((r) => r.a), type: 'DOUBLE' },
      { name: 'b', data: rows.map((r) => r.b), type: 'FLOAT' },
      { name: 'species', data: rows.map((r) => r.species), type: 'STRING' },
    ],
  });
  const p = file('d.parquet', new Uint8Array(buffer));
  const fromParquet = await loadRawDataAsync(config(p, { label: 'species' }));
  const fromCsv = loadRawData(config(sameCsv(), { header: true, label: 'species' }));
  assert.deepEqual(fromParquet, fromCsv);
  await assert.rejects(loadRawDataAsync(config(file('not.parquet', 'a,b\n1,2\n'), { label: 0 })), /not a valid Parquet file/);
});

/** A project folder with a data module importing a helper and reading a declared file. */
function moduleProject(): { root: string; yaml: string } {
  const root = mkdtempSync(join(tmpdir(), 'hpo-data-module-'));
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data', 'scale.txt'), '2\n');
  writeFileSync(join(root, 'helper.ts'), 'export const offset = 0.5;\n');
  writeFileSync(
    join(root, 'data.ts'),
    [
      "import { readFileSync } from 'node:fs';",
      "import { offset } from './helper';",
      'export function load(ctx: { options: { n?: number; undeclared?: string }; files: string[] }) {',
      '  const n = ctx.options.n ?? 12;',
      "  const scale = Number(readFileSync(ctx.files[0]!, 'utf8'));",
      '  const x = new Float32Array(n * 2 * 3);',
      '  for (let i = 0; i < x.length; i++) x[i] = ((i * 7) % 11) * scale + offset;',
      '  const files = ctx.options.undeclared ? [...ctx.files, ctx.options.undeclared] : ctx.files;',
      "  return { x, y: Array.from({ length: n }, (_, i) => (i % 2 ? 'odd' : 'even')), shape: [n, 2, 3], files };",
      '}',
      '',
    ].join('\n'),
  );
  const yaml = [
    'data:',
    '  module: data.ts',
    '  files: [data/scale.txt]',
    '  options: { n: 12 }',
    '  validation: { split: 0.25, seed: 0 }',
    'model:',
    '  layers:',
    '    - flatten: {}',
    '    - dense: { units: 2, activation: softmax }',
    'training: { epochs: 1, batchSize: 4, optimizer: { name: adam, learningRate: ${lr} } }',
    'space: { lr: { type: float, low: 0.001, high: 0.1 } }',
    'objective: { metric: val_accuracy }',
    '',
  ].join('\n');
  writeFileSync(join(root, 'tune.yaml'), yaml);
  return { root, yaml };
}

test('data module: features with their shape, classes from string labels', async () => {
  const { root, yaml } = moduleProject();
  const cfg = parseTuneConfig(yaml, join(root, 'tune.yaml'));
  const ds = await prepareDatasetAsync(cfg.data);
  assert.deepEqual(ds.featureShape, [2, 3]);
  assert.equal(ds.numFeatures, 6);
  assert.equal(ds.nTrain + ds.nVal, 12);
  assert.deepEqual(ds.classes, ['even', 'odd']);
  assert.equal(ds.xTrain[0], 0.5); // row 0: ((0 * 7) % 11) * 2 + 0.5
  const withTest = parseTuneConfig(yaml.replace('  validation:', '  test: { split: 0.25, seed: 0 }\n  validation:'), join(root, 'tune.yaml'));
  const { dataset, test } = await prepareSplitsAsync(withTest.data);
  assert.equal(test?.n, 3);
  assert.deepEqual(test?.featureShape, [2, 3]);
  assert.equal(dataset.nTrain + dataset.nVal + test!.n, 12);
});

test('data module: the trial key covers its imports, its declared files and its options', () => {
  const { root, yaml } = moduleProject();
  const key = () => {
    const cfg = parseTuneConfig(yaml, join(root, 'tune.yaml'));
    const spec = resolveTrial(cfg, { lr: 0.01 });
    return trialKey({ params: { lr: 0.01 }, model: spec.model, training: spec.training, data: cfg.data, seed: 0, backend: 'wasm' });
  };
  const touch = (path: string, content: string) => {
    writeFileSync(path, content);
    const later = new Date(Date.now() + 10_000 * ++count);
    require('node:fs').utimesSync(path, later, later);
  };
  const k0 = key();
  assert.equal(key(), k0);
  touch(join(root, 'helper.ts'), 'export const offset = 0.25;\n');
  const k1 = key();
  assert.notEqual(k1, k0, 'a local import of the module');
  touch(join(root, 'data', 'scale.txt'), '3\n');
  const k2 = key();
  assert.notEqual(k2, k1, 'a declared file');
  const withOptions = parseTuneConfig(yaml.replace('{ n: 12 }', '{ n: 16 }'), join(root, 'tune.yaml'));
  const spec = resolveTrial(withOptions, { lr: 0.01 });
  assert.notEqual(trialKey({ params: { lr: 0.01 }, model: spec.model, training: spec.training, data: withOptions.data, seed: 0, backend: 'wasm' }), k2, 'the options');
});

test('data module: a file read but not declared, bad returns and config mistakes are located', async () => {
  const { root, yaml } = moduleProject();
  const undeclared = parseTuneConfig(yaml.replace('{ n: 12 }', `{ n: 12, undeclared: ${JSON.stringify(join(root, 'helper.ts'))} }`), join(root, 'tune.yaml'));
  await assert.rejects(prepareDatasetAsync(undeclared.data), (e: Error) => {
    assert.match(e.message, /read .*helper\.ts, which data\.files does not list/);
    return true;
  });
  writeFileSync(join(root, 'bad.ts'), 'export function load() { return { x: new Float32Array(5), y: [0, 1], shape: [2, 3] }; }\n');
  const bad = parseTuneConfig(yaml.replace('module: data.ts', 'module: bad.ts'), join(root, 'tune.yaml'));
  await assert.rejects(prepareDatasetAsync(bad.data), /returned 5 feature values, but shape \[2,3\] holds 6/);
  const file = join(root, 'tune.yaml');
  userError(
    () => parseTuneConfig(yaml.replace('  module: data.ts', '  path: x.csv\n  module: data.ts'), file),
    (e) => assert.match(e.format(), /tune\.yaml:\d+:\d+: data\.module: give either path \(a data file\) or module/),
  );
  userError(
    () => parseTuneConfig(yaml.replace('files: [data/scale.txt]', 'files: [data/nope.txt]'), file),
    (e) => assert.match(e.format(), /tune\.yaml:3:\d+: data\.files\[0\]: file not found: .*nope\.txt/),
  );
});
