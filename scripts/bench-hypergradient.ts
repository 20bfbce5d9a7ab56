/**
 * Hypergradient benchmark: does sgd-hd / adam-hd (Baydin et al. 2018) make training less sensitive
 * to the initial learning rate than plain sgd / adam? One fixed digits MLP (dense 128 relu, dropout
 * 0.1, softmax; batch 32; 15 epochs) is trained at the initial rates 1e-4 … 1 with each of the four
 * optimizers, through the plugin's own sweep (`runSweep` with a `grid` over `lr` × `optimizer`, worker
 * threads, TensorFlow.js), with a fresh trial store in a temporary folder for every seed.
 *
 *   npm run bench:hypergradient -- [--seeds 0-2] [--parallelism 2] [--out bench-results/hypergradient.json]
 *
 * The sweep's YAML is written by this script into the temporary folder (see `sweepYaml`): the digits
 * data and splits of examples/digits-mlp/tune.yaml (so the same validation rows score every run), the
 * fixed model, and `optimizer: { name: ${optimizer}, learningRate: ${lr} }` with no hypergradientLr,
 * so sgd-hd and adam-hd run with their defaults (src/training/optimizer.ts: 1e-3 and 1e-7).
 * `--seeds` sets the training seed (weight init, shuffling, dropout) of each sweep.
 *
 * A control sweep per seed runs sgd-hd and adam-hd with `hypergradientLr: 0` (rows "… β 0"): in
 * theory plain sgd / adam, so it separates what the rate adaptation does from what the optimizer's
 * own arithmetic does (a chaotic run at a high rate can land elsewhere on rounding differences alone).
 *
 * Reported: final val_accuracy per optimizer and initial rate (median over seeds), the spread
 * (max − min over the initial rates) per optimizer, and the learning rate the last epoch ended with
 * (the adapted rate for the -hd optimizers, read from the trial's stored epoch history). A run whose
 * loss became NaN/Infinity fails in the trainer; it is reported as diverged, not given a value.
 */
import { writeFileSync } from 'node:fs';
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
  runMain,
  table,
  totalLine,
  usageExit,
  withFreshSweep,
  writeBenchJson,
} from './bench-common';

const DATA = join(ROOT, 'examples', 'digits-mlp', 'data', 'digits.csv.gz');
const RATES = [1e-4, 1e-3, 1e-2, 1e-1, 1];
const OPTIMIZERS = ['sgd', 'sgd-hd', 'adam', 'adam-hd'];
const HD_OPTIMIZERS = ['sgd-hd', 'adam-hd'];
/** How the control sweep's rows are labelled: the optimizer with its hypergradient rate at 0. */
const controlLabel = (optimizer: string): string => `${optimizer} β 0`;
/** Table rows: each optimizer, the -hd ones followed by their β = 0 control. */
const ROWS = OPTIMIZERS.flatMap((o) => (HD_OPTIMIZERS.includes(o) ? [o, controlLabel(o)] : [o]));
/** The defaults the -hd optimizers run with here (src/training/optimizer.ts, schema descriptions). */
const DEFAULT_HYPERGRADIENT_LR: Record<string, number> = { 'sgd-hd': 1e-3, 'adam-hd': 1e-7 };
const EPOCHS = 15;
/** examples/digits-mlp/tune.yaml searches lr in [1e-4, 1e-1]: the spread is also given over that range. */
const TUNE_RANGE = { low: 1e-4, high: 1e-1 };

interface Args {
  seeds: number[];
  parallelism: number;
  out: string;
}

interface Cell {
  optimizer: string;
  lr: number;
  seed: number;
  state: 'complete' | 'pruned' | 'failed';
  valAccuracy?: number;
  /** The rate the last trained epoch ended with. */
  finalLr?: number;
  /** Per epoch: val_accuracy and the rate at the end of the epoch. */
  curve: number[];
  lrCurve: number[];
  error?: string;
  durationMs: number;
}

const usage = usageExit('npm run bench:hypergradient -- [--seeds 0-2] [--parallelism 2] [--out file]');

function parseArgs(argv: string[]): Args {
  const args: Args = { seeds: [0, 1, 2], parallelism: 2, out: 'bench-results/hypergradient.json' };
  parseOptions(argv, usage, (flag, value) => {
    switch (flag) {
      case '--seeds':
        args.seeds = parseSeeds(value(), usage);
        break;
      case '--parallelism':
        args.parallelism = positiveInt(flag, value(), usage);
        break;
      case '--out':
        args.out = value();
        break;
      case '--help':
        return usage('Trains one digits MLP at five initial learning rates with sgd, sgd-hd, adam and adam-hd.');
      default:
        return false;
    }
  });
  return args;
}

