/**
 * Shared studies: does a study spread over N processes (parallelism 1 each, through PostgreSQL)
 * find minima as well as one process running N trials at a time? Both go through the storage
 * layer (sweep/shared.ts on storage/postgres.ts) against a PostgreSQL 15 server this script starts
 * in a temporary folder; a 1 × 1 run is the sequential reference. No training: each trial is one of
 * the optimizer benchmark functions (packages/optimizers/bench/functions.ts), "evaluated" for a
 * seeded random time (--eval-ms × 0.5…1.5) so that trials finish out of order, as real ones do.
 *
 *   npm run bench:shared -- [--functions branin,hartmann6] [--algorithms tpe] [--processes 3]
 *                           [--trials 30] [--seeds 0-4] [--eval-ms 20] [--out bench-results/shared.json]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createStudy, Rng, type AlgorithmName } from '@nx-hpo/optimizers';
import { BENCHMARK_FUNCTIONS, benchmarkFunction, type BenchmarkFunction } from '../packages/optimizers/bench/functions';
import { PostgresStudyStorage } from '../packages/hpo-plugin/src/storage/postgres';
import { parseStorageUrl } from '../packages/hpo-plugin/src/storage/url';
import { SharedStudy } from '../packages/hpo-plugin/src/sweep/shared';
import { startPostgres } from '../e2e/postgres-server';
import { benchEnvironment, fmt, median, parseOptions, parseSeeds, positiveInt, table, totalLine, usageExit, writeBenchJson } from './bench-common';

interface RunSpec {
  url: string;
  study: string;
  fn: string;
  algorithm: string;
  seed: number;
  trials: number;
  evalMs: number;
  /** Trials this process keeps in flight. */
  parallelism: number;
}

interface WorkerResult {
  trained: number[];
  claimMs: number[];
  /** Date.now() at this process's first claim and after its last one: the study's wall time without process start-up. */
  firstClaimAt: number;
  doneAt: number;
}

const SYNOPSIS = 'npm run bench:shared -- [--functions a,b] [--algorithms tpe,bayesian] [--processes N] [--trials T] [--seeds 0-4] [--eval-ms MS] [--out FILE]';

function studyFor(spec: RunSpec, fn: BenchmarkFunction) {
  return createStudy({ space: fn.space, algorithm: spec.algorithm as AlgorithmName, direction: 'minimize', seed: spec.seed });
}

async function openShared(spec: RunSpec, fn: BenchmarkFunction): Promise<SharedStudy> {
  const storage = await PostgresStudyStorage.open(parseStorageUrl(spec.url), { study: spec.study, meta: { bench: spec.fn }, leaseMs: 60_000 });
  return new SharedStudy(storage, studyFor(spec, fn), { total: spec.trials, onTold: () => {}, log: () => {}, heartbeatMs: 15_000 });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One process's part: `parallelism` loops of claim → evaluate → tell until the study is finished. */
async function work(spec: RunSpec): Promise<WorkerResult> {
  const fn = benchmarkFunction(spec.fn);
  const shared = await openShared(spec, fn);
  const result: WorkerResult = { trained: [], claimMs: [], firstClaimAt: Date.now(), doneAt: 0 };
  const loop = async () => {
    for (;;) {
      const t0 = performance.now();
      const t = await shared.claim();
      result.claimMs.push(performance.now() - t0);
      if (!t) {
        if (shared.finished) return;
        await sleep(spec.evalMs / 2); // others still evaluate: look again
        continue;
      }
      const value = fn.evaluate(t.params);
      const ms = spec.evalMs * (0.5 + Rng.derive(spec.seed, t.id, 0x5eed).next());
      await sleep(ms);
      await shared.tell(t.id, { state: 'complete', value }, { durationMs: ms, curve: [] });
      result.trained.push(t.id);
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.parallelism }, loop));
    result.doneAt = Date.now();
  } finally {
    await shared.storage.close();
  }
  return result;
}

/** Runs `work` in a child process (the N-processes mode). */
function workInChild(spec: RunSpec): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--worker', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench worker exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() as string) as WorkerResult);
    });
  });
}

interface ModeResult {
  best: number;
  wallMs: number;
  claimMsMedian: number;
  trainedPerProcess: number[];
}

