import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { Rng } from '@nx-hpo/optimizers';
import { applyScaler, buildDataset, encodeClasses, fitScaler, loadRawData, prepareDataset, splitOff } from '../src/data/dataset';
import { proportionalQuotas, splitIndices } from '../src/data/split';

import { config, csv, userError } from './data-helpers';

const irisLike = csv('sepal,petal,species\n1,10,b\n2,20,a\n3,30,b\n4,40,a\n5,50,c\n6,60,c\n7,70,a\n8,80,b\n');

test('label by name, by index and by negative index pick the same column', () => {
  const byName = loadRawData(config(irisLike, { header: true, label: 'species' }));
  const byIndex = loadRawData(config(irisLike, { header: true, label: 2 }));
  const byNeg = loadRawData(config(irisLike, { header: true, label: -1 }));
  for (const r of [byName, byIndex, byNeg]) {
    assert.deepEqual(r.featureNames, ['sepal', 'petal']);
    assert.equal(r.labelName, 'species');
    assert.deepEqual(r.classes, ['a', 'b', 'c']);
    assert.deepEqual([...r.y], [1, 0, 1, 0, 2, 2, 0, 1]);
    assert.deepEqual([...r.x.subarray(0, 4)], [1, 10, 2, 20]);
  }
  // With another label, 'species' becomes a feature and must be numeric.
  userError(
    () => loadRawData(config(irisLike, { header: true, label: 'sepal', task: 'regression' })),
    (e) => assert.equal(e.message, "value 'b' in column 'species' (index 2) is not a number"),
  );
});

test('label as the first column for regression: the rest are features, targets are numbers', () => {
  const p = csv('2.5,1,0\n-1,2,1\n0,3,0\n4,4,1\n');
  const r = loadRawData(config(p, { label: 0, task: 'regression' }));
  assert.deepEqual(r.featureNames, ['col1', 'col2']);
  assert.equal(r.labelName, 'col0');
  assert.deepEqual([...r.y], [2.5, -1, 0, 4]);
  assert.equal(r.numClasses, 1);
  assert.equal(r.classes, undefined);
});

test('a label column that does not exist lists what exists, at data.label', () => {
  userError(
    () => loadRawData(config(irisLike, { header: true, label: 'specie' })),
    (e) => {
      assert.equal(e.location.path, 'data.label');
      assert.equal(e.message, "no column named 'specie'; the columns are 'sepal', 'petal', 'species'");
    },
  );
  userError(
    () => loadRawData(config(irisLike, { header: true, label: 'Species' })),
    (e) => assert.match(e.message, /did you mean 'species'\?/),
  );
  userError(
    () => loadRawData(config(irisLike, { header: true, label: 3 })),
    (e) => {
      assert.equal(e.location.path, 'data.label');
      assert.equal(e.message, 'label column 3 does not exist: the data has 3 columns (0..2, or -3..-1 from the end)');
    },
  );
  userError(
    () => loadRawData(config(irisLike, { header: true, label: -4 })),
    (e) => assert.match(e.message, /label column -4 does not exist/),
  );
  const noHeader = csv('1,2,a\n3,4,b\n');
  userError(
    () => loadRawData(config(noHeader, { label: 'species' })),
    (e) => {
      assert.equal(e.location.path, 'data.label');
      assert.match(e.message, /no header: set data.header: true, or give a column index \(0..2, or -3..-1 from the end\)/);
    },
  );
});

test('non-numeric and empty feature values name the file, line, column', () => {
  const p = csv('a,b,y\n1,2,0\n3,oops,1\n');
  userError(
    () => loadRawData(config(p, { header: true, label: 'y' })),
    (e) => {
      assert.equal(e.location.line, 3);
      assert.equal(e.location.col, 3);
      assert.equal(e.message, "value 'oops' in column 'b' (index 1) is not a number");
    },
  );
  const q = csv('1,2,0\n3,,1\n');
  userError(
    () => loadRawData(config(q)),
    (e) => {
      assert.deepEqual([e.location.line, e.location.col], [2, 3]);
      assert.equal(e.message, 'empty value in column 1 (0-based index)');
    },
  );
  const r = csv('1,2,0.5\n3,4,high\n');
  userError(
    () => loadRawData(config(r, { task: 'regression' })),
    (e) => assert.equal(e.message, "value 'high' in label column 2 (0-based index) is not a number (task: regression needs numeric labels)"),
  );
});

