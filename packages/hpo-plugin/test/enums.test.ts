/**
 * One source for every enum: each list of names in schema/tune.schema.json equals the array the
 * code uses (src/config/enums.ts, or @nx-hpo/optimizers for algorithms, pruners, output warpings
 * and parameter types). A schema enum that no array claims fails too, so a new enum in the schema
 * must be given its source here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS, CATEGORICAL_KEYS, KERNEL_CHOICES, NUMERIC_KEYS, OUTPUT_WARPINGS, PARAM_TYPES, PRUNERS } from '@nx-hpo/optimizers';
import { serialization } from '@tensorflow/tfjs';
import { tuneSchema } from '../src/config';
import {
  ACTIVATIONS,
  DIRECTIONS,
  LAYER_KINDS,
  LOSSES,
  LOSS_TASK,
  METRIC_NAMES,
  METRICS,
  OPTIMIZER_NAMES,
  OPTIMIZER_OPTIONS,
  PADDINGS,
  SCALINGS,
  SCHEDULE_NAMES,
  SCHEDULE_OPTIONS,
  SCHEDULE_STEPS,
  TASKS,
} from '../src/config/enums';
import { OPTIMIZERS } from '../src/training/optimizer';

type Json = Record<string, unknown>;

/** Every `enum` (and `propertyNames.enum`) in the schema, by JSON pointer, and every `if … const`. */
function schemaLists(node: unknown, pointer = '#', out = new Map<string, unknown[]>()): Map<string, unknown[]> {
  if (Array.isArray(node)) node.forEach((v, i) => schemaLists(v, `${pointer}/${i}`, out));
  else if (typeof node === 'object' && node !== null) {
    const o = node as Json;
    if (Array.isArray(o.enum)) out.set(pointer, o.enum);
    if ('const' in o) out.set(pointer, [o.const]);
    for (const [k, v] of Object.entries(o)) schemaLists(v, `${pointer}/${k}`, out);
  }
  return out;
}

/** The `if: { properties: { name: { const } } }` / `then: { propertyNames: { enum } }` pairs under `allOf`. */
function optionsByName(allOf: unknown): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const entry of allOf as Json[]) {
    const name = (((entry.if as Json).properties as Json).name as Json).const as string;
    out[name] = ((entry.then as Json).propertyNames as Json).enum as unknown[];
  }
  return out;
}

const schema = tuneSchema() as Json;
const defs = schema.definitions as Json;

/** Where each schema list comes from. */
const SOURCES: Record<string, readonly unknown[]> = {
  '#/properties/data/properties/task': TASKS,
  '#/properties/data/properties/scale': SCALINGS,
  '#/properties/training/properties/loss/anyOf/1': LOSSES,
  '#/properties/training/properties/earlyStopping/properties/direction/anyOf/1': DIRECTIONS,
  '#/properties/objective/properties/metric': METRIC_NAMES,
  '#/properties/objective/properties/direction': DIRECTIONS,
  '#/properties/search/properties/algorithm': ALGORITHMS,
  '#/properties/search/properties/bayesian/properties/outputWarping': OUTPUT_WARPINGS,
  '#/properties/search/properties/bayesian/properties/kernel': KERNEL_CHOICES,
  '#/properties/search/properties/pruner/then': [...PRUNERS, 'none'],
  '#/properties/search/properties/pruner/else/properties/name': PRUNERS,
  '#/definitions/activation/anyOf/1': ACTIVATIONS,
  '#/definitions/padding/anyOf/1': PADDINGS,
  '#/definitions/layer/propertyNames': LAYER_KINDS,
  '#/definitions/optimizerName/anyOf/1': OPTIMIZER_NAMES,
  '#/definitions/metricName': METRIC_NAMES,
  '#/definitions/scheduleName/anyOf/1': SCHEDULE_NAMES,
  '#/definitions/schedule/properties/per/anyOf/1': SCHEDULE_STEPS,
  '#/definitions/param/properties/type': PARAM_TYPES,
  '#/definitions/param/if/properties/type': ['categorical'],
  '#/definitions/param/then/propertyNames': CATEGORICAL_KEYS,
  '#/definitions/param/else/propertyNames': NUMERIC_KEYS,
};
/** The per-name option lists, checked as whole tables below. */
const TABLES = ['#/definitions/optimizerOptions/allOf/', '#/definitions/scheduleOptions/allOf/'];

test('every enum of the schema is claimed by a source array', () => {
  const unclaimed = [...schemaLists(schema).keys()].filter((p) => !(p in SOURCES) && !TABLES.some((t) => p.startsWith(t)));
  assert.deepEqual(unclaimed, [], 'schema enums without a source in enums.ts or @nx-hpo/optimizers');
  for (const p of Object.keys(SOURCES)) assert.ok(schemaLists(schema).has(p), `the schema has no list at ${p}`);
});

test('every schema enum equals its source array, in order', () => {
  const lists = schemaLists(schema);
  for (const [pointer, source] of Object.entries(SOURCES)) assert.deepEqual(lists.get(pointer), [...source], pointer);
});

test("each optimizer's and schedule's keys in the schema are those of enums.ts", () => {
  assert.deepEqual(optionsByName((defs.optimizerOptions as Json).allOf), OPTIMIZER_OPTIONS);
  assert.deepEqual(optionsByName((defs.scheduleOptions as Json).allOf), SCHEDULE_OPTIONS);
  assert.deepEqual(new Set(Object.keys(SCHEDULE_OPTIONS)), new Set(SCHEDULE_NAMES));
  assert.deepEqual(new Set(Object.keys(OPTIMIZER_OPTIONS)), new Set(OPTIMIZER_NAMES));
  // The trainer reads only options the schema lets through (`decay` arrives as `rho`).
  for (const name of OPTIMIZER_NAMES) {
    for (const field of Object.keys(OPTIMIZERS[name].fields ?? {})) assert.ok(OPTIMIZER_OPTIONS[name].includes(field), `${name}.${field}`);
  }
});

test('the facts about the names cover them all and agree with tfjs', () => {
  assert.deepEqual(Object.keys(LOSS_TASK).sort(), [...LOSSES].sort());
  for (const task of TASKS) for (const m of METRICS[task]) assert.ok(METRIC_NAMES.includes(m));
  assert.deepEqual(new Set(Object.values(METRICS).flat()), new Set(METRIC_NAMES));
  // Every activation is one tfjs-layers builds by name.
  const registered = Object.keys(serialization.SerializationMap.getMap().classNameMap);
  for (const name of ACTIVATIONS) assert.ok(registered.includes(name), `tfjs-layers has no activation '${name}'`);
});
