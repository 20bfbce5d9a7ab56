/**
 * `npm run bench:data` — data at scale: parse speed, time to first training, peak memory of a sweep
 * and the cost of a fully reused re-run, on generated numeric CSVs (N rows × F features + a class
 * label), written once to bench-results/data/ (git-ignored) and reused while their parameters hold.
 *
 * Per size it measures, side by side:
 *   - parse: `loadRawData` on the file (median of --repeats), in MB/s of CSV;
 *   - a fresh sweep (`nx run bench:tune`, empty trial store and prepared-data cache) under
 *     /usr/bin/time -v: wall time, the time from the sweep's first line to its data being ready and
 *     to its first trial finishing (1 epoch), and the task process's peak resident memory;
 *   - a re-run whose trials are all reused (`--skip-nx-cache`, so the plugin and not Nx answers),
 *     against `nx show project bench --json` on the same workspace (medians of --repeats).
 *
 * Usage: npm run bench:data -- [--rows 200000,1000000] [--baseline-rows 2000] [--general-max-rows 200000] [--features 50] [--trials 4]
 *        [--baseline-rows 2000] [--parallelism 2] [--repeats 3] [--skip-sweep] [--out bench-results/data.json]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@nx-hpo/optimizers';
import { loadRawCsvGeneral, loadRawData } from '../packages/hpo-plugin/src/data/dataset';
import type { DataConfig } from '../packages/hpo-plugin/src/config/types';
import { benchEnvironment, fmt, median, parseOptions, positiveInt, ROOT, table, totalLine, usageExit, writeBenchJson } from './bench-common';

const usage = usageExit(
  'npm run bench:data -- [--rows 200000,1000000] [--baseline-rows 2000] [--general-max-rows 200000] [--features 50] [--trials 4] [--parallelism 2] [--repeats 3] [--skip-sweep] [--out bench-results/data.json]',
);

interface Options {
  /** The general reader holds a string per field: measured only up to this many rows. */
  generalMaxRows: number;
  /** A small sweep's peak memory: the fixed baseline (Nx, TensorFlow.js, threads) the others are measured above. */
  baselineRows: number;
  rows: number[];
  features: number;
  trials: number;
  parallelism: number;
  repeats: number;
  sweep: boolean;
  out: string;
}

function options(argv: string[]): Options {
  const o: Options = { generalMaxRows: 200_000, baselineRows: 2000, rows: [200_000, 1_000_000], features: 50, trials: 4, parallelism: 2, repeats: 3, sweep: true, out: 'bench-results/data.json' };
  parseOptions(argv, usage, (flag, value) => {
    if (flag === '--general-max-rows') o.generalMaxRows = positiveInt(flag, value(), usage);
    else if (flag === '--baseline-rows') o.baselineRows = positiveInt(flag, value(), usage);
    else if (flag === '--rows') o.rows = value().split(',').map((r) => positiveInt('--rows', r.trim(), usage));
    else if (flag === '--features') o.features = positiveInt(flag, value(), usage);
    else if (flag === '--trials') o.trials = positiveInt(flag, value(), usage);
    else if (flag === '--parallelism') o.parallelism = positiveInt(flag, value(), usage);
    else if (flag === '--repeats') o.repeats = positiveInt(flag, value(), usage);
    else if (flag === '--skip-sweep') o.sweep = false;
    else if (flag === '--out') o.out = value();
    else return false;
    return true;
  });
  return o;
}

const DATA_DIR = join(ROOT, 'bench-results', 'data');

/**
 * A seeded CSV: features uniform in [-10, 10) with 6 decimals, a header row, and a label of 3
 * classes from a fixed linear rule of the first features (so there is something to learn).
 */
