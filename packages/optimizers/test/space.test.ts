import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SpaceError,
  checkParams,
  choiceIndex,
  defaultParams,
  fromUnit,
  gridIndex,
  gridPoint,
  gridSize,
  gridValues,
  isInSpace,
  paramsKey,
  toUnit,
  validateSpace,
} from '../src/space';
import type { ParamSpec, Params, Space } from '../src/types';
import * as arb from './arbitraries';

/** Asserts that validateSpace throws a SpaceError at `path` whose message matches `message`. */
function rejects(space: unknown, path: string[], message: RegExp): void {
  assert.throws(
    () => validateSpace(space),
    (e: unknown) => {
      assert.ok(e instanceof SpaceError, `expected a SpaceError, got ${String(e)}`);
      assert.deepEqual(e.path, path, `path for ${JSON.stringify(space)}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    },
  );
}

const EXAMPLE = {
  lr: { type: 'float', low: 1.0e-4, high: 1.0e-1, log: true },
  units: { type: 'int', low: 16, high: 256, log: true },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
  dropout: { type: 'float', low: 0.0, high: 0.5 },
  batchSize: { type: 'categorical', choices: [32, 64, 128] },
  optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
};

describe('validateSpace', () => {
  test('accepts the reference example and keeps parameter order', () => {
    const s = validateSpace(EXAMPLE);
    assert.deepEqual(Object.keys(s), Object.keys(EXAMPLE));
    assert.deepEqual(s, EXAMPLE);
  });

  test('returns a copy that does not share arrays with the input', () => {
    const raw = { a: { type: 'categorical', choices: [1, 2] } };
    const s = validateSpace(raw);
    raw.a.choices.push(3);
    assert.deepEqual((s.a as { choices: unknown[] }).choices, [1, 2]);
  });

  test('rejects each bad case with the path of the offending key', () => {
    rejects(null, [], /mapping/);
    rejects([1, 2], [], /mapping/);
    rejects({}, [], /empty/);
    rejects({ lr: 3 }, ['lr'], /mapping/);
    rejects({ lr: { low: 0, high: 1 } }, ['lr', 'type'], /missing 'type'/);
    rejects({ lr: { type: 'double', low: 0, high: 1 } }, ['lr', 'type'], /float \| int \| categorical/);
    rejects({ lr: { type: 'float', high: 1 } }, ['lr', 'low'], /needs 'low'/);
    rejects({ lr: { type: 'float', low: 0 } }, ['lr', 'high'], /needs 'high'/);
    rejects({ lr: { type: 'float', low: '0', high: 1 } }, ['lr', 'low'], /finite number/);
    rejects({ lr: { type: 'float', low: 0, high: Infinity } }, ['lr', 'high'], /finite number/);
    rejects({ lr: { type: 'float', low: 0, high: NaN } }, ['lr', 'high'], /finite number/);
    rejects({ lr: { type: 'float', low: 0.5, high: 0.1 } }, ['lr', 'low'], /^'low' \(0\.5\) must be below 'high' \(0\.1\)$/);
    rejects({ lr: { type: 'float', low: 1, high: 1 } }, ['lr', 'low'], /must be below/);
    rejects({ lr: { type: 'float', low: 0, high: 1, log: true } }, ['lr', 'low'], /^a log range needs 'low' > 0 \(got 0\)$/);
    rejects({ lr: { type: 'float', low: -1, high: 1, log: true } }, ['lr', 'low'], /log range/);
    rejects({ lr: { type: 'float', low: 1, high: 2, log: 'yes' } }, ['lr', 'log'], /true or false/);
    rejects({ n: { type: 'int', low: 0.5, high: 4 } }, ['n', 'low'], /whole number/);
    rejects({ n: { type: 'int', low: 0, high: 4.5 } }, ['n', 'high'], /whole number/);
    rejects({ x: { type: 'float', low: 0, high: 1, step: 0 } }, ['x', 'step'], /> 0/);
    rejects({ x: { type: 'float', low: 0, high: 1, step: -0.1 } }, ['x', 'step'], /> 0/);
    rejects({ x: { type: 'float', low: 0, high: 1, step: 2 } }, ['x', 'step'], /larger than the range/);
    rejects({ n: { type: 'int', low: 0, high: 10, step: 1.5 } }, ['n', 'step'], /whole number/);
    rejects({ x: { type: 'float', low: 1, high: 10, log: true, step: 1 } }, ['x', 'step'], /'values'/);
    rejects({ x: { type: 'float', low: 0, high: 1, step: 0.1, values: [0.1] } }, ['x', 'step'], /not both/);
    rejects({ x: { type: 'float', low: 0, high: 1, values: [] } }, ['x', 'values'], /empty/);
    rejects({ x: { type: 'float', low: 0, high: 1, values: 0.5 } }, ['x', 'values'], /list/);
    rejects({ x: { type: 'float', low: 0, high: 1, values: [0.5, 2] } }, ['x', 'values', '1'], /outside/);
    rejects({ x: { type: 'float', low: 0, high: 1, values: [0.5, NaN] } }, ['x', 'values', '1'], /finite/);
    rejects({ x: { type: 'float', low: 0, high: 1, values: [0.5, 0.5] } }, ['x', 'values', '1'], /twice/);
    rejects({ n: { type: 'int', low: 0, high: 10, values: [1, 2.5] } }, ['n', 'values', '1'], /whole/);
    rejects({ c: { type: 'categorical' } }, ['c', 'choices'], /needs 'choices'/);
    rejects({ c: { type: 'categorical', choices: [] } }, ['c', 'choices'], /empty/);
    rejects({ c: { type: 'categorical', choices: 'relu' } }, ['c', 'choices'], /list/);
    rejects({ c: { type: 'categorical', choices: ['a', { b: 1 }] } }, ['c', 'choices', '1'], /number, string or boolean/);
    rejects({ c: { type: 'categorical', choices: ['a', null] } }, ['c', 'choices', '1'], /number, string or boolean/);
    rejects({ c: { type: 'categorical', choices: ['a', 'b', 'a'] } }, ['c', 'choices', '2'], /twice/);
    rejects({ c: { type: 'categorical', choices: ['a'], default: 'z' } }, ['c', 'default'], /one of the choices/);
    rejects({ x: { type: 'float', low: 0, high: 1, default: 2 } }, ['x', 'default'], /within 0\.\.1/);
    rejects({ n: { type: 'int', low: 0, high: 4, default: 1.5 } }, ['n', 'default'], /whole number/);
    rejects({ x: { type: 'float', low: 0, high: 1, step: 0.25, default: 0.3 } }, ['x', 'default'], /step grid/);
    rejects({ x: { type: 'float', low: 0, high: 1, values: [0.1, 0.2], default: 0.3 } }, ['x', 'default'], /listed values/);
    rejects({ x: { type: 'float', low: 0, high: 1, choices: [1] } }, ['x', 'choices'], /unknown key 'choices'/);
    rejects({ c: { type: 'categorical', choices: [1], values: [1] } }, ['c', 'values'], /did you mean 'choices'/);
    rejects({ c: { type: 'categorical', choices: [1], low: 0 } }, ['c', 'low'], /unknown key 'low'/);
    rejects({ ok: { type: 'int', low: 0, high: 3 }, bad: { type: 'int', low: 3, high: 0 } }, ['bad', 'low'], /below/);
  });

  test('accepts everything the space generators produce', () => {
    fc.assert(
      fc.property(arb.space, (s) => {
        assert.deepEqual(validateSpace(s), s);
      }),
      { numRuns: 300 },
    );
  });
});

describe('unit-cube mapping', () => {
  test('fromUnit always lands inside the space', () => {
    fc.assert(
      fc.property(arb.paramSpec, fc.double({ min: 0, max: 1, noNaN: true }), (spec, u) => {
        const v = fromUnit(spec, u);
        assert.ok(isInSpace({ p: spec }, { p: v }), `${JSON.stringify(v)} outside ${JSON.stringify(spec)}`);
      }),
      { numRuns: 2000 },
    );
  });

  test('clamps u outside [0, 1] and rejects NaN', () => {
    const spec: ParamSpec = { type: 'float', low: 2, high: 3 };
    assert.equal(fromUnit(spec, -5), 2);
    assert.equal(fromUnit(spec, 7), 3);
    assert.throws(() => fromUnit(spec, NaN), RangeError);
  });

  test('fromUnit(toUnit(v)) gives v back for every value of the space', () => {
    fc.assert(
      fc.property(arb.paramSpec, fc.double({ min: 0, max: 1, noNaN: true }), (spec, u) => {
        const v = fromUnit(spec, u);
        const back = fromUnit(spec, toUnit(spec, v));
        if (typeof v === 'number' && spec.type === 'float' && spec.step === undefined && spec.values === undefined) {
          assert.ok(Math.abs((back as number) - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${v} → ${back}`);
        } else {
          assert.equal(back, v);
        }
        const t = toUnit(spec, v);
        assert.ok(t >= 0 && t <= 1);
      }),
      { numRuns: 2000 },
    );
  });

  test('toUnit(fromUnit(u)) gives u back on continuous ranges', () => {
    fc.assert(
      fc.property(arb.floatParam, fc.double({ min: 0, max: 1, noNaN: true }), (spec, u) => {
        fc.pre(spec.step === undefined && spec.values === undefined);
        assert.ok(Math.abs(toUnit(spec, fromUnit(spec, u)) - u) < 1e-6);
      }),
    );
  });

  test('log ranges are warped: the unit midpoint is the geometric mean', () => {
    const spec: ParamSpec = { type: 'float', low: 1e-4, high: 1e-1, log: true };
    assert.ok(Math.abs((fromUnit(spec, 0.5) as number) - Math.sqrt(1e-5)) < 1e-12);
    assert.ok(Math.abs(toUnit(spec, 1e-3) - 1 / 3) < 1e-12);
  });

  test('each integer gets an equal share of [0, 1], end points included', () => {
    const spec: ParamSpec = { type: 'int', low: 0, high: 4 };
    const counts = [0, 0, 0, 0, 0];
    const n = 1000;
    for (let i = 0; i < n; i++) counts[fromUnit(spec, (i + 0.5) / n) as number]! += 1;
    assert.deepEqual(counts, [200, 200, 200, 200, 200]);
    assert.deepEqual([0, 1, 2, 3, 4].map((v) => toUnit(spec, v)), [0.1, 0.3, 0.5, 0.7, 0.9]);
  });

  test('log ints: each integer gets the log-width of [k − ½, k + ½]', () => {
    const spec: ParamSpec = { type: 'int', low: 1, high: 3, log: true };
    const edges = [0.5, 1.5, 2.5, 3.5].map(Math.log);
    const share = (k: number) => (edges[k]! - edges[k - 1]!) / (edges[3]! - edges[0]!);
    const n = 100000;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[fromUnit(spec, (i + 0.5) / n) as number]! += 1;
    for (const k of [1, 2, 3]) assert.ok(Math.abs(counts[k]! / n - share(k)) < 1e-3, `k=${k}`);
  });

  test('step grids snap to clean values; listed values map to the nearest', () => {
    const step: ParamSpec = { type: 'float', low: 0, high: 0.5, step: 0.1 };
    assert.deepEqual([0, 0.2, 0.45, 0.99, 1].map((u) => fromUnit(step, u)), [0, 0.1, 0.2, 0.5, 0.5]);
    const listed: ParamSpec = { type: 'float', low: 0, high: 1, values: [0.9, 0.1, 0.5] };
    assert.deepEqual([0, 0.29, 0.31, 0.69, 0.71, 1].map((u) => fromUnit(listed, u)), [0.1, 0.1, 0.5, 0.5, 0.9, 0.9]);
  });

  test('categorical: equal shares and choiceIndex', () => {
    const spec: ParamSpec = { type: 'categorical', choices: ['a', 'b', 'c', 'd'] };
    assert.deepEqual([0, 0.24, 0.26, 0.74, 0.76, 1].map((u) => fromUnit(spec, u)), ['a', 'a', 'b', 'c', 'd', 'd']);
    assert.equal(choiceIndex(spec, 'c'), 2);
    assert.equal(toUnit(spec, 'c'), 0.625);
    assert.throws(() => choiceIndex(spec, 'z'), RangeError);
    assert.throws(() => toUnit({ type: 'float', low: 0, high: 1 }, 'x'), TypeError);
  });
});

