/**
 * Training throughput: one trial of the digits MLP (64→128 relu→dropout 0.2→10, adam 3e-3, batch
 * 32, 15 epochs) trained by the project's trainer, by the same trainer on its tfjs path (what every
 * model the fused trainer does not cover runs on), by raw `model.fit`, and by PyTorch when
 * `python3-torch` is installed, all on the same rows (examples/digits-mlp/tune.yaml's training and
 * validation split). Every run is a fresh process; the variants alternate within each round and
 * the table gives medians over rounds. A process trains twice: `cold` is its first training (wasm
 * compilation, JIT warm-up), `warm` the second (what a reused sweep worker sees).
 *
 * With --parallel it measures parallel efficiency instead, on the same machine in the same run: the
 * first --trials trials of the example sweep (random, seed 42) trained by one process, then split
 * over two independent processes started together (the machine's own speedup), against the
 * sweep (`runSweep`, fresh store) at parallelism 1 and 2. Efficiency = sweep speedup / raw speedup.
 *
 *   npm run bench:throughput -- [--rounds 5] [--epochs 15] [--out FILE]
 *   npm run bench:throughput -- --parallel [--rounds 5] [--trials 10] [--out FILE]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStudy, type AlgorithmName, type Params } from '@nx-hpo/optimizers';
import { loadTuneConfig, resolveTrial, type TuneConfig } from '../packages/hpo-plugin/src/config';
import { prepareDataset, type Dataset } from '../packages/hpo-plugin/src/data/dataset';
import { trainingSeed } from '../packages/hpo-plugin/src/sweep/runner';
import { selectBackend, type Tf } from '../packages/hpo-plugin/src/training/backend';
import { trainModel } from '../packages/hpo-plugin/src/training/train';
import {
  benchEnvironment,
  fmt,
  median,
  parseOptions,
  positiveInt,
  ROOT,
  runMain,
  table,
  totalLine,
  usageExit,
  withFreshSweep,
  writeBenchJson,
} from './bench-common';

const CONFIG = join(ROOT, 'examples', 'digits-mlp', 'tune.yaml');
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = join(ROOT, 'scripts', 'bench-throughput-torch.py');
/** The reference trial. */
const REFERENCE: Params = { lr: 3e-3, units: 128, activation: 'relu', dropout: 0.2, batchSize: 32, optimizer: 'adam' };
const usage = usageExit('npm run bench:throughput -- [--rounds N] [--epochs N] [--parallel] [--trials N] [--out FILE]');

type Variant = 'trainer' | 'trainer-tfjs' | 'fit' | 'torch';
const LABELS: Record<Variant, string> = {
  trainer: 'nx-hpo trainer (fused dense path)',
  'trainer-tfjs': 'nx-hpo trainer, tfjs path (fused: false)',
  fit: 'raw tfjs model.fit',
  torch: 'PyTorch (1 thread)',
};

interface Run {
  ms: number;
  /** CPU time of the training (this process, all threads): what the machine's load does not inflate much. */
  cpuMs: number;
  val_accuracy: number;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

// ---------------------------------------------------------------- child processes

function dataset(): { config: TuneConfig; ds: Dataset } {
  const config = loadTuneConfig(CONFIG);
  return { config, ds: prepareDataset(config.data) };
}

async function trainOnce(tf: Tf, config: TuneConfig, ds: Dataset, params: Params, epochs: number | undefined, fused: boolean, seed: number): Promise<Run> {
  const spec = resolveTrial(config, params);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const training = epochs === undefined ? spec.training : { ...spec.training, epochs };
  const r = await trainModel({ tf, modelSpec: spec.model, training, dataset: ds, seed, params, fused });
  const ms = performance.now() - t0;
  const cpu = cpuMs(c0);
  r.model.dispose();
  return { ms, cpuMs: cpu, val_accuracy: r.final['val_accuracy'] ?? NaN };
}

/** raw model.fit, written the way a tfjs user would (fit's own shuffling and validation). */
async function fitOnce(tf: Tf, ds: Dataset, epochs: number): Promise<Run> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [ds.numFeatures], units: 128, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: ds.numClasses, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.tensor2d(ds.xTrain, [ds.nTrain, ds.numFeatures]);
  const y = tf.tensor2d(ds.yTrain, [ds.nTrain, 1]);
  const xv = tf.tensor2d(ds.xVal, [ds.nVal, ds.numFeatures]);
  const yv = tf.tensor2d(ds.yVal, [ds.nVal, 1]);
  const h = await model.fit(x, y, { epochs, batchSize: 32, shuffle: true, validationData: [xv, yv], verbose: 0 });
  const ms = performance.now() - t0;
  const cpu = cpuMs(c0);
  tf.dispose([x, y, xv, yv]);
  model.dispose();
  const acc = h.history['val_acc'] as number[];
  return { ms, cpuMs: cpu, val_accuracy: acc[acc.length - 1]! };
}

