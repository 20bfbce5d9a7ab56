/** Shared by the generator tests: CSVs nobody has seen before, and a Tree written out to disk. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Tree } from '@nx/devkit';
import { Rng } from '@nx-hpo/optimizers';

export const IRIS_CSV = join(__dirname, '..', '..', '..', 'e2e', 'fixtures', 'iris.csv');

/**
 * Three Gaussian blobs in `features` dimensions (class from the nearest centre), text class names,
 * a header row. Seeded, so a test sees the same file every run.
 */
export function blobsCsv(rows: number, features = 5, seed = 1, delimiter = ','): string {
  const rng = new Rng(seed);
  const centres = [0, 1, 2].map(() => Array.from({ length: features }, () => rng.uniform(-3, 3)));
  const names = ['alpha', 'beta', 'gamma'];
  const lines = [[...Array.from({ length: features }, (_, i) => `f${i}`), 'kind'].join(delimiter)];
  for (let r = 0; r < rows; r++) {
    const k = r % 3;
    const x = centres[k]!.map((c) => (c + rng.normal() * 0.8).toFixed(4));
    lines.push([...x, names[k]].join(delimiter));
  }
  return lines.join('\n') + '\n';
}

/** y = 2·x0 − x1 + 0.5·x2² + noise, no header row, the label in the last column. */
export function regressionCsv(rows: number, seed = 2): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const x = [0, 1, 2, 3].map(() => rng.uniform(-2, 2));
    const y = 2 * x[0]! - x[1]! + 0.5 * x[2]! ** 2 + rng.normal() * 0.1;
    lines.push([...x.map((v) => v.toFixed(4)), y.toFixed(4)].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Writes every file the tree holds (created or changed) under a fresh temporary folder. */
export function writeTreeToDisk(tree: Tree): string {
  const dir = mkdtempSync(join(tmpdir(), 'nx-hpo-gen-'));
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE' || change.content === null) continue;
    const abs = join(dir, change.path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, change.content);
  }
  return dir;
}
