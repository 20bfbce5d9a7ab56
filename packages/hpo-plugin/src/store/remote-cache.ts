/**
 * Trial entries shared through the workspace's self-hosted Nx remote cache (the server that Nx's
 * OpenAPI spec for self-hosted caches describes: `GET`/`PUT /v1/cache/{hash}` with a bearer token),
 * so a trial trained on one CI machine is reused on every other. No new service for users to run.
 *
 * Keys are namespaced (`nx-hpo-trial-<sha256>`): Nx's own task hashes are decimal strings, so the
 * two can never collide. The cache is an accelerator, never a dependency: an unreachable server
 * gives one warning and the sweep goes on with the local store; a read-only token only reads.
 */
import type { Warn } from '../warnings';
import type { TrialStore } from './trial-store';

export interface RemoteCacheConfig {
  url: string;
  token?: string;
  /** Milliseconds per request before the server counts as unreachable. */
  timeoutMs?: number;
}

/** The remote cache the workspace is configured with, from Nx's own environment variables. */
export function remoteCacheFromEnv(env: NodeJS.ProcessEnv = process.env): RemoteCacheConfig | undefined {
  const url = env['NX_SELF_HOSTED_REMOTE_CACHE_SERVER'];
  if (!url) return undefined;
  return { url, token: env['NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN'] };
}

export const REMOTE_KEY_PREFIX = 'nx-hpo-trial-';

export class RemoteTrialCache {
  private disabled = false;
  private readOnly = false;
  private readonly uploads = new Set<Promise<void>>();
  pulled = 0;
  pushed = 0;

  constructor(
    private readonly config: RemoteCacheConfig,
    private readonly warn: Warn,
  ) {}

  private endpoint(key: string): string {
    return `${this.config.url.replace(/\/+$/, '')}/v1/cache/${REMOTE_KEY_PREFIX}${key}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.config.token ? { authorization: `Bearer ${this.config.token}` } : {}), ...extra };
  }

  private unreachable(e: unknown): void {
    if (this.disabled) return;
    this.disabled = true;
    const why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    this.warn(`remote cache ${this.config.url} unreachable (${why}); continuing with the local store only`);
  }

  /** Copies the entry for `key` from the remote cache into the local store; true when it arrived whole. */
  async pull(key: string, store: TrialStore): Promise<boolean> {
    if (this.disabled) return false;
    try {
      const res = await fetch(this.endpoint(key), { headers: this.headers(), signal: AbortSignal.timeout(this.config.timeoutMs ?? 10_000) });
      if (res.status === 404) return false;
      if (res.status === 401 || res.status === 403) {
        this.disabled = true;
        this.warn(`remote cache refused to read (HTTP ${res.status}): check NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN; continuing with the local store only`);
        return false;
      }
      if (!res.ok) {
        this.warn(`remote cache answered HTTP ${res.status} to a read; those trials are trained here instead`, `remote-pull-${res.status}`);
        return false;
      }
      const ok = store.importBundle(key, Buffer.from(await res.arrayBuffer()));
      if (ok) this.pulled++;
      else this.warn('remote cache sent a trial entry that does not verify; it is ignored and trained here', 'remote-damaged');
      return ok;
    } catch (e) {
      this.unreachable(e);
      return false;
    }
  }

  /** Uploads the stored entry for `key` in the background; `flush()` waits for all uploads. */
  push(key: string, store: TrialStore): void {
    if (this.disabled || this.readOnly) return;
    const bundle = store.exportBundle(key);
    if (!bundle) return;
    const upload = (async () => {
      try {
        const res = await fetch(this.endpoint(key), {
          method: 'PUT',
          headers: this.headers({ 'content-type': 'application/octet-stream', 'content-length': String(bundle.byteLength) }),
          body: bundle,
          signal: AbortSignal.timeout(this.config.timeoutMs ?? 30_000),
        });
        if (res.status === 403 || res.status === 401) {
          if (!this.readOnly) this.warn(`remote cache is read-only for this token (HTTP ${res.status}): trials are read from it, not written`);
          this.readOnly = true;
        } else if (res.ok || res.status === 409) {
          this.pushed++; // 409: someone uploaded the same entry first
        } else {
          const why = res.status === 413 ? 'the entry is larger than the server accepts' : 'the server refused it';
          this.warn(`remote cache answered HTTP ${res.status} to an upload (${why}); such trials stay in the local store only`, `remote-push-${res.status}`);
        }
      } catch (e) {
        this.unreachable(e);
      }
    })();
    this.uploads.add(upload);
    void upload.finally(() => this.uploads.delete(upload));
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.uploads]);
  }
}
