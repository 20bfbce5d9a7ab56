/**
 * Pruning benchmark: does multi-fidelity search find as good a digits model as full-length random
 * search for a fraction of the epochs? Each arm tunes examples/digits-mlp/tune.yaml (15 epochs,
 * its 20 trials) through the plugin's own sweep (`runSweep`: worker threads, TensorFlow.js
 * training, per-epoch reports to the study, pruned trials stopped), with a fresh trial store in a
 * temporary folder for every run, as scripts/bench-digits.ts does.
 *
 *   npm run bench:pruning -- [--arms random,random+asha,tpe+hyperband] [--seeds 0-4]
 *                            [--parallelism 2] [--out bench-results/pruning.json]
 *
 * An arm is `algorithm` or `algorithm+pruner` (pruner: asha | hyperband | median). The pruner is
 * written into the YAML's `search` section and the text goes through the plugin's config loader, so
 * its options are checked as a user's would be; the worker threads read the unchanged tune.yaml,
 * which only differs in `search` (not part of what a trial trains).
 *
 * Pruner settings (fixed before any measurement, not tuned on the reported seeds): minEpochs 1 and
 * reductionFactor 3, maxEpochs = training.epochs = 15, for asha and hyperband alike. With η = 3,
 * r = 1 gives three rungs (1, 3, 9) below 15, and about a third of the trials passing each of them
 * puts the expected cost near 1 + 2/3 + 6/9 + 6/27 ≈ 2.6 epochs a trial (~17% of 15), leaving room
 * under the one-third goal for the early trials that pass a rung by default (max(1, ⌊n/η⌋)).
 * r = 2 (rungs 2, 6) would expect ≈ 4.3 epochs a trial (29%) before that bias, too close to 1/3.
 * η = 3 is the standard choice (Li et al.; Optuna's default). median uses its defaults.
 *
 * Reported per arm, median over seeds: the best val_accuracy among COMPLETE trials (a pruned
 * trial's last value never counts as best) and the total epochs trained (sum of `epochs` over the
 * rows of trials.jsonl). `--seed` sets the sampler's seed and the training seed (weight init,
 * shuffling, dropout); the validation split keeps its own seed (0), so every run is scored on the
 * same validation rows. Prints a Markdown table, writes every run as JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTuneConfig } from '../packages/hpo-plugin/src/config';
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
  usageExit,
  withFreshSweep,
  writeBenchJson,
} from './bench-common';

const CONFIG_FILE = join(ROOT, 'examples', 'digits-mlp', 'tune.yaml');
const ALGORITHMS = ['random', 'grid', 'bayesian', 'tpe', 'qlearning', 'auto'];
/** The settings argued for in the module comment; the same for every seed and both ladder pruners. */
const PRUNERS: Record<string, Record<string, unknown>> = {
  asha: { name: 'asha', minEpochs: 1, reductionFactor: 3 },
  hyperband: { name: 'hyperband', minEpochs: 1, reductionFactor: 3 },
  median: { name: 'median' },
};
/** The arm the others are measured against: full-length random search. */
const BASELINE = 'random';
/** The goal for ASHA: within this many accuracy points of the baseline's best ... */
const GOAL_POINTS = 0.5;
/** ... using at most this fraction of its epochs. */
const GOAL_EPOCH_FRACTION = 1 / 3;

interface Arm {
  name: string;
  algorithm: string;
  pruner?: string;
}

interface Args {
  arms: Arm[];
  seeds: number[];
  parallelism?: number;
  out: string;
}

interface TrialRow {
  id: number;
  state: 'complete' | 'pruned' | 'failed';
  value?: number;
  epochs: number;
  curve: number[];
  durationMs: number;
  reused: boolean;
  params: Record<string, unknown>;
}

interface RunResult {
  arm: string;
  seed: number;
  trials: number;
  complete: number;
  pruned: number;
  failed: number;
  /** Best objective among complete trials. */
  best: number | undefined;
  bestTrial: number | undefined;
  bestParams: Record<string, unknown> | undefined;
  /** Sum of `epochs` over the trials. */
  epochs: number;
  wallSeconds: number;
  rows: TrialRow[];
}

const usage = usageExit('npm run bench:pruning -- [--arms random,random+asha,tpe+hyperband] [--seeds 0-4] [--parallelism 2] [--out file]');

function parseArm(text: string): Arm {
  const [algorithm, pruner, extra] = text.split('+');
  if (extra !== undefined || !algorithm || !ALGORITHMS.includes(algorithm)) usage(`--arms: '${text}' is not algorithm[+pruner] (algorithms: ${ALGORITHMS.join(', ')})`);
  if (pruner !== undefined && !(pruner in PRUNERS)) usage(`--arms: unknown pruner '${pruner}' (${Object.keys(PRUNERS).join(', ')})`);
  return { name: text, algorithm, ...(pruner ? { pruner } : {}) };
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    arms: ['random', 'random+asha', 'tpe+hyperband'].map(parseArm),
    seeds: [0, 1, 2, 3, 4],
    out: 'bench-results/pruning.json',
  };
  parseOptions(argv, usage, (flag, value) => {
    switch (flag) {
      case '--arms':
        args.arms = value().split(',').map((a) => a.trim()).filter(Boolean).map(parseArm);
        break;
      case '--seeds':
        args.seeds = parseSeeds(value(), usage, '0-4');
        break;
      case '--parallelism':
        args.parallelism = positiveInt(flag, value(), usage);
        break;
      case '--out':
        args.out = value();
        break;
      case '--help':
        return usage('Tunes examples/digits-mlp with and without pruning on fresh trial stores.');
      default:
        return false;
    }
  });
  if (!args.arms.some((a) => a.name === BASELINE)) usage(`--arms must include the baseline '${BASELINE}'`);
  return args;
}

