/**
 * NX_HPO_STORAGE: `postgresql://user[:password]@host[:port]/database`. It comes from the
 * environment only; what is printed of it is `user@host:port/database`, never the password or
 * the URL as given.
 */
import { StorageError } from './types';

export const STORAGE_ENV = 'NX_HPO_STORAGE';

export interface PostgresTarget {
  /** The URL as given, for the client only: never print it. */
  url: string;
  user: string;
  password: string | undefined;
  host: string;
  port: number;
  database: string;
}

const FORMAT = 'postgresql://user[:password]@host[:port]/database';

/** Parses the URL; a bad one is a StorageError that does not repeat it (it may hold a password). */
export function parseStorageUrl(url: string): PostgresTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StorageError(`${STORAGE_ENV} is not a URL (expected ${FORMAT})`);
  }
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw new StorageError(`${STORAGE_ENV} must be a ${FORMAT} URL (got a '${u.protocol.replace(/:$/, '')}' URL); PostgreSQL is the only shared storage`);
  }
  const user = decodeURIComponent(u.username);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!u.hostname) throw new StorageError(`${STORAGE_ENV} names no host (expected ${FORMAT})`);
  if (!user) throw new StorageError(`${STORAGE_ENV} names no user (expected ${FORMAT})`);
  if (!database || database.includes('/')) throw new StorageError(`${STORAGE_ENV} names no database (expected ${FORMAT})`);
  const port = u.port === '' ? 5432 : Number(u.port);
  return { url, user, password: u.password === '' ? undefined : decodeURIComponent(u.password), host: u.hostname, port, database };
}

/** `user@host:port/database`: how a target appears in every message. */
export function describeTarget(t: PostgresTarget): string {
  return `postgresql://${t.user}@${t.host}:${t.port}/${t.database}`;
}

/** Removes the URL and the password from a message that might contain them (a driver's error). */
export function redact(message: string, t: Pick<PostgresTarget, 'url' | 'password'>): string {
  let out = message.split(t.url).join('postgresql://…');
  if (t.password) {
    out = out.split(t.password).join('***');
    const encoded = encodeURIComponent(t.password);
    if (encoded !== t.password) out = out.split(encoded).join('***');
  }
  return out;
}
