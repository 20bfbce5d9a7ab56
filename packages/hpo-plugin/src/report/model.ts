/**
 * What report.html shows, as plain JSON embedded in the page: the study (metric, direction,
 * parameters with their ranges), every finished trial in finish order, and the parameter importance.
 * Shared by the page script (browser) and build.ts (Node), so it holds types and pure helpers only.
 */
import type { Direction } from '@nx-hpo/optimizers';
import type { ImportanceResult } from './importance';
import type { ParamAxis, Value } from './scale';

export interface ReportTrial {
  id: number;
  /** Index into ReportData.studies (compare pages only). */
  study?: number;
  state: 'complete' | 'failed' | 'pruned';
  value?: number;
  params: Record<string, Value>;
  /** The objective per epoch. */
  curve: number[];
  epochs: number;
  durationMs: number;
  reused: boolean;
  /** Trained trials: ms since the sweep started, and the worker slot (0-based). */
  start?: number;
  end?: number;
  slot?: number;
  error?: string;
  /** The sampler that proposed it (algorithm auto: the portfolio member). */
  sampler?: string;
}

export interface ReportStudy {
  name: string;
  algorithm: string;
  metric: string;
  direction: Direction;
  params: ParamAxis[];
  importance: ImportanceResult;
  /** The command that trains given parameters, without them, e.g. `npx nx run app:train`. */
  train?: string;
  /** Trials the sweep will run in all (its budget). */
  planned?: number;
}

export interface ReportData {
  kind: 'study' | 'compare';
  title: string;
  /** False while the sweep runs (the page says so and asks for a reload). */
  final: boolean;
  metric: string;
  direction: Direction;
  studies: ReportStudy[];
  trials: ReportTrial[];
}

/**
 * The exact command that trains `params`: `name=value` pairs when every value is plain, else the
 * parameters as JSON in single quotes. Numbers are written in full (String(), which round-trips).
 */
export function trainCommand(prefix: string, params: Record<string, Value>): string {
  const entries = Object.entries(params);
  const plain = entries.every(([k, v]) => /^[\w.-]+$/.test(k) && /^[\w.+-]+$/.test(String(v)) && (typeof v !== 'string' || Number.isNaN(Number(v))));
  if (plain) return `${prefix} --params=${entries.map(([k, v]) => `${k}=${String(v)}`).join(',')}`;
  return `${prefix} --params='${JSON.stringify(params).replace(/'/g, "'\\''")}'`;
}

/**
 * The trials as report.html embeds them: one array per field (and per parameter) instead of one
 * object per trial, so that a 10,000-trial page does not spell every key 10,000 times; a third
 * less to read and parse before anything is drawn. `null` stands for a field a trial lacks.
 */
export interface PackedTrials {
  count: number;
  fields: Record<string, unknown[]>;
  params: Record<string, Array<Value | null>>;
}

export type PackedReport = Omit<ReportData, 'trials'> & { trials: PackedTrials };

/** Every field of ReportTrial but params, in the order packed pages list them. */
const TRIAL_FIELDS = ['id', 'study', 'state', 'value', 'curve', 'epochs', 'durationMs', 'reused', 'start', 'end', 'slot', 'error', 'sampler'] as const;

export function packReport(data: ReportData): PackedReport {
  const fields: Record<string, unknown[]> = {};
  for (const f of TRIAL_FIELDS) {
    if (!data.trials.some((t) => t[f] !== undefined)) continue;
    fields[f] = data.trials.map((t) => (t[f] === undefined ? null : f === 'reused' ? (t.reused ? 1 : 0) : t[f]));
  }
  const names: string[] = [];
  for (const t of data.trials) for (const k of Object.keys(t.params)) if (!names.includes(k)) names.push(k);
  const params: Record<string, Array<Value | null>> = {};
  for (const k of names) params[k] = data.trials.map((t) => (Object.prototype.hasOwnProperty.call(t.params, k) ? (t.params[k] as Value) : null));
  return { ...data, trials: { count: data.trials.length, fields, params } };
}

export function unpackReport(packed: PackedReport): ReportData {
  const { count, fields, params } = packed.trials;
  const names = Object.keys(params);
  const trials: ReportTrial[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const t: Record<string, unknown> = {};
    for (const f of TRIAL_FIELDS) {
      const v = fields[f]?.[i];
      if (v === undefined || v === null) continue;
      t[f] = f === 'reused' ? v === 1 : v;
    }
    if (t['reused'] === undefined) t['reused'] = false;
    if (t['curve'] === undefined) t['curve'] = [];
    const ps: Record<string, Value> = {};
    for (const k of names) {
      const v = (params[k] as Array<Value | null>)[i];
      if (v !== null && v !== undefined) ps[k] = v;
    }
    t['params'] = ps;
    trials[i] = t as unknown as ReportTrial;
  }
  return { ...packed, trials };
}