/**
 * tune.yaml's text with the arm's algorithm and pruner in its one-line `search` map (the seed goes
 * as an override). A text edit, not a YAML round trip: the file's `${...}` placeholders are the
 * plugin's syntax, which a plain YAML parser rejects inside flow maps.
 */
function armYaml(arm: Arm): string {
  const text = readFileSync(CONFIG_FILE, 'utf8');
  const search = /^search: \{ algorithm: \w+, (.*) \}$/m;
  if (!search.test(text)) throw new Error(`${CONFIG_FILE}: expected a one-line 'search: { algorithm: ..., ... }'`);
  const pruner = arm.pruner ? `, pruner: ${JSON.stringify(PRUNERS[arm.pruner])}` : '';
  return text.replace(search, (_, rest: string) => `search: { algorithm: ${arm.algorithm}, ${rest}${pruner} }`);
}

async function runOne(arm: Arm, seed: number, args: Args): Promise<RunResult> {
  const config = parseTuneConfig(armYaml(arm), CONFIG_FILE, { seed, parallelism: args.parallelism });
  return withFreshSweep({
    scratchPrefix: 'nx-hpo-bench-pruning-',
    label: `${arm.name} seed ${seed}`,
    config: () => config,
    parallelism: (c) => c.search.parallelism ?? 2,
    show: /^(warning|\d+ trials in|best:)/,
    read: ({ outputDir, wallSeconds }): RunResult => {
      const rows = readTrialsJsonl<TrialRow>(outputDir);
      let bestRow: TrialRow | undefined;
      for (const r of rows) {
        // Only complete trials compete for best: a pruned trial's value is from an unfinished run.
        if (r.state === 'complete' && r.value !== undefined && (bestRow === undefined || r.value > (bestRow.value as number))) bestRow = r;
      }
      return {
        arm: arm.name,
        seed,
        trials: rows.length,
        complete: rows.filter((r) => r.state === 'complete').length,
        pruned: rows.filter((r) => r.state === 'pruned').length,
        failed: rows.filter((r) => r.state === 'failed').length,
        best: bestRow?.value,
        bestTrial: bestRow?.id,
        bestParams: bestRow?.params,
        epochs: rows.reduce((n, r) => n + r.epochs, 0),
        wallSeconds,
        rows: rows.map(({ id, state, value, epochs, curve, durationMs, reused, params }) => ({ id, state, value, epochs, curve, durationMs, reused, params })),
      };
    },
  });
}

const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(0)}%`);
const signed = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(2)}`);

