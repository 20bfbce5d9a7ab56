/**
 * What the digits, pruning and hypergradient benchmarks share: command-line parsing, the run's
 * environment (commit, backend, cores), one sweep on a fresh trial store in a temporary folder,
 * Markdown tables and the JSON written at the end. Each benchmark keeps its own options, output and
 * JSON body; this module only holds the parts that were identical in all of them.
 *
 * Not for packages/optimizers/bench: the optimizers package must not depend on the plugin.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TuneConfig } from '../packages/hpo-plugin/src/config';
import { TrialStore } from '../packages/hpo-plugin/src/store/trial-store';
import { runSweep, type SweepResult } from '../packages/hpo-plugin/src/sweep/runner';
import { expectedBackend } from '../packages/hpo-plugin/src/training/backend-choice';

export const ROOT = resolve(__dirname, '..');

/** Reports a command-line mistake and exits; never returns. */
export type Usage = (message: string) => never;

/** A `Usage` that prints the message, then `usage: <synopsis>`, and exits with status 2. */
export function usageExit(synopsis: string): Usage {
  return (message) => {
    process.stderr.write(`${message}\nusage: ${synopsis}\n`);
    process.exit(2);
  };
}

/** `0-2`, `0,3,7` or a mix of both; `example` is the range quoted in the error message. */
export function parseSeeds(text: string, usage: Usage, example = '0-2'): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range && Number(range[2]) >= Number(range[1])) {
      for (let s = Number(range[1]); s <= Number(range[2]); s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) {
      seeds.push(Number(part));
    } else {
      usage(`--seeds: expected e.g. ${example} or 0,3,7 (got '${text}')`);
    }
  }
  return seeds;
}

export function positiveInt(flag: string, text: string | undefined, usage: Usage): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a whole number >= 1`);
  return n;
}

/**
 * Walks `--flag value` and `--flag=value` arguments, calling `option` for each flag; `value()`
 * takes the inline value or the next argument. `option` returns false for a flag it does not know.
 */
export function parseOptions(argv: string[], usage: Usage, option: (flag: string, value: () => string) => boolean | void): void {
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    if (option(flag, value) === false) usage(`unknown option '${flag}'`);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export const fmt = (x: number | undefined, digits = 4): string => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** What a benchmark's numbers were measured on, and when it started. */
export interface BenchEnvironment {
  commit: string | undefined;
  /** `git status --porcelain` of packages/ and examples/: non-empty when the measured code is not the commit. */
  dirty: string | undefined;
  backend: string;
  /** Date.now() when the benchmark started. */
  started: number;
}

/** Reads the environment and announces `<name> benchmark at <commit>, backend ..., cores, Node` on stderr. */
export function benchEnvironment(name: string): BenchEnvironment {
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--', 'packages', 'examples']);
  const backend = expectedBackend('auto');
  process.stderr.write(
    `${name} benchmark at ${commit ?? 'unknown commit'}${dirty ? ' (packages/ or examples/ have uncommitted changes)' : ''}, backend ${backend}, ` +
      `${cpus().length} cores, Node ${process.version}\n`,
  );
  return { commit, dirty, backend, started: Date.now() };
}

/** The last line of every benchmark's printed report. */
export function totalLine(env: BenchEnvironment): string {
  const { commit, dirty, backend, started } = env;
  return `Total ${((Date.now() - started) / 1000).toFixed(0)} s; commit ${commit ?? 'unknown'}${dirty ? ' + uncommitted changes' : ''}; backend ${backend}; Node ${process.version}.`;
}

/**
 * Writes `body` as JSON to `out` (relative to the working directory), between the environment
 * fields every benchmark records first and the total `seconds` it records last.
 */
export function writeBenchJson(out: string, env: BenchEnvironment, body: Record<string, unknown>): void {
  const file = resolve(process.cwd(), out);
  mkdirSync(dirname(file), { recursive: true });
  const { commit, dirty, backend, started } = env;
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        commit,
        dirty: Boolean(dirty),
        backend,
        node: process.version,
        cores: cpus().length,
        argv: process.argv.slice(2),
        ...body,
        seconds: (Date.now() - started) / 1000,
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(`wrote ${file}\n`);
}

/** One finished sweep, while its temporary folder (store and output) still exists. */
export interface FreshSweep {
  result: SweepResult;
  store: TrialStore;
  outputDir: string;
  wallSeconds: number;
}

/**
 * Runs one sweep through the plugin's `runSweep`, as the tune executor does, but on a new trial
 * store in a new temporary folder, so no trial is ever reused; the folder is removed afterwards,
 * so `read` must take from it whatever the benchmark keeps. `config` may write files into the
 * folder. Only the sweep's log lines matching `show` reach stderr. A reused trial is an error
 * (`label` names the run in it).
 */
export async function withFreshSweep<T>(options: {
  scratchPrefix: string;
  label: string;
  config: (scratch: string) => TuneConfig;
  parallelism: (config: TuneConfig) => number;
  show: RegExp;
  read: (sweep: FreshSweep) => T;
}): Promise<T> {
  const scratch = mkdtempSync(join(tmpdir(), options.scratchPrefix));
  try {
    const config = options.config(scratch);
    const store = new TrialStore(join(scratch, 'store'), (m) => process.stderr.write(`  ${m}\n`));
    const outputDir = join(scratch, 'out');
    const started = process.hrtime.bigint();
    const result = await runSweep({
      config,
      outputDir,
      parallelism: options.parallelism(config),
      backend: 'auto',
      log: (line) => {
        if (options.show.test(line)) process.stderr.write(`  ${line}\n`);
      },
      store,
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.reused !== 0) throw new Error(`${options.label}: ${result.reused} trials were reused from a fresh store`);
    return options.read({ result, store, outputDir, wallSeconds });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The rows of a sweep's trials.jsonl, in file (finishing) order. */
export function readTrialsJsonl<Row>(outputDir: string): Row[] {
  return readFileSync(join(outputDir, 'trials.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
}

/** Runs a benchmark's main; a failure prints its stack and exits with status 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

/** Runs a command, timestamping each output line as it arrives. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string = ROOT): Promise<{ wallMs: number; lines: Array<{ ms: number; text: string }> }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<{ ms: number; text: string }> = [];
    let pending = '';
    const take = (d: Buffer) => {
      const ms = performance.now() - t0;
      pending += d.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const text of parts) lines.push({ ms, text });
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (pending) lines.push({ ms: wallMs, text: pending });
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${lines.map((l) => l.text).join('\n')}`));
      else resolvePromise({ wallMs, lines });
    });
  });
}

/** The stored trial's duration and its first epoch's, found by key anywhere under the store. */
export function storedHistory(store: string, key: string): { durationMs: number; firstEpochMs: number } | undefined {
  const walk = (dir: string): string | undefined => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === key && existsSync(join(p, 'record.json'))) return join(p, 'record.json');
        const found = walk(p);
        if (found) return found;
      }
    }
    return undefined;
  };
  const file = walk(store);
  if (!file) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as { durationMs: number; history?: Array<{ durationMs: number }> };
  const firstEpochMs = record.history?.[0]?.durationMs;
  return firstEpochMs === undefined ? undefined : { durationMs: record.durationMs, firstEpochMs };
}
