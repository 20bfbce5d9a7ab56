/**
 * Digits benchmark: the bundled digits-mlp example tuned by each algorithm over a few seeds, through
 * the plugin's own sweep (`runSweep`: worker threads, TensorFlow.js training, a trial store) exactly
 * as the tune executor calls it, but with a fresh store in a temporary folder for every run, so no
 * trial is ever reused and no Nx cache is involved.
 *
 *   npm run bench:digits -- [--algorithms random,grid,bayesian,tpe,qlearning,auto] [--seeds 0-2]
 *                           [--trials 20] [--parallelism 2] [--out bench-results/digits.json]
 *
 * Grid runs examples/digits-mlp/grid.tune.yaml (a 12-point grid over a smaller space: tune.yaml's
 * continuous ranges have no grid); every other algorithm runs examples/digits-mlp/tune.yaml.
 * `--seed` sets both the sampler's seed and the training seed (weight init, shuffling, dropout),
 * as `nx run digits-mlp:tune --seed=S` does; the validation split keeps its own seed (0), so every
 * run is scored on the same validation rows.
 *
 * Prints a Markdown table and writes every run (per-trial values in trials.jsonl order) as JSON.
 */
import { join } from 'node:path';
import { loadTuneConfig } from '../packages/hpo-plugin/src/config';
import {
  ROOT,
  benchEnvironment,
  fmt,
  median,
  parseOptions,
  parseSeeds,
  positiveInt,
  readTrialsJsonl,
  runMain,
  table,
  totalLine,
  writeBenchJson,
  usageExit,
  withFreshSweep,
} from './bench-common';

const EXAMPLE = join(ROOT, 'examples', 'digits-mlp');
const ALL_ALGORITHMS = ['random', 'grid', 'bayesian', 'tpe', 'qlearning', 'auto'];
/** Best-so-far is reported after these many finished trials (or after all of them, if fewer). */
const CHECKPOINTS = [5, 10, 20];
/** Trials asked after this many are "late": where an adaptive sampler has had results to learn from. */
const LATE_AFTER = 10;

interface Args {
  algorithms: string[];
  seeds: number[];
  trials?: number;
  parallelism?: number;
  out: string;
}

interface TrialRow {
  id: number;
  state: string;
  value?: number;
  durationMs: number;
  reused: boolean;
  params: Record<string, unknown>;
}

interface RunResult {
  algorithm: string;
  seed: number;
  config: string;
  trials: number;
  complete: number;
  failed: number;
  trained: number;
  reused: number;
  best: number | undefined;
  bestParams: Record<string, unknown> | undefined;
  wallSeconds: number;
  /** Best value after each finished trial, in trials.jsonl (finishing) order. */
  bestSoFar: Array<number | undefined>;
  rows: TrialRow[];
}

const usage = usageExit('npm run bench:digits -- [--algorithms a,b] [--seeds 0-2] [--trials 20] [--parallelism 2] [--out file]');

function parseArgs(argv: string[]): Args {
  const args: Args = { algorithms: ALL_ALGORITHMS, seeds: [0, 1, 2], out: 'bench-results/digits.json' };
  parseOptions(argv, usage, (flag, value) => {
    switch (flag) {
      case '--algorithms':
        args.algorithms = value().split(',').map((a) => a.trim()).filter(Boolean);
        for (const a of args.algorithms) if (!ALL_ALGORITHMS.includes(a)) usage(`unknown algorithm '${a}' (${ALL_ALGORITHMS.join(', ')})`);
        break;
      case '--seeds':
        args.seeds = parseSeeds(value(), usage);
        break;
      case '--trials':
        args.trials = positiveInt(flag, value(), usage);
        break;
      case '--parallelism':
        args.parallelism = positiveInt(flag, value(), usage);
        break;
      case '--out':
        args.out = value();
        break;
      case '--help':
        return usage('Tunes examples/digits-mlp with each algorithm and seed on fresh trial stores.');
      default:
        return false;
    }
  });
  return args;
}