/** The same ids asked the same parameters in both runs (a results-independent sampler does). */
function sameConfigurations(a: RunResult, b: RunResult): boolean {
  const byId = new Map(a.rows.map((r) => [r.id, JSON.stringify(r.params)]));
  return b.rows.length === a.rows.length && b.rows.every((r) => byId.get(r.id) === JSON.stringify(r.params));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const env = benchEnvironment('pruning');
  const runs: RunResult[] = [];
  for (const seed of args.seeds) {
    for (const arm of args.arms) {
      process.stderr.write(`${arm.name} seed ${seed}\n`);
      const r = await runOne(arm, seed, args);
      runs.push(r);
      process.stderr.write(
        `  -> best ${fmt(r.best)}, ${r.epochs} epochs, ${r.complete} complete / ${r.pruned} pruned / ${r.failed} failed, ${r.wallSeconds.toFixed(1)} s\n`,
      );
    }
  }

  const baseOf = (seed: number) => runs.find((r) => r.arm === BASELINE && r.seed === seed) as RunResult;
  const summary = args.arms.map((arm) => {
    const mine = runs.filter((r) => r.arm === arm.name);
    const bests = mine.map((r) => r.best).filter((b): b is number => b !== undefined);
    const perSeed = mine.map((r) => {
      const base = baseOf(r.seed);
      const pointsBehind = r.best !== undefined && base.best !== undefined ? 100 * (base.best - r.best) : undefined;
      const epochFraction = r.epochs / base.epochs;
      return {
        seed: r.seed,
        best: r.best,
        epochs: r.epochs,
        pointsBehind,
        epochFraction,
        meetsGoal: pointsBehind !== undefined && pointsBehind <= GOAL_POINTS && epochFraction <= GOAL_EPOCH_FRACTION,
        sameConfigurationsAsBaseline: sameConfigurations(base, r),
        // Whether the baseline's winning configuration was among this run's complete trials.
        keptBaselineWinner: r.rows.some((row) => row.state === 'complete' && JSON.stringify(row.params) === JSON.stringify(base.bestParams)),
      };
    });
    const medianBest = bests.length === mine.length ? median(bests) : undefined;
    const baseMedianBest = median(runs.filter((r) => r.arm === BASELINE).map((r) => r.best as number));
    const medianEpochs = median(mine.map((r) => r.epochs));
    const baseMedianEpochs = median(runs.filter((r) => r.arm === BASELINE).map((r) => r.epochs));
    return {
      arm: arm.name,
      algorithm: arm.algorithm,
      pruner: arm.pruner ? { ...PRUNERS[arm.pruner], maxEpochs: 15 } : undefined,
      runs: mine.length,
      medianBest,
      minBest: bests.length ? Math.min(...bests) : undefined,
      maxBest: bests.length ? Math.max(...bests) : undefined,
      /** Points (percentage points of accuracy) the median best trails the baseline's median best. */
      medianPointsBehind: medianBest === undefined ? undefined : 100 * (baseMedianBest - medianBest),
      medianEpochs,
      minEpochs: Math.min(...mine.map((r) => r.epochs)),
      maxEpochs: Math.max(...mine.map((r) => r.epochs)),
      /** Median epochs over the baseline's median epochs. */
      epochFraction: medianEpochs / baseMedianEpochs,
      medianComplete: median(mine.map((r) => r.complete)),
      medianPruned: median(mine.map((r) => r.pruned)),
      failedTrials: mine.reduce((n, r) => n + r.failed, 0),
      medianWallSeconds: median(mine.map((r) => r.wallSeconds)),
      seedsMeetingGoal: perSeed.filter((s) => s.meetsGoal).length,
      seedsKeepingBaselineWinner: perSeed.filter((s) => s.keptBaselineWinner).length,
      perSeed,
    };
  });

  const seedsText = args.seeds.join(', ');
  console.log(`\nDigits (tune.yaml, 15 epochs, 20 trials), seeds ${seedsText}: best val_accuracy of complete trials and epochs trained, medians over seeds.\n`);
  console.log(
    table(
      ['arm', 'median best (min–max)', 'points behind random', 'median epochs (min–max)', 'epochs vs random', 'complete / pruned', 'median wall s', `seeds within ${GOAL_POINTS} pt at ≤ 1/3 epochs`, 'kept random\'s winner'],
      summary.map((s) => [
        s.arm,
        `${fmt(s.medianBest)} (${fmt(s.minBest)}–${fmt(s.maxBest)})`,
        s.arm === BASELINE ? '–' : signed(s.medianPointsBehind),
        `${s.medianEpochs} (${s.minEpochs}–${s.maxEpochs})`,
        pct(s.epochFraction),
        `${s.medianComplete} / ${s.medianPruned}`,
        s.medianWallSeconds.toFixed(0),
        s.arm === BASELINE ? '–' : `${s.seedsMeetingGoal}/${s.runs}`,
        s.arm === BASELINE ? '–' : `${s.seedsKeepingBaselineWinner}/${s.runs}`,
      ]),
    ),
  );
  console.log('\nPer seed (best val_accuracy / epochs):\n');
  console.log(
    table(
      ['seed', ...args.arms.map((a) => a.name)],
      args.seeds.map((seed) => [String(seed), ...args.arms.map((a) => {
        const r = runs.find((x) => x.arm === a.name && x.seed === seed) as RunResult;
        return `${fmt(r.best)} / ${r.epochs}`;
      })]),
    ),
  );
  for (const s of summary) {
    if (s.arm === BASELINE || !s.arm.endsWith('+asha')) continue;
    const met = s.medianPointsBehind !== undefined && s.medianPointsBehind <= GOAL_POINTS && s.epochFraction <= GOAL_EPOCH_FRACTION;
    console.log(
      `\nGoal (${s.arm} within ${GOAL_POINTS} points of ${BASELINE}'s best on at most 1/3 of its epochs, on the medians): ` +
        `${met ? 'MET' : 'NOT MET'}: ${signed(s.medianPointsBehind)} points behind, ${pct(s.epochFraction)} of the epochs.`,
    );
  }
  const sameConfigs = summary.filter((s) => s.algorithm === 'random' && s.arm !== BASELINE).every((s) => s.perSeed.every((p) => p.sameConfigurationsAsBaseline));
  console.log(`random arms asked the same configurations as ${BASELINE} on every seed: ${sameConfigs ? 'yes' : 'NO'}.`);
  console.log(`Pruners: ${JSON.stringify(Object.fromEntries(args.arms.filter((a) => a.pruner).map((a) => [a.name, PRUNERS[a.pruner as string]])))}, maxEpochs = training.epochs = 15.`);
  console.log(totalLine(env));

  writeBenchJson(args.out, env, {
    config: CONFIG_FILE.slice(ROOT.length + 1),
    seeds: args.seeds,
    pruners: PRUNERS,
    goal: { arm: 'random+asha', maxPointsBehind: GOAL_POINTS, maxEpochFraction: GOAL_EPOCH_FRACTION },
    summary,
    runs,
  });
}

runMain(main);
