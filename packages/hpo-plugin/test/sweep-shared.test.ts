/**
 * SharedStudy (sweep/shared.ts): several processes' replicas of one study, fed from one PostgreSQL
 * journal (a real PostgreSQL 15 server started in a temporary folder for this file).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createStudy, type Space } from '@nx-hpo/optimizers';
import { startPostgres, type PostgresServer } from '../../../e2e/postgres-server';
import { PostgresStudyStorage } from '../src/storage/postgres';
import { parseStorageUrl } from '../src/storage/url';
import { SharedStudy, type ToldTrial } from '../src/sweep/shared';
import { StorageError } from '../src/storage';

let server: PostgresServer;
let url: string;
const open: SharedStudy[] = [];

before(async () => {
  server = await startPostgres();
  server.sql(`CREATE ROLE hpo LOGIN PASSWORD 'pw'; CREATE DATABASE hpo OWNER hpo;`);
  url = server.url('hpo', 'pw', 'hpo');
});

after(async () => {
  for (const s of open) {
    s.stopHeartbeat();
    await s.storage.close();
  }
  server?.stop();
});

const space: Space = { x: { type: 'float', low: -5, high: 5 }, y: { type: 'float', low: -5, high: 5 } };
const f = (p: Record<string, unknown>) => ((p.x as number) - 1) ** 2 + ((p.y as number) + 2) ** 2;

interface Joined {
  shared: SharedStudy;
  told: ToldTrial[];
  logs: string[];
}

async function join(study: string, total: number, o: { algorithm?: string; pruner?: Record<string, unknown>; leaseMs?: number } = {}): Promise<Joined> {
  const storage = await PostgresStudyStorage.open(parseStorageUrl(url), { study, meta: {}, leaseMs: o.leaseMs ?? 30_000 });
  const told: ToldTrial[] = [];
  const logs: string[] = [];
  const replica = createStudy({ space, algorithm: o.algorithm ?? 'tpe', seed: 3, ...(o.pruner ? { pruner: o.pruner, maxEpochs: 10 } : {}) });
  const shared = new SharedStudy(storage, replica, { total, onTold: (t) => told.push(t), log: (l) => logs.push(l), heartbeatMs: 100 });
  open.push(shared);
  await shared.sync();
  return { shared, told, logs };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `parallelism` loops of claim → evaluate → tell until the shared study is finished. */
async function work(j: Joined, parallelism: number): Promise<number[]> {
  const mine: number[] = [];
  const loop = async () => {
    for (;;) {
      const t = await j.shared.claim();
      if (!t) {
        if (j.shared.finished) return;
        await sleep(5);
        await j.shared.sync();
        continue;
      }
      await sleep(1 + (t.id % 4) * 3);
      await j.shared.tell(t.id, { state: 'complete', value: f(t.params) }, { durationMs: 1, curve: [] });
      mine.push(t.id);
    }
  };
  await Promise.all(Array.from({ length: parallelism }, loop));
  return mine;
}