async function childSingle(variant: Exclude<Variant, 'torch'>, reps: number, epochs: number): Promise<void> {
  const { tf } = await selectBackend('auto');
  const { config, ds } = dataset();
  const runs: Run[] = [];
  for (let i = 0; i < reps; i++) {
    runs.push(variant === 'fit' ? await fitOnce(tf, ds, epochs) : await trainOnce(tf, config, ds, REFERENCE, epochs, variant === 'trainer', 1));
  }
  process.stdout.write(`${JSON.stringify({ runs })}\n`);
}

/**
 * Trains its share of the trials as a sweep worker would (backend, data, then training), after
 * the parent says go on stdin, so that two of these start together.
 */
async function childTrials(trialsFile: string, part: number, parts: number): Promise<void> {
  const { params, seed } = JSON.parse(await readStdinAfterReady(trialsFile)) as { params: Params[]; seed: number };
  const started = Date.now();
  const { tf } = await selectBackend('auto');
  const { config, ds } = dataset();
  for (let i = part; i < params.length; i += parts) await trainOnce(tf, config, ds, params[i]!, undefined, true, seed);
  process.stdout.write(`${JSON.stringify({ started, ended: Date.now() })}\n`);
}

async function readStdinAfterReady(file: string): Promise<string> {
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.pause();
  return (await import('node:fs')).readFileSync(file, 'utf8');
}

async function childSweep(trials: number, parallelism: number): Promise<void> {
  const seconds = await withFreshSweep({
    scratchPrefix: 'nx-hpo-bench-throughput-',
    label: `sweep p${parallelism}`,
    config: () => {
      const c = loadTuneConfig(CONFIG);
      return { ...c, search: { ...c.search, trials, parallelism } };
    },
    parallelism: () => parallelism,
    show: /(?!)/,
    read: (s) => s.wallSeconds,
  });
  process.stdout.write(`${JSON.stringify({ ms: seconds * 1000 })}\n`);
}

// ---------------------------------------------------------------- parent

const TSX = [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')];

function runChild(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...TSX, __filename, '--child', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`child ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

function runTorch(dataFile: string, reps: number, epochs: number): { runs: Run[]; torch: string } {
  const r = spawnSync(PYTHON, [TORCH_SCRIPT, dataFile, String(reps), String(epochs)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`PyTorch run failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { runs: Run[]; torch: string };
}

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Starts `parts` trial children, releases them together, and returns the wall time until the last ends. */
async function rawTrials(trialsFile: string, parts: number): Promise<number> {
  const children = Array.from({ length: parts }, (_, part) =>
    spawn(process.execPath, [...TSX, __filename, '--child', 'trials', trialsFile, String(part), String(parts)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const outputs = children.map((c) => {
    let text = '';
    const ready = new Promise<void>((resolve) => {
      c.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('ready\n')) resolve();
      });
    });
    const done = new Promise<{ started: number; ended: number }>((resolve, reject) =>
      c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text.trim().split('\n').pop()!) as { started: number; ended: number }) : reject(new Error(`trial child exited ${code}`)))),
    );
    return { ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const c of children) c.stdin.end('go\n');
  const results = await Promise.all(outputs.map((o) => o.done));
  return Math.max(...results.map((r) => r.ended)) - Math.min(...results.map((r) => r.started));
}

