import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultPrior, fitHyperparameters, GpPosterior, negLogPosterior, type GpData, type GpPrior } from '../src/samplers/gp/gp';
import { logExpectedImprovement } from '../src/samplers/gp/acquisition';
import { ADDITIVE_EVIDENCE_MARGIN } from '../src/samplers/gp';
import { shiftedLog, warpOutputs } from '../src/samplers/gp/outputs';
import { Rng } from '../src/rng';

function dataset(seed: number, n: number, dims: number, f: (x: Float64Array) => number): GpData {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: n * dims }, () => rng.next());
  const y = Float64Array.from({ length: n }, (_, i) => f(x.subarray(i * dims, (i + 1) * dims)));
  return { x, y, n, dims };
}

const smooth = (p: Float64Array): number => Math.sin(4 * p[0]!) + (p[1] ?? 0) ** 2 - 0.5;

/** The analytic gradient of −log posterior at θ against central finite differences. */
function assertLikelihoodGradient(data: GpData, prior: GpPrior, theta: Float64Array): void {
  const grad = new Float64Array(theta.length);
  negLogPosterior(theta, data, prior, grad);
  for (let i = 0; i < theta.length; i++) {
    const e = 1e-5;
    const up = Float64Array.from(theta);
    const down = Float64Array.from(theta);
    up[i]! += e;
    down[i]! -= e;
    const numeric = (negLogPosterior(up, data, prior) - negLogPosterior(down, data, prior)) / (2 * e);
    assert.ok(Math.abs(numeric - grad[i]!) < 1e-5 * Math.max(1, Math.abs(numeric)), `θ${i}: ${numeric} vs ${grad[i]}`);
  }
}

test('−log posterior gradient agrees with central finite differences', () => {
  assertLikelihoodGradient(dataset(1, 12, 2, smooth), defaultPrior(2), Float64Array.from([Math.log(0.4), Math.log(0.9), Math.log(1.3), Math.log(0.05)]));
});

test('the posterior interpolates noise-free data and reverts to the prior far away', () => {
  const data = dataset(2, 10, 2, smooth);
  const theta = [Math.log(0.3), Math.log(0.3), 0, Math.log(1e-8)];
  const gp = GpPosterior.create(data, theta);
  assert.ok(gp);
  for (let i = 0; i < data.n; i++) {
    const { mean, variance } = gp.predict(data.x.subarray(i * 2, i * 2 + 2));
    assert.ok(Math.abs(mean - data.y[i]!) < 1e-4, `point ${i}: ${mean} vs ${data.y[i]}`);
    assert.ok(variance < 1e-4);
  }
  const far = gp.predict([40, -40]);
  assert.ok(Math.abs(far.mean) < 1e-9);
  assert.ok(Math.abs(far.variance - 1) < 1e-9);
});

test('posterior mean and variance gradients agree with finite differences', () => {
  const data = dataset(4, 15, 3, (p) => p[0]! * p[1]! - p[2]!);
  const gp = GpPosterior.create(data, [-1, -0.7, -0.2, 0.1, Math.log(1e-3)])!;
  const p = Float64Array.from([0.3, 0.6, 0.45]);
  const mg = new Float64Array(3);
  const vg = new Float64Array(3);
  gp.predict(p, mg, vg);
  for (let d = 0; d < 3; d++) {
    const e = 1e-6;
    const up = Float64Array.from(p);
    const down = Float64Array.from(p);
    up[d]! += e;
    down[d]! -= e;
    const a = gp.predict(up);
    const b = gp.predict(down);
    assert.ok(Math.abs((a.mean - b.mean) / (2 * e) - mg[d]!) < 1e-6);
    assert.ok(Math.abs((a.variance - b.variance) / (2 * e) - vg[d]!) < 1e-6);
  }
});

test('fitting finds relevant and irrelevant dimensions (ARD) and never returns NaN', () => {
  // f depends on dimension 0 only: its lengthscale must come out much shorter than dimension 1's.
  const data = dataset(5, 30, 2, (p) => Math.sin(6 * p[0]!));
  const prior = defaultPrior(2);
  const fit = fitHyperparameters(data, prior);
  assert.ok(Number.isFinite(fit.value));
  assert.ok(fit.theta.every((t) => Number.isFinite(t)));
  assert.ok(fit.theta[0]! < fit.theta[1]! - 1, `log ℓ = ${Array.from(fit.theta).join(', ')}`);
  // Its −log posterior beats the prior's centre.
  const centre = Float64Array.from([prior.logLengthscaleMean, prior.logLengthscaleMean, 0, prior.logNoiseMean]);
  assert.ok(fit.value <= negLogPosterior(centre, data, prior));
  // Duplicate points and constant targets: still a finite fit.
  const dup: GpData = { x: new Float64Array(20).fill(0.5), y: new Float64Array(10), n: 10, dims: 2 };
  const degenerate = fitHyperparameters(dup, prior);
  assert.ok(Number.isFinite(degenerate.value));
  assert.ok(GpPosterior.create(dup, degenerate.theta));
});