describe('SharedStudy', () => {
  test('three processes × parallelism 2 on one tpe study: each trial once, every replica the same study', async () => {
    const total = 20;
    const procs = await Promise.all([0, 1, 2].map(() => join('replicas', total)));
    const mine = await Promise.all(procs.map((p) => work(p, 2)));
    assert.deepEqual(mine.flat().sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i));
    for (const p of procs) await p.shared.sync();
    const trials = procs.map((p) => JSON.stringify(p.shared.study.toJSON().trials));
    assert.equal(trials[1], trials[0]);
    assert.equal(trials[2], trials[0]);
    // Each process heard every tell once, in the same order, and knows which were its own.
    for (const [i, p] of procs.entries()) {
      assert.deepEqual(p.told.map((t) => t.id), procs[0]?.told.map((t) => t.id));
      assert.deepEqual(p.told.filter((t) => t.mine).map((t) => t.id).sort((a, b) => a - b), [...(mine[i] ?? [])].sort((a, b) => a - b));
    }
    // A newcomer replays the journal to the same study (its asks re-derived, not copied) and gets nothing to do.
    const late = await join('replicas', total);
    assert.equal(JSON.stringify(late.shared.study.toJSON().trials), trials[0]);
    assert.equal(await late.shared.claim(), undefined);
    assert.ok(late.shared.finished);
  });

  test('the budget met while a process was starting: it trains nothing', async () => {
    const first = await join('late-start', 4);
    const second = await join('late-start', 4); // joined (connected, replayed) before any trial
    assert.equal((await work(first, 1)).length, 4);
    assert.equal(await second.shared.claim(), undefined);
    assert.ok(second.shared.finished);
    assert.equal(second.told.length, 4);
  });

  test('a pruner sees the reports of every process', async () => {
    const pruner = { name: 'median', minTrials: 2, warmupSteps: 0 };
    const a = await join('pruning', 10, { algorithm: 'random', pruner });
    const b = await join('pruning', 10, { algorithm: 'random', pruner });
    // Process a runs three trials whose curves end low (minimised objective).
    for (let i = 0; i < 3; i++) {
      const t = await a.shared.claim();
      assert.ok(t);
      for (let step = 1; step <= 3; step++) assert.equal(await a.shared.report(t.id, step, 1 / step), false);
      await a.shared.tell(t.id, { state: 'complete', value: 1 / 3 }, { durationMs: 1, curve: [1, 0.5, 1 / 3] });
    }
    // Process b's trial reports far worse at step 1: b prunes it on a's curves alone.
    const t = await b.shared.claim();
    assert.ok(t);
    assert.equal(await b.shared.report(t.id, 1, 50), true);
    // And process a sees b's report too.
    await a.shared.sync();
    assert.deepEqual(a.shared.study.trial(t.id).intermediate, [[1, 50]]);
  });

  test('a killed process: its lease expires, another process retries the trial once, re-reported epochs are judged once', async () => {
    const pruner = { name: 'median', minTrials: 5, warmupSteps: 0 };
    const victim = await join('retry', 2, { algorithm: 'random', pruner, leaseMs: 1500 });
    const rescuer = await join('retry', 2, { algorithm: 'random', pruner, leaseMs: 1500 });
    victim.shared.startHeartbeat();
    rescuer.shared.startHeartbeat();
    const t = await victim.shared.claim();
    assert.ok(t);
    await victim.shared.report(t.id, 1, 0.9);
    await victim.shared.report(t.id, 2, 0.8);
    await sleep(2000);
    assert.equal(await rescuer.shared.claim().then((c) => c?.id), 1, 'a live lease (older than the lease period, heart-beaten) is not retried');
    victim.shared.stopHeartbeat(); // kill -9: no more heartbeats
    await sleep(2000);
    const retry = await rescuer.shared.claim();
    assert.deepEqual(retry, { id: t.id, params: t.params, sampler: t.sampler, attempt: 2 });
    assert.match(rescuer.logs.join('\n'), new RegExp(`trial ${t.id}: its process stopped heart-beating; retrying it here \\(attempt 2\\)`));
    // The killed process, had it come back, is refused: the trial is the rescuer's now.
    assert.equal(await victim.shared.report(t.id, 3, 0.01), false);
    assert.equal(await victim.shared.tell(t.id, { state: 'complete', value: 123 }, { durationMs: 1, curve: [] }), false);
    // The retry trains from scratch: epochs 1-2 again (not journalled twice), then 3.
    for (let step = 1; step <= 3; step++) await rescuer.shared.report(t.id, step, 1 - step / 10);
    assert.deepEqual(rescuer.shared.study.trial(t.id).intermediate, [[1, 0.9], [2, 0.8], [3, 0.7]]);
    assert.equal(await rescuer.shared.tell(t.id, { state: 'complete', value: 0.7 }, { durationMs: 1, curve: [0.9, 0.8, 0.7] }), true);
    await victim.shared.sync();
    assert.equal(victim.shared.study.trial(t.id).value, 0.7);
    assert.equal(victim.shared.study.trial(t.id).state, 'complete');
  });

  test('a process stopped with Ctrl-C hands its running trials over at once', async () => {
    const quitter = await join('release', 3, { leaseMs: 60_000 });
    const other = await join('release', 3, { leaseMs: 60_000 });
    const t = await quitter.shared.claim();
    assert.ok(t);
    assert.equal((await other.shared.claim())?.attempt, 1, 'a held trial is not retried');
    await quitter.shared.release();
    assert.deepEqual(await other.shared.claim(), { id: t.id, params: t.params, sampler: t.sampler, attempt: 2 });
  });

  test('a replica that disagrees with the journal (other code or inputs) is refused with one line', async () => {
    const a = await join('disagree', 3);
    await a.shared.claim();
    const storage = await PostgresStudyStorage.open(parseStorageUrl(url), { study: 'disagree', meta: {}, leaseMs: 30_000 });
    const other = new SharedStudy(storage, createStudy({ space, algorithm: 'tpe', seed: 4 }), { total: 3, onTold: () => {}, log: () => {}, heartbeatMs: 100 });
    open.push(other);
    await assert.rejects(other.sync(), (e: Error) => e instanceof StorageError && /every process of a shared study must run the same nx-hpo version/.test(e.message) && !e.message.includes('\n'));
  });
});
