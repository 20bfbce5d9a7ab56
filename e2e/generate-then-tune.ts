/**
 * Shared by the generator e2e tests (linked and packed installs): CSVs the repository has never
 * seen, written fresh by each test, and checks that a sweep on them reached a sensible score.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The same seeded generator (mulberry32) as the report fixtures, so these files are the same on every run.
import { rng } from '../packages/hpo-plugin/test/report-fixtures';


function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * Two interleaved half-moons in 2-D plus three noise features, labels `in`/`out` in a column
 * named `moon` that is not the last: only a non-linear model separates them well.
 */
export function moonsCsv(rows = 240, seed = 11): string {
  const r = rng(seed);
  const lines = ['x,moon,y,n1,n2,n3'];
  for (let i = 0; i < rows; i++) {
    const k = i % 2;
    const t = Math.PI * r();
    const x = k === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const y = k === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    const noise = [0, 1, 2].map(() => normal(r).toFixed(3));
    lines.push([(x + normal(r) * 0.1).toFixed(4), k === 0 ? 'in' : 'out', (y + normal(r) * 0.1).toFixed(4), ...noise].join(','));
  }
  return lines.join('\n') + '\n';
}

/** y = 2·a − b + 0.5·c² + noise; no header row, the label last, tab-separated. */
export function regressionTsv(rows = 300, seed = 12): { text: string; labels: number[] } {
  const r = rng(seed);
  const lines: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < rows; i++) {
    const x = [0, 1, 2, 3].map(() => r() * 4 - 2);
    const y = 2 * x[0]! - x[1]! + 0.5 * x[2]! ** 2 + normal(r) * 0.1;
    labels.push(Number(y.toFixed(4)));
    lines.push([...x.map((v) => v.toFixed(4)), y.toFixed(4)].join('\t'));
  }
  return { text: lines.join('\n') + '\n', labels };
}

/** Mean absolute error of always predicting the mean: what a model that learned nothing scores. */
export function meanPredictorMae(labels: readonly number[]): number {
  const mean = labels.reduce((a, b) => a + b, 0) / labels.length;
  return labels.reduce((a, b) => a + Math.abs(b - mean), 0) / labels.length;
}

export interface Best {
  value: number;
  metric: string;
  params: Record<string, unknown>;
}

export function readBest(outputDir: string): Best {
  return JSON.parse(readFileSync(join(outputDir, 'best.json'), 'utf8')) as Best;
}

/** Nx's error banner holds our message as one line, and no stack trace is printed. */
export function assertOneLineError(output: string, message: RegExp): void {
  const line = output.split('\n').find((l) => message.test(l));
  assert.ok(line, `expected a line matching ${message} in:\n${output}`);
  assert.doesNotMatch(output, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
}
