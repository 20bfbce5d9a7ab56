/**
 * End to end, one adaptive study shared by several processes through PostgreSQL (NX_HPO_STORAGE):
 * three workspaces on this machine, each with its own trial store and Nx cache, run one tpe study
 * through a PostgreSQL 15 server this test starts; one is killed with kill -9 while it holds a
 * trial and is started again. Every process ends with the same complete study, each trial trained
 * once (the killed trial retried once, by whichever process looked first after its lease ran out).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { addIrisProject, irisYaml, readJsonl } from './iris';
import { startPostgres, type PostgresServer } from './postgres-server';
import { TestCacheServer } from './remote-cache-server';
import { TempWorkspace } from './workspace';

const TRIALS = 9;
const LEASE_SECONDS = 5;

let server: PostgresServer;
let url: string;
/** The Nx remote cache the machines share: the models travel through it, not through the database. */
const cache = new TestCacheServer();

before(async () => {
  server = await startPostgres();
  server.sql(`CREATE ROLE hpo LOGIN PASSWORD 'e2e-Secret!'; CREATE DATABASE hpo OWNER hpo;`);
  url = server.url('hpo', 'e2e-Secret!', 'hpo');
  await cache.start();
});

after(async () => {
  server?.stop();
  await cache.stop();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

interface Started {
  done: Promise<Run>;
  /** The storage owner this process printed (`this process: …`), once it has joined. */
  owner: () => string | undefined;
  kill: () => void;
}

/** Starts `nx run iris:tune` in its own process group (so kill -9 takes nx and the executor together). */
function startTune(ws: TempWorkspace, env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, [ws.path('node_modules/nx/dist/bin/nx.js'), 'run', 'iris:tune'], {
    cwd: ws.root,
    detached: true,
    env: ws.env({
      NX_HPO_STORAGE: url,
      NX_HPO_LEASE_SECONDS: String(LEASE_SECONDS),
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: cache.url,
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: cache.writeToken,
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<Run>((resolve) => {
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 8 * 60 * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
  return {
    done,
    owner: () => /this process: (\S+)\)/.exec(output)?.[1],
    kill: () => process.kill(-(child.pid as number), 'SIGKILL'),
  };
}

const sql = (q: string) => server.sql(q, 'hpo').trim();

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 180_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const studyOf = (ws: TempWorkspace) =>
  readJsonl(ws.path('dist/hpo/iris/tune/trials.jsonl')).map((t) => ({ id: t.id, params: t.params, state: t.state, value: t.value }));

describe('one tpe study shared by three workspaces through PostgreSQL', () => {
  test('kill -9 of one process mid-trial: its trial is retried elsewhere; every process ends with the same complete study', async () => {
    const workspaces = [0, 1, 2].map(() => new TempWorkspace('nx-hpo-shared'));
    try {
      const o = { algorithm: 'tpe', trials: TRIALS, parallelism: 1, epochs: 2, seed: 11 };
      workspaces.forEach((ws, i) => {
        addIrisProject(ws, 'apps/iris', 'iris', o);
        // A comment makes Nx's own task hashes differ, so no machine is served another's whole task
        // from the remote cache; the study (and every trial key) stays the same.
        ws.write('apps/iris/tune.yaml', `# machine ${i}\n` + irisYaml(o));
      });
      const [a, b, c] = workspaces as [TempWorkspace, TempWorkspace, TempWorkspace];
      const runA = startTune(a);
      const runB = startTune(b);
      const victim = startTune(c);
      // Kill c while it holds a lease: mid-trial, by construction (a lease lives from claim to tell).
      const owner = await waitFor('the victim to join the study', victim.owner);
      const killedTrial = await waitFor('the victim to hold a trial', () => {
        const t = sql(`SELECT trial FROM nx_hpo_leases WHERE owner = '${owner}' LIMIT 1`);
        return t === '' ? undefined : Number(t);
      });
      victim.kill();
      const killed = await victim.done;
      assert.equal(killed.signal, 'SIGKILL', killed.output);
      const restarted = startTune(c);
      const runs = await Promise.all([runA.done, runB.done, restarted.done]);
      for (const r of runs) assert.equal(r.code, 0, r.output);

      // The journal: every trial asked and told once, one retry (of the killed trial), no leases left.
      const ops = sql(`SELECT op->>'op' || ' ' || (op->>'id') || ' ' || coalesce(op->>'attempt', '') FROM nx_hpo_journal ORDER BY seq`).split('\n');
      const count = (kind: string) => ops.filter((o) => o.startsWith(kind + ' ')).length;
      assert.equal(count('ask'), TRIALS);
      assert.equal(count('tell'), TRIALS);
      assert.deepEqual(
        ops.filter((o) => o.startsWith('retry ')),
        [`retry ${killedTrial} 2`],
        'the killed trial was retried once',
      );
      assert.equal(sql('SELECT count(*) FROM nx_hpo_leases'), '0');
      const retriedBy = runs.filter((r) => new RegExp(`trial ${killedTrial}: its process stopped heart-beating; retrying it here`).test(r.output));
      assert.equal(retriedBy.length, 1, 'one process says it retried the killed trial');

      // Every process wrote the same complete study.
      const study = studyOf(a);
      assert.equal(study.length, TRIALS);
      assert.deepEqual(study.map((t) => t.id), Array.from({ length: TRIALS }, (_, i) => i));
      assert.ok(study.every((t) => t.state === 'complete'));
      assert.deepEqual(studyOf(b), study);
      assert.deepEqual(studyOf(c), study);
      const best = (ws: TempWorkspace) => {
        const j = JSON.parse(readFileSync(ws.path('dist/hpo/iris/tune/best.json'), 'utf8')) as Record<string, unknown>;
        return [j.trial, j.value, j.params];
      };
      assert.deepEqual(best(b), best(a));
      assert.deepEqual(best(c), best(a));
      // The best model came to every workspace through the remote cache, whoever trained it.
      for (const ws of workspaces) assert.ok(existsSync(ws.path('dist/hpo/iris/tune/best-model/model.json')), `best-model in ${ws.root}`);
      assert.ok(cache.trialKeys().length >= TRIALS, 'every trained trial went to the remote cache');

      // reused: false marks exactly the trials each process trained: together, each trial once.
      const trainedBy = workspaces.map((ws) =>
        readJsonl(ws.path('dist/hpo/iris/tune/trials.jsonl'))
          .filter((t) => t.reused === false)
          .map((t) => t.id as number),
      );
      assert.deepEqual(trainedBy.flat().sort((x, y) => x - y), Array.from({ length: TRIALS }, (_, i) => i), `trained by: ${JSON.stringify(trainedBy)}`);
      assert.ok(trainedBy.filter((ids) => ids.length > 0).length >= 2, `the trials were spread over processes: ${JSON.stringify(trainedBy)}`);
      // The password never reaches the output.
      for (const r of [...runs, killed]) assert.ok(!r.output.includes('e2e-Secret!'), r.output);
    } finally {
      for (const ws of workspaces) ws.dispose();
    }
  });

  test('a process that arrives after the budget is met trains nothing and writes the whole study', () => {
    const ws = new TempWorkspace('nx-hpo-shared');
    try {
      addIrisProject(ws, 'apps/iris', 'iris', { algorithm: 'tpe', trials: TRIALS, parallelism: 1, epochs: 2, seed: 11 });
      const r = ws.nx(['run', 'iris:tune'], { NX_HPO_STORAGE: url });
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, new RegExp(`${TRIALS} trials in .*: 0 trained, ${TRIALS} reused`));
      assert.equal(studyOf(ws).length, TRIALS);
    } finally {
      ws.dispose();
    }
  });

  test('the database lost mid-sweep: retried, then a clean stop with one line, finished trials kept', async () => {
    const own = await startPostgres();
    const ws = new TempWorkspace('nx-hpo-shared');
    try {
      own.sql(`CREATE ROLE hpo LOGIN PASSWORD 'lost-Secret'; CREATE DATABASE hpo OWNER hpo;`);
      addIrisProject(ws, 'apps/iris', 'iris', { algorithm: 'tpe', trials: 40, parallelism: 1, epochs: 2, seed: 5 });
      const run = startTune(ws, { NX_HPO_STORAGE: own.url('hpo', 'lost-Secret', 'hpo'), NX_SELF_HOSTED_REMOTE_CACHE_SERVER: '' });
      const tells = () => {
        try {
          return Number(own.sql(`SELECT count(*) FROM nx_hpo_journal WHERE op->>'op' = 'tell'`, 'hpo').trim());
        } catch {
          return 0; // the tables are not made yet
        }
      };
      await waitFor('two finished trials', () => (tells() >= 2 ? true : undefined));
      own.stop();
      const r = await run.done;
      assert.notEqual(r.code, 0, r.output);
      assert.match(r.output, /storage: lost the connection to postgresql:\/\/hpo@127\.0\.0\.1:\d+\/hpo .*; retrying \(1\/4\)/);
      const last = r.output.split('\n').filter((l) => /cannot reach PostgreSQL|lost the connection/.test(l) && !/retrying/.test(l));
      assert.equal(last.length, 1, r.output);
      assert.ok(!r.output.includes('lost-Secret'), r.output);
      // The trials that finished are in the store: a local run (no database) reuses them.
      const again = ws.nx(['run', 'iris:tune', '--trials=2', '--skip-nx-cache']);
      assert.equal(again.code, 0, again.output);
      assert.match(again.output, /2 trials in .*: 0 trained, 2 reused/);
    } finally {
      own.stop();
      ws.dispose();
    }
  });

  test('a wrong password: one line, no password, non-zero exit, before any training', () => {
    const ws = new TempWorkspace('nx-hpo-shared');
    try {
      addIrisProject(ws, 'apps/iris', 'iris', { algorithm: 'tpe', trials: 3, parallelism: 1, epochs: 2 });
      const r = ws.nx(['run', 'iris:tune'], { NX_HPO_STORAGE: server.url('hpo', 'not-the-Password', 'hpo') });
      assert.notEqual(r.code, 0);
      assert.match(r.output, /postgresql:\/\/hpo@127\.0\.0\.1:\d+\/hpo refused the credentials of user 'hpo'/);
      assert.ok(!r.output.includes('not-the-Password'), r.output);
      assert.doesNotMatch(r.output, /^trial /m);
    } finally {
      ws.dispose();
    }
  });
});
