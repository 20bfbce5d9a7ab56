/**
 * Where a study's journal lives (Optuna's `storages/`): one ordered log of asks, tells, per-epoch
 * reports and retries, plus the leases that say which process is running which trial.
 *
 * Two implementations: the local file journal (file.ts, the embedded default: one run owns a study
 * at a time) and PostgreSQL (postgres.ts, chosen by NX_HPO_STORAGE: any number of processes on
 * any number of machines share one study). The runner talks to this interface only.
 */
import { UserError } from '../errors';
import type { JournalOp } from '../store/journal';

/** The small, weight-free result of a trial that a shared journal carries with its tell. */
export interface TrialSummary {
  value?: number;
  durationMs: number;
  metrics?: Record<string, number>;
  error?: string;
  key?: string;
  /** The objective at each epoch the trial reported. */
  curve: number[];
}

export type AskOp = Extract<JournalOp, { op: 'ask' }>;
export type TellOp = Extract<JournalOp, { op: 'tell' }> & { summary?: TrialSummary };
/** An epoch's objective, so that pruners in every process see every trial's curve. */
export interface ReportOp {
  op: 'report';
  id: number;
  step: number;
  value: number;
}
/** A trial whose runner stopped heart-beating, claimed again by another process. */
export interface RetryOp {
  op: 'retry';
  id: number;
  /** 2 for the first retry. */
  attempt: number;
}
export type StudyOp = AskOp | TellOp | ReportOp | RetryOp;

export interface JournalEntry {
  /** Position in the study's journal: 1, 2, 3… in the one order every process sees. */
  seq: number;
  op: StudyOp;
  /** The process that wrote it (storage.owner), where the storage records it. */
  owner?: string;
}

/** A running trial whose lease ran out: its process died (or lost the database) mid-trial. */
export interface ExpiredLease {
  id: number;
  attempt: number;
  owner: string;
}

/** What a claim appends: a new trial (ask) or another attempt at an expired one (retry). */
export type Claim = AskOp | RetryOp;

export interface ClaimResult {
  /** The entries after `after` that `decide` saw (not including the claim itself). */
  entries: JournalEntry[];
  /** What was claimed, with its journal position; undefined when `decide` claimed nothing. */
  claimed?: { op: Claim; seq: number };
  /** The journal position this process has now seen (the claim included). */
  cursor: number;
}

export interface StudyStorage {
  /** Where the journal is, for logs: never contains a password or a URL's credentials. */
  readonly label: string;
  /** True when other processes may write the same study at the same time (leases matter). */
  readonly shared: boolean;
  /** This process, as written into its entries and leases. */
  readonly owner: string;
  /** How long a lease lasts without a heartbeat (undefined: this storage has no leases). */
  readonly leaseMs: number | undefined;
  /** Every entry after journal position `after`, in journal order. */
  read(after: number): Promise<JournalEntry[]>;
  /**
   * The one serialized step of a shared study. Under the study's lock, `decide` sees every entry
   * after `after` and the expired leases, and returns the trial this process takes: an ask (a new
   * lease) or a retry of an expired trial (the lease moves here), or nothing. Since every claim
   * sees every entry before it, all processes replay the same asks from the same journal.
   */
  claim(after: number, decide: (entries: JournalEntry[], expired: ExpiredLease[]) => Claim | undefined): Promise<ClaimResult>;
  /**
   * Appends a tell (ending this process's lease on the trial) or a report. Returns false when the
   * entry was refused because another process has taken the trial over (this lease had expired).
   */
  append(op: TellOp | ReportOp): Promise<boolean>;
  /** Extends this process's leases on the trials it is running. */
  heartbeat(ids: number[]): Promise<void>;
  /** Ends this process's leases on trials it abandons (Ctrl-C): the next process to look retries them at once. */
  release(ids: number[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A storage that cannot be used (unreachable, bad credentials, read-only, bad URL, lost): a user's
 * error, printed as one clear line with no password in it.
 */
export class StorageError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}
