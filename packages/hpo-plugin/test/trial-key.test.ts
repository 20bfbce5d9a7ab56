/**
 * The trial key decides what is reused: it must ignore how the YAML is written and change with
 * anything that changes a trial's result.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTuneConfig } from '../src/config';
import type { TuneConfig } from '../src/config/types';
import { lineageKey, trialKey } from '../src/store/trial-key';
import { studyIdentity, trialKeyInputs } from '../src/sweep/identity';

const fixtureDir = join(__dirname, 'fixtures', 'config');
const base = readFileSync(join(fixtureDir, 'tune.yaml'), 'utf8');
const params = { lr: 0.01, units: 64, activation: 'relu', dropout: 0.1, batchSize: 32, optimizer: 'adam' };

function load(text: string, dir = fixtureDir): TuneConfig {
  return parseTuneConfig(text, join(dir, 'tune.yaml'));
}

function keyOf(config: TuneConfig, p = params, seed = 42, backend = 'wasm'): string {
  return trialKey(trialKeyInputs(config, p, seed, backend));
}

/** The same configuration, written differently: block style, other key order, comments. */
const reformatted = base
  .replace(/^training:\n(?:  .*\n)+/m, (block) => {
    const lines = block.trimEnd().split('\n');
    return ['# training, reordered', lines[0], ...lines.slice(1).reverse(), ''].join('\n');
  })
  .replace('objective: { metric: val_accuracy, direction: maximize }', 'objective:\n  direction: maximize   # the same\n  metric: val_accuracy');

describe('trial key', () => {
  const reference = keyOf(load(base));

  test('is a sha256 hex digest', () => {
    assert.match(reference, /^[0-9a-f]{64}$/);
  });

  test('ignores formatting, key order and comments', () => {
    assert.notEqual(reformatted, base, 'the fixture was really rewritten');
    assert.equal(keyOf(load(reformatted)), reference);
    assert.equal(keyOf(load('# a comment\n' + base)), reference);
  });

  test('ignores the search space, objective and algorithm when the trial config is the same', () => {
    const widened = base.replace(/lr:( *)\{ type: float, low: [^,]+,/, 'lr:$1{ type: float, low: 1.0e-5,');
    assert.notEqual(widened, base);
    assert.equal(keyOf(load(widened)), reference);
    const other = base.replace(/algorithm: \w+/, 'algorithm: tpe');
    assert.notEqual(other, base);
    assert.equal(keyOf(load(other)), reference);
  });

  test('changes with the epochs, the params, the seed and the backend', () => {
    assert.notEqual(keyOf(load(base.replace(/epochs: \d+/, 'epochs: 3'))), reference);
    assert.notEqual(keyOf(load(base), { ...params, units: 65 }), reference);
    assert.notEqual(keyOf(load(base), params, 43), reference);
    assert.notEqual(keyOf(load(base), params, 42, 'cpu'), reference);
  });

  test('changes with the data file content and the validation split', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-hpo-key-'));
    mkdirSync(join(dir, 'data'));
    const config = load(base);
    copyFileSync(config.data.path!, join(dir, 'data', 'digits.csv.gz'));
    writeFileSync(join(dir, 'model.ts'), readFileSync(join(fixtureDir, 'model.ts')));
    const copied = keyOf(load(base, dir));
    assert.equal(copied, reference, 'the same bytes elsewhere give the same key');
    writeFileSync(join(dir, 'data', 'digits.csv.gz'), Buffer.concat([readFileSync(config.data.path!), Buffer.from([0])]));
    assert.notEqual(keyOf(load(base, dir)), reference);
    assert.notEqual(keyOf(load(base.replace(/split: 0\.2/, 'split: 0.25'))), reference);
  });
});

describe('study identity', () => {
  const identity = (text: string) => studyIdentity(load(text), 'wasm', 42);

  test('ignores formatting and the budget, changes with the algorithm and space', () => {
    const ref = identity(base);
    assert.equal(identity(reformatted), ref);
    assert.equal(identity(base.replace(/trials: \d+/, 'trials: 99')), ref);
    assert.notEqual(identity(base.replace(/algorithm: \w+/, 'algorithm: tpe')), ref);
    assert.notEqual(identity(base.replace(/dropout:( *)\{ type: float, low: 0\.0, high: 0\.5 \}/, 'dropout:$1{ type: float, low: 0.0, high: 0.4 }')), ref);
  });
});

describe('lineage key', () => {
  test('is the trial key without the epoch budget', () => {
    const lk = (text: string) => {
      return lineageKey(trialKeyInputs(load(text), params, 42, 'wasm'));
    };
    const fewer = base.replace(/epochs: \d+/, 'epochs: 3');
    assert.notEqual(fewer, base);
    assert.equal(lk(fewer), lk(base));
    assert.notEqual(lk(base.replace(/batchSize: [^\n]+/, 'batchSize: 7')), lk(base));
    assert.notEqual(lk(base), keyOf(load(base)));
  });
});
