/**
 * Digits benchmark: the bundled digits-mlp example tuned by each algorithm over a few seeds, through
 * the plugin's own sweep (`runSweep`: worker threads, TensorFlow.js training, a trial store) exactly
 * as the tune executor calls it, but with a fresh store in a temporary folder for every run, so no
 * trial is ever reused and no Nx cache is involved.
 *
 *   npm run bench:digits -- [--algorithms random,grid,bayesian,tpe,qlearning] [--seeds 0-2]
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
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadTuneConfig } from '../packages/hpo-plugin/src/config';
import { TrialStore } from '../packages/hpo-plugin/src/store/trial-store';
import { runSweep } from '../packages/hpo-plugin/src/sweep/runner';
import { expectedBackend } from '../packages/hpo-plugin/src/training/backend-choice';

const ROOT = resolve(__dirname, '..');
const EXAMPLE = join(ROOT, 'examples', 'digits-mlp');
const ALL_ALGORITHMS = ['random', 'grid', 'bayesian', 'tpe', 'qlearning'];
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

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run bench:digits -- [--algorithms a,b] [--seeds 0-2] [--trials 20] [--parallelism 2] [--out file]\n`,
  );
  process.exit(2);
}

function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range && Number(range[2]) >= Number(range[1])) {
      for (let s = Number(range[1]); s <= Number(range[2]); s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) {
      seeds.push(Number(part));
    } else {
      usage(`--seeds: expected e.g. 0-2 or 0,3,7 (got '${text}')`);
    }
  }
  return seeds;
}

function positiveInt(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a whole number >= 1`);
  return n;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { algorithms: ALL_ALGORITHMS, seeds: [0, 1, 2], out: 'bench-results/digits.json' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--algorithms':
        args.algorithms = value().split(',').map((a) => a.trim()).filter(Boolean);
        for (const a of args.algorithms) if (!ALL_ALGORITHMS.includes(a)) usage(`unknown algorithm '${a}' (${ALL_ALGORITHMS.join(', ')})`);
        break;
      case '--seeds':
        args.seeds = parseSeeds(value());
        break;
      case '--trials':
        args.trials = positiveInt(flag, value());
        break;
      case '--parallelism':
        args.parallelism = positiveInt(flag, value());
        break;
      case '--out':
        args.out = value();
        break;
      case '--help':
        usage('Tunes examples/digits-mlp with each algorithm and seed on fresh trial stores.');
      default:
        usage(`unknown option '${flag}'`);
    }
  }
  return args;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function runOne(algorithm: string, seed: number, args: Args): Promise<RunResult> {
  const configFile = join(EXAMPLE, algorithm === 'grid' ? 'grid.tune.yaml' : 'tune.yaml');
  const config = loadTuneConfig(configFile, { algorithm, seed, trials: args.trials, parallelism: args.parallelism });
  const scratch = mkdtempSync(join(tmpdir(), 'nx-hpo-bench-digits-'));
  try {
    const store = new TrialStore(join(scratch, 'store'), (m) => process.stderr.write(`  ${m}\n`));
    const outputDir = join(scratch, 'out');
    const started = process.hrtime.bigint();
    const result = await runSweep({
      config,
      outputDir,
      parallelism: config.search.parallelism ?? 2,
      backend: 'auto',
      // Only the lines worth seeing in a long benchmark: warnings, grid size, the summary.
      log: (line) => {
        if (/^(warning|grid has|\d+ trials in|best:)/.test(line)) process.stderr.write(`  ${line}\n`);
      },
      store,
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = readFileSync(join(outputDir, 'trials.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as TrialRow);
    const maximize = config.objective.direction === 'maximize';
    const better = (a: number, b: number | undefined) => b === undefined || (maximize ? a > b : a < b);
    let best: number | undefined;
    const bestSoFar = rows.map((r) => {
      if (r.state === 'complete' && r.value !== undefined && better(r.value, best)) best = r.value;
      return best;
    });
    if (result.reused !== 0) throw new Error(`${algorithm} seed ${seed}: ${result.reused} trials were reused from a fresh store`);
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
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const fmt = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(4));

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--', 'packages', 'examples']);
  const backend = expectedBackend('auto');
  process.stderr.write(
    `digits benchmark at ${commit ?? 'unknown commit'}${dirty ? ' (packages/ or examples/ have uncommitted changes)' : ''}, backend ${backend}, ` +
      `${cpus().length} cores, Node ${process.version}\n`,
  );
  const started = Date.now();
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
  console.log(`Total ${((Date.now() - started) / 1000).toFixed(0)} s; commit ${commit ?? 'unknown'}${dirty ? ' + uncommitted changes' : ''}; backend ${backend}; Node ${process.version}.`);

  const out = resolve(process.cwd(), args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      { generatedAt: new Date().toISOString(), commit, dirty: Boolean(dirty), backend, node: process.version, cores: cpus().length, argv: process.argv.slice(2), seeds: args.seeds, checkpoints: CHECKPOINTS, summary, runs, seconds: (Date.now() - started) / 1000 },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(`wrote ${out}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
