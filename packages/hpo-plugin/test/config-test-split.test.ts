/**
 * data.test in tune.yaml: defaults, schema errors and cross-checks located in the file, errors
 * found on loading the data located there too, and the trial key covering the test split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareDataset, prepareTestSet } from '../src/data/dataset';
import { UserError } from '../src/errors';
import { locateInConfig } from '../src/executors/user-errors';
import { hashValue } from '../src/store/canonical';
import { trialKey, trialKeyMaterial } from '../src/store/trial-key';
import { EXAMPLE, SHOWN, assertError, load, withLine } from './config-helpers';

const F = SHOWN;
const VALIDATION = '  validation: { split: 0.2, stratify: true, seed: 0 }';
/** The reference example with a `test:` line (line 7) under its validation line. */
const withTest = (line: string, source = EXAMPLE): string => withLine(6, `${VALIDATION}\n${line}`, source);

test('data.test: absent means no test split; given, its defaults follow the task like validation', () => {
  assert.equal('test' in load(EXAMPLE).data, false);
  assert.deepEqual(load(withTest('  test: { split: 0.1, seed: 3 }')).data.test, { split: 0.1, stratify: true, seed: 3 });
  assert.deepEqual(load(withTest('  test: {}')).data.test, { split: 0.2, stratify: true, seed: 0 });
  assert.deepEqual(load(withTest('  test: { split: 0.25, stratify: false }')).data.test, { split: 0.25, stratify: false, seed: 0 });
  const regression = withLine(6, '  validation: { split: 0.2 }\n  test: { split: 0.1 }', withLine(5, '  task: regression', withLine(12, '    - dense: { units: 1 }', withLine(24, 'objective: { metric: val_loss }'))));
  assert.deepEqual(load(regression).data.test, { split: 0.1, stratify: false, seed: 0 });
  // The rest of data is unchanged by a test split.
  const { test: _, ...rest } = load(withTest('  test: { split: 0.1 }')).data;
  assert.deepEqual(rest, load(EXAMPLE).data);
});

test('data.test errors point at the key or value', () => {
  assertError(withTest('  test: { split: 1 }'), `${F}:7:18: data.test.split: must be less than 1, got 1`);
  assertError(withTest('  test: { split: 0 }'), `${F}:7:18: data.test.split: must be greater than 0, got 0`);
  assertError(withTest('  test: { split: 0.1, seed: 1.5 }'), `${F}:7:29: data.test.seed: must be an integer, got 1.5`);
  assertError(withTest('  test: { splt: 0.1 }'), `${F}:7:11: data.test.splt: unknown key 'splt' (did you mean 'split'?); allowed: split, stratify, seed`);
  assertError(withTest('  test: 0.2'), `${F}:7:9: data.test: must be a mapping, got 0.2`);
  assertError(withTest('  tset: { split: 0.1 }'), `${F}:7:3: data.tset: unknown key 'tset' (did you mean 'test'?)`);
  const regression = withLine(6, '  validation: { split: 0.2 }\n  test: { split: 0.1, stratify: true }', withLine(5, '  task: regression', withLine(12, '    - dense: { units: 1 }', withLine(24, 'objective: { metric: val_loss }'))));
  assertError(regression, `${F}:7:33: data.test.stratify: only classification can stratify: regression labels have no classes`);
});

/** The one-line message an executor prints for a data error of this config. */
function dataError(text: string, fn: (data: ReturnType<typeof load>['data']) => unknown): string {
  const config = load(text);
  try {
    fn(config.data);
  } catch (e) {
    const located = locateInConfig(e, config);
    assert.ok(located instanceof UserError, `expected a UserError, got ${String(e)}`);
    return located.format();
  }
  assert.fail('expected the data to be rejected');
}

test('splits the row count leaves empty are reported at their key in the file', () => {
  // The fixture's 6 rows: a test split of 0.95 takes them all; one of 0.9 leaves 1 row, too few for a 0.2 validation split.
  assert.equal(
    dataError(withTest('  test: { split: 0.95 }'), (d) => prepareDataset(d)),
    `${F}:7:18: data.test.split: a test split of 0.95 of 6 rows leaves no rows for training and validation`,
  );
  assert.equal(
    dataError(withTest('  test: { split: 0.9 }'), (d) => prepareDataset(d, { fit: 'full' })),
    `${F}:6:24: data.validation.split: a validation split of 0.2 of the 1 row left after the test split leaves no validation rows`,
  );
  // Asking for a test set the config does not define: located at the data section it belongs in.
  assert.ok(dataError(EXAMPLE, (d) => prepareTestSet(d)).startsWith(`${F}:1:1: data.test: no test split is defined`));
});

test('the trial key covers data.test; configs without one keep their keys', () => {
  const inputs = (text: string) => ({ params: {}, model: { layers: [] }, training: { epochs: 1 }, data: load(text).data, seed: 1, backend: 'cpu' });
  const tested = trialKeyMaterial(inputs(withTest('  test: { split: 0.1 }'))) as { data: Record<string, unknown> };
  assert.deepEqual(tested.data.test, { split: 0.1, stratify: true, seed: 0 });
  const a = trialKey(inputs(withTest('  test: { split: 0.1 }')));
  const none = trialKey(inputs(EXAMPLE));
  assert.notEqual(a, none);
  assert.notEqual(a, trialKey(inputs(withTest('  test: { split: 0.1, seed: 1 }'))));
  assert.notEqual(a, trialKey(inputs(withTest('  test: { split: 0.15 }'))));
  assert.equal(trialKey(inputs(withTest('  test: { split: 0.1, seed: 0, stratify: true }'))), a, 'written-out defaults are the same split');
  // Without data.test the key is what it was before test splits existed (an absent member is not hashed).
  const plain = trialKeyMaterial(inputs(EXAMPLE)) as { data: Record<string, unknown> };
  const { test: absent, ...before } = plain.data;
  assert.equal(absent, undefined);
  assert.deepEqual(Object.keys(before).sort(), ['header', 'label', 'scale', 'sha256', 'task', 'validation']);
  assert.equal(hashValue({ ...plain, data: before }), none);
});
