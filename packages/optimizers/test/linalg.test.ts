import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cholesky,
  choleskyInverse,
  choleskyLogDet,
  choleskySolve,
  choleskyWithJitter,
  invertLower,
  matVec,
  solveLower,
  solveLowerTransposed,
} from '../src/math/linalg';
import { minimizeBox } from '../src/math/lbfgs';

// The classic worked example: [[4,12,-16],[12,37,-43],[-16,-43,98]] = L·Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
const A = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
const L = [2, 0, 0, 6, 1, 0, -8, 5, 3];

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-10): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test('cholesky reproduces the hand-computed factor', () => {
  const l = cholesky(A, 3);
  assert.ok(l);
  close(l, L);
});

test('cholesky rejects indefinite and NaN matrices', () => {
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), undefined);
  assert.equal(cholesky(Float64Array.from([NaN, 0, 0, 1]), 2), undefined);
});

test('triangular solves and the Cholesky solve agree with hand values', () => {
  const l = cholesky(A, 3)!;
  // L·[1,1,1] = [2, 7, 0]; Lᵀ·[1,1,1] = [0, 6, 3]; A·[1,2,3] = [-20, -43, 192].
  close(solveLower(l, 3, [2, 7, 0]), [1, 1, 1]);
  close(solveLowerTransposed(l, 3, [0, 6, 3]), [1, 1, 1]);
  close(choleskySolve(l, 3, [-20, -43, 192]), [1, 2, 3], 1e-9);
});

test('log determinant is 2·log(2·1·3)', () => {
  assert.ok(Math.abs(choleskyLogDet(cholesky(A, 3)!, 3) - 2 * Math.log(6)) < 1e-12);
});

test('inverses: L·L⁻¹ = I and A·A⁻¹ = I', () => {
  const l = cholesky(A, 3)!;
  const li = invertLower(l, 3);
  // Hand value: L⁻¹ = [[1/2,0,0],[-3,1,0],[19/3,-5/3,1/3]].
  close(li, [0.5, 0, 0, -3, 1, 0, 19 / 3, -5 / 3, 1 / 3]);
  const inv = choleskyInverse(l, 3);
  for (let j = 0; j < 3; j++) {
    const col = [inv[j]!, inv[3 + j]!, inv[6 + j]!];
    const e = [0, 0, 0];
    e[j] = 1;
    close(matVec(A, 3, col), e, 1e-9);
  }
});

test('jitter rescues a singular kernel matrix and is zero when not needed', () => {
  const singular = Float64Array.from([1, 1, 1, 1]);
  const r = choleskyWithJitter(singular, 2);
  assert.ok(r);
  assert.ok(r.jitter > 0 && r.jitter <= 1e-2);
  const fine = choleskyWithJitter(A, 3);
  assert.equal(fine?.jitter, 0);
  assert.equal(choleskyWithJitter(Float64Array.from([-1, 0, 0, -1]), 2), undefined);
});

test('minimizeBox finds an interior quadratic minimum', () => {
  // f = (x-1)² + 10(y+2)² + xy/2
  const f = (x: Float64Array, g: Float64Array): number => {
    g[0] = 2 * (x[0]! - 1) + 0.5 * x[1]!;
    g[1] = 20 * (x[1]! + 2) + 0.5 * x[0]!;
    return (x[0]! - 1) ** 2 + 10 * (x[1]! + 2) ** 2 + 0.5 * x[0]! * x[1]!;
  };
  const r = minimizeBox(f, [5, 5], { lower: [-10, -10], upper: [10, 10], gradientTolerance: 1e-10 });
  // The stationary point solves 2x + y/2 = 2, x/2 + 20y = -40 (Cramer, det = 39.75).
  const x = (2 * 20 - 0.5 * -40) / 39.75;
  const y = (2 * -40 - 0.5 * 2) / 39.75;
  close(r.x, [x, y], 1e-6);
});

test('minimizeBox stops at an active bound and solves Rosenbrock', () => {
  const quad = (x: Float64Array, g: Float64Array): number => {
    g[0] = 2 * (x[0]! - 3);
    return (x[0]! - 3) ** 2;
  };
  close(minimizeBox(quad, [0], { lower: [-1], upper: [1] }).x, [1]);
  const rosen = (x: Float64Array, g: Float64Array): number => {
    const [a, b] = [x[0]!, x[1]!];
    g[0] = -400 * a * (b - a * a) - 2 * (1 - a);
    g[1] = 200 * (b - a * a);
    return 100 * (b - a * a) ** 2 + (1 - a) ** 2;
  };
  const r = minimizeBox(rosen, [-1.2, 1], {
    lower: [-5, -5],
    upper: [5, 5],
    maxIterations: 500,
    gradientTolerance: 1e-8,
    relativeTolerance: 0,
  });
  close(r.x, [1, 1], 1e-4);
});

test('minimizeBox survives non-finite values by backtracking', () => {
  // f is +∞ beyond x = 2; the minimum of (x-1)² is inside the finite region.
  const f = (x: Float64Array, g: Float64Array): number => {
    g[0] = 2 * (x[0]! - 1);
    return x[0]! > 2 ? Infinity : (x[0]! - 1) ** 2;
  };
  const r = minimizeBox(f, [-30], { lower: [-100], upper: [100] });
  assert.ok(Number.isFinite(r.value));
  close(r.x, [1], 1e-5);
});
