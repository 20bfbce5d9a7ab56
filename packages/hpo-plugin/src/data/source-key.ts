/**
 * What a dataset is made from, as key material: the data file's content hash (or a data module's
 * import closure and the files it declares) and every setting of the data section that changes the
 * prepared arrays. The trial key and the prepared-data cache key both hash this, so the two can
 * never disagree about which data a trial was trained on.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { DataConfig } from '../config/types';
import { fileHash, moduleHash } from '../store/content-hash';

export function dataKeyMaterial(data: DataConfig): Record<string, unknown> {
  const common = {
    label: data.label,
    task: data.task,
    validation: data.validation,
    test: data.test,
    scale: data.scale,
  };
  if (data.module !== undefined) {
    return {
      module: { sha256: moduleHash(data.module) },
      files: declaredFileHashes(data),
      options: data.options,
      ...common,
    };
  }
  const path = data.path as string;
  return {
    sha256: fileHash(path),
    // The format is named only when it is not CSV, so CSV keys stay what they always were.
    ...(dataFormat(path) !== 'csv' ? { format: dataFormat(path) } : {}),
    header: data.header,
    delimiter: data.delimiter,
    ...common,
  };
}

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
function declaredFileHashes(data: DataConfig): Array<{ path: string; sha256: string }> {
  const base = resolve(data.module as string, '..');
  return declaredFiles(data).map((f) => ({ path: relative(base, f).split('\\').join('/'), sha256: fileHash(f) }));
}
