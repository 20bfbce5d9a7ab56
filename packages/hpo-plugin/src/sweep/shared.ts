/**
 * One study shared by many processes through a StudyStorage (PostgreSQL): this process's Study is
 * a replica fed only from the storage's ordered journal, so every process holds the same study.
 *
 * - An ask happens inside the storage's claim, under the study's lock, on a replica that has seen
 *   every entry before it: any process replaying the journal re-asks exactly the same parameters
 *   (a difference means the processes disagree on the code or inputs, and is refused).
 * - Trials asked and not yet told are `running` in every replica: samplers treat them as pending,
 *   exactly as the asks of one process at parallelism k.
 * - Leases: this process heart-beats the trials it runs; a trial whose lease expired (its process
 *   was killed) is claimed again by the next process that looks, and the retry is journalled.
 * - Reports go through the journal, so a pruner decides on every process's curves.
 */
import type { AskedTrial, Study, TellResult } from '@nx-hpo/optimizers';
import { canonicalJson } from '../store/canonical';
import type { ExpiredLease, JournalEntry, StudyStorage, TellOp, TrialSummary } from '../storage/types';
import { StorageError } from '../storage/types';

/** A retried trial whose process died this many times is told failed instead of run again. */
export const MAX_ATTEMPTS = 3;

/** A trial this process claimed: a new one, or another attempt at one whose process died. */
export interface ClaimedTrial extends AskedTrial {
  /** 1 for a fresh ask, 2 for the first retry… */
  attempt: number;
}

/** A tell read from the journal, with whether this very process wrote it. */
export interface ToldTrial {
  id: number;
  params: AskedTrial['params'];
  result: TellResult;
  summary: TrialSummary | undefined;
  mine: boolean;
}

export interface SharedStudyOptions {
  /** The budget: no ask beyond this many trials. */
  total: number;
  /** Every tell, in journal order, once. */
  onTold: (t: ToldTrial) => void;
  /** A retry of a trial whose process stopped heart-beating, and other notable events. */
  log: (line: string) => void;
  /** Heartbeat period (default: a quarter of the lease). */
  heartbeatMs: number;
}

export class SharedStudy {
  private cursor = 0;
  private asked = 0;
  /** Trials this process holds the lease of → attempt. */
  private readonly mine = new Map<number, number>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatFailure: StorageError | undefined;
  /** One journal operation at a time: a claim's ask must not be re-applied by a sync racing it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly storage: StudyStorage,
    readonly study: Study,
    private readonly opts: SharedStudyOptions,
  ) {}

  /** Reads and applies whatever the other processes journalled since the last look. */
  sync(): Promise<void> {
    return this.exclusive(() => this.syncNow());
  }

