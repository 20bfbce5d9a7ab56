#!/usr/bin/env node
// Runs node's built-in test runner on TypeScript test files (through tsx).
// Usage: node scripts/run-tests.mjs unit|e2e|all [extra node --test flags]
// Node 20's --test does not expand globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const which = process.argv[2] ?? 'all';
const extra = process.argv.slice(3);

function find(dir, out = []) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const dirs = {
  unit: ['packages/optimizers/test', 'packages/hpo-plugin/test'],
  e2e: ['e2e'],
};
const selected = which === 'all' ? [...dirs.unit, ...dirs.e2e] : dirs[which];
if (!selected) { console.error(`unknown suite '${which}' (unit | e2e | all)`); process.exit(2); }
const files = selected.flatMap((d) => find(join(root, d))).sort();
if (files.length === 0) { console.error(`no test files found for '${which}'`); process.exit(1); }
// e2e files each run whole sweeps on both cores: one file at a time keeps them from starving each other.
const concurrency = which === 'e2e' ? ['--test-concurrency=1'] : [];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...concurrency, ...extra, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
