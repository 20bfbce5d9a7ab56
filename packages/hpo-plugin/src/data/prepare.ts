/**
 * The one way a run gets its training arrays: from the prepared-data cache when an earlier run (or
 * another target over the same data) prepared them, else from the data source, storing them for
 * next time. Used by the tune executor (once per run, lazily: a run whose trials are all reused
 * never calls it) and by the train executor.
 */
import type { DataConfig } from '../config/types';
import type { Dataset, FitMode } from './dataset';
import { prepareDatasetAsync } from './dataset';
import { PreparedDataCache, preparedKey } from './prepared-cache';

export interface PreparedData {
  dataset: Dataset;
  /** `cache`: loaded from the prepared-data cache; `source`: read from the data file or module. */
  from: 'cache' | 'source';
  ms: number;
}

export interface LoadPreparedOptions {
  fit?: FitMode;
  /** The trial store's folder; without one nothing is cached. */
  storeRoot?: string;
  warn?: (message: string) => void;
}

export async function loadPreparedData(cfg: DataConfig, opts: LoadPreparedOptions = {}): Promise<PreparedData> {
  const started = performance.now();
  const fit = opts.fit ?? 'train';
  const cache = opts.storeRoot !== undefined ? new PreparedDataCache(opts.storeRoot, opts.warn) : undefined;
  const key = cache ? preparedKey(cfg, fit) : undefined;
  const hit = cache && key ? cache.get(key) : undefined;
  if (hit) return { dataset: hit, from: 'cache', ms: performance.now() - started };
  const dataset = await prepareDatasetAsync(cfg, { fit });
  if (cache && key) cache.put(key, dataset);
  return { dataset, from: 'source', ms: performance.now() - started };
}

/** `data: 160000 training + 40000 validation rows × 50 features ready in 0.4 s (from the prepared-data cache)` */
export function describePrepared({ dataset: ds, from, ms }: PreparedData): string {
  const shape = ds.featureShape ? `[${ds.featureShape.join(', ')}]` : `${ds.numFeatures} feature${ds.numFeatures === 1 ? '' : 's'}`;
  const rows = `${ds.nTrain} training${ds.nVal ? ` + ${ds.nVal} validation` : ''} rows × ${shape}`;
  const where = from === 'cache' ? 'from the prepared-data cache' : 'read and prepared, now cached';
  return `data: ${rows} ready in ${(ms / 1000).toFixed(1)} s (${where})`;
}