  private async syncNow(): Promise<void> {
    this.throwIfHeartbeatFailed();
    this.apply(await this.storage.read(this.cursor));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** True when the whole budget was asked and every asked trial was told. */
  get finished(): boolean {
    return this.asked >= this.opts.total && this.study.trials.every((t) => t.state !== 'running');
  }

  /** Trials asked by any process and not told yet. */
  get running(): number {
    return this.study.trials.filter((t) => t.state === 'running').length;
  }

  /**
   * The next trial for this process: another attempt at a trial whose lease expired, else a new
   * ask within the budget, else nothing (the budget is asked; others may still be running).
   */
  claim(): Promise<ClaimedTrial | undefined> {
    return this.exclusive(() => this.claimNow());
  }

  private async claimNow(): Promise<ClaimedTrial | undefined> {
    this.throwIfHeartbeatFailed();
    for (;;) {
      const r = await this.storage.claim(this.cursor, (entries, expired) => this.decide(entries, expired));
      this.cursor = r.cursor;
      const claimed = r.claimed?.op;
      if (!claimed) return undefined;
      const trial = this.study.trial(claimed.id);
      const asked = { id: claimed.id, params: { ...trial.params }, sampler: trial.sampler ?? this.study.algorithm };
      if (claimed.op === 'ask') {
        this.asked++;
        this.mine.set(claimed.id, 1);
        return { ...asked, attempt: 1 };
      }
      this.mine.set(claimed.id, claimed.attempt);
      if (claimed.attempt <= MAX_ATTEMPTS) {
        this.opts.log(`trial ${claimed.id}: its process stopped heart-beating; retrying it here (attempt ${claimed.attempt})`);
        return { ...asked, attempt: claimed.attempt };
      }
      const error = `its process stopped heart-beating ${MAX_ATTEMPTS} times`;
      this.opts.log(`trial ${claimed.id}: ${error}; told failed, not retried again`);
      await this.tellNow(claimed.id, { state: 'failed', error }, { durationMs: 0, curve: [], error });
    }
  }

  /** Inside the claim's lock: catch up with the journal, then choose. Changes the replica. */
  private decide(entries: JournalEntry[], expired: ExpiredLease[]) {
    this.apply(entries);
    // Our own expired leases are not retried here: the heartbeat renews them (a busy moment).
    const retry = expired.find((l) => l.owner !== this.storage.owner && this.study.trial(l.id).state === 'running');
    if (retry) return { op: 'retry' as const, id: retry.id, attempt: retry.attempt + 1 };
    if (this.asked >= this.opts.total || this.study.remaining === 0) return undefined;
    const t = this.study.ask();
    // The proposer and (auto) the measured ask time travel with the ask, so every replica replays it exactly.
    return { op: 'ask' as const, id: t.id, params: t.params, sampler: t.sampler, ...(t.askMs !== undefined ? { askMs: t.askMs } : {}) };
  }

  /**
   * Journals an epoch's objective and answers whether the trial should stop, judged on every
   * process's reports. A retried trial re-reports epochs its first attempt reported: those are
   * not journalled again, and only the latest one is judged.
   */
  report(id: number, step: number, value: number): Promise<boolean> {
    return this.exclusive(() => this.reportNow(id, step, value));
  }

  private async reportNow(id: number, step: number, value: number): Promise<boolean> {
    const last = this.study.trial(id).intermediate.at(-1);
    if (last === undefined || step > last[0]) {
      if (!(await this.storage.append({ op: 'report', id, step, value }))) return this.lost(id);
    }
    await this.syncNow();
    const latest = this.study.trial(id).intermediate.at(-1);
    return latest !== undefined && latest[0] === step && this.study.shouldPrune(id);
  }

  /**
   * Journals a finished trial. False when another process had already taken it over (this
   * process's lease had expired): the study keeps that process's result.
   */
  tell(id: number, result: TellResult, summary: TrialSummary): Promise<boolean> {
    return this.exclusive(() => this.tellNow(id, result, summary));
  }

  private async tellNow(id: number, result: TellResult, summary: TrialSummary): Promise<boolean> {
    const op: TellOp =
      result.state === 'failed'
        ? { op: 'tell', id, state: 'failed', error: result.error ?? 'failed', durationMs: summary.durationMs, summary }
        : { op: 'tell', id, state: result.state, value: result.value as number, durationMs: summary.durationMs, summary };
    const accepted = await this.storage.append(op);
    this.mine.delete(id);
    if (!accepted) this.opts.log(`trial ${id}: another process took it over after this one's lease expired; its result is the study's`);
    await this.syncNow();
    return accepted;
  }

  private lost(id: number): false {
    this.mine.delete(id);
    return false;
  }

  /** Heart-beats this process's trials until stopHeartbeat(); a failure surfaces at the next call. */
  startHeartbeat(): void {
    this.heartbeatTimer = setInterval(() => {
      if (this.mine.size === 0) return;
      this.storage.heartbeat([...this.mine.keys()]).catch((e: unknown) => {
        this.heartbeatFailure ??= e instanceof StorageError ? e : new StorageError(String(e));
      });
    }, this.opts.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  /** Hands the trials this process still holds to the other processes (it stops without finishing them). */
  async release(): Promise<void> {
    const ids = [...this.mine.keys()];
    this.mine.clear();
    await this.storage.release(ids);
  }

  stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private throwIfHeartbeatFailed(): void {
    if (this.heartbeatFailure) throw this.heartbeatFailure;
  }

  /** Feeds journal entries to the replica, in order. */
  private apply(entries: readonly JournalEntry[]): void {
    for (const e of entries) {
      if (e.seq <= this.cursor) continue; // seen already
      this.applyOne(e);
      this.cursor = e.seq;
    }
  }

  private applyOne({ op, owner }: JournalEntry): void {
    switch (op.op) {
      case 'ask': {
        const t = this.study.ask({ ...(op.sampler !== undefined ? { sampler: op.sampler } : {}), ...(op.askMs !== undefined ? { askMs: op.askMs } : {}) });
        if (t.id !== op.id || canonicalJson(t.params) !== canonicalJson(op.params)) {
          throw new StorageError(
            `the shared study's trial ${op.id} was asked as ${canonicalJson(op.params)}, but this process suggests ${canonicalJson(t.params)} for trial ${t.id}: every process of a shared study must run the same nx-hpo version on the same inputs`,
          );
        }
        this.asked++;
        return;
      }
      case 'report': {
        const t = this.study.trial(op.id);
        const last = t.intermediate.at(-1);
        if (t.state === 'running' && (last === undefined || op.step > last[0])) this.study.report(op.id, op.step, op.value);
        return;
      }
      case 'retry':
        if (owner !== this.storage.owner) this.mine.delete(op.id);
        return;
      case 'tell': {
        const t = this.study.trial(op.id);
        if (t.state !== 'running') return; // told twice (a lost commit's retry): the first counts
        const durationMs = op.durationMs ?? op.summary?.durationMs;
        const timed = durationMs !== undefined ? { durationMs } : {};
        const result: TellResult =
          op.state === 'failed'
            ? { state: 'failed', error: op.error, ...timed }
            : op.state === 'pruned'
              ? { state: 'pruned', value: op.value, ...timed }
              : { state: 'complete', value: op.value, ...timed };
        this.study.tell(op.id, result);
        this.opts.onTold({ id: op.id, params: { ...t.params }, result, summary: op.summary, mine: owner === this.storage.owner });
        return;
      }
    }
  }
}
