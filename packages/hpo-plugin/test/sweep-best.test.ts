/**
 * Ties for the best trial are broken by a documented rule (the companion metric, then the earlier
 * trial), never by finishing order; best.json records the tie.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareComplete, tieBreakOf } from '../src/sweep/best';
import { rankTrials, type TrialRecord } from '../src/sweep/outputs';

const rec = (id: number, value: number, val_loss: number, state: TrialRecord['state'] = 'complete'): TrialRecord => ({
  id,
  params: { id },
  state,
  value,
  metrics: { val_accuracy: value, val_loss },
  durationMs: 1,
  reused: false,
  epochs: 1,
  curve: [value],
});
const objective = { metric: 'val_accuracy', direction: 'maximize' } as const;
/** The runner's incremental choice: keep a trial only when it compares better. */
const pick = (records: TrialRecord[]) => records.reduce((best, r) => (compareComplete(r, best, objective) < 0 ? r : best));

describe('best trial with ties', () => {
  const records = [rec(0, 0.9, 0.3), rec(1, 1, 0.2), rec(2, 1, 0.1), rec(3, 1, 0.1), rec(4, 0.95, 0.05)];

  test('val_accuracy ties go to the lower val_loss, then to the earlier trial', () => {
    assert.equal(pick(records).id, 2);
    // 2 and 3 share val_loss too: what separates the best from the runner-up is the trial id.
    assert.deepEqual(tieBreakOf(pick(records), records, objective), { trials: [2, 3, 1], by: 'trial id' });
    const byLoss = [rec(1, 1, 0.2), rec(2, 1, 0.1)];
    assert.deepEqual(tieBreakOf(pick(byLoss), byLoss, objective), { trials: [2, 1], by: 'val_loss' });
    const sameLoss = [rec(5, 1, 0.1), rec(3, 1, 0.1)];
    assert.equal(pick(sameLoss).id, 3);
    assert.deepEqual(tieBreakOf(pick(sameLoss), sameLoss, objective), { trials: [3, 5], by: 'trial id' });
    assert.equal(tieBreakOf(rec(9, 0.5, 1), [rec(9, 0.5, 1), rec(8, 0.4, 1)], objective), undefined, 'a unique best has no tie');
  });

  test('the leaderboard ranks ties the same way', () => {
    assert.deepEqual(rankTrials(records, 'maximize', 'val_accuracy').map((r) => r.id), [2, 3, 1, 4, 0]);
  });

  test('whatever order trials finish in, the same trial is best (property)', () => {
    const arb = fc.array(
      fc.record({ value: fc.constantFrom(0.5, 0.75, 1), loss: fc.constantFrom(0.1, 0.2, 0.3) }),
      { minLength: 1, maxLength: 20 },
    );
    fc.assert(
      fc.property(arb, fc.nat(), (rows, seed) => {
        const all = rows.map((r, i) => rec(i, r.value, r.loss));
        const shuffled = [...all].sort((a, b) => ((a.id * 7919 + seed) % 101) - ((b.id * 7919 + seed) % 101) || a.id - b.id);
        assert.equal(pick(shuffled).id, pick(all).id);
      }),
      { numRuns: 200 },
    );
  });
});