async function runMode(base: Omit<RunSpec, 'study' | 'parallelism'>, mode: string, processes: number, parallelism: number): Promise<ModeResult> {
  const spec = { ...base, parallelism, study: `bench-${base.fn}-${base.algorithm}-${base.seed}-${mode}-${Date.now()}` };
  const fn = benchmarkFunction(spec.fn);
  const results = processes === 1 ? [await work(spec)] : await Promise.all(Array.from({ length: processes }, () => workInChild(spec)));
  const wallMs = Math.max(...results.map((r) => r.doneAt)) - Math.min(...results.map((r) => r.firstClaimAt));
  // Read the finished study back through the storage: the sample efficiency is its best value.
  const reader = await openShared(spec, fn);
  await reader.sync();
  await reader.storage.close();
  const told = reader.study.trials.filter((t) => t.state === 'complete').length;
  if (told !== spec.trials) throw new Error(`${mode}: ${told} complete trials, expected ${spec.trials}`);
  const ids = results.flatMap((r) => r.trained).sort((a, b) => a - b);
  if (ids.length !== spec.trials || ids.some((id, i) => id !== i)) throw new Error(`${mode}: trials evaluated ${JSON.stringify(ids)}, expected each of 0..${spec.trials - 1} once`);
  return {
    best: reader.study.best?.value ?? NaN,
    wallMs,
    claimMsMedian: median(results.flatMap((r) => r.claimMs)),
    trainedPerProcess: results.map((r) => r.trained.length),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') {
    const result = await work(JSON.parse(argv[1] as string) as RunSpec);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const usage = usageExit(SYNOPSIS);
  let functions = BENCHMARK_FUNCTIONS.map((f) => f.name);
  let algorithms = ['tpe'];
  let processes = 3;
  let trials = 30;
  let seeds = [0, 1, 2, 3, 4];
  let evalMs = 20;
  let out = 'bench-results/shared.json';
  parseOptions(argv, usage, (flag, value) => {
    if (flag === '--functions') functions = value().split(',');
    else if (flag === '--algorithms') algorithms = value().split(',');
    else if (flag === '--processes') processes = positiveInt(flag, value(), usage);
    else if (flag === '--trials') trials = positiveInt(flag, value(), usage);
    else if (flag === '--seeds') seeds = parseSeeds(value(), usage);
    else if (flag === '--eval-ms') evalMs = positiveInt(flag, value(), usage);
    else if (flag === '--out') out = value();
    else return false;
  });
  for (const f of functions) if (!BENCHMARK_FUNCTIONS.some((b) => b.name === f)) usage(`unknown function '${f}' (${BENCHMARK_FUNCTIONS.map((b) => b.name).join(', ')})`);
  const env = benchEnvironment('shared-study');
  const server = await startPostgres();
  const rows: Array<Record<string, unknown>> = [];
  try {
    server.sql(`CREATE ROLE bench LOGIN PASSWORD 'bench'; CREATE DATABASE bench OWNER bench;`);
    const url = server.url('bench', 'bench', 'bench');
    const modes = [
      { mode: '1x1', processes: 1, parallelism: 1 },
      { mode: `1x${processes}`, processes: 1, parallelism: processes },
      { mode: `${processes}x1`, processes, parallelism: 1 },
    ];
    for (const fn of functions) {
      for (const algorithm of algorithms) {
        for (const seed of seeds) {
          for (const m of modes) {
            const r = await runMode({ url, fn, algorithm, seed, trials, evalMs }, m.mode, m.processes, m.parallelism);
            rows.push({ function: fn, algorithm, seed, mode: m.mode, ...r });
            process.stderr.write(`${fn} ${algorithm} seed ${seed} ${m.mode}: best ${fmt(r.best)} in ${(r.wallMs / 1000).toFixed(1)} s, claim ${r.claimMsMedian.toFixed(1)} ms, per process ${r.trainedPerProcess.join('/')}\n`);
          }
        }
      }
    }
  } finally {
    server.stop();
  }
  const modeNames = ['1x1', `1x${processes}`, `${processes}x1`];
  const pick = (fn: string, alg: string, mode: string, key: keyof ModeResult) =>
    median(rows.filter((r) => r.function === fn && r.algorithm === alg && r.mode === mode).map((r) => r[key] as number));
  /** Seeds where N processes × 1 found a strictly better minimum than 1 process × N (a sign test of "same efficiency"). */
  const wins = (fn: string, alg: string) => {
    const of = (mode: string) => rows.filter((r) => r.function === fn && r.algorithm === alg && r.mode === mode);
    const one = of(`1x${processes}`);
    const many = of(`${processes}x1`);
    const better = many.filter((r) => (r.best as number) < (one.find((o) => o.seed === r.seed)?.best as number)).length;
    const worse = many.filter((r) => (r.best as number) > (one.find((o) => o.seed === r.seed)?.best as number)).length;
    return `${better}/${worse}`;
  };
  const tableRows = functions.flatMap((fn) =>
    algorithms.map((alg) => [
      fn,
      alg,
      ...modeNames.map((m) => fmt(pick(fn, alg, m, 'best'))),
      wins(fn, alg),
      ...modeNames.map((m) => (pick(fn, alg, m, 'wallMs') / 1000).toFixed(1)),
      ...modeNames.map((m) => pick(fn, alg, m, 'claimMsMedian').toFixed(1)),
    ]),
  );
  const header = [
    'function',
    'algorithm',
    ...modeNames.map((m) => `best ${m}`),
    `${processes}x1 better/worse than 1x${processes} (seeds)`,
    ...modeNames.map((m) => `wall s ${m}`),
    ...modeNames.map((m) => `claim ms ${m}`),
  ];
  console.log(`Median over seeds ${seeds.join(',')} of ${trials} trials (lower best is better); processes × parallelism; eval ${evalMs} ms × U(0.5, 1.5)\n`);
  console.log(table(header, tableRows));
  console.log('\n' + totalLine(env));
  writeBenchJson(out, env, { functions, algorithms, processes, trials, seeds, evalMs, rows });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
