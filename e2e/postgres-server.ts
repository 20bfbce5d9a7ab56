/**
 * A real PostgreSQL 15 cluster for tests, in a temporary folder: initdb and pg_ctl run as the
 * `postgres` user (initdb refuses root), on a free loopback port, with fsync off, password
 * authentication (scram) so that a wrong password is really refused, and stopped by stop() — or,
 * should a test die first, when this process exits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PG_BIN = process.env['NX_HPO_TEST_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  port: number;
  /** A URL for `user` (defaults: the superuser, database `postgres`). */
  url(user?: string, password?: string, database?: string): string;
  /** Runs SQL statements as the superuser, each in its own transaction (psql). */
  sql(statements: string, database?: string): string;
  stop(): void;
}

const SUPERUSER_PASSWORD = 'super-secret-pw';
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function asPostgres(cmd: string, args: string[]): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function postgresAvailable(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
}

export async function startPostgres(): Promise<PostgresServer> {
  if (!postgresAvailable()) {
    throw new Error(`PostgreSQL 15 binaries are missing in ${PG_BIN}: apt-get install -y postgresql (.ci/run does it)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'nx-hpo-pg-'));
  const data = join(dir, 'data');
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore' });
    }
    try {
      // The server may still be removing its own files for a moment after pg_ctl returns.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      // leave it to the OS's temp clean-up rather than die in a signal handler
    }
    process.removeListener('exit', stop);
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
  // Stopped also when this process is interrupted or terminated (then the signal goes on as
  // before); registered first, so that an interrupted start-up cleans up too.
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    process.kill(process.pid, signal);
  };
  process.on('exit', stop);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  let port: number;
  try {
    chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    const pwfile = join(dir, 'pw');
    writeFileSync(pwfile, SUPERUSER_PASSWORD + '\n');
    chownSync(pwfile, uidOf('postgres'), gidOf('postgres'));
    asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
    port = await freePort();
    started = true; // from here on, stop() stops a server that may have come up
    asPostgres('pg_ctl', [
      '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60',
      '-o', `-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c max_connections=200`,
      'start',
    ]);
  } catch (e) {
    stop();
    throw e;
  }
  const url = (user = 'postgres', password = user === 'postgres' ? SUPERUSER_PASSWORD : undefined, database = 'postgres') =>
    `postgresql://${encodeURIComponent(user)}${password !== undefined ? ':' + encodeURIComponent(password) : ''}@127.0.0.1:${port}/${database}`;
  const sql = (statements: string, database = 'postgres') =>
    execFileSync(join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-d', url('postgres', SUPERUSER_PASSWORD, database), '-f', '-'], { encoding: 'utf8', input: statements });
  return { port, url, sql, stop };
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