test('log EI: matches σ·h(z) by hand, grows as the mean drops or σ grows, gradient checks out', () => {
  const data = dataset(6, 8, 2, smooth);
  const gp = GpPosterior.create(data, [Math.log(0.3), Math.log(0.5), 0, Math.log(1e-4)])!;
  const best = Math.min(...data.y);
  const p = Float64Array.from([0.37, 0.81]);
  const { mean, variance } = gp.predict(p);
  const sigma = Math.sqrt(variance);
  const z = (best - mean) / sigma;
  // h(z) = φ(z) + zΦ(z), with Φ from erf by a slow but independent series.
  const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  let erf = 0;
  let term = z / Math.SQRT2;
  for (let k = 0; k < 80; k++) {
    erf += term / (2 * k + 1);
    term *= -((z / Math.SQRT2) ** 2) / (k + 1);
  }
  const Phi = 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * erf);
  assert.ok(Math.abs(Math.exp(logExpectedImprovement(gp, best, p)) - sigma * (phi + z * Phi)) < 1e-10);

  const grad = new Float64Array(2);
  logExpectedImprovement(gp, best, p, grad);
  for (let d = 0; d < 2; d++) {
    const e = 1e-6;
    const up = Float64Array.from(p);
    const down = Float64Array.from(p);
    up[d]! += e;
    down[d]! -= e;
    const numeric = (logExpectedImprovement(gp, best, up) - logExpectedImprovement(gp, best, down)) / (2 * e);
    assert.ok(Math.abs(numeric - grad[d]!) < 1e-5 * Math.max(1, Math.abs(numeric)));
  }
  // EI ≥ the expected plug-in improvement max(best − μ, 0), and it is increasing in best.
  assert.ok(Math.exp(logExpectedImprovement(gp, best, p)) >= Math.max(best - mean, 0));
  assert.ok(logExpectedImprovement(gp, best + 0.1, p) > logExpectedImprovement(gp, best, p));
  // At an observed point of a noise-free fit EI is tiny but log EI is finite (no −∞, no NaN).
  const atData = logExpectedImprovement(gp, best, data.x.subarray(0, 2));
  assert.ok(Number.isFinite(atData) && atData < -5);
});

test('output warpings are monotone, standardised, and the identity Jacobian is −n·log sd', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 30 }), (losses) => {
      for (const c of [Infinity, 1, 0.01]) {
        const { y, logJacobian } = shiftedLog(losses, c);
        assert.ok(Number.isFinite(logJacobian));
        for (let i = 0; i < losses.length; i++) {
          assert.ok(Number.isFinite(y[i]!));
          for (let j = 0; j < losses.length; j++) if (losses[i]! < losses[j]!) assert.ok(y[i]! <= y[j]!);
        }
      }
      const r = warpOutputs(losses, 'rank').y;
      for (let i = 0; i < losses.length; i++) for (let j = 0; j < losses.length; j++) if (losses[i]! < losses[j]!) assert.ok(r[i]! < r[j]!);
    }),
  );
  const { y, logJacobian } = shiftedLog([1, 2, 3, 4], Infinity);
  const sd = Math.sqrt(1.25);
  assert.ok(Math.abs(logJacobian + 4 * Math.log(sd)) < 1e-12);
  assert.ok(Math.abs(y.reduce((a, b) => a + b, 0)) < 1e-12);
  // Heavy-tailed losses: the log warping tames the outlier.
  const heavy = [1, 2, 3, 5, 8, 1e6];
  assert.ok(shiftedLog(heavy, 0.01).y[5]! < shiftedLog(heavy, Infinity).y[5]!);
});

test('the additive kernel: −log posterior and posterior gradients agree with finite differences', () => {
  const data = dataset(5, 14, 3, (p) => Math.sin(5 * p[0]!) + p[1]! ** 2 - p[2]!);
  const prior = defaultPrior(3, { additive: true });
  assert.equal(prior.additive, true);
  const theta = Float64Array.from([Math.log(0.3), Math.log(0.6), Math.log(1.4), Math.log(1.2), Math.log(0.01)]);
  assertLikelihoodGradient(data, prior, theta);
  const gp = GpPosterior.create(data, theta, true)!;
  const p = Float64Array.from([0.2, 0.7, 0.4]);
  const mg = new Float64Array(3);
  const vg = new Float64Array(3);
  gp.predict(p, mg, vg);
  for (let d = 0; d < 3; d++) {
    const up = Float64Array.from(p);
    const down = Float64Array.from(p);
    up[d]! += 1e-6;
    down[d]! -= 1e-6;
    const dm = (gp.predict(up).mean - gp.predict(down).mean) / 2e-6;
    const dv = (gp.predict(up).variance - gp.predict(down).variance) / 2e-6;
    assert.ok(Math.abs(dm - mg[d]!) < 1e-5 * Math.max(1, Math.abs(dm)), `mean ∂${d}: ${dm} vs ${mg[d]}`);
    assert.ok(Math.abs(dv - vg[d]!) < 1e-5 * Math.max(1, Math.abs(dv)), `variance ∂${d}: ${dv} vs ${vg[d]}`);
  }
});

test('the marginal likelihood prefers the additive kernel for a sum of one-parameter effects, the product one for an interaction', () => {
  const evidence = (data: GpData, additive: boolean): number => -fitHyperparameters(data, defaultPrior(data.dims, { additive })).value;
  // 30 points in 6 dimensions: enough to tell the two apart, too few to cover the cube.
  const sum = dataset(6, 30, 6, (p) => p.reduce((s, v, d) => s + Math.sin(3 * v + d), 0));
  // By more than the margin auto's GP asks of the additive model before using it.
  assert.ok(evidence(sum, true) > evidence(sum, false) + ADDITIVE_EVIDENCE_MARGIN, `sum: additive ${evidence(sum, true)} vs product ${evidence(sum, false)}`);
  const interaction = dataset(7, 30, 6, (p) => Math.sin(6 * (p[0]! - 0.5) * (p[1]! - 0.5) * 4) + (p[0]! - p[1]!) ** 2 * 3);
  assert.ok(evidence(interaction, false) > evidence(interaction, true) + 2, `interaction: product ${evidence(interaction, false)} vs additive ${evidence(interaction, true)}`);
});
