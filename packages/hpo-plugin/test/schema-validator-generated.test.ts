/**
 * The tune.yaml validator is generated ahead of time (src/config/tune-schema-validator.generated.ts,
 * ajv standalone code): it must be exactly what the schema source generates today, and it must
 * judge configs — errors, their order, the defaults it fills in — as the schema compiled in memory does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { TUNE_SCHEMA_FILE } from '../src/config/schema-check';
import { compileTuneSchema, tuneValidatorSource } from '../src/config/schema-codegen';
import { validate as generated } from '../src/config/tune-schema-validator.generated';

const repo = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(TUNE_SCHEMA_FILE, 'utf8')) as object;

test('the committed validator is what the schema generates (run `npm run generate:validator` after editing the schema)', () => {
  const committed = readFileSync(join(__dirname, '..', 'src', 'config', 'tune-schema-validator.generated.ts'), 'utf8');
  assert.ok(committed === tuneValidatorSource(schema), 'src/config/tune-schema-validator.generated.ts is stale: run npm run generate:validator');
});

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const inMemory = compileTuneSchema(schema) as Validate;
const ahead = generated as unknown as Validate;

/** Both validators on copies of `config`: the verdict, the errors and the defaulted config, compared as JSON. */
function judge(v: Validate, config: unknown): string {
  const copy = structuredClone(config);
  const ok = v(copy);
  return JSON.stringify({ ok, errors: v.errors ?? null, copy });
}

const examples = ['examples/digits-mlp/tune.yaml', 'examples/shapes-cnn/tune.yaml'].map((f) => parse(readFileSync(join(repo, f), 'utf8')) as Record<string, unknown>);

test('the generated validator agrees with the in-memory schema on the examples', () => {
  for (const config of examples) {
    assert.equal(judge(ahead, config), judge(inMemory, config));
    assert.equal(JSON.parse(judge(ahead, config)).ok, true);
  }
});

/** A JSON path into a config and a value to put there (or delete, for undefined). */
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('adam', 'sgd', 'random', 'tpe', 'relu', 'val_accuracy', 'maximize', 'float', '${lr}', 'standard'),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.dictionary(fc.constantFrom('name', 'units', 'type', 'low', 'high', 'bogus'), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 2 }),
);

function paths(node: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(node)) node.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function mutate(config: Record<string, unknown>, path: Array<string | number>, extraKey: string | undefined, value: unknown): unknown {
  const copy = structuredClone(config) as Record<string, unknown>;
  if (path.length === 0) return value === undefined ? copy : value;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (extraKey !== undefined && node[last] !== null && typeof node[last] === 'object') (node[last] as Record<string, unknown>)[extraKey] = value;
  else if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

let invalid = 0;
test('property: on broken configs both validators give the same errors, in the same order, and the same defaults', () => {
  const cases = fc
    .integer({ min: 0, max: examples.length - 1 })
    .chain((e) => {
      const all = paths(examples[e]);
      return fc.tuple(
        fc.constant(e),
        fc.array(fc.tuple(fc.integer({ min: 0, max: all.length - 1 }), fc.option(fc.constantFrom('bogus', 'name', 'units', 'type'), { nil: undefined }), junk), { minLength: 1, maxLength: 3 }),
      );
    });
  fc.assert(
    fc.property(cases, ([e, edits]) => {
      let config: unknown = examples[e];
      for (const [i, extraKey, value] of edits) {
        const all = paths(config);
        if (config === null || typeof config !== 'object') break;
        config = mutate(config as Record<string, unknown>, all[i % all.length]!, extraKey, value);
      }
      const verdict = judge(ahead, config);
      assert.equal(verdict, judge(inMemory, config));
      if (!(JSON.parse(verdict) as { ok: boolean }).ok) invalid++;
    }),
    { numRuns: 300, seed: 15 },
  );
  // The edits must mostly break the config, or the test would only compare successes.
  assert.ok(invalid > 150, `only ${invalid} of 300 edited configs were invalid`);
});
