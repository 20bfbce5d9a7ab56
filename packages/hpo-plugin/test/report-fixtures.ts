/**
 * A synthetic study for the report's tests and benchmark: the digits example's search space, a
 * made-up objective in which `lr` matters most (then `units`; the rest barely), pruned, failed and
 * reused trials, per-epoch curves and a worker timeline. Seeded: the same n and seed give the same study.
 */
import type { Space } from '@nx-hpo/optimizers';
import type { StudyInfo } from '../src/report/build';
import type { TrialRecord } from '../src/sweep/outputs';

export const SYNTHETIC_SPACE: Space = {
  lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  units: { type: 'int', low: 16, high: 256, log: true },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
  dropout: { type: 'float', low: 0, high: 0.5 },
  batchSize: { type: 'categorical', choices: [32, 64, 128] },
  optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
};

/** mulberry32: a tiny seeded generator, enough for fixtures. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticStudy(n: number, seed = 1, slots = 4): { info: StudyInfo; records: TrialRecord[] } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const slotFree = new Array<number>(slots).fill(0);
  const records: TrialRecord[] = [];
  const epochs = 15;
  for (let id = 0; id < n; id++) {
    const lr = 10 ** (-4 + 3 * r());
    const units = Math.round(2 ** (4 + 4 * r()));
    const params = { lr, units, activation: pick(['relu', 'tanh', 'elu']), dropout: 0.5 * r(), batchSize: pick([32, 64, 128]), optimizer: pick(['adam', 'sgd', 'rmsprop']) };
    // Peak accuracy at lr = 10^-2.5; more units help a little.
    const final = 0.97 - 0.12 * (Math.log10(lr) + 2.5) ** 2 + 0.01 * Math.log2(units / 16) / 4 - 0.004 * params.dropout + 0.004 * (r() - 0.5);
    const u = r();
    const state: TrialRecord['state'] = u < 0.03 ? 'failed' : u < 0.2 ? 'pruned' : 'complete';
    const reused = r() < 0.1;
    const length = state === 'failed' ? 0 : state === 'pruned' ? 1 + Math.floor(r() * 5) : epochs;
    const curve = Array.from({ length }, (_, e) => final - (final - 0.1) * Math.exp(-(e + 1) / 2.5));
    const durationMs = Math.round((length || 1) * (150 + 100 * r()) * (params.batchSize === 32 ? 2 : 1));
    const rec: TrialRecord = {
      id,
      params,
      state,
      ...(state === 'failed' ? { error: 'objective val_accuracy is NaN' } : { value: curve[curve.length - 1] as number }),
      durationMs,
      reused,
      epochs: reused ? 0 : length,
      curve,
    };
    if (!reused) {
      const slot = slotFree.indexOf(Math.min(...slotFree));
      const start = slotFree[slot] as number;
      slotFree[slot] = start + durationMs + 20;
      Object.assign(rec, { startMs: start, endMs: start + durationMs, slot });
    }
    records.push(rec);
  }
  // Trials finish in end order, as a sweep records them.
  records.sort((a, b) => (a.endMs ?? 0) - (b.endMs ?? 0) || a.id - b.id);
  const info: StudyInfo = { name: 'synthetic:tune', algorithm: 'random', metric: 'val_accuracy', direction: 'maximize', space: SYNTHETIC_SPACE, train: 'npx nx run synthetic:train', planned: n };
  return { info, records };
}