test('classification needs at least two classes; an empty file has no rows', () => {
  userError(
    () => loadRawData(config(csv('1,2,x\n3,4,x\n'))),
    (e) => assert.equal(e.location.path, 'data.label'),
  );
  userError(
    () => loadRawData(config(csv('a,b\n'), { header: true })),
    (e) => assert.equal(e.message, 'the data file has no data rows'),
  );
});

test('numeric classes are ordered numerically and 1 / 1.0 are one class; names naturally', () => {
  const { classes, index } = encodeClasses(['10', '2', '1.0', '1', '-3']);
  assert.deepEqual(classes, ['-3', '1', '2', '10']);
  assert.deepEqual([...index], [3, 2, 1, 1, 0]);
  assert.deepEqual(encodeClasses(['class10', 'class2', 'class1', 'b', 'B']).classes, ['b', 'B', 'class1', 'class2', 'class10']);
});

test('proportional quotas sum to the total and follow the sizes', () => {
  assert.deepEqual(proportionalQuotas([50, 30, 20], 20), [10, 6, 4]);
  assert.deepEqual(proportionalQuotas([1, 1, 1], 2), [1, 1, 0]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 12 }), fc.double({ min: 0, max: 1, noNaN: true }), (sizes, frac) => {
      const n = sizes.reduce((a, b) => a + b, 0);
      const total = Math.round(n * frac);
      const q = proportionalQuotas(sizes, total);
      assert.equal(
        q.reduce((a, b) => a + b, 0),
        total,
      );
      q.forEach((qk, k) => {
        assert.ok(qk <= sizes[k]!);
        assert.ok(Math.abs(qk - (sizes[k]! * total) / n) < 1 + 1e-9 || n === 0);
      });
    }),
  );
});

test('stratified split keeps each class share, is a partition and is deterministic', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 5, maxLength: 300 }), fc.integer(), fc.double({ min: 0.05, max: 0.5, noNaN: true }), (labels, seed, frac) => {
      const idx = labels.map((_, i) => i);
      const a = splitIndices(idx, frac, new Rng(seed), labels);
      const b = splitIndices(idx, frac, new Rng(seed), labels);
      assert.deepEqual(a, b);
      assert.equal(a.held.length, Math.round(labels.length * frac));
      assert.deepEqual([...a.rest, ...a.held].sort((x, y) => x - y), idx);
      for (let c = 0; c <= 4; c++) {
        const size = labels.filter((l) => l === c).length;
        const held = a.held.filter((i) => labels[i] === c).length;
        assert.ok(Math.abs(held - size * frac) <= 1 + 1e-9, `class ${c}: ${held} of ${size} held at ${frac}`);
      }
    }),
    { numRuns: 200 },
  );
});

test('different seeds give different splits; unstratified split holds round(n * split)', () => {
  const idx = Array.from({ length: 100 }, (_, i) => i);
  const a = splitIndices(idx, 0.2, new Rng(1));
  const b = splitIndices(idx, 0.2, new Rng(2));
  assert.equal(a.held.length, 20);
  assert.notDeepEqual(a.held, b.held);
});

