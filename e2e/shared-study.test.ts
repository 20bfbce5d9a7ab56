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
import { Client } from 'pg';
import { addIrisProject, irisYaml, readJsonl, trainedReused } from './iris';
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
  finished: () => boolean;
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
  let closed = false;
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<Run>((resolve) => {
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 8 * 60 * 1000);
    child.on('close', (code, signal) => {
      closed = true;
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
  return {
    done,
    owner: () => /this process: (\S+)\)/.exec(output)?.[1],
    finished: () => closed,
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

/**
 * Pruning across processes, through nx. Workspace A runs the study alone for a head start; then
 * the test holds the journal (an ACCESS EXCLUSIVE lock: every journal read and write of both
 * processes waits) while workspace B starts and joins, and lets both go on together. So B
 * certainly trains trials, and does so while A is still running, whatever the load.
 *
 * The pruner is ASHA with η = 16: one rung, at epoch 1, where for fewer than 32 trials only the best
 * value so far goes on. Alone at the rung, a trial always goes on (max(1, ⌊1/η⌋) = 1). Random search
 * with seed 1 gives trial 2 the best first epoch of the first 24 trials. Trial 2 is in A's head start,
 * so every trial after the head start is stopped at epoch 1, however the rest is split.
 *
 * The evidence of a cross-process decision is read from the journal (the reports, each with its
 * owner, in commit order), checked against both workspaces' trials.jsonl. B stopped a trial whose
 * epoch value was at least as good as every value B's own trials had reported at that epoch before.
 * No pruner stops a trial that is the best of what it was shown. That includes B's first trial,
 * which had no reports of its own to be judged against. So the decision was made on A's reports.
 */
describe('pruning across two processes of one shared study, through nx', () => {
  test("a trial pruned in one process on the other process's reports; the budget holds and each trial trains once", { timeout: 300_000 }, async (ctx) => {
    const N = 16;
    const HEAD_START = 4;
    const a = new TempWorkspace('nx-hpo-shared-prune');
    const b = new TempWorkspace('nx-hpo-shared-prune');
    server.sql('CREATE DATABASE hpo_prune OWNER hpo;');
    const pruneUrl = server.url('hpo', 'e2e-Secret!', 'hpo_prune');
    const superUrl = server.url(undefined, undefined, 'hpo_prune');
    const watch = new Client({ connectionString: superUrl });
    const gate = new Client({ connectionString: superUrl });
    await watch.connect();
    await gate.connect();
    const started: Started[] = [];
    try {
      const o = { algorithm: 'random', trials: N, parallelism: 1, epochs: 4, seed: 1 };
      const yaml = irisYaml(o)
        .replace(/^search: \{ (.*) \}$/m, 'search: { $1, pruner: { name: asha, minEpochs: 1, reductionFactor: 16 } }')
        .replace('metric: val_accuracy, direction: maximize', 'metric: val_loss, direction: minimize');
      for (const ws of [a, b]) {
        addIrisProject(ws, 'apps/iris', 'iris', o);
        ws.write('apps/iris/tune.yaml', yaml);
      }
      // No remote cache: each workspace has only its own store, so a trial is trained where it is
      // claimed or not at all. The default lease (60 s) outlasts B's start-up while A waits on the gate.
      const env = { NX_HPO_STORAGE: pruneUrl, NX_HPO_LEASE_SECONDS: '60', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: '' };
      const count = async (q: string): Promise<number | undefined> => {
        try {
          return Number((await watch.query<{ n: string }>(q)).rows[0]?.n);
        } catch {
          return undefined; // A has not made the tables yet
        }
      };
      const poll = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
        const t0 = Date.now();
        for (;;) {
          const v = await probe();
          if (v !== undefined) return v;
          if (Date.now() - t0 > 180_000) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const tells = `SELECT count(*) AS n FROM nx_hpo_journal WHERE op->>'op' = 'tell'`;

      const hold = async () => {
        await gate.query('BEGIN');
        await gate.query('LOCK TABLE nx_hpo_journal IN ACCESS EXCLUSIVE MODE');
      };
      // Both processes wait for the lock (each makes one journal call at a time), or one has ended.
      const bothWaiting = async () => {
        const waiting = await count(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'hpo_prune' AND wait_event_type = 'Lock'`);
        return (waiting ?? 0) >= 2 || started.some((r) => r.finished()) ? true : undefined;
      };

      const runA = startTune(a, env);
      started.push(runA);
      await poll('A to finish its head start', async () => ((await count(tells)) ?? 0) >= HEAD_START || undefined);
      await hold();
      // (Asked on the gate's own session: any other waits for the lock like the processes do.)
      const toldAtGate = Number((await gate.query<{ n: string }>(tells)).rows[0]?.n);
      assert.ok(toldAtGate <= N - 4, `A ran ahead of the gate: ${toldAtGate} of ${N} trials told`);
      const runB = startTune(b, env);
      started.push(runB);
      // B has joined (its owner line comes just before its first journal read) and waits, as A does.
      await poll('B to join and wait', async () => (runB.owner() !== undefined ? bothWaiting() : undefined));
      await gate.query('COMMIT');
      // B claims a trial at once, then starts its worker threads, while A's are warm: hold both again
      // until B's first trial reports, so that from there on they claim and train side by side.
      const ownerB = await poll('B to claim a trial', async () => {
        const owner = runB.owner() as string;
        const held = (await watch.query<{ n: string }>('SELECT count(*) AS n FROM nx_hpo_leases WHERE owner = $1', [owner])).rows[0]?.n;
        return Number(held) > 0 ? owner : undefined;
      });
      await hold();
      await poll('B to warm up and wait', bothWaiting);
      await gate.query('COMMIT');
      const [ra, rb] = await Promise.all([runA.done, runB.done]);
      assert.equal(ra.code, 0, ra.output);
      assert.equal(rb.code, 0, rb.output);
      const ownerA = runA.owner() as string;
      assert.ok(ownerA && ownerB && ownerA !== ownerB, `owners: ${ownerA} ${ownerB}`);

      // (1) The global budget: N trials asked and told once, no retry, and both workspaces hold the same study.
      const journal = (await watch.query<{ seq: string; owner: string; op: { op: string; id: number; step?: number; value?: number; state?: string } }>(
        'SELECT seq, owner, op FROM nx_hpo_journal ORDER BY seq',
      )).rows.map((r) => ({ seq: Number(r.seq), owner: r.owner, ...r.op }));
      const ops = (kind: string) => journal.filter((e) => e.op === kind);
      assert.equal(ops('ask').length, N);
      assert.deepEqual(ops('tell').map((e) => e.id).sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i));
      assert.equal(ops('retry').length, 0);
      const study = studyOf(a);
      assert.deepEqual(study.map((t) => t.id), Array.from({ length: N }, (_, i) => i));
      assert.deepEqual(studyOf(b), study);

      // Each trial trained once: `reused: false` in exactly one workspace, the one whose process told it.
      const rows = { a: readJsonl(a.path('dist/hpo/iris/tune/trials.jsonl')), b: readJsonl(b.path('dist/hpo/iris/tune/trials.jsonl')) };
      const trainedIn = (ws: 'a' | 'b') => rows[ws].filter((t) => t.reused === false).map((t) => t.id as number);
      const [trainedA, trainedB] = [trainedIn('a'), trainedIn('b')];
      assert.deepEqual([...trainedA, ...trainedB].sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i), `trained by A ${trainedA}, by B ${trainedB}`);
      assert.ok(trainedA.length >= toldAtGate && trainedB.length >= 1, `trained by A ${trainedA}, by B ${trainedB}`);
      for (const e of ops('tell')) assert.equal(e.owner, trainedB.includes(e.id) ? ownerB : ownerA, `trial ${e.id} told by the process that trained it`);
      assert.deepEqual(trainedReused(ra.output), { trained: trainedA.length, reused: N - trainedA.length });
      assert.deepEqual(trainedReused(rb.output), { trained: trainedB.length, reused: N - trainedB.length });

      // (2) Trials were pruned, B's among them; the journal holds each trial's curve as trials.jsonl does.
      const reportsOf = (id: number) => ops('report').filter((e) => e.id === id);
      for (const t of rows.b) {
        assert.deepEqual(reportsOf(t.id as number).map((e) => e.value), t.curve, `trial ${t.id}: reports and curve`);
        const trainer = trainedB.includes(t.id as number) ? ownerB : ownerA;
        assert.ok(reportsOf(t.id as number).every((e) => e.owner === trainer), `trial ${t.id}: reported by its trainer`);
      }
      const pruned = study.filter((t) => t.state === 'pruned').map((t) => t.id as number);
      assert.ok(pruned.length >= N / 2, `pruned: ${pruned}`);
      assert.ok(trainedB.some((id) => pruned.includes(id)), `B trained ${trainedB}, pruned: ${pruned}`);
      for (const r of [ra, rb]) assert.match(r.output, new RegExp(`\\(${N - pruned.length} complete, ${pruned.length} pruned, 0 failed`));

      // (3) A decision in B made on A's reports: B stopped trial t at step s although no trial of B's
      // own had reported a better value at s before t did, while one of A's had.
      const better = (x: number, y: number) => x < y; // val_loss, minimized
      const crossProcess = trainedB
        .filter((id) => pruned.includes(id))
        .map((id) => {
          const last = reportsOf(id).at(-1) as (typeof journal)[number];
          const before = ops('report').filter((e) => e.step === last.step && e.seq < last.seq && e.id !== id);
          const own = before.filter((e) => e.owner === ownerB);
          const other = before.filter((e) => e.owner === ownerA);
          return { id, step: last.step, value: last.value as number, own: own.length, ownBetter: own.some((e) => better(e.value as number, last.value as number)), otherBetter: other.filter((e) => better(e.value as number, last.value as number)).map((e) => e.id) };
        });
      const decisive = crossProcess.filter((c) => !c.ownBetter && c.otherBetter.length > 0);
      assert.ok(decisive.length > 0, `no trial pruned in B on A's reports alone: ${JSON.stringify(crossProcess)}`);
      // Each was stopped early: at the rung, epoch 1 of 4.
      assert.ok(decisive.every((c) => c.step === 1), JSON.stringify(decisive));
      ctx.diagnostic(`${toldAtGate} told before B joined; trained by A: ${trainedA}; by B: ${trainedB}; pruned: ${pruned.length}/${N}`);
      ctx.diagnostic(`pruned in B on A's reports: ${decisive.map((c) => `trial ${c.id} at epoch ${c.step} (${c.own} own reports before it, none better; better from A: trials ${c.otherBetter})`).join('; ')}`);
    } finally {
      for (const run of started) if (!run.finished()) run.kill();
      await gate.query('ROLLBACK').catch(() => undefined);
      await gate.end().catch(() => undefined);
      await watch.end().catch(() => undefined);
      a.dispose();
      b.dispose();
    }
  });
});
