/**
 * Optimizer benchmark: every registered algorithm on the six functions of bench/functions.ts,
 * `--trials` trials per seed through the public ask/tell API (parallelism 1), compared with the
 * Optuna reference medians; then the cost of one ask() at 100 told trials in 8 dimensions.
 *
 *   npm run bench:optimizers -- [--algorithms a,b] [--functions f,g] [--seeds 0-9] [--trials 50]
 *                               [--parallelism 1] [--options '{"qlearning":{"bins":16}}'] [--no-cost] [--out file]
 *                               [--long 1000] [--long-cap 120]
 *
 * --long n adds n ask/tell cycles in 8-D for auto, bayesian and tpe (each stopped after --long-cap s):
 * the total cost of a long study, where the GP's asks grow with every trial.
 *
 * With --parallelism p, p trials are asked before any of them is told (as p workers would).
 *
 * Prints Markdown tables and writes everything measured to bench-results/optimizers.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ALGORITHMS, AlgorithmError, createSampler, createStudy, type SamplerOptions, type Space } from '../src/index';
import { BENCHMARK_FUNCTIONS, benchmarkFunction, type BenchmarkFunction } from './functions';

/** Optuna 3.1.0, median best-found value after 50 trials over seeds 0–9 (/work/shared/benchmarks.md). */
export const OPTUNA_REFERENCE: Record<string, { random: number; tpe: number; tpeMultivariate: number; cmaes: number }> = {
  branin: { random: 1.2815, tpe: 0.5792, tpeMultivariate: 0.5352, cmaes: 1.5269 },
  hartmann6: { random: -1.58, tpe: -2.7473, tpeMultivariate: -2.9999, cmaes: -2.4004 },
  rosenbrock4: { random: 2795.7, tpe: 261.0, tpeMultivariate: 220.7, cmaes: 122.56 },
  ackley5: { random: 17.24, tpe: 12.28, tpeMultivariate: 10.51, cmaes: 9.9319 },
  styblinski_tang8: { random: -186.68, tpe: -207.5, tpeMultivariate: -207.63, cmaes: -191.74 },
  mixed_mlp: { random: 0.7134, tpe: 0.2249, tpeMultivariate: 0.2902, cmaes: 6.5682 },
};

/** The best of Optuna's model-based samplers (TPE, multivariate TPE, CMA-ES) at 50 trials. */
export function bestOptuna(ref: { tpe: number; tpeMultivariate: number; cmaes: number }): number {
  return Math.min(ref.tpe, ref.tpeMultivariate, ref.cmaes);
}

/**
 * One-sided Mann–Whitney U test (normal approximation with tie correction): the p-value of "the
 * values in `a` tend to be larger than those in `b`". With 10 seeds each, p < 0.05 is what this
 * benchmark calls "clearly worse" (for minimisation): a gap beyond the seed-to-seed spread.
 */