/**
 * The sweep: a grid of every initial rate × optimizer on one fixed model; with `control`, only the
 * -hd optimizers, with their hypergradient rate at 0.
 */
function sweepYaml(seed: number, parallelism: number, control: boolean): string {
  const optimizers = control ? HD_OPTIMIZERS : OPTIMIZERS;
  return `# Written by scripts/bench-hypergradient.ts.
data:
  path: ${JSON.stringify(DATA)}
  header: false
  label: -1
  task: classification
  validation: { split: 0.2, stratify: true, seed: 0 }
  test: { split: 0.15, stratify: true, seed: 0 }
  scale: minmax
model:
  layers:
    - dense: { units: 128, activation: relu }
    - dropout: { rate: 0.1 }
    - dense: { units: 10, activation: softmax }
training:
  epochs: ${EPOCHS}
  batchSize: 32
  optimizer: { name: \${optimizer}, learningRate: \${lr}${control ? ', hypergradientLr: 0' : ''} }
space:
  lr:        { type: categorical, choices: [${RATES.join(', ')}] }
  optimizer: { type: categorical, choices: [${optimizers.join(', ')}] }
objective: { metric: val_accuracy, direction: maximize }
search: { algorithm: grid, trials: ${RATES.length * optimizers.length}, parallelism: ${parallelism}, seed: ${seed} }
`;
}

async function runSweepOf(seed: number, args: Args, control: boolean): Promise<{ cells: Cell[]; wallSeconds: number; yaml: string }> {
  const yaml = sweepYaml(seed, args.parallelism, control);
  return withFreshSweep({
    scratchPrefix: 'nx-hpo-bench-hd-',
    label: `seed ${seed}`,
    config: (scratch) => {
      const file = join(scratch, 'tune.yaml');
      writeFileSync(file, yaml);
      return loadTuneConfig(file);
    },
    parallelism: () => args.parallelism,
    show: /^(warning|grid has|\d+ trials in|best:)/,
    read: ({ result, store, wallSeconds }) => {
      const cells = result.records.map((r): Cell => {
        // The store keeps each trained trial's epoch logs, with the rate every epoch ended on.
        const history = (r.key ? store.get(r.key)?.trial.history : undefined) ?? [];
        const lrCurve = history.map((h) => h.lr).filter((v): v is number => typeof v === 'number');
        return {
          optimizer: control ? controlLabel(r.params.optimizer as string) : (r.params.optimizer as string),
          lr: r.params.lr as number,
          seed,
          state: r.state,
          ...(r.state === 'complete' ? { valAccuracy: r.value } : {}),
          ...(lrCurve.length ? { finalLr: lrCurve[lrCurve.length - 1] } : {}),
          curve: r.curve,
          lrCurve,
          ...(r.error ? { error: r.error } : {}),
          durationMs: r.durationMs,
        };
      });
      return { cells, wallSeconds, yaml };
    },
  });
}

