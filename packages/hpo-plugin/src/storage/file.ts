/**
 * The embedded default: the study journal as a local file (store/journal.ts, its format and its
 * lock unchanged). One run owns a study at a time, so there are no leases to keep and nobody
 * else's entries to read: a claim is an append. Per-epoch reports are not journalled here (the
 * trial store keeps every stored trial's history, which is what a replay needs).
 */
import { StudyJournal, type JournalOp } from '../store/journal';
import type { Claim, ClaimResult, ExpiredLease, JournalEntry, ReportOp, StudyStorage, TellOp } from './types';

export class FileStudyStorage implements StudyStorage {
  readonly shared = false;
  readonly owner = `pid ${process.pid}`;
  readonly leaseMs = undefined;
  private writable = true;

  private constructor(private readonly journal: StudyJournal) {}

  /** The journal of study `id` under `<storeRoot>/journals/`, or undefined when another live run holds it. */
  static open(storeRoot: string, id: string): FileStudyStorage | undefined {
    const journal = StudyJournal.open(storeRoot, id);
    return journal ? new FileStudyStorage(journal) : undefined;
  }

  get label(): string {
    return `file ${this.journal.path}`;
  }

  /** The journal's ops as they are now (what a replay reads). */
  get ops(): readonly JournalOp[] {
    return this.journal.ops;
  }

  read(after: number): Promise<JournalEntry[]> {
    return Promise.resolve(this.journal.ops.slice(after).map((op, i) => ({ seq: after + i + 1, op, owner: this.owner })));
  }

  async claim(after: number, decide: (entries: JournalEntry[], expired: ExpiredLease[]) => Claim | undefined): Promise<ClaimResult> {
    const entries = await this.read(after);
    const op = decide(entries, []);
    if (op === undefined) return { entries, cursor: after + entries.length };
    if (op.op !== 'ask') throw new Error(`a file journal has no expired leases to retry (trial ${op.id})`);
    this.write(op);
    const seq = after + entries.length + 1;
    return { entries, claimed: { op, seq }, cursor: seq };
  }

  append(op: TellOp | ReportOp): Promise<boolean> {
    if (op.op === 'tell') {
      // The file format has no summaries: a replay takes each told trial's result from the store.
      const { summary: _summary, ...tell } = op;
      this.write(tell);
    }
    return Promise.resolve(true);
  }

  heartbeat(): Promise<void> {
    return Promise.resolve();
  }

  /** The next run of this study replays the abandoned trials (journalled asks without tells). */
  release(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Replaces the journal with `ops` (a prefix, or nothing when a replay no longer matches), atomically.
   */
  rewrite(ops: JournalOp[]): void {
    this.journal.rewrite(ops);
  }

  /** Reads stay possible, appends are dropped (a run with a smaller budget leaves the journal whole). */
  freeze(): void {
    this.writable = false;
  }

  close(): Promise<void> {
    this.journal.close();
    return Promise.resolve();
  }

  private write(op: JournalOp): void {
    if (this.writable) this.journal.append(op);
  }
}
