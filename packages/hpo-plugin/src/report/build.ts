/**
 * Builds the report's data from a sweep's TrialRecords, with nothing of "now" in it: the same trials
 * always give the same page, byte for byte.
 */
import type { Direction, Space } from '@nx-hpo/optimizers';
import type { TrialRecord } from '../sweep/outputs';
import { pedAnova } from './importance';
import type { ReportData, ReportStudy, ReportTrial } from './model';
import type { ParamAxis } from './scale';

export interface StudyInfo {
  name: string;
  algorithm: string;
  metric: string;
  direction: Direction;
  space: Space;
  train?: string;
  planned?: number;
}

/** The report's view of a search space, in its definition order. */
export function paramAxes(space: Space): ParamAxis[] {
  return Object.entries(space).map(([name, p]) =>
    p.type === 'categorical'
      ? { name, type: 'categorical' as const, choices: [...p.choices] }
      : { name, type: p.type, low: p.low, high: p.high, ...(p.log ? { log: true } : {}) },
  );
}

export function reportTrial(r: TrialRecord, study?: number): ReportTrial {
  return {
    id: r.id,
    ...(study !== undefined ? { study } : {}),
    state: r.state,
    ...(r.value !== undefined ? { value: r.value } : {}),
    params: r.params,
    curve: r.curve.map(round6),
    epochs: r.epochs,
    durationMs: r.durationMs,
    reused: r.reused,
    ...(r.startMs !== undefined ? { start: r.startMs } : {}),
    ...(r.endMs !== undefined ? { end: r.endMs } : {}),
    ...(r.slot !== undefined ? { slot: r.slot } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.sampler !== undefined ? { sampler: r.sampler } : {}),
  };
}

export function studyReport(info: StudyInfo, records: readonly TrialRecord[], final: boolean): ReportData {
  const params = paramAxes(info.space);
  return {
    kind: 'study',
    title: info.name,
    final,
    metric: info.metric,
    direction: info.direction,
    studies: [studyEntry(info, params, records)],
    trials: records.map((r) => reportTrial(r)),
  };
}

export function compareReport(title: string, studies: ReadonlyArray<{ info: StudyInfo; records: readonly TrialRecord[] }>): ReportData {
  const first = studies[0]?.info;
  return {
    kind: 'compare',
    title,
    final: true,
    metric: first?.metric ?? 'value',
    direction: first?.direction ?? 'minimize',
    studies: studies.map(({ info, records }) => studyEntry(info, paramAxes(info.space), records)),
    trials: studies.flatMap(({ records }, s) => records.map((r) => reportTrial(r, s))),
  };
}

function studyEntry(info: StudyInfo, params: ParamAxis[], records: readonly TrialRecord[]): ReportStudy {
  const complete = records.filter((r) => r.state === 'complete' && r.value !== undefined);
  return {
    name: info.name,
    algorithm: info.algorithm,
    metric: info.metric,
    direction: info.direction,
    params,
    importance: pedAnova(params, complete.map((r) => ({ params: r.params, value: r.value as number })), info.direction),
    ...(info.train ? { train: info.train } : {}),
    ...(info.planned !== undefined ? { planned: info.planned } : {}),
  };
}



/** Curves are drawn, not read back: six significant digits keep a 10,000-trial page small. */
function round6(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}
