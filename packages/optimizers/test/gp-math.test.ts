import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { logH, logHDerivative, logNormCdf, normCdf, normPdf, normQuantile } from '../src/math/normal';
import { SOBOL_MAX_DIMS, sobolPoint, sobolShift } from '../src/math/sobol';
import { Rng } from '../src/rng';

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

test('normCdf matches reference values (scipy.stats.norm.cdf) in the body and both tails', () => {
  const ref: Array<[number, number]> = [
    [0, 0.5],
    [1, 0.8413447460685429],
    [-2.99999, 0.0013499423507789977],
    [-3.00001, 0.0013498537138107458],
    [-5, 2.866515718791933e-7],
    [-10, 7.61985302416047e-24],
    [3.0001, 0.9986505450867392],
  ];
  for (const [z, p] of ref) assert.ok(rel(normCdf(z), p) < 1e-12, `Φ(${z}) = ${normCdf(z)}, want ${p}`);
  assert.ok(Math.abs(logNormCdf(-40) - (-804.6084420137538)) < 1e-9);
});

test('log h(z) = log(φ(z) + zΦ(z)) matches reference values and stays finite far in the tail', () => {
  const ref: Array<[number, number]> = [
    [0, -0.9189385332046727],
    [1, 0.08002621884930704],
    [-2.99999, -7.869650736271867],
    [-3.00001, -7.869721383022215],
    [-5, -16.744301162660925],
    [-10, -55.5531220361216],
  ];
  for (const [z, v] of ref) assert.ok(Math.abs(logH(z) - v) < 1e-11, `log h(${z}) = ${logH(z)}, want ${v}`);
  // Asymptotically h(z) ≈ φ(z)/z², so log h ≈ −z²/2 − log√(2π) − 2 log|z|.
  const z = -1e4;
  assert.ok(Math.abs(logH(z) - (-0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z))) < 1e-6);
});

test('d log h/dz agrees with central differences, and h is increasing and convex', () => {
  fc.assert(
    fc.property(fc.double({ min: -60, max: 8, noNaN: true }), (z) => {
      const e = 1e-5 * Math.max(1, Math.abs(z));
      const numeric = (logH(z + e) - logH(z - e)) / (2 * e);
      const analytic = logHDerivative(z);
      assert.ok(analytic > 0);
      assert.ok(Math.abs(numeric - analytic) < 1e-5 * Math.max(1, analytic), `z=${z}: ${numeric} vs ${analytic}`);
    }),
  );
  // h(z) − max(z, 0) > 0 (EI exceeds the plug-in improvement) and h′ = Φ.
  for (const z of [-2, -0.5, 0, 0.5, 2]) {
    const h = Math.exp(logH(z));
    assert.ok(h > Math.max(z, 0));
    assert.ok(Math.abs(h * logHDerivative(z) - normCdf(z)) < 1e-12);
  }
  assert.ok(Math.abs(normPdf(0) - 1 / Math.sqrt(2 * Math.PI)) < 1e-15);
});

test('normQuantile inverts normCdf and matches reference quantiles', () => {
  // scipy.stats.norm.ppf
  assert.ok(Math.abs(normQuantile(0.975) - 1.959963984540054) < 1e-12);
  assert.ok(Math.abs(normQuantile(1e-10) - -6.361340902404056) < 1e-9);
  assert.equal(normQuantile(0.5), 0);
  fc.assert(
    fc.property(fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true }), (p) => {
      // Relative to the tail probability, so tiny p are checked as strictly as p near ½.
      assert.ok(Math.abs(normCdf(normQuantile(p)) - p) <= 1e-9 * Math.min(p, 1 - p) + 1e-16);
    }),
  );
  assert.equal(normQuantile(0), -Infinity);
  assert.ok(Number.isNaN(normQuantile(1.5)));
});

test('Sobol points match the Joe–Kuo reference (first 10 in 3-D, Gray-code order)', () => {
  const expected = [
    [0, 0, 0],
    [0.5, 0.5, 0.5],
    [0.75, 0.25, 0.25],
    [0.25, 0.75, 0.75],
    [0.375, 0.375, 0.625],
    [0.875, 0.875, 0.125],
    [0.625, 0.125, 0.875],
    [0.125, 0.625, 0.375],
    [0.1875, 0.3125, 0.9375],
    [0.6875, 0.8125, 0.4375],
  ];
  expected.forEach((p, i) => assert.deepEqual(Array.from(sobolPoint(i, 3)), p));
});

test('shifted Sobol points stay stratified: each of 2^m equal bins gets one of the first 2^m points', () => {
  const shift = sobolShift(new Rng(7), SOBOL_MAX_DIMS);
  const count = 16;
  for (let dim = 0; dim < SOBOL_MAX_DIMS; dim++) {
    const bins = new Set<number>();
    for (let i = 0; i < count; i++) {
      const x = sobolPoint(i, SOBOL_MAX_DIMS, shift)[dim]!;
      assert.ok(x >= 0 && x < 1);
      bins.add(Math.floor(x * count));
    }
    assert.equal(bins.size, count, `dimension ${dim}`);
  }
  assert.throws(() => sobolPoint(0, SOBOL_MAX_DIMS + 1));
});
