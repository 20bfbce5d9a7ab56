/**
 * Pruners see whole curves: a trial continued from a checkpoint (here: trained with 2 epochs, then
 * asked for 4) reports its earlier epochs to the study before training on, so the pruner decides
 * exactly as for an uninterrupted trial — including stopping it at an epoch it had already trained.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTuneConfig } from '../src/config';
import { TrialStore } from '../src/store/trial-store';
import { runSweep, type SweepResult } from '../src/sweep/runner';

const dir = mkdtempSync(join(tmpdir(), 'nx-hpo-resume-prune-'));
mkdirSync(join(dir, 'data'));
copyFileSync(join(__dirname, '..', '..', '..', 'e2e', 'fixtures', 'iris.csv'), join(dir, 'data', 'iris.csv'));

function yaml(epochs: number, pruner: string): string {
  return `data: { path: data/iris.csv, header: true, label: species, validation: { split: 0.3, seed: 1 }, scale: standard }
model:
  layers:
    - dense: { units: 8, activation: relu }
    - dense: { units: 3, activation: softmax }
training: { epochs: ${epochs}, batchSize: 16, optimizer: { name: sgd, learningRate: "\${lr}" } }
space:
  lr: { type: float, low: 1.0e-4, high: 1.0, log: true }
objective: { metric: val_loss }
search: { algorithm: random, trials: 8, parallelism: 1, seed: 4${pruner} }
`;
}

async function sweep(name: string, text: string, store: TrialStore): Promise<SweepResult> {
  writeFileSync(join(dir, `${name}.tune.yaml`), text);
  return runSweep({ config: loadTuneConfig(join(dir, `${name}.tune.yaml`)), outputDir: join(dir, name), parallelism: 1, backend: 'auto', log: () => {}, store });
}

const outcome = (r: SweepResult) => r.records.map((t) => ({ id: t.id, state: t.state, value: t.value, curve: t.curve }));

test('a trial resumed from a 2-epoch checkpoint is pruned where an uninterrupted one is', async (t) => {
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pruner = ', pruner: { name: median, warmupSteps: 0, minTrials: 2 }';
  const shared = new TrialStore(join(dir, 'store-shared'));
  await sweep('short', yaml(2, ''), shared);
  const resumed = await sweep('resumed', yaml(4, pruner), shared);
  const straight = await sweep('straight', yaml(4, pruner), new TrialStore(join(dir, 'store-fresh')));

  const early = straight.records.filter((r) => r.state === 'pruned' && r.curve.length <= 2);
  assert.ok(early.length > 0, `the uninterrupted run prunes some trial within its first 2 epochs: ${JSON.stringify(outcome(straight))}`);
  assert.deepEqual(outcome(resumed), outcome(straight));
  for (const r of resumed.records.filter((x) => x.state === 'pruned' && x.curve.length <= 2)) {
    assert.equal(r.epochs, 0, `trial ${r.id} was pruned at an epoch its checkpoint already held: nothing trained`);
  }
});
