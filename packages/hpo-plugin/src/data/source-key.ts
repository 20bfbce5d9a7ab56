/**
 * Data sources as key material: a data file's format, and the files a data module declares with
 * their content hashes (store/trial-key.ts `dataMaterial` puts these in the trial key, and the
 * prepared-data cache keys on the same material).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { DataConfig } from '../config/types';
import { fileHash } from '../store/content-hash';

export type DataFormat = 'csv' | 'jsonl' | 'parquet';

/** The format of a data file, by its name: .jsonl / .ndjson (optionally .gz), .parquet, else CSV. */
export function dataFormat(path: string): DataFormat {
  const p = path.toLowerCase().replace(/\.gz$/, '');
  if (p.endsWith('.jsonl') || p.endsWith('.ndjson')) return 'jsonl';
  if (p.endsWith('.parquet')) return 'parquet';
  return 'csv';
}

/** Every file under the declared `data.files` (a folder stands for all files in it), sorted. */
export function declaredFiles(data: Pick<DataConfig, 'files'>): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else out.push(p);
  };
  for (const f of data.files ?? []) walk(resolve(f));
  return [...new Set(out)].sort();
}

/** Content hashes of the declared files, named relative to the data module's folder. */
export function declaredFileHashes(data: DataConfig): Array<{ path: string; sha256: string }> {
  const base = resolve(data.module as string, '..');
  return declaredFiles(data).map((f) => ({ path: relative(base, f).split('\\').join('/'), sha256: fileHash(f) }));
}
