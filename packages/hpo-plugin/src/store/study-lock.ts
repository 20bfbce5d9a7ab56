/**
 * The lock that gives one run at a time a study journal.
 *
 * - No window between creating the lock and writing it: the owner record is written to a private
 *   file first and hard-linked into place (link fails if the lock exists), so a lock is never seen
 *   empty or half written.
 * - A lock left by a dead run is taken over: on the same host when its pid is gone (at once, so a
 *   re-run right after `kill -9` resumes the journal); from another host (a shared store on a network
 *   disk) when the owner stopped refreshing its mtime for `staleMs`.
 * - Taking over is itself race-free: the stale lock is renamed aside, and if what was renamed turns
 *   out to be another run's fresh lock, it is linked back.
 *
 * Why not proper-lockfile: it judges staleness by age alone, so after `kill -9` on the same machine
 * a re-run would have to wait out the stale period before it could resume the journal.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockOptions {
  /** A lock from another host whose mtime is older than this is abandoned (default 60 s). */
  staleMs?: number;
  /** How often the owner refreshes its lock's mtime (default 10 s). */
  heartbeatMs?: number;
}

interface Owner {
  pid: number;
  host: string;
  nonce: string;
}

export class StudyLock {
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly path: string,
    private readonly owner: Owner,
    heartbeatMs: number,
  ) {
    this.timer = setInterval(() => this.touch(), heartbeatMs);
    this.timer.unref();
  }

  /** Takes the lock at `path`, or returns undefined when a live run holds it. */
  static acquire(path: string, options: LockOptions = {}): StudyLock | undefined {
    const owner: Owner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex') };
    const staleMs = options.staleMs ?? 60_000;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryCreate(path, owner)) return new StudyLock(path, owner, options.heartbeatMs ?? 10_000);
      const held = readLock(path);
      if (held === 'gone') continue; // released meanwhile: try again
      if (!isStale(held, staleMs)) return undefined;
      if (!removeStale(path, held)) return undefined;
    }
    return undefined;
  }

  private touch(): void {
    try {
      const now = new Date();
      utimesSync(this.path, now, now);
    } catch {
      // taken over or removed: release() will find out
    }
  }

  /** Releases the lock if it is still ours. */
  release(): void {
    clearInterval(this.timer);
    const held = readLock(this.path);
    if (held !== 'gone' && held.owner?.nonce === this.owner.nonce) rmSync(this.path, { force: true });
  }
}

function tryCreate(path: string, owner: Owner): boolean {
  const tmp = `${path}.${owner.nonce}.tmp`;
  writeFileSync(tmp, JSON.stringify(owner));
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  } finally {
    rmSync(tmp, { force: true });
  }
}

interface HeldLock {
  /** Undefined for a lock whose content is not an owner record (written by an older version). */
  owner: Owner | undefined;
  text: string;
  mtimeMs: number;
}

function readLock(path: string): HeldLock | 'gone' {
  try {
    const mtimeMs = statSync(path).mtimeMs;
    const text = readFileSync(path, 'utf8');
    let owner: Owner | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<Owner>;
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') owner = { pid: parsed.pid, host: parsed.host, nonce: String(parsed.nonce ?? '') };
    } catch {
      owner = undefined;
    }
    return { owner, text, mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
}

/** Same host: its process is gone. Another host, or no owner record: not refreshed for `staleMs`. */
export function isStale(held: HeldLock, staleMs: number, now = Date.now()): boolean {
  if (held.owner && held.owner.host === hostname()) return !processAlive(held.owner.pid);
  return now - held.mtimeMs > staleMs;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves a stale lock aside; if another run's fresh lock was moved instead, puts it back. */
function removeStale(path: string, held: HeldLock): boolean {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== held.text) {
    try {
      linkSync(aside, path); // not the lock we judged: give it back
    } catch {
      // its owner's slot was taken meanwhile; that run holds the lock now
    }
    rmSync(aside, { force: true });
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}
