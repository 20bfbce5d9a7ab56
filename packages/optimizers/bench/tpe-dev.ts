/**
 * A quick TPE development benchmark: runs the sampler on the six functions of benchmarks.md
 * (50 trials × seeds 0–9 by default) through a minimal ask/tell loop and prints the median best-found
 * value next to Optuna's reference numbers.
 *
 *   node --import tsx packages/optimizers/bench/tpe-dev.ts [--multivariate] [--trials 50] [--seeds 10]
 *        [--from 0] [--only branin,hartmann6] [--option key=value ...]
 *
 * The loop mirrors a Study: sequential trials, rng = Rng.derive(seed, trialId).
 */
import { Rng } from '../src/rng';
import { createTpeSampler, type TpeOptions } from '../src/samplers/tpe';
import type { Sampler, Trial } from '../src/types';
import { BENCHMARK_FUNCTIONS, type BenchmarkFunction } from './functions';

const OPTUNA: Record<string, [random: number, tpe: number, tpeMultivariate: number]> = {
  branin: [1.2815, 0.5792, 0.5352],
  hartmann6: [-1.58, -2.7473, -2.9999],
  rosenbrock4: [2795.7, 261.0, 220.7],
  ackley5: [17.24, 12.28, 10.51],
  styblinski_tang8: [-186.68, -207.5, -207.63],
  mixed_mlp: [0.7134, 0.2249, 0.2902],
};

export function runOnce(sampler: Sampler, fn: BenchmarkFunction, seed: number, nTrials: number): number {
  const trials: Trial[] = [];
  let best = Infinity;
  for (let id = 0; id < nTrials; id++) {
    const params = sampler.suggest({
      space: fn.space,
      direction: 'minimize',
      trials,
      trialId: id,
      rng: Rng.derive(seed, id),
    });
    const value = fn.evaluate(params);
    trials.push({ id, params, state: 'complete', value, intermediate: [] });
    best = Math.min(best, value);
  }
  return best;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : 0.5 * ((s[m - 1] as number) + (s[m] as number));
}

function parseArgs(argv: string[]): { options: TpeOptions; trials: number; seeds: number; from: number; only?: string[] } {
  const options: Record<string, unknown> = {};
  let trials = 50;
  let seeds = 10;
  let from = 0;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--multivariate') options.multivariate = true;
    else if (a === '--univariate') options.multivariate = false;
    else if (a === '--trials') trials = Number(argv[++i]);
    else if (a === '--seeds') seeds = Number(argv[++i]);
    else if (a === '--from') from = Number(argv[++i]);
    else if (a === '--only') only = String(argv[++i]).split(',');
    else if (a === '--option') {
      const [k, v] = String(argv[++i]).split('=');
      options[k as string] = v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
    } else throw new Error(`unknown argument ${a}`);
  }
  return { options: options as TpeOptions, trials, seeds, from, only };
}

function main(): void {
  const { options, trials, seeds, from, only } = parseArgs(process.argv.slice(2));
  console.log(`tpe ${JSON.stringify(options)}  trials=${trials} seeds=${from}..${from + seeds - 1}`);
  console.log('function           median      optuna-rand  optuna-tpe  optuna-mv   beats-rand  ms/ask');
  for (const fn of BENCHMARK_FUNCTIONS) {
    if (only && !only.includes(fn.name)) continue;
    const bests: number[] = [];
    const t0 = performance.now();
    for (let seed = from; seed < from + seeds; seed++) bests.push(runOnce(createTpeSampler(options), fn, seed, trials));
    const ms = (performance.now() - t0) / (seeds * trials);
    const m = median(bests);
    const ref = OPTUNA[fn.name] ?? [NaN, NaN, NaN];
    const cells = [m, ...ref].map((v) => v.toPrecision(5).padStart(11));
    console.log(`${fn.name.padEnd(17)} ${cells.join(' ')}  ${m < ref[0] ? 'yes' : 'NO '}         ${ms.toFixed(2)}`);
  }
}

if (require.main === module) main();