function sweepTrials(trials: number): { params: Params[]; seed: number } {
  const config = loadTuneConfig(CONFIG);
  const study = createStudy({ space: config.space, algorithm: config.search.algorithm as AlgorithmName, direction: config.objective.direction, seed: config.search.seed, options: config.search.options });
  return { params: Array.from({ length: trials }, () => study.ask().params), seed: trainingSeed(config) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv.slice(1));
  let rounds = 5;
  let epochs = 15;
  let parallel = false;
  let trials = 10;
  let out: string | undefined;
  parseOptions(argv, usage, (flag, value) => {
    if (flag === '--rounds') rounds = positiveInt(flag, value(), usage);
    else if (flag === '--epochs') epochs = positiveInt(flag, value(), usage);
    else if (flag === '--trials') trials = positiveInt(flag, value(), usage);
    else if (flag === '--parallel') parallel = true;
    else if (flag === '--out') out = value();
    else return false;
    return true;
  });
  const env = benchEnvironment('throughput');
  const loadBefore = loadavg()[0]!;
  const scratch = mkdtempSync(join(tmpdir(), 'nx-hpo-throughput-'));
  try {
    const { ds } = dataset();
    const dataFile = join(scratch, 'rows.json');
    writeFileSync(
      dataFile,
      JSON.stringify({ features: ds.numFeatures, classes: ds.numClasses, xTrain: Array.from(ds.xTrain), yTrain: Array.from(ds.yTrain), xVal: Array.from(ds.xVal), yVal: Array.from(ds.yVal) }),
    );
    const variants: Variant[] = parallel ? [] : ['trainer', 'trainer-tfjs', 'fit', ...(torchAvailable() ? (['torch'] as const) : [])];
    if (!parallel && !variants.includes('torch')) process.stderr.write('PyTorch not installed (apt-get install -y python3-torch): its row is left out\n');
    if (!parallel) process.stderr.write(`${ds.nTrain} training rows, ${ds.nVal} validation rows, ${epochs} epochs, ${rounds} rounds\n`);
    const cold: Record<string, number[]> = {};
    const warm: Record<string, number[]> = {};
    const warmCpu: Record<string, number[]> = {};
    const acc: Record<string, number[]> = {};
    let torchVersion: string | undefined;
    for (let r = 0; r < rounds; r++) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
      for (const v of order) {
        let runs: Run[];
        if (v === 'torch') {
          const t = runTorch(dataFile, 2, epochs);
          torchVersion = t.torch;
          runs = t.runs;
        } else {
          runs = runChild(['single', v, '2', String(epochs)])['runs'] as Run[];
        }
        (cold[v] ??= []).push(runs[0]!.ms);
        (warm[v] ??= []).push(runs[1]!.ms);
        (warmCpu[v] ??= []).push(runs[1]!.cpuMs);
        (acc[v] ??= []).push(runs[1]!.val_accuracy);
        process.stderr.write(`  round ${r + 1} ${v}: cold ${runs[0]!.ms.toFixed(0)} ms, warm ${runs[1]!.ms.toFixed(0)} ms (CPU ${runs[1]!.cpuMs.toFixed(0)} ms)\n`);
      }
    }
    const med = (m: Record<string, number[]>, v: Variant) => median(m[v]!);
    const torchWarm = variants.includes('torch') ? med(warm, 'torch') : undefined;
    const torchCold = variants.includes('torch') ? med(cold, 'torch') : undefined;
    const torchCpu = variants.includes('torch') ? med(warmCpu, 'torch') : undefined;
    const rows = variants.map((v) => [
      LABELS[v],
      fmt(med(cold, v), 0),
      fmt(med(warm, v), 0),
      fmt(med(warmCpu, v), 0),
      torchWarm ? `${fmt(torchWarm / med(warm, v), 2)}x` : '–',
      torchCpu ? `${fmt(torchCpu / med(warmCpu, v), 2)}x` : '–',
      torchCold ? `${fmt(torchCold / med(cold, v), 2)}x` : '–',
      fmt(med(acc, v), 4),
    ]);
    const lines = parallel ? [] : [
      `One trial, digits MLP, ${epochs} epochs, ${ds.nTrain} rows; medians of ${rounds} alternating rounds (fresh process each):`,
      '',
      table(['trainer', 'cold ms', 'warm ms', 'warm CPU ms', 'speed vs PyTorch (warm)', 'by CPU time (warm)', 'speed vs PyTorch (cold)', 'val_accuracy'], rows),
    ];
    const result: Record<string, unknown> = parallel
      ? { rounds }
      : {
          epochs,
          rounds,
          rows: { train: ds.nTrain, val: ds.nVal },
          torch: torchVersion,
          medians: Object.fromEntries(variants.map((v) => [v, { coldMs: med(cold, v), warmMs: med(warm, v), warmCpuMs: med(warmCpu, v), valAccuracy: med(acc, v) }])),
          samples: { cold, warm, warmCpu, valAccuracy: acc },
        };
    if (parallel) {
      const work = sweepTrials(trials);
      const trialsFile = join(scratch, 'trials.json');
      writeFileSync(trialsFile, JSON.stringify(work));
      const raw1: number[] = [];
      const raw2: number[] = [];
      const sweep1: number[] = [];
      const sweep2: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const steps: Array<() => Promise<void>> = [
          async () => void raw1.push(await rawTrials(trialsFile, 1)),
          async () => void raw2.push(await rawTrials(trialsFile, 2)),
          async () => void sweep1.push(runChild(['sweep', String(trials), '1'])['ms'] as number),
          async () => void sweep2.push(runChild(['sweep', String(trials), '2'])['ms'] as number),
        ];
        for (let i = 0; i < steps.length; i++) await steps[(i + r) % steps.length]!();
        process.stderr.write(`  round ${r + 1}: raw ${raw1[r]!.toFixed(0)} / ${raw2[r]!.toFixed(0)} ms, sweep ${sweep1[r]!.toFixed(0)} / ${sweep2[r]!.toFixed(0)} ms\n`);
      }
      const rawSpeedup = median(raw1) / median(raw2);
      const sweepSpeedup = median(sweep1) / median(sweep2);
      lines.push(
        `Parallel efficiency: the example sweep's first ${trials} trials (random, seed 42), medians of ${rounds} alternating rounds:`,
        '',
        table(
          ['', '1 at a time (ms)', '2 at a time (ms)', 'speedup'],
          [
            ['two independent processes (trainer, no sweep)', fmt(median(raw1), 0), fmt(median(raw2), 0), `${fmt(rawSpeedup, 2)}x`],
            ['sweep (runSweep, fresh store), parallelism 1 → 2', fmt(median(sweep1), 0), fmt(median(sweep2), 0), `${fmt(sweepSpeedup, 2)}x`],
          ],
        ),
        '',
        `Parallel efficiency (sweep speedup / raw speedup): ${fmt((100 * sweepSpeedup) / rawSpeedup, 0)}%`,
      );
      result['parallel'] = { trials, raw1, raw2, sweep1, sweep2, rawSpeedup, sweepSpeedup, efficiency: sweepSpeedup / rawSpeedup };
    }
    const loadAfter = loadavg()[0]!;
    lines.push('', `Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`, totalLine(env));
    process.stdout.write(`${lines.join('\n')}\n`);
    writeBenchJson(out ?? join('bench-results', parallel ? 'throughput-parallel.json' : 'throughput.json'), env, { ...result, loadavg: { before: loadBefore, after: loadAfter } });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function child(args: string[]): Promise<void> {
  const [what, ...rest] = args;
  if (what === 'single') return childSingle(rest[0] as Exclude<Variant, 'torch'>, Number(rest[1]), Number(rest[2]));
  if (what === 'trials') return childTrials(rest[0]!, Number(rest[1]), Number(rest[2]));
  if (what === 'sweep') return childSweep(Number(rest[0]), Number(rest[1]));
  throw new Error(`unknown child ${what}`);
}

runMain(main);
