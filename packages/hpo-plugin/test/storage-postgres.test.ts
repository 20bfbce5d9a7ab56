/**
 * The PostgreSQL study storage against a real PostgreSQL 15 server that this file starts in a
 * temporary folder (e2e/postgres-server.ts) and stops at the end, also when a test fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, type PostgresServer } from '../../../e2e/postgres-server';
import { PostgresStudyStorage, SCHEMA_VERSION } from '../src/storage/postgres';
import { parseStorageUrl } from '../src/storage/url';
import { openSharedStorage, StorageError, type Claim, type JournalEntry, type StudyStorage } from '../src/storage';

let server: PostgresServer;
let url: string;
const opened: StudyStorage[] = [];

before(async () => {
  server = await startPostgres();
  server.sql(`CREATE ROLE hpo LOGIN PASSWORD 'p@ss w/rd:1'; CREATE DATABASE hpo OWNER hpo;`);
  url = server.url('hpo', 'p@ss w/rd:1', 'hpo');
});

after(async () => {
  await Promise.all(opened.map((s) => s.close()));
  server?.stop();
});

let studyCounter = 0;
async function open(study: string, leaseMs = 30_000, target = url): Promise<PostgresStudyStorage> {
  const s = await PostgresStudyStorage.open(parseStorageUrl(target), { study, meta: { test: true }, leaseMs, retries: 2 });
  opened.push(s);
  return s;
}

/** A stand-in for a study: the next trial id is the number of asks in the journal. */
class Replayer {
  cursor = 0;
  asks = 0;
  told = new Set<number>();
  constructor(readonly storage: StudyStorage) {}
  apply(entries: JournalEntry[]): void {
    for (const e of entries) {
      if (e.op.op === 'ask') {
        assert.equal(e.op.id, this.asks, 'asks are numbered in journal order');
        this.asks++;
      }
      if (e.op.op === 'tell') this.told.add(e.op.id);
      this.cursor = e.seq;
    }
  }
  /** Claims the next trial (or a retry), up to `budget` asks. */
  async claim(budget: number): Promise<Claim | undefined> {
    const r = await this.storage.claim(this.cursor, (entries, expired) => {
      this.apply(entries);
      if (expired.length > 0) return { op: 'retry', id: expired[0].id, attempt: expired[0].attempt + 1 };
      if (this.asks >= budget) return undefined;
      return { op: 'ask', id: this.asks, params: { x: this.asks } };
    });
    if (r.claimed?.op.op === 'ask') this.asks++;
    this.cursor = r.cursor;
    return r.claimed?.op;
  }
}

