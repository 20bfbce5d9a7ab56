/**
 * Start-up (issue 10, goal 3): where the time goes between typing `npx nx run digits-mlp:tune` and
 * the end of the first trial's first epoch, on a fresh trial store and a fresh Nx cache. Each round
 * runs, per checkout:
 *   - `npx nx --version`: npx and the Nx CLI loading (no project graph);
 *   - `npx nx show projects`: the same plus the project graph (Nx's plugin workers, ours included);
 *   - `npx nx run digits-mlp:tune --trials=N --skip-nx-cache` (fresh store, output in tmp/), read
 *     from its timestamped lines: Nx's `> nx run` line (graph built, task hashed), the executor's
 *     "tuning …" line (executor process forked and loaded, config validated, store opened), its
 *     "data: …" line, and the end of the first trial's first epoch (the first progress line, less
 *     that trial's training after epoch 1 as its stored history gives);
 * and the whole run's CPU time (user + system, every process it waited for) from /usr/bin/time.
 * With --baseline DIR (another checkout with its own `npm ci` and build, e.g. a `git worktree` of
 * an older commit) the two checkouts alternate within each round: a side-by-side comparison.
 *
 *   npm run bench:startup -- [--rounds 5] [--trials 2] [--baseline DIR] [--out FILE]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { benchEnvironment, fmt, median, parseOptions, positiveInt, ROOT, runMain, storedHistory, table, timed, totalLine, usageExit, writeBenchJson } from './bench-common';

const usage = usageExit('npm run bench:startup -- [--rounds N] [--trials N] [--baseline DIR] [--out FILE]');
const TIME = '/usr/bin/time';

/** Seconds from spawning `npx`, per milestone; NaN where a milestone's line did not appear. */
interface StartupRun {
  cli: number;
  graph: number;
  task: number;
  tuning: number;
  data: number;
  firstEpoch: number;
  /** The whole `nx run`: wall and CPU seconds. */
  wall: number;
  cpu: number;
}

const MILESTONES: Array<[keyof StartupRun, string]> = [
  ['cli', '`npx nx --version` (npx, Nx CLI)'],
  ['graph', '`npx nx show projects` (+ project graph)'],
  ['task', '`> nx run` line (graph, task hash)'],
  ['tuning', '"tuning" line (executor loaded, config checked)'],
  ['data', '"data:" line (dataset ready)'],
  ['firstEpoch', 'first trial\'s first epoch ends'],
  ['wall', 'whole `nx run` (wall)'],
  ['cpu', 'whole `nx run` (CPU s, all processes)'],
];

function nxEnv(scratch: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_CACHE_DIRECTORY: join(scratch, 'nx-cache'),
    NX_HPO_STORE: join(scratch, 'store'),
  };
}

async function seconds(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return (await timed('npx', args, env, cwd)).wallMs / 1000;
}

async function startupRun(cwd: string, trials: number): Promise<StartupRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'nx-hpo-bench-startup-'));
  const out = `tmp/bench-startup-${process.pid}`;
  try {
    const env = nxEnv(scratch);
    const cli = await seconds(cwd, ['nx', '--version'], env);
    const graph = await seconds(cwd, ['nx', 'show', 'projects'], env);
    const cpuFile = join(scratch, 'cpu.txt');
    const args = ['-o', cpuFile, '-f', '%U %S', 'npx', 'nx', 'run', 'digits-mlp:tune', `--trials=${trials}`, '--skip-nx-cache', `--outputPath=${out}`];
    const { wallMs, lines } = await timed(TIME, args, env, cwd);
    const at = (re: RegExp) => (lines.find((l) => re.test(l.text))?.ms ?? NaN) / 1000;
    const firstTrial = at(/\btrial +1\/\d+/);
    const first = JSON.parse(readFileSync(join(cwd, out, 'trials.jsonl'), 'utf8').split('\n')[0]!) as { key: string };
    const history = storedHistory(join(scratch, 'store'), first.key);
    const firstEpoch = history ? firstTrial - (history.durationMs - history.firstEpochMs) / 1000 : NaN;
    const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) as [number, number];
    return { cli, graph, task: at(/^> nx run /), tuning: at(/\btuning \d+ parameters/), data: at(/^data: /), firstEpoch, wall: wallMs / 1000, cpu: user + sys };
  } finally {
    rmSync(join(cwd, out), { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

function commitOf(dir: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  } catch {
    return basename(dir);
  }
}

async function main(): Promise<void> {
  let rounds = 5;
  let trials = 2;
  let baseline: string | undefined;
  let out = join('bench-results', 'startup.json');
  parseOptions(process.argv.slice(2), usage, (flag, value) => {
    if (flag === '--rounds') rounds = positiveInt(flag, value(), usage);
    else if (flag === '--trials') trials = positiveInt(flag, value(), usage);
    else if (flag === '--baseline') baseline = resolve(value());
    else if (flag === '--out') out = value();
    else return false;
    return true;
  });
  if (!existsSync(TIME)) usage(`${TIME} is missing (apt-get install -y time)`);
  if (baseline && !existsSync(join(baseline, 'node_modules', '.bin', 'nx'))) usage(`--baseline ${baseline}: not a checkout with its own npm ci and build`);
  const env = benchEnvironment('startup');
  const checkouts = [{ label: `this checkout (${env.commit})`, dir: ROOT }, ...(baseline ? [{ label: `baseline (${commitOf(baseline)})`, dir: baseline }] : [])];
  const runs: StartupRun[][] = checkouts.map(() => []);
  const loadBefore = loadavg()[0]!;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < checkouts.length; k++) {
      const i = (k + round) % checkouts.length;
      const r = await startupRun(checkouts[i]!.dir, trials);
      runs[i]!.push(r);
      process.stderr.write(`  round ${round + 1} ${checkouts[i]!.label}: ${MILESTONES.map(([m]) => `${m} ${fmt(r[m], 2)}`).join(', ')}\n`);
    }
  }
  const loadAfter = loadavg()[0]!;
  const med = (i: number, m: keyof StartupRun) => median(runs[i]!.map((r) => r[m]).filter((x) => !Number.isNaN(x)));
  const header = ['seconds from spawning `npx` (medians)', ...checkouts.map((c) => c.label), ...(baseline ? ['change'] : [])];
  const rows = MILESTONES.map(([m, label]) => [
    label,
    ...checkouts.map((_, i) => fmt(med(i, m), 2)),
    ...(baseline ? [`${fmt(med(0, m) - med(1, m), 2)} s`] : []),
  ]);
  const lines = [
    `Start-up of \`npx nx run digits-mlp:tune --trials=${trials}\` (fresh store and Nx cache), ${rounds} rounds${baseline ? ', checkouts alternating' : ''}:`,
    '',
    table(header, rows),
    '',
    `Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`,
    totalLine(env),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeBenchJson(out, env, { trials, checkouts: checkouts.map((c, i) => ({ ...c, commit: commitOf(c.dir), runs: runs[i] })), loadavg: { before: loadBefore, after: loadAfter } });
}

runMain(main);