describe('grid', () => {
  test('gridValues per type', () => {
    assert.deepEqual(gridValues({ type: 'categorical', choices: ['a', 1, true] }), ['a', 1, true]);
    assert.deepEqual(gridValues({ type: 'int', low: -1, high: 2 }), [-1, 0, 1, 2]);
    assert.deepEqual(gridValues({ type: 'int', low: 0, high: 10, step: 4 }), [0, 4, 8]);
    assert.deepEqual(gridValues({ type: 'float', low: 0, high: 0.3, step: 0.1 }), [0, 0.1, 0.2, 0.3]);
    assert.deepEqual(gridValues({ type: 'float', low: 0, high: 1, values: [0.5, 0.1] }), [0.5, 0.1]);
    assert.throws(
      () => gridValues({ type: 'float', low: 0, high: 1 }, 'dropout'),
      (e: unknown) => e instanceof SpaceError && e.path.join('.') === 'dropout' && /grid search needs 'step' or 'values' for a float parameter/.test(e.message),
    );
    assert.throws(
      () => gridSize(validateSpace(EXAMPLE)),
      (e: unknown) => e instanceof SpaceError && e.path.join('.') === 'lr',
    );
  });

  test('gridPoint enumerates every combination exactly once, and gridIndex inverts it', () => {
    fc.assert(
      fc.property(arb.gridSpace, (s) => {
        const size = gridSize(s);
        const expected = Object.entries(s).reduce((n, [name, spec]) => n * gridValues(spec, name).length, 1);
        assert.equal(size, expected);
        const keys = new Set<string>();
        for (let i = 0; i < size; i++) {
          const p = gridPoint(s, i);
          assert.ok(isInSpace(s, p));
          assert.equal(gridIndex(s, p), i);
          keys.add(paramsKey(p, s));
        }
        assert.equal(keys.size, size);
        assert.throws(() => gridPoint(s, size), RangeError);
      }),
      { numRuns: 200 },
    );
  });
});