async function generateCsv(file: string, rows: number, features: number): Promise<void> {
  const rng = new Rng(1234);
  const out = createWriteStream(file);
  const header = [...Array.from({ length: features }, (_, j) => `f${j}`), 'label'].join(',') + '\n';
  out.write(header);
  const chunk: string[] = [];
  for (let r = 0; r < rows; r++) {
    const fields: string[] = [];
    let s = 0;
    for (let j = 0; j < features; j++) {
      const v = rng.next() * 20 - 10;
      if (j < 5) s += v * (j % 2 ? -1 : 1);
      fields.push(v.toFixed(6));
    }
    fields.push(String(s < -3 ? 0 : s < 3 ? 1 : 2));
    chunk.push(fields.join(','));
    if (chunk.length === 5000) {
      if (!out.write(chunk.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk.length = 0;
    }
  }
  if (chunk.length) out.write(chunk.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** The workspace of one size: package.json, nx.json, the project, its CSV and tune.yaml. */
async function workspace(rows: number, o: Options): Promise<{ root: string; csv: string; bytes: number }> {
  const root = join(DATA_DIR, `ws-${rows}x${o.features}`);
  const project = join(root, 'bench');
  const csv = join(project, 'data.csv');
  const stamp = join(project, 'data.params.json');
  const params = JSON.stringify({ rows, features: o.features, v: 1 });
  mkdirSync(project, { recursive: true });
  if (!existsSync(csv) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== params) {
    process.stderr.write(`generating ${rows} × ${o.features} CSV…\n`);
    await generateCsv(csv, rows, o.features);
    writeFileSync(stamp, params);
  }
  const nm = join(root, 'node_modules');
  if (!existsSync(nm)) symlinkSync(join(ROOT, 'node_modules'), nm, 'dir');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'bench-data', private: true }, null, 2));
  writeFileSync(join(root, 'nx.json'), JSON.stringify({ plugins: ['@nx-hpo/plugin'] }, null, 2));
  writeFileSync(join(project, 'project.json'), JSON.stringify({ name: 'bench', root: 'bench' }, null, 2));
  writeFileSync(
    join(project, 'tune.yaml'),
    [
      'data:',
      '  path: data.csv',
      '  header: true',
      '  label: label',
      '  validation: { split: 0.2, seed: 0 }',
      '  scale: standard',
      'model:',
      '  layers:',
      '    - dense: { units: 16, activation: relu }',
      '    - dense: { units: 3, activation: softmax }',
      'training:',
      '  epochs: 1',
      '  batchSize: 512',
      '  optimizer: { name: adam, learningRate: ${lr} }',
      'space:',
      '  lr: { type: float, low: 1.0e-4, high: 1.0e-1, log: true }',
      'objective: { metric: val_accuracy, direction: maximize }',
      'search:',
      '  algorithm: random',
      `  trials: ${o.trials}`,
      `  parallelism: ${o.parallelism}`,
      '  seed: 1',
      '',
    ].join('\n'),
  );
  return { root, csv, bytes: statSync(csv).size };
}

function nxEnv(root: string): NodeJS.ProcessEnv {
  return { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0', NX_CACHE_DIRECTORY: join(root, '.nx', 'cache') };
}

interface TimedRun {
  seconds: number;
  maxRssMb: number;
  cpuSeconds: number;
  /** Seconds after the process started at which a line matching each pattern appeared. */
  marks: Record<string, number | undefined>;
  output: string;
}

/** Runs nx under /usr/bin/time -v, timestamping stdout lines as they arrive. */
function timedNx(root: string, args: string[], patterns: Record<string, RegExp>): Promise<TimedRun> {
  const nx = join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-v', process.execPath, nx, ...args], { cwd: root, env: nxEnv(root) });
    const marks: Record<string, number | undefined> = {};
    let output = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      const t = (performance.now() - started) / 1000;
      output += c.toString();
      for (const [name, re] of Object.entries(patterns)) if (marks[name] === undefined && re.test(output)) marks[name] = t;
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`nx ${args.join(' ')} exited ${code}:\n${output}\n${stderr}`));
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const cpu = ['User', 'System'].map((w) => Number(new RegExp(`${w} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1] ?? NaN));
      resolve({ seconds, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN, cpuSeconds: cpu[0]! + cpu[1]!, marks, output: output + stderr });
    });
  });
}

interface SizeResult {
  rows: number;
  features: number;
  csvMb: number;
  float32Mb: number;
  parseSeconds: number;
  parseMbPerSecond: number;
  /** user + system CPU time: what the parser costs, whatever else the machine is doing. */
  parseCpuSeconds: number;
  parseMbPerCpuSecond: number;
  generalCpuSeconds?: number;
  generalMbPerCpuSecond?: number;
  fresh?: { seconds: number; cpuSeconds: number; maxRssMb: number; dataReadySeconds?: number; firstTrialSeconds?: number; sweepStartSeconds?: number };
  reusedSeconds?: number[];
  reusedCpuSeconds?: number[];
  showProjectSeconds?: number[];
  showProjectCpuSeconds?: number[];
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const env = benchEnvironment('data');
  const results: SizeResult[] = [];
  const sizes = o.sweep ? [o.baselineRows, ...o.rows.filter((r) => r !== o.baselineRows)] : o.rows;
  for (const rows of sizes) {
    const { root, csv, bytes } = await workspace(rows, o);
    const csvMb = bytes / 1e6;
    const cfg: DataConfig = { path: csv, header: true, label: 'label', task: 'classification', validation: { split: 0.2, stratify: true, seed: 0 }, scale: 'standard' };
    const parseTimes: number[] = [];
    const parseCpu: number[] = [];
    for (let i = 0; i < o.repeats; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const raw = loadRawData(cfg);
      const c = process.cpuUsage(c0);
      parseTimes.push((performance.now() - t0) / 1000);
      parseCpu.push((c.user + c.system) / 1e6);
      if (raw.n !== rows) throw new Error(`parsed ${raw.n} rows, expected ${rows}`);
    }
    // The general reader (a string per field) side by side, on sizes it can hold in memory.
    const generalCpu: number[] = [];
    for (let i = 0; rows <= o.generalMaxRows && i < o.repeats; i++) {
      const c0 = process.cpuUsage();
      const raw = loadRawCsvGeneral(cfg);
      const c = process.cpuUsage(c0);
      generalCpu.push((c.user + c.system) / 1e6);
      if (raw.n !== rows) throw new Error(`parsed ${raw.n} rows, expected ${rows}`);
    }
    const parseSeconds = median(parseTimes);
    const parseCpuSeconds = median(parseCpu);
    const result: SizeResult = {
      rows,
      features: o.features,
      csvMb,
      float32Mb: (rows * (o.features + 1) * 4) / 1e6,
      parseSeconds,
      parseMbPerSecond: csvMb / parseSeconds,
      parseCpuSeconds,
      parseMbPerCpuSecond: csvMb / parseCpuSeconds,
      ...(generalCpu.length ? { generalCpuSeconds: median(generalCpu), generalMbPerCpuSecond: csvMb / median(generalCpu) } : {}),
    };
    process.stderr.write(
      `${rows} rows: ${csvMb.toFixed(1)} MB parsed in ${parseSeconds.toFixed(2)} s (${result.parseMbPerSecond.toFixed(1)} MB/s; ` +
        `${parseCpuSeconds.toFixed(2)} CPU s, ${result.parseMbPerCpuSecond.toFixed(1)} MB per CPU second` +
        (result.generalMbPerCpuSecond ? `; general reader ${result.generalMbPerCpuSecond.toFixed(1)} MB per CPU second` : '') +
        ')\n',
    );
    if (o.sweep) {
      rmSync(join(root, '.nx-hpo'), { recursive: true, force: true });
      rmSync(join(root, 'dist'), { recursive: true, force: true });
      const fresh = await timedNx(root, ['run', 'bench:tune', '--skip-nx-cache'], {
        sweepStart: /tuning \d+ parameters/,
        dataReady: /^data: .*ready/m,
        firstTrial: /trial +1\/\d+/,
      });
      const start = fresh.marks['sweepStart'];
      const since = (t: number | undefined) => (t === undefined || start === undefined ? undefined : t - start);
      result.fresh = {
        seconds: fresh.seconds,
        cpuSeconds: fresh.cpuSeconds,
        maxRssMb: fresh.maxRssMb,
        sweepStartSeconds: start,
        dataReadySeconds: since(fresh.marks['dataReady']),
        firstTrialSeconds: since(fresh.marks['firstTrial']),
      };
      process.stderr.write(`  fresh sweep ${fresh.seconds.toFixed(1)} s, peak RSS ${fresh.maxRssMb.toFixed(0)} MB, data ready +${fmt(result.fresh.dataReadySeconds, 2)} s, first trial +${fmt(result.fresh.firstTrialSeconds, 2)} s\n`);
      result.reusedSeconds = [];
      result.reusedCpuSeconds = [];
      result.showProjectSeconds = [];
      result.showProjectCpuSeconds = [];
      for (let i = 0; i < o.repeats; i++) {
        // Side by side: a reused run, then `nx show project`, so both see the same machine load.
        const reused = await timedNx(root, ['run', 'bench:tune', '--skip-nx-cache'], {});
        if (!/ 0 trained, \d+ reused/.test(reused.output)) throw new Error(`the re-run trained trials:\n${reused.output}`);
        result.reusedSeconds.push(reused.seconds);
        result.reusedCpuSeconds.push(reused.cpuSeconds);
        const show = await timedNx(root, ['show', 'project', 'bench', '--json'], {});
        result.showProjectSeconds.push(show.seconds);
        result.showProjectCpuSeconds.push(show.cpuSeconds);
      }
      process.stderr.write(`  reused re-run ${median(result.reusedSeconds).toFixed(2)} s vs nx show project ${median(result.showProjectSeconds).toFixed(2)} s\n`);
    }
    results.push(result);
  }

  console.log(`\n## Data at scale (${o.features} features + label, ${o.trials} trials of 1 epoch, parallelism ${o.parallelism})\n`);
  console.log(
    table(
      ['rows', 'CSV MB', 'float32 MB', 'parse s', 'parse MB/s', 'parse MB/CPU s', 'general reader MB/CPU s', 'fresh sweep s', 'data ready s', 'first trial s', 'peak RSS MB', '(RSS − baseline) / float32', 'reused re-run s', 'nx show project s', 'ratio', 'reused CPU s', 'show project CPU s', 'CPU ratio'],
      results.map((r) => {
        const baseline = results.find((b) => b.rows === o.baselineRows)?.fresh?.maxRssMb;
        const reused = r.reusedSeconds?.length ? median(r.reusedSeconds) : undefined;
        const show = r.showProjectSeconds?.length ? median(r.showProjectSeconds) : undefined;
        const reusedCpu = r.reusedCpuSeconds?.length ? median(r.reusedCpuSeconds) : undefined;
        const showCpu = r.showProjectCpuSeconds?.length ? median(r.showProjectCpuSeconds) : undefined;
        return [
          String(r.rows),
          fmt(r.csvMb, 1),
          fmt(r.float32Mb, 1),
          fmt(r.parseSeconds, 2),
          fmt(r.parseMbPerSecond, 1),
          fmt(r.parseMbPerCpuSecond, 1),
          fmt(r.generalMbPerCpuSecond, 1),
          fmt(r.fresh?.seconds, 1),
          fmt(r.fresh?.dataReadySeconds, 2),
          fmt(r.fresh?.firstTrialSeconds, 2),
          fmt(r.fresh?.maxRssMb, 0),
          fmt(r.fresh && baseline !== undefined && r.rows !== o.baselineRows ? (r.fresh.maxRssMb - baseline) / r.float32Mb : undefined, 2),
          fmt(reused, 2),
          fmt(show, 2),
          fmt(reused !== undefined && show !== undefined ? reused / show : undefined, 2),
          fmt(reusedCpu, 2),
          fmt(showCpu, 2),
          fmt(reusedCpu !== undefined && showCpu !== undefined ? reusedCpu / showCpu : undefined, 2),
        ];
      }),
    ),
  );
  console.log(
    '\nparse: loadRawData in-process (median; MB/CPU s: per second of user + system time, which a loaded machine disturbs less than wall time); fresh sweep: `nx run bench:tune --skip-nx-cache` on an empty store under /usr/bin/time -v; ' +
      `data ready / first trial: seconds after the sweep's first line; baseline: the peak RSS of the same sweep on ${o.baselineRows} rows; ` +
      'reused re-run vs `nx show project bench --json`: medians, run alternately.',
  );
  console.log(totalLine(env));
  writeBenchJson(o.out, env, { options: o, results });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
