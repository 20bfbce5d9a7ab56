/**
 * A study shared through PostgreSQL: every process whose study identity matches reads and writes
 * one ordered journal, so an adaptive sampler sees every process's trials as one study does.
 *
 * The client is `pg` (node-postgres), loaded only when NX_HPO_STORAGE is set. Why `pg` and not
 * `postgres`: it is the most used and longest-kept Node client, pure JavaScript (no libpq to build),
 * with an explicit Pool/Client model — a claim is one transaction on one connection holding a
 * transaction-level advisory lock, which `pg` expresses directly — and typed errors carrying the
 * server's SQLSTATE, which is how a refused password or a read-only user gets one clear line.
 *
 * Ordering: every write to a study's journal (ask, tell, report, retry) takes the study's advisory
 * lock inside its transaction and numbers its entry max(seq)+1, so journal order is commit order
 * and a claim sees every entry before it. Leases use the server's clock (now()), never a
 * machine's, so clocks that disagree between machines cannot expire a live trial.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { describeTarget, redact, type PostgresTarget } from './url';
import { StorageError, type Claim, type ClaimResult, type ExpiredLease, type JournalEntry, type ReportOp, type StudyOp, type StudyStorage, type TellOp } from './types';

/** The schema this code reads and writes; older databases are migrated up to it, newer ones refused. */
export const SCHEMA_VERSION = 1;
/** First key of every advisory lock nx-hpo takes ('nxhp'); the second is 0 (schema) or the study's hash. */
const LOCK_NAMESPACE = 0x6e786870;

const MIGRATIONS: Record<number, string[]> = {
  1: [
    `CREATE TABLE IF NOT EXISTS nx_hpo_studies (
       study text PRIMARY KEY,
       meta jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       last_joined_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE IF NOT EXISTS nx_hpo_journal (
       study text NOT NULL REFERENCES nx_hpo_studies(study) ON DELETE CASCADE,
       seq bigint NOT NULL,
       op jsonb NOT NULL,
       owner text NOT NULL,
       written_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (study, seq))`,
    `CREATE TABLE IF NOT EXISTS nx_hpo_leases (
       study text NOT NULL REFERENCES nx_hpo_studies(study) ON DELETE CASCADE,
       trial integer NOT NULL,
       owner text NOT NULL,
       attempt integer NOT NULL,
       expires_at timestamptz NOT NULL,
       PRIMARY KEY (study, trial))`,
  ],
};

export interface PostgresStorageOptions {
  /** The study identity (sweep/runner.ts studyIdentity). */
  study: string;
  /** What the study is, stored once with it (algorithm, space…), for people reading the database. */
  meta: Record<string, unknown>;
  /** How long a trial's lease lasts without a heartbeat before another process may retry it. */
  leaseMs: number;
  /** Milliseconds to wait for a connection (default 10 s). */
  connectTimeoutMs?: number;
  /** Attempts for a statement whose connection was lost, before the storage gives up (default 5). */
  retries?: number;
  /** Told of each lost connection that is being retried. */
  warn?: (line: string) => void;
}

export class PostgresStudyStorage implements StudyStorage {
  readonly shared = true;
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly label: string;
  readonly leaseMs: number;

  private constructor(
    private readonly pool: Pool,
    private readonly target: PostgresTarget,
    private readonly opts: PostgresStorageOptions,
  ) {
    this.label = describeTarget(target);
    this.leaseMs = opts.leaseMs;
  }

  /**
   * Connects, creates or migrates the schema (under an advisory lock), and joins the study, which
   * also proves the user may write. Every failure is a StorageError of one line, password-free.
   */
  static async open(target: PostgresTarget, opts: PostgresStorageOptions): Promise<PostgresStudyStorage> {
    const pg = await import('pg');
    const pool = new pg.Pool({
      connectionString: target.url,
      max: 3,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      application_name: 'nx-hpo',
    });
    // An idle connection the server drops must not take the process down; the next query reconnects.
    pool.on('error', () => {});
    const storage = new PostgresStudyStorage(pool, target, opts);
    try {
      await storage.transaction(async (c) => {
        await migrate(c, storage.label);
        await c.query(
          `INSERT INTO nx_hpo_studies (study, meta) VALUES ($1, $2)
           ON CONFLICT (study) DO UPDATE SET last_joined_at = now()`,
          [opts.study, JSON.stringify(opts.meta)],
        );
      }, 'open');
    } catch (e) {
      await pool.end().catch(() => {});
      throw storage.storageError(e, 'open');
    }
    return storage;
  }

