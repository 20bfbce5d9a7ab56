/**
 * Which storage a study uses: PostgreSQL when NX_HPO_STORAGE is set (its client is loaded only
 * then), else the local file journal in the trial store.
 */
import { STORAGE_ENV, parseStorageUrl } from './url';
import { StorageError, type StudyStorage } from './types';

export * from './types';
export { FileStudyStorage } from './file';
export { STORAGE_ENV, describeTarget, parseStorageUrl, redact } from './url';

export const LEASE_ENV = 'NX_HPO_LEASE_SECONDS';
/** A trial whose process has not heart-beaten for this long is retried by another process. */
export const DEFAULT_LEASE_SECONDS = 60;

/** The lease (heartbeat grace period) in milliseconds, from NX_HPO_LEASE_SECONDS or the default. */
export function leaseMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[LEASE_ENV];
  if (raw === undefined || raw === '') return DEFAULT_LEASE_SECONDS * 1000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 1) throw new StorageError(`${LEASE_ENV} must be a number of seconds, at least 1 (got '${raw}')`);
  return s * 1000;
}

export interface SharedStorageRequest {
  study: string;
  meta: Record<string, unknown>;
  leaseMs?: number;
  warn?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The shared storage NX_HPO_STORAGE names, or undefined when it is not set. */
export async function openSharedStorage(req: SharedStorageRequest): Promise<StudyStorage | undefined> {
  const env = req.env ?? process.env;
  const url = env[STORAGE_ENV];
  if (url === undefined || url === '') return undefined;
  const target = parseStorageUrl(url);
  const { PostgresStudyStorage } = await import('./postgres');
  return PostgresStudyStorage.open(target, {
    study: req.study,
    meta: req.meta,
    leaseMs: req.leaseMs ?? leaseMsFromEnv(env),
    ...(req.warn ? { warn: req.warn } : {}),
  });
}
