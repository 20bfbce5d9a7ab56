/**
 * The held-out test split (data.test) and the full fit (train + validation): test rows are drawn
 * first and never reach training or validation, splits are pure functions of (file, config), the
 * scaler comes from the rows the model is fitted on, and empty splits are located errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import fc from 'fast-check';
import {
  applyScaler,
  buildDataset,
  drawSplits,
  fitScaler,
  gatherRows,
  loadRawData,
  prepareDataset,
  prepareSplits,
  prepareTestSet,
  splitOff,
  type Dataset,
  type RawData,
} from '../src/data/dataset';

import { config, csv, userError } from './data-helpers';
const ascending = (a: number, b: number): number => a - b;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** In-memory raw data: one feature (the row number), the given class labels. */
function rawOf(labels: readonly number[], task: 'classification' | 'regression' = 'classification'): RawData {
  const numClasses = Math.max(...labels) + 1;
  return {
    task,
    featureNames: ['id'],
    labelName: 'y',
    numFeatures: 1,
    numClasses: task === 'classification' ? numClasses : 1,
    n: labels.length,
    x: Float32Array.from(range(labels.length)),
    y: Float32Array.from(labels),
  };
}

/** The first feature of each row: these fixtures store the row number there (unscaled). */
function ids(x: Float32Array, numFeatures: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i += numFeatures) out.push(x[i]!);
  return out;
}

const DIGITS = resolve('examples/digits-mlp/data/digits.csv.gz');

test('property: test rows are never in training or validation; counts, partition, determinism', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 400 }),
      fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      fc.boolean(),
      fc.boolean(),
      fc.integer(),
      fc.integer(),
      (labels, testFrac, valFrac, testStratify, valStratify, testSeed, valSeed) => {
        const raw = rawOf(labels);
        const cfg = {
          test: { split: testFrac, stratify: testStratify, seed: testSeed },
          validation: { split: valFrac, stratify: valStratify, seed: valSeed },
        };
        const n = labels.length;
        const nTest = Math.round(n * testFrac);
        const nVal = Math.round((n - nTest) * valFrac);
        const nTrain = n - nTest - nVal;
        if (nTest === 0 || nTest === n) {
          userError(() => drawSplits(raw, cfg), (e) => assert.equal(e.location.path, 'data.test.split'));
          return;
        }
        if (nVal === 0 || nTrain === 0) {
          userError(() => drawSplits(raw, cfg), (e) => assert.equal(e.location.path, 'data.validation.split'));
          return;
        }
        const s = drawSplits(raw, cfg);
        assert.deepEqual(drawSplits(raw, cfg), s, 'same config, same splits');
        assert.deepEqual([s.test.length, s.val.length, s.train.length], [nTest, nVal, nTrain]);
        const testSet = new Set(s.test);
        assert.ok(!s.train.some((r) => testSet.has(r)) && !s.val.some((r) => testSet.has(r)), 'a test row in training or validation');
        assert.deepEqual([...s.train, ...s.val, ...s.test].sort(ascending), range(n), 'not a partition');
        for (const part of [s.train, s.val, s.test]) assert.deepEqual([...part].sort(ascending), part);
        // The validation draw is the one without a test split, on the rows the test split left.
        const left = range(n).filter((r) => !testSet.has(r));
        const alone = splitOff(raw, valFrac, { stratify: valStratify, seed: valSeed, from: left });
        assert.deepEqual({ train: s.train, val: s.val }, { train: alone.rest, val: alone.held });
      },
    ),
    { numRuns: 300 },
  );
});

