/**
 * The study journal: an append-only log of a study's asks and tells, one fsynced JSON line each,
 * so an adaptive search (bayesian, tpe, qlearning) resumes exactly where it stood after a crash or
 * with a bigger budget. A journal is owned by one run at a time (a lock file); a second concurrent
 * run on the same study reads nothing from it and writes nothing to it, and relies on trial keys.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Params } from '@nx-hpo/optimizers';
import { StudyLock } from './study-lock';

/**
 * `sampler` and `askMs` (the proposer and, for auto, the measured ask time) and `durationMs` are
 * handed back to the study on replay, so decisions that depend on measured costs replay exactly.
 */
export type JournalOp =
  | { op: 'ask'; id: number; params: Params; sampler?: string; askMs?: number }
  | { op: 'tell'; id: number; state: 'complete'; value: number; durationMs?: number }
  | { op: 'tell'; id: number; state: 'pruned'; value: number; durationMs?: number }
  | { op: 'tell'; id: number; state: 'failed'; error: string; durationMs?: number };

export class StudyJournal {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    private readonly lock: StudyLock,
    readonly ops: JournalOp[],
  ) {}

  /**
   * Opens (or creates) the journal of study `id` under `<storeRoot>/journals/`. Returns undefined
   * when another live process holds it.
   */
  static open(storeRoot: string, id: string): StudyJournal | undefined {
    const dir = join(storeRoot, 'journals');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${id}.jsonl`);
    const lock = StudyLock.acquire(`${path}.lock`);
    if (!lock) return undefined;
    const ops = existsSync(path) ? readOps(path) : [];
    const journal = new StudyJournal(path, lock, ops);
    journal.fd = openSync(path, 'a');
    return journal;
  }

  append(op: JournalOp): void {
    if (this.fd === undefined) throw new Error('journal is closed');
    writeSync(this.fd, JSON.stringify(op) + '\n');
    fsyncSync(this.fd);
    this.ops.push(op);
  }

  /**
   * Replaces the journal with `ops` (a prefix of it, or nothing when the replay did not match
   * because the study's code or inputs changed), atomically: a crash leaves the old or the new one.
   */
  rewrite(ops: JournalOp[]): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, ops.map((op) => JSON.stringify(op) + '\n').join(''));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    this.ops.splice(0, this.ops.length, ...ops);
    this.fd = openSync(this.path, 'a');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.lock.release();
  }
}

/** Reads whole lines; a torn last line (a crash mid-write) is cut off so appends stay well-formed. */
function readOps(path: string): JournalOp[] {
  const text = readFileSync(path, 'utf8');
  const ops: JournalOp[] = [];
  let good = 0;
  for (const line of text.split('\n')) {
    if (line === '') break;
    try {
      ops.push(JSON.parse(line) as JournalOp);
    } catch {
      break;
    }
    good += Buffer.byteLength(line) + 1;
  }
  if (good < Buffer.byteLength(text)) truncateSync(path, good);
  return ops;
}
