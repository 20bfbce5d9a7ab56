/** Shared by the data tests: throw-away CSV files, a DataConfig with test defaults, UserError checks. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/errors';
import type { DataConfig } from '../src/training/spec';

const dir = mkdtempSync(join(tmpdir(), 'hpo-data-'));
let fileCount = 0;

/** Writes `content` to a new CSV file and returns its path. */
export function csv(content: string): string {
  const p = join(dir, `d${fileCount++}.csv`);
  writeFileSync(p, content);
  return p;
}

export function config(path: string, over: Partial<DataConfig> = {}): DataConfig {
  return {
    path,
    header: false,
    label: -1,
    task: 'classification',
    validation: { split: 0.25, stratify: false, seed: 0 },
    scale: 'none',
    ...over,
  };
}

/** Asserts that `fn` throws a UserError, then runs `check` on it. */
export function userError(fn: () => unknown, check: (e: UserError) => void): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    check(e);
    return true;
  });
}