  async read(after: number): Promise<JournalEntry[]> {
    return this.withRetry('read', async () => {
      const r = await this.pool.query<{ seq: string; op: StudyOp; owner: string }>(
        'SELECT seq, op, owner FROM nx_hpo_journal WHERE study = $1 AND seq > $2 ORDER BY seq',
        [this.opts.study, after],
      );
      return r.rows.map(toEntry);
    });
  }

  async claim(after: number, decide: (entries: JournalEntry[], expired: ExpiredLease[]) => Claim | undefined): Promise<ClaimResult> {
    // Only what comes before `decide` is retried: `decide` changes the caller's study, so a
    // transaction lost after it is not replayed but reported (the run then stops cleanly).
    let decided = false;
    return this.withRetry('claim', () =>
      this.transaction(async (c) => {
        await this.lock(c);
        const rows = await c.query<{ seq: string; op: StudyOp; owner: string }>(
          'SELECT seq, op, owner FROM nx_hpo_journal WHERE study = $1 AND seq > $2 ORDER BY seq',
          [this.opts.study, after],
        );
        const entries = rows.rows.map(toEntry);
        const expired = await c.query<{ trial: number; attempt: number; owner: string }>(
          'SELECT trial, attempt, owner FROM nx_hpo_leases WHERE study = $1 AND expires_at < now() ORDER BY trial',
          [this.opts.study],
        );
        const cursor = entries.length > 0 ? entries[entries.length - 1].seq : after;
        if (decided) throw new StorageError(`lost the connection to ${this.label} while claiming a trial`);
        decided = true;
        const op = decide(
          entries,
          expired.rows.map((r) => ({ id: r.trial, attempt: r.attempt, owner: r.owner })),
        );
        if (op === undefined) return { entries, cursor };
        const seq = await this.insert(c, op);
        if (op.op === 'ask') {
          await c.query(
            `INSERT INTO nx_hpo_leases (study, trial, owner, attempt, expires_at)
             VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond')`,
            [this.opts.study, op.id, this.owner, this.opts.leaseMs],
          );
        } else {
          await c.query(
            `UPDATE nx_hpo_leases SET owner = $3, attempt = $4, expires_at = now() + $5 * interval '1 millisecond'
             WHERE study = $1 AND trial = $2`,
            [this.opts.study, op.id, this.owner, op.attempt, this.opts.leaseMs],
          );
        }
        return { entries, claimed: { op, seq }, cursor: seq };
      }, 'claim'),
    );
  }

  async append(op: TellOp | ReportOp): Promise<boolean> {
    return this.withRetry(op.op, () =>
      this.transaction(async (c) => {
        await this.lock(c);
        const lease = await c.query<{ owner: string }>('SELECT owner FROM nx_hpo_leases WHERE study = $1 AND trial = $2', [this.opts.study, op.id]);
        // Another process retried this trial after our lease expired: its result is the study's.
        if (lease.rows.length > 0 && lease.rows[0].owner !== this.owner) return false;
        if (op.op === 'tell') {
          const told = await c.query(`SELECT 1 FROM nx_hpo_journal WHERE study = $1 AND op->>'op' = 'tell' AND (op->>'id')::int = $2`, [this.opts.study, op.id]);
          if (told.rows.length > 0) return true; // a tell whose commit we did not hear back from
          await c.query('DELETE FROM nx_hpo_leases WHERE study = $1 AND trial = $2', [this.opts.study, op.id]);
        }
        await this.insert(c, op);
        return true;
      }, op.op),
    );
  }

  async heartbeat(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.withRetry('heartbeat', () =>
      this.pool.query(
        `UPDATE nx_hpo_leases SET expires_at = now() + $3 * interval '1 millisecond'
         WHERE study = $1 AND owner = $2 AND trial = ANY($4::int[])`,
        [this.opts.study, this.owner, this.opts.leaseMs, ids],
      ),
    );
  }