test('prepareDataset on digits: stratified 80/20, min-max scaled on train only', () => {
  const path = resolve('examples/digits-mlp/data/digits.csv.gz');
  const cfg = config(path, { validation: { split: 0.2, stratify: true, seed: 0 }, scale: 'minmax' });
  const ds = prepareDataset(cfg);
  assert.equal(ds.nTrain + ds.nVal, 1797);
  assert.equal(ds.nVal, Math.round(1797 * 0.2));
  assert.equal(ds.numFeatures, 64);
  assert.deepEqual(ds.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(ds.numClasses, 10);
  assert.equal(ds.xTrain.length, ds.nTrain * 64);
  assert.equal(ds.xVal.length, ds.nVal * 64);
  // Every class is represented in validation roughly in proportion.
  const raw = loadRawData(cfg);
  for (let c = 0; c < 10; c++) {
    const total = [...raw.y].filter((y) => y === c).length;
    const val = [...ds.yVal].filter((y) => y === c).length;
    assert.ok(Math.abs(val - total * 0.2) <= 1, `class ${c}: ${val} of ${total}`);
  }
  // Training features land in [0, 1] exactly; the constant column 0 (always 0) stays finite.
  let min = Infinity;
  let max = -Infinity;
  for (const v of ds.xTrain) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.ok([...ds.xVal].every(Number.isFinite));
  // Same config, same arrays.
  const again = prepareDataset(cfg);
  assert.deepEqual(again.yVal, ds.yVal);
  assert.deepEqual(again.xTrain, ds.xTrain);
});

test('scaling statistics come from the training rows only', () => {
  // Row 3 (value 100) is far outside the rest: if it is in validation it must not move the scale.
  const p = csv('0,0\n1,1\n2,0\n100,1\n3,0\n4,1\n5,0\n6,1\n');
  const raw = loadRawData(config(p));
  const ds = buildDataset(raw, [0, 1, 2, 4, 5, 6, 7], [3], 'minmax');
  assert.deepEqual(ds.scaler.offset, [0]);
  assert.deepEqual(ds.scaler.scale, [6]);
  assert.deepEqual([...ds.xVal], [Math.fround(100 / 6)]);
  const std = buildDataset(raw, [0, 1, 2, 4, 5, 6, 7], [3], 'standard');
  assert.ok(Math.abs(std.scaler.offset[0]! - 3) < 1e-12);
  assert.ok(Math.abs(std.scaler.scale[0]! - 2) < 1e-12);
  const mean = [...std.xTrain].reduce((a, b) => a + b, 0) / std.nTrain;
  assert.ok(Math.abs(mean) < 1e-6);
});

test('constant columns scale safely; applyScaler matches the fitted transform', () => {
  const x = Float32Array.from([5, 1, 5, 2, 5, 3]);
  for (const kind of ['minmax', 'standard', 'none'] as const) {
    const s = fitScaler(x, 2, kind);
    assert.equal(s.scale[0], 1);
    const y = applyScaler(x, s);
    assert.ok([...y].every(Number.isFinite));
    if (kind !== 'none') assert.deepEqual([y[0], y[2], y[4]], [0, 0, 0]);
  }
  assert.deepEqual([...applyScaler(Float32Array.from([3, 7]), { kind: 'minmax', offset: [1, 2], scale: [2, 5] })], [1, 1]);
});

test('a split that leaves no validation rows is a data.validation.split error', () => {
  const p = csv('1,0\n2,1\n3,0\n');
  userError(
    () => prepareDataset(config(p, { validation: { split: 0.1, stratify: false, seed: 0 } })),
    (e) => assert.equal(e.format(), 'data.validation.split: a validation split of 0.1 of 3 rows leaves no validation rows'),
  );
});

test('splitOff can hold out a test set first, then validation from the rest (for later use)', () => {
  const path = resolve('examples/digits-mlp/data/digits.csv.gz');
  const raw = loadRawData(config(path));
  const { rest, held: testRows } = splitOff(raw, 0.1, { stratify: true, seed: 7 });
  const { rest: train, held: val } = splitOff(raw, 0.2, { stratify: true, seed: 0, from: rest });
  assert.equal(testRows.length, 180);
  const all = new Set([...train, ...val, ...testRows]);
  assert.equal(all.size, 1797);
  const full = buildDataset(raw, [...train, ...val].sort((a, b) => a - b), [], 'standard');
  assert.equal(full.nVal, 0);
  assert.equal(full.nTrain, rest.length);
});

/** fitScaler as it was first written, a column at a time: the row-by-row passes must give the very same doubles. */
function fitScalerByColumn(x: Float32Array, f: number, kind: 'minmax' | 'standard'): { offset: number[]; scale: number[] } {
  const n = x.length / f;
  const offset: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < f; j++) {
    if (kind === 'minmax') {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[i * f + j]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      offset.push(min);
      scale.push(max > min ? max - min : 1);
    } else {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += x[i * f + j]!;
      const mean = sum / n;
      let ss = 0;
      for (let i = 0; i < n; i++) {
        const d = x[i * f + j]! - mean;
        ss += d * d;
      }
      const std = Math.sqrt(ss / n);
      offset.push(mean);
      scale.push(std > 0 ? std : 1);
    }
  }
  return { offset, scale };
}

test('property: fitScaler gives bit for bit the statistics of a column-at-a-time pass', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }).chain((f) => fc.tuple(fc.constant(f), fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: f, maxLength: f * 40 }))),
      fc.constantFrom('minmax' as const, 'standard' as const),
      ([f, values], kind) => {
        const x = Float32Array.from(values.slice(0, values.length - (values.length % f)));
        const got = fitScaler(x, f, kind);
        const want = fitScalerByColumn(x, f, kind);
        assert.ok(got.offset.every((v, j) => Object.is(v, want.offset[j])) && got.scale.every((v, j) => Object.is(v, want.scale[j])), JSON.stringify({ got, want }));
      },
    ),
    { numRuns: 300 },
  );
});
