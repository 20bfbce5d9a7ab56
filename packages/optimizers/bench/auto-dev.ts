/**
 * Development loop for `auto`: runs auto alone at 50 and 25 trials on seeds 0–9 and scores it
 * against the other algorithms' per-seed results read from earlier bench:optimizers JSON files
 * (their rows do not change while only auto changes):
 *
 *   npx tsx packages/optimizers/bench/optimizers.ts --algorithms random,bayesian,tpe,qlearning --trials 50 --no-cost --out base50.json
 *   npx tsx packages/optimizers/bench/optimizers.ts --algorithms random,bayesian,tpe,qlearning --trials 25 --no-cost --out base25.json
 *   npx tsx packages/optimizers/bench/auto-dev.ts base50.json base25.json [function,...]
 *
 * Prints mean rank, Mann–Whitney p against the best single algorithm, and the best-Optuna count.
 */
import { readFileSync } from 'node:fs';
import { createStudy } from '../src/index';
import { BENCHMARK_FUNCTIONS } from './functions';
import { mannWhitneyGreater } from './optimizers';

const BEST_OPTUNA: Record<string, number> = {
  branin: 0.5352, hartmann6: -2.9999, rosenbrock4: 122.56, ackley5: 9.9319, styblinski_tang8: -207.63, mixed_mlp: 0.2249,
};
interface Run { function: string; algorithm: string; seed: number; best: number }

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function runAuto(fn: (typeof BENCHMARK_FUNCTIONS)[number], seed: number, trials: number): { best: number; proposers: Record<string, number> } {
  const study = createStudy({ space: fn.space, algorithm: 'auto', direction: 'minimize', seed, budget: trials, parallelism: 1 });
  let best = Infinity;
  const proposers: Record<string, number> = {};
  for (let i = 0; i < trials; i++) {
    const t = study.ask();
    proposers[t.sampler] = (proposers[t.sampler] ?? 0) + 1;
    const v = fn.evaluate(t.params);
    study.tell(t.id, v);
    best = Math.min(best, v);
  }
  return { best, proposers };
}

const [f50, f25, only] = process.argv.slice(2);
const fns = BENCHMARK_FUNCTIONS.filter((f) => !only || only.split(',').includes(f.name));
for (const [file, trials] of [[f50, 50], [f25, 25]] as const) {
  if (!file) continue;
  const base = (JSON.parse(readFileSync(file, 'utf8')) as { runs: Run[] }).runs;
  const singles = [...new Set(base.map((r) => r.algorithm))];
  const rankSum: Record<string, number> = {};
  let beats = 0;
  let worse = 0;
  const share: Record<string, number> = {};
  const t0 = Date.now();
  for (const fn of fns) {
    const seed0 = Number(process.env.SEED0 ?? 0);
    const autos = Array.from({ length: 10 }, (_, i) => runAuto(fn, seed0 + i, trials));
    for (const a of autos) for (const [k, v] of Object.entries(a.proposers)) share[k] = (share[k] ?? 0) + v;
    const values: Record<string, number[]> = { auto: autos.map((a) => a.best) };
    for (const s of singles) values[s] = base.filter((r) => r.function === fn.name && r.algorithm === s).map((r) => r.best);
    const med = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, median(v)]));
    for (const a of Object.keys(med)) {
      const below = Object.keys(med).filter((b) => med[b]! < med[a]!).length;
      const eq = Object.keys(med).filter((b) => med[b] === med[a]).length;
      rankSum[a] = (rankSum[a] ?? 0) + below + (eq + 1) / 2;
    }
    const bestSingle = singles.reduce((x, y) => (med[y]! < med[x]! ? y : x));
    const p = mannWhitneyGreater(values.auto!, values[bestSingle]!);
    if (p < 0.05) worse++;
    if (med.auto! < BEST_OPTUNA[fn.name]!) beats++;
    console.log(`${trials} ${fn.name.padEnd(17)} auto ${med.auto!.toPrecision(5).padStart(10)}  best ${bestSingle} ${med[bestSingle]!.toPrecision(5)}  p=${p.toFixed(3)}  rank ${(Object.keys(med).filter((b) => med[b]! < med.auto!).length + 1)}  [${values.auto!.map((v) => v.toPrecision(3)).join(' ')}]`);
  }
  const ranks = Object.entries(rankSum).map(([k, v]) => `${k} ${(v / fns.length).toFixed(2)}`).join(', ');
  console.log(`${trials} trials: mean ranks ${ranks}; beats best Optuna ${beats}/${fns.length}; clearly worse on ${worse}; proposers ${JSON.stringify(share)}; ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}