const rate = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : x.toPrecision(4));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const env = benchEnvironment('hypergradient');
  const cells: Cell[] = [];
  const wall: Record<number, number> = {};
  const yaml: Record<string, string> = {};
  for (const seed of args.seeds) {
    for (const control of [false, true]) {
      process.stderr.write(`seed ${seed}${control ? ', control (hypergradientLr 0)' : ''}\n`);
      const r = await runSweepOf(seed, args, control);
      cells.push(...r.cells);
      wall[seed] = (wall[seed] ?? 0) + r.wallSeconds;
      yaml[control ? 'control' : 'main'] = r.yaml;
      const failed = r.cells.filter((c) => c.state !== 'complete');
      process.stderr.write(`  -> ${r.cells.length} runs in ${r.wallSeconds.toFixed(0)} s${failed.length ? `; not complete: ${failed.map((c) => `${c.optimizer}@${c.lr}`).join(', ')}` : ''}\n`);
    }
  }

  const n = args.seeds.length;
  const summary = ROWS.map((optimizer) => {
    const perRate = RATES.map((lr) => {
      const mine = cells.filter((c) => c.optimizer === optimizer && c.lr === lr);
      const done = mine.filter((c) => c.state === 'complete' && c.valAccuracy !== undefined);
      const finalLrs = done.map((c) => c.finalLr).filter((v): v is number => v !== undefined);
      return {
        lr,
        finished: done.length,
        runs: mine.length,
        medianValAccuracy: done.length ? median(done.map((c) => c.valAccuracy as number)) : undefined,
        minValAccuracy: done.length ? Math.min(...done.map((c) => c.valAccuracy as number)) : undefined,
        maxValAccuracy: done.length ? Math.max(...done.map((c) => c.valAccuracy as number)) : undefined,
        medianFinalLr: finalLrs.length ? median(finalLrs) : undefined,
        errors: mine.filter((c) => c.error).map((c) => `seed ${c.seed}: ${c.error}`),
      };
    });
    const spreadOf = (rates: typeof perRate) => {
      const values = rates.map((p) => p.medianValAccuracy).filter((v): v is number => v !== undefined);
      return values.length ? Math.max(...values) - Math.min(...values) : undefined;
    };
    return {
      optimizer,
      hypergradientLr: optimizer.endsWith(' β 0') ? 0 : DEFAULT_HYPERGRADIENT_LR[optimizer],
      perRate,
      /** max − min of the per-rate medians, over the rates where at least one seed finished. */
      spread: spreadOf(perRate),
      /** The same over the initial rates inside tune.yaml's lr range. */
      spreadInTuneRange: spreadOf(perRate.filter((p) => p.lr >= TUNE_RANGE.low && p.lr <= TUNE_RANGE.high)),
      ratesWithDivergence: perRate.filter((p) => p.finished < p.runs).map((p) => p.lr),
    };
  });

  const cell = (p: (typeof summary)[number]['perRate'][number]): string =>
    p.finished === 0 ? `diverged (${p.runs}/${p.runs})` : `${fmt(p.medianValAccuracy)}${p.finished < p.runs ? ` (${p.runs - p.finished}/${p.runs} diverged)` : ''}`;
  const seedsText = args.seeds.join(', ');
  console.log(`\nDigits MLP (dense 128 relu, dropout 0.1; batch 32; ${EPOCHS} epochs): final val_accuracy by initial learning rate, median over seeds ${seedsText}.\n`);
  console.log(
    table(
      ['optimizer', ...RATES.map((r) => `lr ${r}`), 'spread (max − min)', `spread over ${TUNE_RANGE.low}–${TUNE_RANGE.high}`],
      summary.map((s) => [
        s.hypergradientLr === undefined || s.hypergradientLr === 0 ? s.optimizer : `${s.optimizer} (β ${s.hypergradientLr})`,
        ...s.perRate.map(cell),
        `${fmt(s.spread)}${s.ratesWithDivergence.length ? ` (finished rates only)` : ''}`,
        fmt(s.spreadInTuneRange),
      ]),
    ),
  );
  console.log(`\nLearning rate at the end of the last epoch (median over seeds that finished):\n`);
  console.log(
    table(
      ['optimizer', ...RATES.map((r) => `lr ${r}`)],
      summary
        .filter((s) => OPTIMIZERS.includes(s.optimizer))
        .map((s) => [s.optimizer, ...s.perRate.map((p) => (p.finished === 0 ? 'diverged' : rate(p.medianFinalLr)))]),
    ),
  );
  console.log(`\nFinal val_accuracy per seed (${seedsText}):\n`);
  console.log(
    table(
      ['optimizer', ...RATES.map((r) => `lr ${r}`)],
      summary.map((s) => [
        s.optimizer,
        ...RATES.map((lr) =>
          args.seeds
            .map((seed) => {
              const c = cells.find((x) => x.optimizer === s.optimizer && x.lr === lr && x.seed === seed);
              return c?.valAccuracy === undefined ? 'diverged' : c.valAccuracy.toFixed(3);
            })
            .join(' / '),
        ),
      ]),
    ),
  );
  const errors = summary.flatMap((s) => s.perRate.flatMap((p) => p.errors.map((e) => `${s.optimizer} lr ${p.lr}, ${e}`)));
  if (errors.length) console.log(`\nRuns that did not finish:\n${errors.map((e) => `- ${e}`).join('\n')}`);
  console.log(
    `\nSpread: max − min of the medians over the initial rates where at least one seed finished; the last column only over ` +
      `${TUNE_RANGE.low}–${TUNE_RANGE.high}, tune.yaml's lr range. n = ${n} seed(s) per cell.`,
  );
  console.log(totalLine(env));

  writeBenchJson(args.out, env, {
    seeds: args.seeds,
    rates: RATES,
    hypergradientLr: DEFAULT_HYPERGRADIENT_LR,
    yaml,
    summary,
    cells,
    wallSecondsPerSeed: wall,
  });
}

runMain(main);
