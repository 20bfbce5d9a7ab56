/**
 * End to end: the bundled sweep as a user runs it — the whole `npx nx run digits-mlp:tune`
 * command on a fresh trial store and a fresh Nx cache — against Optuna TPE + PyTorch on the same
 * space, split and budget (`../shared/reference/optuna_torch_digits.py SEED tpe 2 20`, the whole
 * `python3` command), alternating per seed; medians over seeds. Also runs the sweep with
 * `--algorithm=tpe`, Optuna's algorithm, and reports start-up: from spawning `nx` to its
 * "tuning …" line (Nx, the plugin, the config), and to the end of the first trial's first epoch
 * (the first progress line, less that trial's training after epoch 1 as its stored history gives).
 *
 *   npm run bench:e2e -- [--seeds 0-2] [--out FILE]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchEnvironment, fmt, median, parseOptions, parseSeeds, ROOT, runMain, storedHistory, table, timed, totalLine, usageExit, writeBenchJson } from './bench-common';

/** shared/ sits beside the repository (CI), or beside the worktrees folder. */
const OPTUNA = [resolve(ROOT, '..', 'shared'), resolve(ROOT, '..', '..', 'shared')].map((d) => join(d, 'reference', 'optuna_torch_digits.py')).find(existsSync) ?? resolve(ROOT, '..', 'shared', 'reference', 'optuna_torch_digits.py');
const PYTHON = '/usr/bin/python3';
const usage = usageExit('npm run bench:e2e -- [--seeds 0-2] [--out FILE]');

interface NxRun {
  wallMs: number;
  /** From spawn to the "tuning …" line. */
  headerMs: number;
  /** From spawn to the end of the first finished trial's first epoch (see the file comment). */
  firstEpochMs: number | undefined;
  best: number;
}

interface OptunaRun {
  wallMs: number;
  best: number;
}

async function nxSweep(seed: number, algorithm: string | undefined): Promise<NxRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'nx-hpo-bench-e2e-'));
  try {
    const store = join(scratch, 'store');
    const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_CACHE_DIRECTORY: join(scratch, 'nx-cache'), NX_HPO_STORE: store };
    const out = `tmp/bench-e2e-${process.pid}`;
    const args = ['nx', 'run', 'digits-mlp:tune', `--seed=${seed}`, `--outputPath=${out}`, '--skip-nx-cache', ...(algorithm ? [`--algorithm=${algorithm}`] : [])];
    const { wallMs, lines } = await timed('npx', args, env);
    const header = lines.find((l) => /\btuning \d+ parameters/.test(l.text));
    const firstTrial = lines.find((l) => /\btrial +1\/\d+/.test(l.text));
    const bestLine = lines.find((l) => /^\s*best: trial/.test(l.text));
    const best = Number(/=([0-9.]+)/.exec(bestLine?.text ?? '')?.[1]);
    const outDir = join(ROOT, out);
    let firstEpochMs: number | undefined;
    try {
      const first = JSON.parse(readFileSync(join(outDir, 'trials.jsonl'), 'utf8').split('\n')[0]!) as { key: string };
      const history = storedHistory(store, first.key);
      if (firstTrial && history) firstEpochMs = firstTrial.ms - (history.durationMs - history.firstEpochMs);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    return { wallMs, headerMs: header?.ms ?? NaN, firstEpochMs, best };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function optuna(seed: number): Promise<OptunaRun> {
  const { wallMs, lines } = await timed(PYTHON, [OPTUNA, String(seed), 'tpe', '2', '20'], process.env);
  const best = Number(/best val_acc ([0-9.]+)/.exec(lines.map((l) => l.text).join('\n'))?.[1]);
  return { wallMs, best };
}

async function main(): Promise<void> {
  let seeds = [0, 1, 2];
  let out = join('bench-results', 'e2e.json');
  parseOptions(process.argv.slice(2), usage, (flag, value) => {
    if (flag === '--seeds') seeds = parseSeeds(value(), usage);
    else if (flag === '--out') out = value();
    else return false;
    return true;
  });
  const env = benchEnvironment('e2e');
  const withOptuna = existsSync(OPTUNA) && (await timed(PYTHON, ['-c', 'import optuna, torch, sklearn'], process.env).then(() => true, () => false));
  if (!withOptuna) process.stderr.write(`Optuna reference not runnable (${OPTUNA}; apt-get install -y python3-torch python3-optuna python3-sklearn): its row is left out\n`);
  const loadBefore = loadavg()[0]!;
  const runs: Record<string, Array<NxRun | OptunaRun>> = { random: [], tpe: [], optuna: [] };
  for (const [i, seed] of seeds.entries()) {
    const steps: Array<[string, () => Promise<NxRun | OptunaRun>]> = [
      ['random', () => nxSweep(seed, undefined)],
      ['tpe', () => nxSweep(seed, 'tpe')],
      ...(withOptuna ? ([['optuna', () => optuna(seed)]] as Array<[string, () => Promise<OptunaRun>]>) : []),
    ];
    for (let k = 0; k < steps.length; k++) {
      const [name, run] = steps[(k + i) % steps.length]!;
      const r = await run();
      runs[name]!.push(r);
      process.stderr.write(`  seed ${seed} ${name}: ${(r.wallMs / 1000).toFixed(1)} s, best ${r.best}\n`);
    }
  }
  const med = (name: string, f: (r: NxRun & OptunaRun) => number | undefined) => {
    const xs = runs[name]!.map((r) => f(r as NxRun & OptunaRun)).filter((x): x is number => x !== undefined && !Number.isNaN(x));
    return xs.length ? median(xs) : NaN;
  };
  const optunaWall = withOptuna ? med('optuna', (r) => r.wallMs) : NaN;
  const row = (label: string, name: string, nx: boolean) => [
    label,
    fmt(med(name, (r) => r.wallMs) / 1000, 1),
    withOptuna ? `${fmt(med(name, (r) => r.wallMs) / optunaWall, 2)}x` : '–',
    fmt(med(name, (r) => r.best), 4),
    nx ? fmt(med(name, (r) => r.headerMs) / 1000, 1) : '–',
    nx ? fmt(med(name, (r) => r.firstEpochMs) / 1000, 1) : '–',
  ];
  const rows = [
    row('`npx nx run digits-mlp:tune` (random, as bundled)', 'random', true),
    row('`npx nx run digits-mlp:tune --algorithm=tpe`', 'tpe', true),
    ...(withOptuna ? [row('Optuna TPE + PyTorch, n_jobs=2 (`optuna_torch_digits.py SEED tpe 2 20`)', 'optuna', false)] : []),
  ];
  const loadAfter = loadavg()[0]!;
  const lines = [
    `Bundled sweep end to end (20 trials, parallelism 2, fresh store), medians over seeds ${seeds.join(', ')}, alternating:`,
    '',
    table(['command', 'wall s', 'vs Optuna', 'best val_accuracy', 'to "tuning" line s', 'to first epoch s'], rows),
    '',
    `Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`,
    totalLine(env),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeBenchJson(out, env, { seeds, runs, loadavg: { before: loadBefore, after: loadAfter } });
}

runMain(main);