describe('PostgreSQL study storage', () => {
  test('the schema is made once, under a lock, by many processes opening at once, and is versioned', async () => {
    const study = `schema-${studyCounter++}`;
    await Promise.all(Array.from({ length: 6 }, () => open(study)));
    assert.equal(server.sql('SELECT max(version) FROM nx_hpo_schema_version', 'hpo').trim(), String(SCHEMA_VERSION));
    assert.equal(server.sql(`SELECT count(*) FROM nx_hpo_studies WHERE study = '${study}'`, 'hpo').trim(), '1');
  });

  test('concurrent claimers get distinct trials in one order, and the budget is global', async () => {
    const study = `claims-${studyCounter++}`;
    const budget = 24;
    const claimers = await Promise.all(Array.from({ length: 4 }, async () => new Replayer(await open(study))));
    const claimed = await Promise.all(
      claimers.map(async (r) => {
        const mine: number[] = [];
        for (;;) {
          const c = await r.claim(budget);
          if (!c) break;
          mine.push(c.id);
          await r.storage.append({ op: 'tell', id: c.id, state: 'complete', value: c.id });
        }
        return mine;
      }),
    );
    const all = claimed.flat().sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: budget }, (_, i) => i), 'each trial claimed exactly once');
    assert.ok(claimed.filter((m) => m.length > 0).length >= 2, `several claimers took trials: ${claimed.map((m) => m.length).join(',')}`);
    // A process arriving after the budget is met gets nothing, and sees the whole study.
    const late = new Replayer(await open(study));
    assert.equal(await late.claim(budget), undefined);
    assert.equal(late.asks, budget);
    assert.equal(late.told.size, budget);
    const seqs = (await late.storage.read(0)).map((e) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'journal positions have no gaps');
  });

  test('an expired lease is retried by another process, the retry is recorded, and the old runner is refused', async () => {
    const study = `lease-${studyCounter++}`;
    const a = new Replayer(await open(study, 1500));
    const b = new Replayer(await open(study, 1500));
    const first = await a.claim(1);
    assert.deepEqual(first, { op: 'ask', id: 0, params: { x: 0 } });
    // Heart-beating keeps the lease (for longer than the lease itself): b finds nothing to do.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 300));
      await a.storage.heartbeat([0]);
      assert.equal(await b.claim(1), undefined);
    }
    // a stops heart-beating (killed): after the lease, b retries trial 0.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await b.claim(1), { op: 'retry', id: 0, attempt: 2 });
    assert.equal(await a.storage.append({ op: 'report', id: 0, step: 1, value: 0.5 }), false, 'a report from the old runner is refused');
    assert.equal(await a.storage.append({ op: 'tell', id: 0, state: 'complete', value: 1 }), false, 'a tell from the old runner is refused');
    assert.equal(await b.storage.append({ op: 'tell', id: 0, state: 'complete', value: 2 }), true);
    const ops = (await b.storage.read(0)).map((e) => e.op);
    assert.deepEqual(ops, [
      { op: 'ask', id: 0, params: { x: 0 } },
      { op: 'retry', id: 0, attempt: 2 },
      { op: 'tell', id: 0, state: 'complete', value: 2 },
    ]);
    assert.equal(server.sql(`SELECT count(*) FROM nx_hpo_leases WHERE study = '${study}'`, 'hpo').trim(), '0', 'a tell ends the lease');
  });

  test('reports are visible to every connection, in order', async () => {
    const study = `reports-${studyCounter++}`;
    const a = new Replayer(await open(study));
    const b = await open(study);
    await a.claim(1);
    for (let step = 1; step <= 3; step++) assert.equal(await a.storage.append({ op: 'report', id: 0, step, value: step / 10 }), true);
    const reports = (await b.read(1)).map((e) => e.op);
    assert.deepEqual(reports, [1, 2, 3].map((step) => ({ op: 'report', id: 0, step, value: step / 10 })));
    assert.ok((await b.read(0)).every((e) => e.owner === a.storage.owner));
  });

  test('a tell whose commit went unanswered is not journalled twice', async () => {
    const a = new Replayer(await open(`twice-${studyCounter++}`));
    await a.claim(1);
    await a.storage.append({ op: 'tell', id: 0, state: 'complete', value: 1 });
    await a.storage.append({ op: 'tell', id: 0, state: 'complete', value: 1 });
    assert.equal((await a.storage.read(0)).filter((e) => e.op.op === 'tell').length, 1);
  });
});

describe('a connection lost mid-sweep', () => {
  test('is retried, then gives one clear line (the server went away)', async () => {
    const own = await startPostgres();
    try {
      own.sql(`CREATE ROLE hpo LOGIN PASSWORD 'lost-pw'; CREATE DATABASE hpo OWNER hpo;`);
      const warnings: string[] = [];
      const s = await PostgresStudyStorage.open(parseStorageUrl(own.url('hpo', 'lost-pw', 'hpo')), { study: 'lost', meta: {}, leaseMs: 30_000, retries: 3, warn: (l) => warnings.push(l) });
      opened.push(s);
      const r = new Replayer(s);
      assert.ok(await r.claim(2));
      own.stop();
      await assert.rejects(s.append({ op: 'tell', id: 0, state: 'complete', value: 1 }), (e: Error) => {
        assert.ok(e instanceof StorageError, String(e));
        assert.ok(!e.message.includes('\n') && !e.message.includes('lost-pw'), e.message);
        assert.match(e.message, /cannot reach PostgreSQL at 127\.0\.0\.1|lost the connection to postgresql:\/\/hpo@127\.0\.0\.1/);
        return true;
      });
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.match(warnings[0] ?? '', /^storage: lost the connection to postgresql:\/\/hpo@127\.0\.0\.1:\d+\/hpo \(.*\); retrying \(1\/2\)$/);
    } finally {
      own.stop();
    }
  });
});

