/**
 * What a sweep leaves behind: trials.jsonl (appended as trials finish, so nothing is lost on a
 * crash), then trials.csv, best.json, best-model/ and report.md at the end.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Direction, Params } from '@nx-hpo/optimizers';
import { writeModel, type ModelArtifacts } from '../training/save';
import { compareComplete, type TieBreak } from './best';
import { csvField, formatDuration, formatParam, formatValue, table } from './format';

export interface TrialRecord {
  id: number;
  params: Params;
  state: 'complete' | 'failed' | 'pruned';
  /** The objective: final for complete trials, last reported for pruned ones. */
  value?: number;
  durationMs: number;
  /** Final-epoch metrics of a complete trial. */
  metrics?: Record<string, number>;
  error?: string;
  /** True when the result came from the trial store instead of training. */
  reused: boolean;
  /** The trial key (store/trial-key.ts). */
  key?: string;
  /** Epochs this trial trained in this run (0 when reused from the store). */
  epochs: number;
  /** The objective at each epoch the trial reported. */
  curve: number[];
  /** The sampler that proposed the trial (with algorithm auto, the portfolio member). */
  sampler?: string;
  /** Trained trials: when training started and ended, in ms since the sweep started (report timeline). */
  startMs?: number;
  endMs?: number;
  /** Trained trials: the worker slot (0-based) that trained it. */
  slot?: number;
}

export interface BestRecord {
  trial: number;
  params: Params;
  value: number;
  metric: string;
  direction: Direction;
  metrics: Record<string, number>;
  /** Present when other complete trials share the best value: how the tie was broken (best.ts). */
  tieBreak?: TieBreak;
}

const FILES = ['trials.jsonl', 'trials.csv', 'best.json', 'report.md', 'report.html', 'study.json', 'best-model'];

export class SweepOutputs {
  constructor(readonly dir: string) {}

  /** Clears what an earlier sweep left, so outputs never mix two runs. */
  reset(): void {
    mkdirSync(this.dir, { recursive: true });
    for (const f of FILES) rmSync(join(this.dir, f), { recursive: true, force: true });
  }

  appendTrial(record: TrialRecord): void {
    appendFileSync(join(this.dir, 'trials.jsonl'), JSON.stringify(record) + '\n');
  }

  writeCsv(records: TrialRecord[], paramNames: string[]): void {
    const header = ['id', 'state', 'value', 'durationMs', 'reused', 'sampler', ...paramNames, 'error'];
    const rows = records.map((r) => [r.id, r.state, r.value ?? '', r.durationMs, r.reused, r.sampler ?? '', ...paramNames.map((p) => r.params[p]), r.error ?? '']);
    const text = [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
    writeFileSync(join(this.dir, 'trials.csv'), text);
  }

  writeBest(best: BestRecord, model: ModelArtifacts | undefined): void {
    writeFileSync(join(this.dir, 'best.json'), JSON.stringify(best, null, 2) + '\n');
    if (model) writeModel(join(this.dir, 'best-model'), model);
  }

  writeStudy(json: unknown): void {
    writeFileSync(join(this.dir, 'study.json'), JSON.stringify(json) + '\n');
  }

  writeReport(text: string): void {
    writeFileSync(join(this.dir, 'report.md'), text);
  }
}

/**
 * Complete trials best-first (ties broken as in best.ts), then pruned ones (by the value they
 * reached), then failed ones by id.
 */
export function rankTrials(records: TrialRecord[], direction: Direction, metric = ''): TrialRecord[] {
  const sign = direction === 'maximize' ? -1 : 1;
  const byValue = (a: TrialRecord, b: TrialRecord) => sign * ((a.value as number) - (b.value as number)) || a.id - b.id;
  const complete = records.filter((r) => r.state === 'complete').sort((a, b) => compareComplete(a, b, { metric, direction }));
  const pruned = records.filter((r) => r.state === 'pruned').sort(byValue);
  const failed = records.filter((r) => r.state === 'failed').sort((a, b) => a.id - b.id);
  return [...complete, ...pruned, ...failed];
}

/**
 * The ranked leaderboard printed at the end of a sweep and written into report.md. When more than
 * one sampler proposed trials (algorithm auto), a `sampler` column says which one proposed each.
 */
export function leaderboard(records: TrialRecord[], direction: Direction, metric: string, paramNames: string[], limit = 10): string {
  const ranked = rankTrials(records, direction, metric).slice(0, limit);
  const bySampler = new Set(records.map((r) => r.sampler)).size > 1;
  const rows = ranked.map((r, i) => [
    r.state === 'complete' ? String(i + 1) : '-',
    String(r.id),
    r.state === 'complete' ? formatValue(r.value) : r.state === 'pruned' ? `${formatValue(r.value)} (pruned @${r.curve.length})` : r.state,
    ...paramNames.map((p) => formatParam(r.params[p])),
    formatDuration(r.durationMs),
    ...(bySampler ? [r.sampler ?? '-'] : []),
  ]);
  return table(['rank', 'trial', metric, ...paramNames, 'time', ...(bySampler ? ['sampler'] : [])], rows);
}

/** How many trials each sampler proposed, and how many of the five best: `bayesian 12 (3 of the best 5), qlearning 8 (2)`. */
export function proposersLine(records: TrialRecord[], direction: Direction): string {
  const top = new Set(rankTrials(records, direction).filter((r) => r.state === 'complete').slice(0, 5));
  const counts = new Map<string, { all: number; top: number }>();
  for (const r of records) {
    const c = counts.get(r.sampler ?? '-') ?? { all: 0, top: 0 };
    c.all += 1;
    if (top.has(r)) c.top += 1;
    counts.set(r.sampler ?? '-', c);
  }
  return [...counts].map(([s, c], i) => `${s} ${c.all} (${c.top}${i === 0 ? ` of the best ${top.size}` : ''})`).join(', ');
}