test('property: stratified test and validation splits keep every class share (within one row)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 20, maxLength: 400 }),
      fc.double({ min: 0.05, max: 0.5, noNaN: true }),
      fc.double({ min: 0.05, max: 0.5, noNaN: true }),
      fc.integer(),
      (labels, testFrac, valFrac, seed) => {
        const raw = rawOf(labels);
        const s = drawSplits(raw, { test: { split: testFrac, stratify: true, seed }, validation: { split: valFrac, stratify: true, seed } });
        const count = (rows: readonly number[], c: number): number => rows.filter((r) => labels[r] === c).length;
        for (let c = 0; c <= 4; c++) {
          const size = count(range(labels.length), c);
          const inTest = count(s.test, c);
          assert.ok(Math.abs(inTest - size * testFrac) <= 1 + 1e-9, `class ${c}: ${inTest} of ${size} in test at ${testFrac}`);
          const left = size - inTest;
          const inVal = count(s.val, c);
          assert.ok(Math.abs(inVal - left * valFrac) <= 1 + 1e-9, `class ${c}: ${inVal} of ${left} in validation at ${valFrac}`);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('property, end to end through the CSV: test, validation and training rows (and the full fit) partition the file', () => {
  fc.assert(
    fc.property(
      // At least 20 rows: with fractions in [0.1, 0.5] no split rounds to empty (that case is tested apart).
      fc.integer({ min: 20, max: 120 }),
      fc.double({ min: 0.1, max: 0.5, noNaN: true }),
      fc.double({ min: 0.1, max: 0.5, noNaN: true }),
      fc.boolean(),
      fc.nat(1000),
      (n, testFrac, valFrac, stratify, seed) => {
        // Column 0 (of two features and the label) is the row number, so every row can be recognised after splitting (scale: none).
        const path = csv(range(n).map((i) => `${i},${(i * 7) % 5},${i % 3}`).join('\n') + '\n');
        const cfg = config(path, { test: { split: testFrac, stratify, seed }, validation: { split: valFrac, stratify, seed: seed + 1 } });
        const ds = prepareDataset(cfg);
        const held = prepareTestSet(cfg);
        const train = ids(ds.xTrain, 2);
        const val = ids(ds.xVal, 2);
        const testRows = ids(held.x, 2);
        assert.equal(held.n, Math.round(n * testFrac));
        assert.deepEqual([...train, ...val, ...testRows].sort(ascending), range(n));
        const full = prepareDataset(cfg, { fit: 'full' });
        assert.equal(full.nVal, 0);
        assert.deepEqual(ids(full.xTrain, 2), [...train, ...val].sort(ascending));
        // Labels travel with their rows.
        assert.deepEqual([...held.y], testRows.map((i) => i % 3));
        assert.deepEqual([...full.yTrain], ids(full.xTrain, 2).map((i) => i % 3));
      },
    ),
    { numRuns: 40 },
  );
});

test('asking for the test set never changes the training and validation rows', () => {
  const cfg = config(DIGITS, { validation: { split: 0.2, stratify: true, seed: 0 }, test: { split: 0.15, stratify: true, seed: 3 }, scale: 'standard' });
  const first = prepareDataset(cfg);
  const testSet = prepareTestSet(cfg);
  const second = prepareDataset(cfg);
  assert.deepEqual(second, first);
  assert.deepEqual(prepareTestSet(cfg), testSet);
  // One read gives the same arrays as the two calls.
  const both = prepareSplits(cfg);
  assert.deepEqual(both.dataset, first);
  assert.deepEqual(both.test, testSet);
  assert.deepEqual(prepareSplits(cfg, { fit: 'full' }).test, prepareTestSet(cfg, { fit: 'full' }));
  assert.equal(testSet.n, Math.round(1797 * 0.15));
  assert.equal(first.nTrain + first.nVal + testSet.n, 1797);
  assert.equal(first.nVal, Math.round((1797 - testSet.n) * 0.2));
  assert.deepEqual(testSet.classes, first.classes);
  assert.equal(testSet.numFeatures, 64);
  assert.equal(testSet.task, 'classification');
  assert.equal(testSet.x.length, testSet.n * 64);
});

test('without data.test nothing changes: the splits are the single validation draw over all rows', () => {
  const cfg = config(DIGITS, { validation: { split: 0.2, stratify: true, seed: 5 }, scale: 'minmax' });
  const raw = loadRawData(cfg);
  const { rest, held } = splitOff(raw, 0.2, { stratify: true, seed: 5 });
  assert.deepEqual(drawSplits(raw, cfg), { train: rest, val: held, test: [] });
  assert.deepEqual(prepareDataset(cfg), buildDataset(raw, rest, held, 'minmax'));
  assert.equal(prepareSplits(cfg).test, undefined);
});

test('the test split depends on data.test only; validation and scaling settings do not move it', () => {
  const base = config(DIGITS, { test: { split: 0.1, stratify: true, seed: 0 } });
  const raw = loadRawData(base);
  const reference = drawSplits(raw, base).test;
  for (const validation of [
    { split: 0.2, stratify: true, seed: 0 },
    { split: 0.3, stratify: false, seed: 9 },
  ]) {
    assert.deepEqual(drawSplits(raw, { ...base, validation }).test, reference);
  }
  assert.notDeepEqual(drawSplits(raw, { ...base, test: { split: 0.1, stratify: true, seed: 1 } }).test, reference);
});

test('stratified test split on digits: every class within one row of its share, in test and in the rest', () => {
  const cfg = config(DIGITS, { test: { split: 0.2, stratify: true, seed: 0 }, validation: { split: 0.25, stratify: true, seed: 0 } });
  const raw = loadRawData(cfg);
  const testSet = prepareTestSet(cfg);
  const ds = prepareDataset(cfg);
  for (let c = 0; c < 10; c++) {
    const total = [...raw.y].filter((y) => y === c).length;
    const inTest = [...testSet.y].filter((y) => y === c).length;
    const inVal = [...ds.yVal].filter((y) => y === c).length;
    const inTrain = [...ds.yTrain].filter((y) => y === c).length;
    assert.ok(Math.abs(inTest - total * 0.2) <= 1, `class ${c}: ${inTest} of ${total} in test`);
    assert.ok(Math.abs(inVal - (total - inTest) * 0.25) <= 1, `class ${c}: ${inVal} of ${total - inTest} in validation`);
    assert.equal(inTrain + inVal + inTest, total);
  }
});

test('the scaler is fitted on the training rows only: a test-row outlier does not move it', () => {
  // Row 5 has feature 1000; find a test seed that holds it out (a pure search over seeds).
  const lines = range(20).map((i) => `${i === 5 ? 1000 : i},${i % 2}`);
  const path = csv(lines.join('\n') + '\n');
  const raw = loadRawData(config(path));
  const seed = range(200).find((s) => drawSplits(raw, { validation: { split: 0.25, stratify: false, seed: 0 }, test: { split: 0.2, stratify: false, seed: s } }).test.includes(5));
  assert.ok(seed !== undefined, 'no seed puts row 5 in the test split');
  const cfg = config(path, { test: { split: 0.2, stratify: false, seed }, scale: 'minmax' });
  const splits = drawSplits(raw, cfg);
  const ds = prepareDataset(cfg);
  const testSet = prepareTestSet(cfg);
  const trainValues = splits.train.map((r) => (r === 5 ? 1000 : r));
  const min = Math.min(...trainValues);
  const max = Math.max(...trainValues);
  assert.deepEqual(ds.scaler, { kind: 'minmax', offset: [min], scale: [max - min] });
  assert.deepEqual(testSet.scaler, ds.scaler);
  assert.ok(max < 1000);
  const at = splits.test.indexOf(5);
  assert.equal(testSet.x[at], Math.fround((1000 - min) / (max - min)));
  assert.ok(testSet.x[at]! > 1, 'the outlier is scaled with the training range, not squeezed into [0, 1]');
  assert.deepEqual(testSet.x, applyScaler(gatherRows(raw.x, 1, splits.test), ds.scaler));
});

test('full fit: training rows are training + validation, scaler fitted on them, test rows stay out', () => {
  const withTest = config(DIGITS, { validation: { split: 0.2, stratify: true, seed: 0 }, test: { split: 0.1, stratify: true, seed: 0 }, scale: 'standard' });
  const raw = loadRawData(withTest);
  const splits = drawSplits(raw, withTest);
  const tuned = prepareDataset(withTest);
  const full = prepareDataset(withTest, { fit: 'full' });
  assert.equal(splits.test.length, 180);
  assert.equal(full.nTrain, 1797 - 180);
  assert.equal(full.nTrain, tuned.nTrain + tuned.nVal);
  assert.equal(full.nVal, 0);
  assert.equal(full.xVal.length, 0);
  assert.equal(full.yVal.length, 0);
  assert.equal(full.xTrain.length, full.nTrain * 64);
  const fullRows = [...splits.train, ...splits.val].sort(ascending);
  const expectedScaler = fitScaler(gatherRows(raw.x, 64, fullRows), 64, 'standard');
  assert.deepEqual(full.scaler, expectedScaler);
  assert.notDeepEqual(full.scaler, tuned.scaler);
  assert.deepEqual(full.yTrain, gatherRows(raw.y, 1, fullRows));
  // The test set for a fully fitted model is scaled with that model's scaler.
  const testFull = prepareTestSet(withTest, { fit: 'full' });
  assert.deepEqual(testFull.scaler, expectedScaler);
  assert.deepEqual(testFull.y, prepareTestSet(withTest).y);

  const noTest = config(DIGITS, { validation: { split: 0.2, stratify: true, seed: 0 } });
  const everything = prepareDataset(noTest, { fit: 'full' });
  assert.deepEqual([everything.nTrain, everything.nVal], [1797, 0]);
  // fit: 'train' is the default.
  assert.deepEqual(prepareDataset(noTest, { fit: 'train' }), prepareDataset(noTest));
});

test('errors: asking for an undefined test set, and splits that rounding leaves empty, are located', () => {
  const six = csv('1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n');
  userError(
    () => prepareTestSet(config(six)),
    (e) => {
      assert.equal(e.location.path, 'data.test');
      assert.match(e.message, /no test split is defined/);
    },
  );
  userError(
    () => prepareDataset(config(six, { test: { split: 0.05, stratify: false, seed: 0 } })),
    (e) => assert.equal(e.format(), 'data.test.split: a test split of 0.05 of 6 rows leaves no test rows'),
  );
  userError(
    () => prepareTestSet(config(csv('1,0\n2,1\n'), { test: { split: 0.9, stratify: false, seed: 0 } })),
    (e) => assert.equal(e.format(), 'data.test.split: a test split of 0.9 of 2 rows leaves no rows for training and validation'),
  );
  // Test and validation together must leave training rows: 3 test rows, then 3 of the 3 left.
  userError(
    () => prepareDataset(config(six, { test: { split: 0.5, stratify: false, seed: 0 }, validation: { split: 0.9, stratify: false, seed: 0 } })),
    (e) => assert.equal(e.format(), 'data.validation.split: a validation split of 0.9 of the 3 rows left after the test split leaves no training rows'),
  );
  userError(
    () => prepareDataset(config(six, { test: { split: 0.5, stratify: false, seed: 0 }, validation: { split: 0.1, stratify: false, seed: 0 } }), { fit: 'full' }),
    (e) => assert.equal(e.format(), 'data.validation.split: a validation split of 0.1 of the 3 rows left after the test split leaves no validation rows'),
  );
});

test('regression: unstratified test split, targets held out unchanged', () => {
  const path = csv(range(30).map((i) => `${i},${i * 0.5}`).join('\n') + '\n');
  const cfg = config(path, { task: 'regression', test: { split: 0.3, stratify: false, seed: 2 } });
  const testSet = prepareTestSet(cfg);
  assert.equal(testSet.task, 'regression');
  assert.equal(testSet.classes, undefined);
  assert.equal(testSet.numClasses, 1);
  assert.equal(testSet.n, 9);
  assert.deepEqual([...testSet.y], ids(testSet.x, 1).map((i) => i * 0.5));
  const ds: Dataset = prepareDataset(cfg);
  assert.equal(ds.nTrain + ds.nVal, 21);
});