describe('defaults, checks and identity', () => {
  test('defaultParams: default if set, else the (geometric) midpoint, first choice', () => {
    const s = validateSpace({ ...EXAMPLE, dropout: { type: 'float', low: 0, high: 0.5, default: 0.1 } });
    assert.deepEqual(defaultParams(s), {
      lr: Math.sqrt(1e-4 * 1e-1),
      units: 64,
      activation: 'relu',
      dropout: 0.1,
      batchSize: 32,
      optimizer: 'adam',
    });
    assert.deepEqual(defaultParams({ n: { type: 'int', low: 0, high: 3 } }), { n: 2 });
    fc.assert(fc.property(arb.space, (sp) => assert.ok(isInSpace(sp, defaultParams(sp)))));
  });

  test('checkParams coerces strings, checks values and names', () => {
    const s = validateSpace({
      ...EXAMPLE,
      flag: { type: 'categorical', choices: [true, false] },
      step: { type: 'float', low: 0, high: 1, step: 0.1 },
    });
    assert.deepEqual(checkParams(s, { lr: '0.01', units: '32', batchSize: '64', activation: 'tanh', flag: 'false', step: '0.30000000000000004' }), {
      lr: 0.01,
      units: 32,
      batchSize: 64,
      activation: 'tanh',
      flag: false,
      step: 0.3,
    });
    const bad = (params: Record<string, unknown>, name: string, message: RegExp) =>
      assert.throws(
        () => checkParams(s, params),
        (e: unknown) => e instanceof SpaceError && e.path.join('.') === name && message.test(e.message),
      );
    bad({ nope: 1 }, 'nope', /unknown parameter 'nope'/);
    bad({ lr: 'fast' }, 'lr', /must be a number/);
    bad({ lr: '' }, 'lr', /must be a number/);
    bad({ lr: 5 }, 'lr', /within/);
    bad({ units: 32.5 }, 'units', /whole number/);
    bad({ batchSize: 48 }, 'batchSize', /must be one of 32, 64, 128/);
    bad({ step: 0.35 }, 'step', /step grid/);
    bad({ units: true }, 'units', /must be a number/);
  });

  test('isInSpace needs exactly the space names with valid values', () => {
    const s = validateSpace(EXAMPLE);
    const p = defaultParams(s);
    assert.ok(isInSpace(s, p));
    assert.ok(!isInSpace(s, { ...p, extra: 1 }));
    const { lr: _lr, ...withoutLr } = p;
    assert.ok(!isInSpace(s, withoutLr as Params));
    assert.ok(!isInSpace(s, { ...p, units: 16.5 }));
    assert.ok(!isInSpace(s, { ...p, units: 300 }));
    assert.ok(!isInSpace(s, { ...p, batchSize: '32' }));
    assert.ok(!isInSpace(s, { ...p, lr: NaN }));
  });

  test('paramsKey is canonical: order-independent, type-sensitive', () => {
    const s: Space = { a: { type: 'categorical', choices: [1, '1'] }, b: { type: 'int', low: 0, high: 3 } };
    assert.equal(paramsKey({ b: 2, a: 1 }, s), paramsKey({ a: 1, b: 2 }, s));
    assert.notEqual(paramsKey({ a: 1, b: 2 }, s), paramsKey({ a: '1', b: 2 }, s));
  });
});
