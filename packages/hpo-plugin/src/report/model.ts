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
