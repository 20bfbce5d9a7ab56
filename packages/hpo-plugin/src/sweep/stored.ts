/**
 * Looking a trial up: its stored entry (local store, then the remote cache) and what that entry
 * answers for this study — a finished record to tell without training, or nothing (train it).
 */
import type { Params } from '@nx-hpo/optimizers';
import type { RemoteTrialCache } from '../store/remote-cache';
import type { StoreEntry, TrialStore } from '../store/trial-store';
import type { TrialRecord } from './outputs';

export interface StoredAnswerRules {
  /** The objective metric the study is told. */
  metric: string;
  /** A pruned entry answers only a study that prunes; any other study needs the full run. */
  pruning: boolean;
  /** Stored failures are trained again (else they are told as failed). */
  retryFailed: boolean;
}

/** The local entry for `key`, else the remote cache's (pulled into the local store). */
export async function lookUpEntry(key: string, store: TrialStore | undefined, remote: RemoteTrialCache | undefined): Promise<StoreEntry | undefined> {
  if (!store) return undefined;
  const local = store.get(key);
  if (local || !remote) return local;
  return (await remote.pull(key, store)) ? store.get(key) : undefined;
}

/** The stored result of a trial, as a record, or undefined when it must be trained. */
export function storedRecord(id: number, params: Params, key: string, entry: StoreEntry | undefined, rules: StoredAnswerRules): TrialRecord | undefined {
  if (!entry) return undefined;
  const t = entry.trial;
  const base = { id, params, durationMs: t.durationMs, reused: true, key, epochs: 0 };
  if (t.state === 'complete') {
    const value = t.metrics?.[rules.metric];
    if (value === undefined || !Number.isFinite(value)) return undefined;
    return { ...base, state: 'complete', value, metrics: t.metrics, curve: curveOf(t.history, rules.metric) };
  }
  if (t.state === 'pruned') {
    const curve = curveOf(t.history, rules.metric);
    const value = curve[curve.length - 1];
    if (!rules.pruning || value === undefined) return undefined;
    return { ...base, state: 'pruned', value, metrics: t.metrics, curve };
  }
  if (!rules.retryFailed) return { ...base, state: 'failed', error: t.error, curve: [] };
  return undefined;
}

/** The objective's value at each epoch, as the trial reported it. */
export function curveOf(history: ReadonlyArray<Record<string, number>> | undefined, metric: string): number[] {
  return (history ?? []).map((h) => h[metric]).filter((v): v is number => typeof v === 'number');
}
