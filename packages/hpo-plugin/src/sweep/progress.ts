/** What a sweep says while it runs and what report.md holds when it ends. */
import type { TuneConfig } from '../config/types';
import { formatDuration, formatValue } from './format';
import { proposersLine, type BestRecord, type TrialRecord } from './outputs';

export function progressLine(
  r: TrialRecord,
  done: number,
  total: number,
  best: BestRecord | undefined,
  metric: string,
  elapsedMs: number,
): string {
  const width = String(total).length;
  const head = `trial ${String(done).padStart(width)}/${total}`;
  const value =
    r.state === 'complete'
      ? `${metric}=${formatValue(r.value)}`
      : r.state === 'pruned'
        ? `${metric}=${formatValue(r.value)} pruned at epoch ${r.curve.length}`
        : `failed: ${r.error ?? 'unknown error'}`;
  const bestPart = best ? `best=${formatValue(best.value)} (trial ${best.trial})` : 'best=-';
  const eta = done < total ? `eta ${formatDuration((elapsedMs / done) * (total - done))}` : `done in ${formatDuration(elapsedMs)}`;
  return `${head}  ${value}  ${bestPart}  ${eta}${r.reused ? '  (reused)' : ''}`;
}

export interface SweepSummary {
  records: TrialRecord[];
  best: BestRecord | undefined;
  board: string;
  backend: string;
  elapsed: string;
  trained: number;
  reused: number;
}

/** The closing summary line: counts by outcome and epochs trained. */
export function summaryLine(s: Pick<SweepSummary, 'records' | 'elapsed' | 'trained' | 'reused'>): string {
  const failed = s.records.filter((r) => r.state === 'failed').length;
  const pruned = s.records.filter((r) => r.state === 'pruned').length;
  const epochs = s.records.reduce((n, r) => n + r.epochs, 0);
  return (
    `${s.records.length} trials in ${s.elapsed}: ${s.trained} trained, ${s.reused} reused ` +
    `(${s.records.length - failed - pruned} complete, ${pruned} pruned, ${failed} failed; ${epochs} epochs trained)`
  );
}

/** report.md: settings, the best trial, the leaderboard and any failures. */
export function markdownReport(config: TuneConfig, s: SweepSummary): string {
  const { records, best } = s;
  const lines = [
    `# Sweep report`,
    '',
    `- config: \`${config.file}\``,
    `- algorithm: ${config.search.algorithm}, seed ${config.search.seed}; ${records.length} trials in ${s.elapsed} (${s.trained} trained, ${s.reused} reused)`,
    `- objective: ${config.objective.direction} \`${config.objective.metric}\``,
    `- backend: ${s.backend}`,
    '',
  ];
  if (best) {
    lines.push(`## Best: trial ${best.trial}, ${best.metric} = ${formatValue(best.value)}`, '', '```json', JSON.stringify(best.params, null, 2), '```', '');
  }
  lines.push('## Leaderboard', '', '```', s.board, '```', '');
  if (config.search.algorithm === 'auto') lines.push('## Trials by proposing sampler', '', proposersLine(s.records, config.objective.direction), '');
  const failed = records.filter((r) => r.state === 'failed');
  if (failed.length) lines.push('## Failed trials', '', ...failed.map((r) => `- trial ${r.id}: ${r.error}`), '');
  return lines.join('\n');
}
