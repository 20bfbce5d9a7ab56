/** Small synthetic datasets for the training tests (no files, seeded). */
import { Rng } from '@nx-hpo/optimizers';
import type { Dataset } from '../src/data/dataset';

/** `k` Gaussian blobs in `f` dimensions: an easy classification problem. */
export function blobs(opts: { n: number; f: number; k: number; seed: number; spread?: number }): Dataset {
  const { n, f, k, seed } = opts;
  const spread = opts.spread ?? 0.5;
  const rng = new Rng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: f }, () => rng.uniform(-2, 2)));
  const x = new Float32Array(n * f);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    y[i] = c;
    for (let j = 0; j < f; j++) x[i * f + j] = centres[c]![j]! + spread * rng.normal();
  }
  return split(x, y, n, f, { task: 'classification', numClasses: k, classes: centres.map((_, c) => String(c)) });
}

/** y = w·x + b + noise: a regression problem. */
export function linear(opts: { n: number; f: number; seed: number }): Dataset {
  const { n, f, seed } = opts;
  const rng = new Rng(seed);
  const w = Array.from({ length: f }, () => rng.uniform(-1, 1));
  const x = new Float32Array(n * f);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0.5;
    for (let j = 0; j < f; j++) {
      const v = rng.normal();
      x[i * f + j] = v;
      s += w[j]! * v;
    }
    y[i] = s + 0.05 * rng.normal();
  }
  return split(x, y, n, f, { task: 'regression', numClasses: 1 });
}

function split(
  x: Float32Array,
  y: Float32Array,
  n: number,
  f: number,
  meta: { task: Dataset['task']; numClasses: number; classes?: string[] },
): Dataset {
  const nVal = Math.round(n * 0.25);
  const nTrain = n - nVal;
  const ds: Dataset = {
    task: meta.task,
    featureNames: Array.from({ length: f }, (_, j) => `f${j}`),
    labelName: 'y',
    numFeatures: f,
    numClasses: meta.numClasses,
    xTrain: x.slice(0, nTrain * f),
    yTrain: y.slice(0, nTrain),
    xVal: x.slice(nTrain * f),
    yVal: y.slice(nTrain),
    nTrain,
    nVal,
    scaler: { kind: 'none', offset: new Array<number>(f).fill(0), scale: new Array<number>(f).fill(1) },
  };
  if (meta.classes) ds.classes = meta.classes;
  return ds;
}
