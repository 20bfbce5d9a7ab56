/**
 * Development loop for the `bayesian` sampler: best-found values per seed on the benchmark
 * functions, their median next to Optuna's TPE medians, and the ask() cost.
 *
 *   node --import tsx packages/optimizers/bench/gp-dev.ts [functions] [--seeds 0-9] [--trials 50]
 *        [--options '{"outputWarping":"log"}'] [--parallelism 1]
 *
 * The shared benchmark (bench/optimizers.ts) is the reference; this one prints more detail.
 */
import { performance } from 'node:perf_hooks';
import { createStudy, type SamplerOptions } from '../src/index';
import { BENCHMARK_FUNCTIONS, benchmarkFunction, type BenchmarkFunction } from './functions';

const TPE_BEST: Record<string, number> = {
  branin: 0.5352,
  hartmann6: -2.9999,
  rosenbrock4: 220.7,
  ackley5: 10.51,
  styblinski_tang8: -207.63,
  mixed_mlp: 0.2249,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function run(f: BenchmarkFunction, seed: number, trials: number, options: SamplerOptions, parallelism: number): { best: number; askMs: number[] } {
  const study = createStudy({ space: f.space, algorithm: 'bayesian', seed, options });
  const askMs: number[] = [];
  let best = Infinity;
  const pending: Array<{ id: number; value: number }> = [];
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    const t = study.ask();
    askMs.push(performance.now() - t0);
    pending.push({ id: t.id, value: f.evaluate(t.params) });
    if (pending.length >= parallelism || i === trials - 1) {
      // Tell the oldest first, like workers finishing in order.
      while (pending.length > (i === trials - 1 ? 0 : parallelism - 1)) {
        const p = pending.shift()!;
        study.tell(p.id, p.value);
        best = Math.min(best, p.value);
      }
    }
  }
  return { best, askMs };
}

const argv = process.argv.slice(2);
let functions = [...BENCHMARK_FUNCTIONS];
let seeds = Array.from({ length: 10 }, (_, i) => i);
let trials = 50;
let options: SamplerOptions = {};
let parallelism = 1;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '--seeds') {
    const [from, to] = argv[++i]!.split('-').map(Number);
    seeds = Array.from({ length: (to ?? from!) - from! + 1 }, (_, k) => from! + k);
  } else if (a === '--trials') trials = Number(argv[++i]);
  else if (a === '--options') options = JSON.parse(argv[++i]!) as SamplerOptions;
  else if (a === '--parallelism') parallelism = Number(argv[++i]);
  else functions = a.split(',').map((n) => benchmarkFunction(n));
}

let wins = 0;
for (const f of functions) {
  const t0 = performance.now();
  const results = seeds.map((s) => run(f, s, trials, options, parallelism));
  const bests = results.map((r) => r.best);
  const med = median(bests);
  const ms = median(results.flatMap((r) => r.askMs));
  if (med < TPE_BEST[f.name]!) wins++;
  console.log(
    `${f.name.padEnd(17)} median ${med.toPrecision(5).padStart(10)}  (TPE best ${TPE_BEST[f.name]})  ` +
      `${med < TPE_BEST[f.name]! ? 'BEAT' : 'lose'}  ask ${ms.toFixed(1)} ms  total ${((performance.now() - t0) / 1000).toFixed(1)} s` +
      `  per seed: ${bests.map((b) => b.toPrecision(4)).join(' ')}`,
  );
}
console.log(`beats the better Optuna TPE on ${wins}/${functions.length}`);
