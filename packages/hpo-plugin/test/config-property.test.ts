/**
 * Property tests: arbitrary valid spaces survive YAML → loadTuneConfig → resolveTrial, and no
 * input, however broken, makes the loader throw anything but a UserError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { defaultParams, fromUnit, validateSpace } from '@nx-hpo/optimizers';
import type { ParamSpec, ParamValue, Params } from '@nx-hpo/optimizers';
import { resolveTrial } from '../src/config';
import type { ModuleModelSpec } from '../src/config';
import { isUserError } from '../src/errors';
import { EXAMPLE, SHOWN, load } from './config-helpers';

// Spaces are built from hundredths so that low < high holds exactly after printing and parsing.
const hundredths = (min: number, max: number) => fc.integer({ min, max }).map((n) => n / 100);

const floatSpec: fc.Arbitrary<ParamSpec> = fc
  .record({
    lowHundredths: fc.integer({ min: -100000, max: 100000 }),
    widthHundredths: fc.integer({ min: 1, max: 100000 }),
    log: fc.boolean(),
    stepParts: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  })
  .map(({ lowHundredths, widthHundredths, log, stepParts }) => {
    const low = lowHundredths / 100;
    const high = (lowHundredths + widthHundredths) / 100;
    const spec: ParamSpec = { type: 'float', low, high };
    if (log && low > 0) spec.log = true;
    else if (stepParts !== undefined) {
      const step = Math.max(1, Math.floor(widthHundredths / stepParts)) / 100;
      if (step <= high - low) spec.step = step; // high − low can round just below the printed width
    }
    return spec;
  });

const intSpec: fc.Arbitrary<ParamSpec> = fc
  .record({ low: fc.integer({ min: -1000, max: 1000 }), width: fc.integer({ min: 1, max: 1000 }), log: fc.boolean(), withDefault: fc.boolean() })
  .map(({ low, width, log, withDefault }) => {
    const spec: ParamSpec = { type: 'int', low, high: low + width };
    if (log && low > 0) spec.log = true;
    if (withDefault) spec.default = low + Math.floor(width / 2);
    return spec;
  });

// Any text except placeholders (which only model/training may hold) and control characters YAML cannot carry.
const choiceText = fc.string({ maxLength: 12 }).filter((s) => !s.includes('${') && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/.test(s));
const choice: fc.Arbitrary<ParamValue> = fc.oneof(choiceText, fc.integer({ min: -1e6, max: 1e6 }), hundredths(-1e6, 1e6), fc.boolean());
const categoricalSpec: fc.Arbitrary<ParamSpec> = fc
  .uniqueArray(choice, { minLength: 1, maxLength: 6, comparator: 'SameValueZero' })
  .chain((choices) => fc.record({ choices: fc.constant(choices), pick: fc.option(fc.nat({ max: choices.length - 1 }), { nil: undefined }) }))
  .map(({ choices, pick }) => {
    const spec: ParamSpec = { type: 'categorical', choices };
    if (pick !== undefined) spec.default = choices[pick] as ParamValue;
    return spec;
  });

const paramName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/).filter((n) => n !== '__proto__');
const space = fc.dictionary(paramName, fc.oneof(floatSpec, intSpec, categoricalSpec), { minKeys: 1, maxKeys: 6 });

/** A config whose model module receives every parameter through options, block or flow style. */
function configText(spaceObject: Record<string, ParamSpec>, flow: boolean): string {
  const options = Object.fromEntries(Object.keys(spaceObject).map((name) => [name, `\${${name}}`]));
  const doc = {
    data: { path: 'data/digits.csv.gz' },
    model: { module: './model.ts', options },
    space: spaceObject,
    objective: { metric: 'val_loss' },
    search: { algorithm: 'random', trials: 3 },
  };
  return stringify(doc, flow ? { collectionStyle: 'flow' } : undefined);
}

test('arbitrary valid spaces round-trip through YAML → loadTuneConfig → resolveTrial', () => {
  fc.assert(
    fc.property(space, fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (spaceObject, flow, u) => {
      const config = load(configText(spaceObject, flow));
      assert.deepEqual(config.space, validateSpace(spaceObject));
      assert.deepEqual(config.refs, Object.keys(spaceObject));
      // Any point of the space comes out typed, in its place.
      const point: Params = {};
      for (const [name, spec] of Object.entries(config.space)) point[name] = fromUnit(spec, u);
      for (const params of [point, defaultParams(config.space)]) {
        const { model } = resolveTrial(config, params);
        assert.deepEqual((model as ModuleModelSpec).options, params);
      }
    }),
    { numRuns: 150 },
  );
});

function assertOnlyUserErrors(text: string): void {
  try {
    load(text);
  } catch (e) {
    if (!isUserError(e)) throw new Error(`not a UserError for input ${JSON.stringify(text)}: ${(e as Error)?.stack ?? String(e)}`);
    const line = e.format();
    assert.ok(line.startsWith(SHOWN) || line.startsWith('--'), line);
    assert.ok(!line.includes('undefined'), line);
  }
}

test('random garbage YAML never throws anything but UserError', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), assertOnlyUserErrors), { numRuns: 300 });
  // YAML-ish noise: indicators, anchors, tags, placeholders and keys the schema knows.
  const token = fc.constantFrom(
    'data', 'model', 'layers', 'space', 'training', 'objective', 'search', 'path', 'type', 'low', 'high', 'choices',
    ':', ': ', '- ', '{', '}', '[', ']', ',', '\n', '  ', '&a ', '*a', '!!str ', '!!map', '? ', '#', '"', "'", '|', '>',
    '${units}', '$${x}', '${', '}', '1', '-1', '0.5', '1e-4', 'true', 'null', '~', 'float', 'int', 'categorical', 'dense',
  );
  fc.assert(fc.property(fc.array(token, { maxLength: 60 }).map((t) => t.join('')), assertOnlyUserErrors), { numRuns: 500 });
});

test('mutations of the example never throw anything but UserError', () => {
  const edit = fc.record({
    at: fc.nat({ max: EXAMPLE.length }),
    remove: fc.nat({ max: 12 }),
    insert: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('${', '}', '${units}', '${nope}', ': ', '- ', '\n  ', '[', '{', '0', '-1', 'x', 'grid', '.0')),
  });
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
      let text = EXAMPLE;
      for (const { at, remove, insert } of edits) {
        const i = Math.min(at, text.length);
        text = text.slice(0, i) + insert + text.slice(i + remove);
      }
      assertOnlyUserErrors(text);
    }),
    { numRuns: 800 },
  );
});

test('arbitrary JSON under the top-level keys never throws anything but UserError', () => {
  const top = fc.dictionary(
    fc.constantFrom('data', 'model', 'training', 'space', 'objective', 'search', 'output', 'store'),
    fc.jsonValue({ maxDepth: 3 }),
  );
  fc.assert(fc.property(top, (doc) => assertOnlyUserErrors(stringify(doc))), { numRuns: 400 });
});