describe('PostgreSQL storage errors: one line, no password', () => {
  async function openError(target: string): Promise<string> {
    try {
      await open(`errors-${studyCounter++}`, 1000, target);
    } catch (e) {
      assert.ok(e instanceof StorageError, `a StorageError, got ${String(e)}`);
      return e.message;
    }
    assert.fail('open should have failed');
  }
  const clean = (m: string) => {
    assert.ok(!m.includes('\n'), `one line: ${m}`);
    assert.ok(!m.includes('p@ss') && !m.includes('wrong-pw') && !m.includes(encodeURIComponent('p@ss w/rd:1')), `no password: ${m}`);
  };

  test('a bad URL', async () => {
    for (const bad of ['not a url', 'mysql://u:wrong-pw@h/db', 'postgresql://:wrong-pw@127.0.0.1/db', 'postgresql://u:wrong-pw@127.0.0.1/']) {
      await assert.rejects(openSharedStorage({ study: 's', meta: {}, env: { NX_HPO_STORAGE: bad } }), (e: Error) => {
        assert.ok(e instanceof StorageError);
        clean(e.message);
        assert.match(e.message, /NX_HPO_STORAGE/);
        return true;
      });
    }
  });

  test('a wrong password', async () => {
    const m = await openError(server.url('hpo', 'wrong-pw', 'hpo'));
    clean(m);
    assert.match(m, /refused the credentials of user 'hpo'/);
    assert.match(m, new RegExp(`postgresql://hpo@127\\.0\\.0\\.1:${server.port}/hpo`));
  });

  test('an unreachable server', async () => {
    const m = await openError('postgresql://hpo:wrong-pw@127.0.0.1:1/hpo');
    clean(m);
    assert.match(m, /cannot reach PostgreSQL at 127\.0\.0\.1:1/);
  });

  test('a missing database', async () => {
    const m = await openError(server.url('hpo', 'p@ss w/rd:1', 'nope'));
    clean(m);
    assert.match(m, /database 'nope' does not exist/);
  });

  test('a read-only user, before and after the schema exists', async () => {
    server.sql(`CREATE ROLE reader LOGIN PASSWORD 'wrong-pw-reader'; GRANT CONNECT ON DATABASE hpo TO reader;`);
    server.sql(`GRANT USAGE ON SCHEMA public TO reader; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;`, 'hpo');
    const m = await openError(server.url('reader', 'wrong-pw-reader', 'hpo'));
    clean(m);
    assert.match(m, /user 'reader' cannot write to postgresql:\/\/reader@/);
    // A fresh database where the reader may not create the tables either.
    server.sql(`CREATE DATABASE empty OWNER hpo; GRANT CONNECT ON DATABASE empty TO reader;`);
    const m2 = await openError(server.url('reader', 'wrong-pw-reader', 'empty'));
    clean(m2);
    assert.match(m2, /user 'reader' cannot write/);
  });

  test('a database with a newer schema is refused, not misread', async () => {
    server.sql(`CREATE DATABASE newer OWNER hpo;`);
    await open(`v-${studyCounter++}`, 1000, server.url('hpo', 'p@ss w/rd:1', 'newer'));
    server.sql(`INSERT INTO nx_hpo_schema_version (version) VALUES (${SCHEMA_VERSION + 1})`, 'newer');
    const m = await openError(server.url('hpo', 'p@ss w/rd:1', 'newer'));
    assert.match(m, new RegExp(`schema version ${SCHEMA_VERSION + 1}; this nx-hpo knows up to version ${SCHEMA_VERSION}`));
  });
});