export function mannWhitneyGreater(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const r1 = all.reduce((sum, x, i) => (x.g === 0 ? sum + ranks[i]! : sum), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return 0.5;
  const z = (u - (n1 * n2) / 2 - 0.5) / sigma; // continuity correction
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes' erfc approximation (relative error < 1.2e-7).
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Rank of each algorithm's median per function (1 = best; ties share the mean rank). */
function ranksOf(medians: Record<string, number>): Record<string, number> {
  const names = Object.keys(medians);
  const out: Record<string, number> = {};
  for (const a of names) {
    const below = names.filter((b) => medians[b]! < medians[a]!).length;
    const equal = names.filter((b) => medians[b] === medians[a]).length;
    out[a] = below + (equal + 1) / 2;
  }
  return out;
}

const COST_TOLD_TRIALS = 100;
const COST_TIMED_ASKS = 11;

interface Args {
  algorithms: string[];
  functions: BenchmarkFunction[];
  seeds: number[];
  trials: number;
  parallelism: number;
  options: Record<string, SamplerOptions>;
  cost: boolean;
  /** Ask/tell cycles of the long cost run (0: none). */
  long: number;
  /** Run only the long cost run. */
  onlyLong: boolean;
  longCap: number;
  out: string;
}

interface RunResult {
  function: string;
  algorithm: string;
  seed: number;
  best: number;
  /** Median milliseconds of this run's ask() calls. */
  askMs: number;
  trials: number;
  /** Trials proposed by each sampler (auto's members; the algorithm itself otherwise). */
  proposers: Record<string, number>;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run bench:optimizers -- [--algorithms a,b] [--functions f,g] [--seeds 0-9] ` +
      `[--trials 50] [--parallelism 1] [--options JSON] [--no-cost] [--long 1000] [--long-cap 120] [--out file]\n`,
  );
  process.exit(2);
}

function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(part.trim());
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from) usage(`--seeds: empty range '${part}'`);
      for (let s = from; s <= to; s++) seeds.push(s);
    } else if (/^\d+$/.test(part.trim())) {
      seeds.push(Number(part.trim()));
    } else {
      usage(`--seeds: expected e.g. 0-9 or 0,3,7 (got '${text}')`);
    }
  }
  return seeds;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    algorithms: [...ALGORITHMS],
    functions: [...BENCHMARK_FUNCTIONS],
    seeds: parseSeeds('0-9'),
    trials: 50,
    parallelism: 1,
    options: {},
    cost: true,
    long: 0,
    onlyLong: false,
    longCap: 120,
    out: 'bench-results/optimizers.json',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--algorithms':
        args.algorithms = value().split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case '--functions':
        try {
          args.functions = value().split(',').map((s) => benchmarkFunction(s.trim()));
        } catch (e) {
          usage((e as Error).message);
        }
        break;
      case '--seeds':
        args.seeds = parseSeeds(value());
        break;
      case '--trials': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) usage('--trials must be a whole number >= 1');
        args.trials = n;
        break;
      }
      case '--parallelism': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) usage('--parallelism must be a whole number >= 1');
        args.parallelism = n;
        break;
      }
      case '--options':
        try {
          args.options = JSON.parse(value()) as Record<string, SamplerOptions>;
        } catch (e) {
          usage(`--options must be JSON such as '{"qlearning":{"bins":16}}': ${(e as Error).message}`);
        }
        break;
      case '--long': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0) usage('--long must be a whole number of ask/tell cycles (e.g. 1000)');
        args.long = n;
        break;
      }
      case '--long-cap': {
        const n = Number(value());
        if (!(n > 0)) usage('--long-cap must be a number of seconds above 0');
        args.longCap = n;
        break;
      }
      case '--only-long':
        args.onlyLong = true;
        args.cost = false;
        break;
      case '--no-cost':
        args.cost = false;
        break;
      case '--out':
        args.out = value();
        break;
      case '--help':
      case '-h':
        usage('Benchmarks the registered search algorithms.');
        break;
      default:
        usage(`unknown argument '${flag}'`);
    }
  }
  return args;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Why an algorithm cannot run in this build, or undefined when it is registered. */
function unavailable(algorithm: string, options: SamplerOptions): string | undefined {
  try {
    createSampler(algorithm, options);
    return undefined;
  } catch (e) {
    if (e instanceof AlgorithmError) return e.message;
    throw e;
  }
}

/**
 * Grid search needs discrete axes: every numeric parameter becomes k listed values at the centres
 * of k equal cells (geometric for log ranges, rounded for ints), with k the smallest count whose
 * grid holds the budget. Categorical parameters keep their choices.
 */
export function gridSpaceFor(space: Space, trials: number): Space {
  const names = Object.keys(space);
  const numeric = names.filter((n) => space[n]!.type !== 'categorical').length;
  const fixed = names.reduce((p, n) => {
    const s = space[n]!;
    return s.type === 'categorical' ? p * s.choices.length : p;
  }, 1);
  const k = numeric === 0 ? 1 : Math.max(2, Math.ceil((trials / fixed) ** (1 / numeric) - 1e-9));
  const out: Space = {};
  for (const name of names) {
    const spec = space[name]!;
    if (spec.type === 'categorical') {
      out[name] = spec;
      continue;
    }
    const warp = (x: number): number => (spec.log ? Math.log(x) : x);
    const unwarp = (y: number): number => (spec.log ? Math.exp(y) : y);
    const values: number[] = [];
    for (let i = 0; i < k; i++) {
      let v = unwarp(warp(spec.low) + ((i + 0.5) / k) * (warp(spec.high) - warp(spec.low)));
      v = spec.type === 'int' ? Math.round(v) : Number(v.toPrecision(12));
      v = Math.min(spec.high, Math.max(spec.low, v));
      if (!values.includes(v)) values.push(v);
    }
    out[name] = { type: spec.type, low: spec.low, high: spec.high, values } as Space[string];
  }
  return out;
}

function spaceFor(algorithm: string, f: BenchmarkFunction, trials: number): Space {
  return algorithm === 'grid' ? gridSpaceFor(f.space, trials) : f.space;
}

function runOne(f: BenchmarkFunction, algorithm: string, seed: number, args: Args): RunResult {
  const { trials, parallelism } = args;
  const options = args.options[algorithm] ?? {};
  // budget and parallelism: what a sweep tells the study (only auto decides from them).
  const study = createStudy({ space: spaceFor(algorithm, f, trials), algorithm, direction: 'minimize', seed, options, budget: trials, parallelism });
  const askMs: number[] = [];
  const proposers: Record<string, number> = {};
  let best = Infinity;
  while (askMs.length < trials && study.remaining !== 0) {
    const batch = [];
    while (batch.length < parallelism && askMs.length < trials && study.remaining !== 0) {
      const start = performance.now();
      const t = study.ask();
      askMs.push(performance.now() - start);
      batch.push(t);
      proposers[t.sampler] = (proposers[t.sampler] ?? 0) + 1;
    }
    for (const t of batch) {
      const v = f.evaluate(t.params);
      study.tell(t.id, v);
      best = Math.min(best, v);
    }
  }
  return { function: f.name, algorithm, seed, best, askMs: median(askMs), trials: askMs.length, proposers };
}

interface LongRun {
  algorithm: string;
  cycles: number;
  seconds: number;
  /** CPU seconds of this process during the run (less sensitive than wall time to other programs). */
  cpuSeconds: number;
  meanAskMs: number;
  /** Mean ms per ask over each tenth of the run. */
  perTenth: number[];
  proposers: Record<string, number>;
  /** Trial id of the first ask auto gave to tpe (its cost fallback), if any. */
  firstTpe: number | undefined;
  /** True when the run stopped at the time cap before all cycles. */
  capped: boolean;
  best: number;
}

/** `cycles` ask/tell cycles on styblinski_tang8 (8-D), stopping early after `capSeconds`. */
function longRun(algorithm: string, cycles: number, capSeconds: number, options: SamplerOptions): LongRun {
  const f = benchmarkFunction('styblinski_tang8');
  const study = createStudy({ space: f.space, algorithm, seed: 0, options, budget: cycles });
  const times: number[] = [];
  const proposers: Record<string, number> = {};
  let firstTpe: number | undefined;
  let best = Infinity;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let capped = false;
  for (let i = 0; i < cycles; i++) {
    if ((performance.now() - started) / 1000 > capSeconds) {
      capped = true;
      break;
    }
    const t0 = performance.now();
    const t = study.ask();
    times.push(performance.now() - t0);
    proposers[t.sampler] = (proposers[t.sampler] ?? 0) + 1;
    if (t.sampler === 'tpe' && algorithm === 'auto' && firstTpe === undefined) firstTpe = t.id;
    const v = f.evaluate(t.params);
    best = Math.min(best, v);
    study.tell(t.id, v);
  }
  const tenth = Math.max(1, Math.floor(times.length / 10));
  const perTenth: number[] = [];
  for (let i = 0; i + tenth <= times.length; i += tenth) perTenth.push(times.slice(i, i + tenth).reduce((s, x) => s + x, 0) / tenth);
  return {
    algorithm,
    cycles: times.length,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpu0)),
    meanAskMs: times.reduce((s, x) => s + x, 0) / Math.max(1, times.length),
    perTenth,
    proposers,
    firstTpe,
    capped,
    best,
  };
}

/** Median ms of an ask() with about COST_TOLD_TRIALS told trials on the 8-D Styblinski–Tang space. */
function askCost(algorithm: string, options: SamplerOptions): { askMs: number; asks: number } {
  const f = benchmarkFunction('styblinski_tang8');
  const study = createStudy({ space: spaceFor(algorithm, f, COST_TOLD_TRIALS + COST_TIMED_ASKS), algorithm, seed: 0, options });
  for (let i = 0; i < COST_TOLD_TRIALS; i++) {
    const t = study.ask();
    study.tell(t.id, f.evaluate(t.params));
  }
  const times: number[] = [];
  for (let i = 0; i < COST_TIMED_ASKS && study.remaining !== 0; i++) {
    const start = performance.now();
    const t = study.ask();
    times.push(performance.now() - start);
    study.tell(t.id, f.evaluate(t.params));
  }
  return { askMs: median(times), asks: times.length };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(3);
  return x.toPrecision(5);
}

function fmtMs(ms: number): string {
  return ms < 10 ? ms.toFixed(3) : ms.toFixed(1);
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const notes: string[] = [];
  const algorithms: string[] = [];
  for (const a of args.algorithms) {
    const why = unavailable(a, args.options[a] ?? {});
    if (why === undefined) algorithms.push(a);
    else notes.push(`skipped ${a}: ${why}`);
  }
  for (const n of notes) process.stderr.write(`${n}\n`);
  if (algorithms.length === 0) usage('no registered algorithm to run');

  const started = performance.now();
  const results: RunResult[] = [];
  for (const f of args.onlyLong ? [] : args.functions) {
    for (const a of algorithms) {
      const t0 = performance.now();
      for (const seed of args.seeds) results.push(runOne(f, a, seed, args));
      const mine = results.filter((r) => r.function === f.name && r.algorithm === a);
      process.stderr.write(
        `${f.name} × ${a}: median best ${fmt(median(mine.map((r) => r.best)))} ` +
          `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
      );
    }
  }

  const cell = (fn: string, a: string, pick: (r: RunResult) => number): number =>
    median(results.filter((r) => r.function === fn && r.algorithm === a).map(pick));
  // --only-long: no quality runs, so none of their tables.
  const say = args.onlyLong ? (..._: unknown[]): void => undefined : console.log;
  const summary = (args.onlyLong ? [] : args.functions).map((f) => {
    const ref = OPTUNA_REFERENCE[f.name];
    return {
      function: f.name,
      optimum: f.optimum,
      optuna: ref,
      medianBest: Object.fromEntries(algorithms.map((a) => [a, cell(f.name, a, (r) => r.best)])),
      medianAskMs: Object.fromEntries(algorithms.map((a) => [a, cell(f.name, a, (r) => r.askMs)])),
    };
  });

  const seedsText = `${args.seeds.length} seed${args.seeds.length === 1 ? '' : 's'} (${args.seeds[0]}–${args.seeds[args.seeds.length - 1]})`;
  const parallelText = args.parallelism > 1 ? `, ${args.parallelism} trials asked at a time` : '';
  say(`\nMedian best value after ${args.trials} trials over ${seedsText}${parallelText}; lower is better.\n`);
  say(
    table(
      ['function', 'f*', 'Optuna random', 'Optuna TPE', 'Optuna TPE multiv.', ...algorithms],
      summary.map((s) => [
        s.function,
        fmt(s.optimum),
        s.optuna ? fmt(s.optuna.random) : '–',
        s.optuna ? fmt(s.optuna.tpe) : '–',
        s.optuna ? fmt(s.optuna.tpeMultivariate) : '–',
        ...algorithms.map((a) => fmt(s.medianBest[a] as number)),
      ]),
    ),
  );
  const beats = (a: string, ref: 'random' | 'tpe'): string => {
    const compared = summary.filter((s) => s.optuna !== undefined);
    const wins = compared.filter((s) => (s.medianBest[a] as number) < s.optuna![ref]).length;
    return `${wins}/${compared.length}`;
  };
  const beatsBest = (a: string): string => {
    const compared = summary.filter((s) => s.optuna !== undefined);
    const wins = compared.filter((s) => (s.medianBest[a] as number) < bestOptuna(s.optuna!)).length;
    return `${wins}/${compared.length}`;
  };
  say(`\nFunctions where the median beats Optuna's:\n`);
  say(
    table(
      ['', ...algorithms],
      [
        ['beats Optuna random', ...algorithms.map((a) => beats(a, 'random'))],
        ['beats Optuna TPE', ...algorithms.map((a) => beats(a, 'tpe'))],
        ['beats best Optuna (TPE, TPE multiv., CMA-ES at 50 trials)', ...algorithms.map((a) => beatsBest(a))],
      ],
    ),
  );

  // Ranks of the median best among the algorithms run, and auto against the best single algorithm.
  const ranks = summary.map((s) => ranksOf(s.medianBest as Record<string, number>));
  const meanRank = Object.fromEntries(algorithms.map((a) => [a, ranks.reduce((sum, r) => sum + r[a]!, 0) / ranks.length]));
  say(`\nRank of the median best per function (1 = best), and the mean rank:\n`);
  say(
    table(
      ['function', ...algorithms],
      [
        ...summary.map((s, i) => [s.function, ...algorithms.map((a) => String(ranks[i]![a]))]),
        ['**mean rank**', ...algorithms.map((a) => meanRank[a]!.toFixed(2))],
      ],
    ),
  );
  const singles = algorithms.filter((a) => a !== 'auto' && a !== 'grid');
  let autoVsBest: Array<{ function: string; best: string; p: number; clearlyWorse: boolean }> | undefined;
  if (algorithms.includes('auto') && singles.length > 0) {
    autoVsBest = summary.map((s) => {
      const best = singles.reduce((x, y) => ((s.medianBest[y] as number) < (s.medianBest[x] as number) ? y : x));
      const values = (a: string) => results.filter((r) => r.function === s.function && r.algorithm === a).map((r) => r.best);
      const p = mannWhitneyGreater(values('auto'), values(best));
      return { function: s.function, best, p, clearlyWorse: p < 0.05 };
    });
    say(
      `\nauto against the best single algorithm per function: one-sided Mann–Whitney U over the seeds ` +
        `(p = chance of a gap this large from seed noise alone; "clearly worse" at p < 0.05):\n`,
    );
    say(
      table(
        ['function', 'best single', 'its median', 'auto median', 'p (auto worse)', 'clearly worse'],
        autoVsBest.map((c) => {
          const s = summary.find((x) => x.function === c.function)!;
          return [c.function, c.best, fmt(s.medianBest[c.best] as number), fmt(s.medianBest.auto as number), c.p.toFixed(3), c.clearlyWorse ? 'yes' : 'no'];
        }),
      ),
    );
    const share: Record<string, number> = {};
    for (const r of results.filter((x) => x.algorithm === 'auto')) for (const [k, v] of Object.entries(r.proposers)) share[k] = (share[k] ?? 0) + v;
    const total = Object.values(share).reduce((x, y) => x + y, 0);
    say(`\nauto's trials by proposer (all functions and seeds): ${Object.entries(share).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`).join(', ')}`);
  }
  say(`\nMedian ms per ask() during those runs:\n`);
  say(
    table(
      ['function', ...algorithms],
      summary.map((s) => [s.function, ...algorithms.map((a) => fmtMs(s.medianAskMs[a] as number))]),
    ),
  );

  let cost: Record<string, { askMs: number; asks: number }> | undefined;
  if (args.cost) {
    cost = {};
    for (const a of algorithms) {
      cost[a] = askCost(a, args.options[a] ?? {});
      process.stderr.write(`cost ${a}: ${fmtMs(cost[a]!.askMs)} ms per ask\n`);
    }
    console.log(`\nMedian ms per ask() at ${COST_TOLD_TRIALS} told trials, 8 dimensions (styblinski_tang8 space):\n`);
    console.log(table(['', ...algorithms], [['ms per ask()', ...algorithms.map((a) => fmtMs(cost![a]!.askMs))]]));
  }
  let long: LongRun[] | undefined;
  if (args.long > 0) {
    long = [];
    for (const a of algorithms.filter((x) => x === 'auto' || x === 'bayesian' || x === 'tpe')) {
      const r = longRun(a, args.long, args.longCap, args.options[a] ?? {});
      long.push(r);
      process.stderr.write(`long ${a}: ${r.cycles} cycles in ${r.seconds.toFixed(1)} s\n`);
    }
    console.log(`\n${args.long} ask/tell cycles on styblinski_tang8 (8-D), seed 0, each run stopped after ${args.longCap} s:\n`);
    console.log(
      table(
        ['algorithm', 'cycles done', 'total s', 'CPU s', 'mean ms per ask', 'mean ms per ask, by tenth of the run', 'proposers', 'first tpe ask', 'best'],
        long.map((r) => [
          r.algorithm,
          `${r.cycles}${r.capped ? ' (capped)' : ''}`,
          r.seconds.toFixed(1),
          r.cpuSeconds.toFixed(1),
          fmtMs(r.meanAskMs),
          r.perTenth.map(fmtMs).join(' / '),
          Object.entries(r.proposers).map(([k, v]) => `${k} ${v}`).join(', '),
          r.firstTpe === undefined ? '–' : String(r.firstTpe),
          fmt(r.best),
        ]),
      ),
    );
  }
  if (notes.length > 0) console.log(`\n${notes.map((n) => `Note: ${n}`).join('\n')}`);
  if (algorithms.includes('grid')) {
    console.log('Note: grid runs on k cell-centre values per numeric parameter (the smallest k whose grid holds the budget), in random order.');
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nTotal ${seconds.toFixed(0)} s, Node ${process.version}.`);

  const out = resolve(process.cwd(), args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        node: process.version,
        argv: process.argv.slice(2),
        trials: args.trials,
        parallelism: args.parallelism,
        seeds: args.seeds,
        algorithms,
        skipped: notes,
        options: args.options,
        summary,
        cost,
        meanRank,
        autoVsBest,
        long,
        runs: results,
        seconds,
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(`wrote ${out}\n`);
}

if (require.main === module) main();
