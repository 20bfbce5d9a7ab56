/**
 * Replaying a study journal: the asks and tells an earlier run of this very study made, fed to a
 * fresh study so a resumed or extended sweep continues exactly where it stood.
 */
import type { AskedTrial, Params, Study } from '@nx-hpo/optimizers';
import { canonicalJson } from '../store/canonical';
import type { JournalOp } from '../store/journal';
import type { StoreEntry } from '../store/trial-store';
import type { TrialRecord } from './outputs';

export interface ReplayResult {
  matched: boolean;
  /** Ops consumed (a prefix of the journal). */
  consumed: number;
  asked: number;
  /** Asked but never told (running when the earlier run stopped), in ask order. */
  pending: AskedTrial[];
  records: Array<{ record: TrialRecord; entry: StoreEntry }>;
  /** The replay stopped at a failed trial that is to be retried. */
  truncatedForRetry: boolean;
}

/** What the replay needs to know of a told trial: its stored entry and the record it answers. */
export type ReplayLookup = (id: number, params: Params) => { entry: StoreEntry | undefined; record: TrialRecord | undefined };

/**
 * Feeds the journal's asks and tells to a fresh study. Each ask must reproduce the journalled
 * parameters (else the algorithm or its inputs changed: no match) and each told trial must be in
 * the store. Stops at the budget, or at a failed trial to retry (its later history is dropped).
 */
export function replayJournal(ops: readonly JournalOp[], study: Study, total: number, lookup: ReplayLookup): ReplayResult {
  const open = new Map<number, AskedTrial>();
  const result: ReplayResult = { matched: true, consumed: 0, asked: 0, pending: [], records: [], truncatedForRetry: false };
  for (const op of ops) {
    if (op.op === 'ask') {
      if (result.asked >= total) break;
      // The recorded proposer and ask time: auto's cost decisions replay without re-measuring.
      const t = study.ask({ sampler: op.sampler, askMs: op.askMs });
      if (t.id !== op.id || canonicalJson(t.params) !== canonicalJson(op.params)) return { ...result, matched: false };
      open.set(t.id, t);
      result.asked++;
    } else {
      const t = open.get(op.id);
      if (!t) return { ...result, matched: false };
      const { entry, record } = lookup(t.id, t.params);
      if (!record || !entry) {
        if (op.state === 'failed') {
          result.truncatedForRetry = true; // retrain it: what followed was decided without it
          break;
        }
        return { ...result, matched: false };
      }
      open.delete(op.id);
      tellStudy(study, op.durationMs !== undefined ? { ...record, durationMs: op.durationMs } : record);
      result.records.push({ record, entry });
    }
    result.consumed++;
  }
  result.pending = [...open.values()].sort((a, b) => a.id - b.id);
  return result;
}

/** Tells the study a finished trial's outcome and how long it took (auto weighs its asks against it). */
export function tellStudy(study: Study, r: TrialRecord): void {
  const durationMs = r.durationMs;
  if (r.state === 'complete') study.tell(r.id, { state: 'complete', value: r.value as number, durationMs });
  else if (r.state === 'pruned') study.tell(r.id, { state: 'pruned', value: r.value, durationMs });
  else study.tell(r.id, { state: 'failed', error: r.error ?? 'failed', durationMs });
}

/** The journal line for a finished trial's outcome. */
export function tellOp(r: TrialRecord): JournalOp {
  if (r.state === 'failed') return { op: 'tell', id: r.id, state: 'failed', error: r.error ?? 'failed', durationMs: r.durationMs };
  return { op: 'tell', id: r.id, state: r.state, value: r.value as number, durationMs: r.durationMs };
}