async function runOne(algorithm: string, seed: number, args: Args): Promise<RunResult> {
  const configFile = join(EXAMPLE, algorithm === 'grid' ? 'grid.tune.yaml' : 'tune.yaml');
  const config = loadTuneConfig(configFile, { algorithm, seed, trials: args.trials, parallelism: args.parallelism });
  return withFreshSweep({
    scratchPrefix: 'nx-hpo-bench-digits-',
    label: `${algorithm} seed ${seed}`,
    config: () => config,
    parallelism: (c) => c.search.parallelism ?? 2,
    // Only the lines worth seeing in a long benchmark: warnings, grid size, the summary.
    show: /^(warning|grid has|\d+ trials in|best:)/,
    read: ({ result, outputDir, wallSeconds }): RunResult => {
      const rows = readTrialsJsonl<TrialRow>(outputDir);
      const maximize = config.objective.direction === 'maximize';
      const better = (a: number, b: number | undefined) => b === undefined || (maximize ? a > b : a < b);
      let best: number | undefined;
      const bestSoFar = rows.map((r) => {
        if (r.state === 'complete' && r.value !== undefined && better(r.value, best)) best = r.value;
        return best;
      });
      return {
        algorithm,
        seed,
        config: configFile.slice(ROOT.length + 1),
        trials: rows.length,
        complete: rows.filter((r) => r.state === 'complete').length,
        failed: rows.filter((r) => r.state === 'failed').length,
        trained: result.trained,
        reused: result.reused,
        best,
        bestParams: result.best?.params,
        wallSeconds,
        bestSoFar,
        rows: rows.map(({ id, state, value, durationMs, reused, params }) => ({ id, state, value, durationMs, reused, params })),
      };
    },
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const env = benchEnvironment('digits');
  const runs: RunResult[] = [];
  for (const algorithm of args.algorithms) {
    for (const seed of args.seeds) {
      process.stderr.write(`${algorithm} seed ${seed}\n`);
      const r = await runOne(algorithm, seed, args);
      runs.push(r);
      process.stderr.write(`  -> best ${fmt(r.best)} in ${r.wallSeconds.toFixed(1)} s (${r.complete} complete, ${r.failed} failed)\n`);
    }
  }

  const summary = args.algorithms.map((algorithm) => {
    const mine = runs.filter((r) => r.algorithm === algorithm);
    const bests = mine.map((r) => r.best).filter((b): b is number => b !== undefined);
    const at = (n: number) => {
      const values = mine.map((r) => r.bestSoFar[Math.min(n, r.bestSoFar.length) - 1]).filter((b): b is number => b !== undefined);
      return values.length === mine.length ? median(values) : undefined;
    };
    return {
      algorithm,
      config: mine[0]?.config,
      trials: median(mine.map((r) => r.trials)),
      runs: mine.length,
      failedTrials: mine.reduce((n, r) => n + r.failed, 0),
      medianBest: bests.length === mine.length ? median(bests) : undefined,
      minBest: bests.length ? Math.min(...bests) : undefined,
      maxBest: bests.length ? Math.max(...bests) : undefined,
      medianWallSeconds: median(mine.map((r) => r.wallSeconds)),
      medianTrialSeconds: median(mine.flatMap((r) => r.rows.map((row) => row.durationMs / 1000))),
      medianBestAfter: Object.fromEntries(CHECKPOINTS.map((n) => [n, at(n)])),
      // Every complete trial asked after the first LATE_AFTER, over all seeds: what the sampler
      // spends its budget on once it has results, which a best-of-n value hides.
      medianLateValue: (() => {
        const late = mine.flatMap((r) => r.rows.filter((row) => row.id >= LATE_AFTER && row.state === 'complete').map((row) => row.value as number));
        return late.length ? median(late) : undefined;
      })(),
    };
  });

  const seedsText = args.seeds.join(', ');
  console.log(`\nBest val_accuracy on the digits example, seeds ${seedsText}; higher is better.\n`);
  console.log(
    table(
      ['algorithm', 'trials', 'median best (min–max)', ...CHECKPOINTS.map((n) => `best after ${n}`), `median of trials ${LATE_AFTER + 1}+`, 'median wall s', 'median s/trial', 'failed'],
      summary.map((s) => [
        s.algorithm,
        String(s.trials),
        `${fmt(s.medianBest)} (${fmt(s.minBest)}–${fmt(s.maxBest)})`,
        ...CHECKPOINTS.map((n) => fmt(s.medianBestAfter[n])),
        fmt(s.medianLateValue),
        s.medianWallSeconds.toFixed(0),
        s.medianTrialSeconds.toFixed(1),
        String(s.failedTrials),
      ]),
    ),
  );
  console.log('\n"best after n": median over seeds of the best value among the first n trials to finish (all of them when fewer ran).');
  console.log(`"median of trials ${LATE_AFTER + 1}+": median value of every complete trial asked after the first ${LATE_AFTER}, all seeds pooled.`);
  console.log(totalLine(env));

  writeBenchJson(args.out, env, { seeds: args.seeds, checkpoints: CHECKPOINTS, summary, runs });
}

runMain(main);
