import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  crossCovariance,
  kernelGradientContractions,
  kernelMatrix,
  kernelMatrixFromPairs,
  matern52,
  pairTable,
  SQRT5,
  type KernelParams,
} from '../src/samplers/gp/kernel';
import { Rng } from '../src/rng';

function randomPoints(rng: Rng, n: number, dims: number): Float64Array {
  return Float64Array.from({ length: n * dims }, () => rng.next());
}

function params(logLengthscales: number[], logSignal: number): KernelParams {
  return {
    inverseSquaredLengthscales: Float64Array.from(logLengthscales, (l) => Math.exp(-2 * l)),
    signalVariance: Math.exp(logSignal),
  };
}

test('Matérn-5/2 by hand: k(0) = 1, k(1) = (1 + √5 + 5/3)·e^−√5, decreasing', () => {
  assert.equal(matern52(0), 1);
  assert.ok(Math.abs(matern52(1) - (1 + SQRT5 + 5 / 3) * Math.exp(-SQRT5)) < 1e-15);
  assert.ok(Math.abs(matern52(1) - 0.5239941088318203) < 1e-12);
  for (let r = 0; r < 5; r += 0.25) assert.ok(matern52(r + 0.25) < matern52(r));
});

test('kernel matrix: symmetric, s² on the diagonal, ARD distance, pair table gives the same', () => {
  const x = Float64Array.from([0, 0, 1, 0, 0, 2]);
  const kp = params([Math.log(0.5), Math.log(4)], Math.log(3));
  const k = kernelMatrix(x, 3, 2, kp);
  // Row 1 differs by 1 in dim 0 (ℓ = 0.5 → r = 2), row 2 by 2 in dim 1 (ℓ = 4 → r = 0.5).
  assert.ok(Math.abs(k[0]! - 3) < 1e-15);
  assert.ok(Math.abs(k[1]! - 3 * matern52(2)) < 1e-14);
  assert.ok(Math.abs(k[2]! - 3 * matern52(0.5)) < 1e-14);
  assert.ok(Math.abs(k[5]! - 3 * matern52(Math.sqrt(4 + 0.25))) < 1e-14);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.equal(k[i * 3 + j], k[j * 3 + i]);
  const r = new Float64Array(3);
  assert.deepEqual(Array.from(kernelMatrixFromPairs(pairTable(x, 3, 2), kp, r)), Array.from(k));
});

test('∂(½ Σ W∘K)/∂log ℓ and ∂/∂log s² agree with central finite differences', () => {
  const rng = new Rng(3);
  const n = 7;
  const dims = 3;
  const x = randomPoints(rng, n, dims);
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      w[i * n + j] = v;
      w[j * n + i] = v;
    }
  }
  const theta = [Math.log(0.3), Math.log(0.7), Math.log(1.5), Math.log(0.8)];
  const objective = (t: number[]): number => {
    const k = kernelMatrix(x, n, dims, params(t.slice(0, dims), t[dims]!));
    let s = 0;
    for (let i = 0; i < n * n; i++) s += 0.5 * w[i]! * k[i]!;
    return s;
  };
  const out = new Float64Array(dims);
  const signal = kernelGradientContractions(x, n, dims, params(theta.slice(0, dims), theta[dims]!), w, out);
  const analytic = [...out, signal];
  for (let i = 0; i <= dims; i++) {
    const e = 1e-6;
    const up = [...theta];
    const down = [...theta];
    up[i]! += e;
    down[i]! -= e;
    const numeric = (objective(up) - objective(down)) / (2 * e);
    assert.ok(Math.abs(numeric - analytic[i]!) < 1e-6 * Math.max(1, Math.abs(numeric)), `θ${i}: ${numeric} vs ${analytic[i]}`);
  }
});

test('cross-covariance gradient with respect to the query point agrees with finite differences', () => {
  const rng = new Rng(11);
  const n = 5;
  const dims = 4;
  const x = randomPoints(rng, n, dims);
  const kp = params([-1, -0.5, 0, 0.3], 0.2);
  const p = Float64Array.from({ length: dims }, () => rng.next());
  const k = new Float64Array(n);
  const g = new Float64Array(n * dims);
  crossCovariance(p, x, n, dims, kp, k, g);
  for (let d = 0; d < dims; d++) {
    const e = 1e-6;
    const up = Float64Array.from(p);
    const down = Float64Array.from(p);
    up[d]! += e;
    down[d]! -= e;
    const ku = new Float64Array(n);
    const kd = new Float64Array(n);
    crossCovariance(up, x, n, dims, kp, ku);
    crossCovariance(down, x, n, dims, kp, kd);
    for (let i = 0; i < n; i++) {
      const numeric = (ku[i]! - kd[i]!) / (2 * e);
      assert.ok(Math.abs(numeric - g[i * dims + d]!) < 1e-7, `row ${i} dim ${d}: ${numeric} vs ${g[i * dims + d]}`);
    }
  }
  // At a training point the covariance is s² and the gradient vanishes (k is smooth at r = 0).
  crossCovariance(x.subarray(0, dims), x, n, dims, kp, k, g);
  assert.ok(Math.abs(k[0]! - kp.signalVariance) < 1e-15);
  for (let d = 0; d < dims; d++) assert.equal(Math.abs(g[d]!), 0);
});
