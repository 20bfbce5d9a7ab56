import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTuneConfig } from '../src/config';
import { isUserError } from '../src/errors';

const fixture = join(__dirname, 'fixtures', 'config', 'tune.yaml');
const base = readFileSync(fixture, 'utf8');
const withSearch = (search: string) => base.replace(/^search:.*$/m, `search: ${search}`);

function errorOf(text: string): string {
  try {
    parseTuneConfig(text, fixture);
  } catch (e) {
    assert.ok(isUserError(e), String(e));
    return e.format().replace(/^.*tune\.yaml:/, 'tune.yaml:');
  }
  throw new Error('expected an error');
}

describe('search.pruner', () => {
  test('a name or a map with name and options loads', () => {
    assert.match(base, /^search:.*$/m);
    assert.equal(parseTuneConfig(withSearch('{ algorithm: tpe, pruner: hyperband }'), fixture).search.pruner, 'hyperband');
    assert.deepEqual(parseTuneConfig(withSearch('{ algorithm: random, pruner: { name: asha, minEpochs: 2, reductionFactor: 3 } }'), fixture).search.pruner, {
      name: 'asha',
      minEpochs: 2,
      reductionFactor: 3,
    });
    assert.equal(parseTuneConfig(withSearch('{ algorithm: random, pruner: none }'), fixture).search.pruner, undefined);
  });

  test('mistakes are located and say what would be right', () => {
    const line = base.split('\n').findIndex((l) => l.startsWith('search:')) + 1;
    assert.equal(
      errorOf(withSearch('{ algorithm: random, pruner: { name: asha, minEpoch: 1 } }')),
      `tune.yaml:${line}:52: search.pruner.minEpoch: unknown key 'minEpoch' (did you mean 'minEpochs'?); allowed: name, warmupSteps, minTrials, minEpochs, reductionFactor, maxEpochs`,
    );
    assert.equal(
      errorOf(withSearch('{ algorithm: random, pruner: ashaa }')),
      `tune.yaml:${line}:38: search.pruner: 'ashaa' is not a valid pruner (did you mean 'asha'?); allowed: median, asha, hyperband, none`,
    );
    assert.equal(errorOf(withSearch('{ algorithm: random, pruner: { name: asha, reductionFactor: 1 } }')), `tune.yaml:${line}:69: search.pruner.reductionFactor: must be at least 2, got 1`);
    assert.match(
      errorOf(withSearch('{ algorithm: random, pruner: { name: asha, minEpochs: 20, maxEpochs: 10 } }')),
      /^tune\.yaml:\d+:\d+: search\.pruner\.maxEpochs: pruner 'asha': maxEpochs \(10\) must be above minEpochs \(20\)/,
    );
  });

  test('asha with minEpochs at or above training.epochs names both lines', () => {
    const text = withSearch('{ algorithm: random, pruner: { name: asha, minEpochs: 40 } }');
    const epochsLine = text.split('\n').findIndex((l) => /^\s+epochs:/.test(l)) + 1;
    assert.ok(epochsLine > 0);
    assert.match(errorOf(text), new RegExp(`^tune\\.yaml:\\d+:\\d+: search\\.pruner\\.minEpochs: minEpochs \\(40\\) must be below the full budget, or no trial could ever be pruned: training\\.epochs is \\d+ at line ${epochsLine}$`));
  });
});