  async release(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.withRetry('release', () =>
      this.pool.query(
        `UPDATE nx_hpo_leases SET expires_at = now() - interval '1 millisecond'
         WHERE study = $1 AND owner = $2 AND trial = ANY($3::int[])`,
        [this.opts.study, this.owner, ids],
      ),
    );
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  private async lock(c: PoolClient): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, this.opts.study]);
  }

  /** Appends an entry at the end of the journal; the caller holds the study's lock. */
  private async insert(c: PoolClient, op: StudyOp): Promise<number> {
    const r = await c.query<{ seq: string }>(
      `INSERT INTO nx_hpo_journal (study, seq, op, owner)
       SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3 FROM nx_hpo_journal WHERE study = $1
       RETURNING seq`,
      [this.opts.study, JSON.stringify(op), this.owner],
    );
    return Number(r.rows[0].seq);
  }

  private async transaction<T>(body: (c: PoolClient) => Promise<T>, what: string): Promise<T> {
    const c = await this.pool.connect();
    // A connection that dies while checked out also emits 'error'; its query rejects anyway.
    const ignore = () => {};
    c.on('error', ignore);
    let broken = false;
    try {
      await c.query('BEGIN');
      const out = await body(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw e instanceof StorageError ? e : Object.assign(e as Error, { during: what });
    } finally {
      c.removeListener('error', ignore);
      c.release(broken);
    }
  }

  /** Runs `fn` again while the connection is what failed, then gives up with one line. */
  private async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const attempts = this.opts.retries ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof StorageError) throw e;
        if (!isConnectionError(e) || attempt >= attempts) throw this.storageError(e, what);
        this.opts.warn?.(`storage: lost the connection to ${this.label} (${redact(messageOf(e), this.target)}); retrying (${attempt}/${attempts - 1})`);
        await sleep(Math.min(4000, 250 * 2 ** (attempt - 1)));
      }
    }
  }

  /** One clear, password-free line for a failure of the server or the connection. */
  private storageError(e: unknown, what: string): StorageError {
    if (e instanceof StorageError) return e;
    const t = this.target;
    const where = this.label;
    const code = (e as { code?: string }).code;
    const msg = redact(messageOf(e), t);
    let line: string;
    if (code === '28P01' || code === '28000') line = `${where} refused the credentials of user '${t.user}' (${msg})`;
    else if (code === '3D000') line = `${where}: database '${t.database}' does not exist`;
    else if (code === '42501' || code === '25006') {
      line = `user '${t.user}' cannot write to ${where} (${msg}); a shared study needs INSERT, UPDATE and DELETE on the nx_hpo_* tables (and CREATE the first time, to make them)`;
    } else if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || /timeout/i.test(msg)) {
      line = `cannot reach PostgreSQL at ${t.host}:${t.port} (${msg})`;
    } else if (isConnectionError(e)) line = `lost the connection to ${where} (${msg})`;
    else line = `${where}: ${what} failed: ${msg}`;
    return new StorageError(redact(line, t));
  }
}

/** Creates or migrates the nx_hpo_* tables; the caller's transaction holds the schema lock. */
async function migrate(c: PoolClient, where: string): Promise<void> {
  // Read first: a user that may only write rows (not create tables) joins a ready database.
  const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('nx_hpo_schema_version')::text AS t`);
  if (exists.rows[0].t !== null) {
    const v = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM nx_hpo_schema_version');
    if ((v.rows[0].v ?? 0) === SCHEMA_VERSION) return;
  }
  await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_NAMESPACE]);
  await c.query(`CREATE TABLE IF NOT EXISTS nx_hpo_schema_version (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now())`);
  const v = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM nx_hpo_schema_version');
  const current = v.rows[0].v ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new StorageError(`${where} holds nx-hpo schema version ${current}; this nx-hpo knows up to version ${SCHEMA_VERSION}: upgrade nx-hpo on this machine`);
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    for (const sql of MIGRATIONS[version]) await c.query(sql);
    await c.query('INSERT INTO nx_hpo_schema_version (version) VALUES ($1) ON CONFLICT DO NOTHING', [version]);
  }
}

function toEntry(r: { seq: string; op: StudyOp; owner: string }): JournalEntry {
  return { seq: Number(r.seq), op: r.op, owner: r.owner };
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(messageOf(e));
}

function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] || (e as { code?: string }).code || 'unknown error';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
