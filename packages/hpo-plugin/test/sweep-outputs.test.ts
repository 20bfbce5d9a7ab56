import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, formatDuration, formatValue, table } from '../src/sweep/format';
import { leaderboard, proposersLine, rankTrials, type TrialRecord } from '../src/sweep/outputs';
import { progressLine } from '../src/sweep/runner';
import { parseShard, storeRoot } from '../src/executors/tune/executor';
import type { TuneConfig } from '../src/config/types';

const rec = (id: number, value: number | undefined, state: TrialRecord['state'] = 'complete'): TrialRecord => ({
  id,
  params: { lr: 0.001 * (id + 1), units: 10 + id },
  state,
  value,
  durationMs: 1500,
  reused: false,
  epochs: 3,
  curve: [],
});

describe('sweep formatting', () => {
  test('durations, values and CSV fields', () => {
    assert.equal(formatDuration(4_400), '4s');
    assert.equal(formatDuration(70_000), '1m10s');
    assert.equal(formatDuration(3_720_000), '1h02m');
    assert.equal(formatValue(0.97123456), '0.9712');
    assert.equal(formatValue(1), '1');
    assert.equal(formatValue(0.0000123), '1.230e-5');
    assert.equal(csvField('a,"b"'), '"a,""b"""');
    assert.equal(csvField(undefined), '');
  });

  test('tables pad columns', () => {
    assert.equal(table(['a', 'bb'], [['xxx', 'y']]), 'a    bb\n---  --\nxxx  y');
  });

  test('the progress line has the shape users and CI logs rely on', () => {
    const best = { trial: 4, params: {}, value: 0.971, metric: 'val_accuracy', direction: 'maximize' as const, metrics: {} };
    assert.equal(
      progressLine(rec(7, 0.962), 7, 20, best, 'val_accuracy', 7 * 5000),
      'trial  7/20  val_accuracy=0.962  best=0.971 (trial 4)  eta 1m05s',
    );
    assert.match(progressLine({ ...rec(1, 0.5), reused: true }, 20, 20, best, 'val_accuracy', 1000), /done in 1s {2}\(reused\)$/);
    assert.match(progressLine({ ...rec(2, undefined, 'failed'), error: 'boom' }, 2, 20, undefined, 'val_accuracy', 1000), /failed: boom {2}best=-/);
  });
});

describe('ranking', () => {
  const records = [rec(0, 0.8), rec(1, undefined, 'failed'), rec(2, 0.9), rec(3, 0.9)];
  test('best first by direction, ties by id, failures last', () => {
    assert.deepEqual(rankTrials(records, 'maximize').map((r) => r.id), [2, 3, 0, 1]);
    assert.deepEqual(rankTrials(records, 'minimize').map((r) => r.id), [0, 2, 3, 1]);
  });
  test('the leaderboard ranks complete trials and marks failed ones', () => {
    const lines = leaderboard(records, 'maximize', 'val_accuracy', ['lr', 'units']).split('\n');
    assert.match(lines[0] as string, /^rank +trial +val_accuracy +lr +units +time$/);
    assert.match(lines[2] as string, /^1 +2 +0\.9 /);
    assert.match(lines[5] as string, /^- +1 +failed /);
  });
  test('with more than one proposing sampler (auto), the leaderboard and the report say which proposed each trial', () => {
    const mixed = records.map((r, i) => ({ ...r, sampler: i % 2 === 0 ? 'bayesian' : 'qlearning' }));
    const lines = leaderboard(mixed, 'maximize', 'val_accuracy', ['lr', 'units']).split('\n');
    assert.match(lines[0] as string, /^rank +trial +val_accuracy +lr +units +time +sampler$/);
    assert.match(lines[2] as string, /^1 +2 +0\.9 .* bayesian$/);
    assert.match(lines[3] as string, /^2 +3 +0\.9 .* qlearning$/);
    // One sampler: no column.
    assert.doesNotMatch(leaderboard(records.map((r) => ({ ...r, sampler: 'tpe' })), 'maximize', 'val_accuracy', ['lr']), /sampler/);
    assert.equal(proposersLine(mixed, 'maximize'), 'bayesian 2 (2 of the best 3), qlearning 2 (1)');
  });
});

describe('tune executor options', () => {
  test('--shard', () => {
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1']) assert.throws(() => parseShard(bad), /--shard must be i\/n/);
  });

  test('store location: option, then NX_HPO_STORE, then the YAML, then the default', () => {
    const config = { store: 'from-yaml' } as TuneConfig;
    const saved = process.env['NX_HPO_STORE'];
    try {
      delete process.env['NX_HPO_STORE'];
      assert.equal(storeRoot({}, {} as TuneConfig, '/ws'), '/ws/.nx-hpo/store');
      assert.equal(storeRoot({}, config, '/ws'), '/ws/from-yaml');
      process.env['NX_HPO_STORE'] = '/shared/store';
      assert.equal(storeRoot({}, config, '/ws'), '/shared/store');
      assert.equal(storeRoot({ store: 'opt' }, config, '/ws'), '/ws/opt');
    } finally {
      if (saved === undefined) delete process.env['NX_HPO_STORE'];
      else process.env['NX_HPO_STORE'] = saved;
    }
  });
});
