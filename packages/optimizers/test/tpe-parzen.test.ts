import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/rng';
import { fromUnit } from '../src/space';
import { axesOf, decode, encode, snap, type Axis, type NumericAxis } from '../src/samplers/tpe/axes';
import { erf, erfc, logNormalCdf, logNormalMass, sampleTruncatedNormal } from '../src/samplers/tpe/normal';
import { ParzenEstimator, type ParzenOptions } from '../src/samplers/tpe/parzen';
import { defaultGamma, defaultWeights, gammaFraction, splitTrials } from '../src/samplers/tpe/split';
import type { Space, Trial } from '../src/types';

const NEIGHBOUR: ParzenOptions = { bandwidth: 'neighbour', priorWeight: 1, magicClip: true, considerEndpoints: false };
const SCOTT: ParzenOptions = { ...NEIGHBOUR, bandwidth: 'scott' };

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} is not within ${tol} of ${expected}`);
}

describe('normal distribution helpers', () => {
  it('erf and erfc match reference values to ~1e-7 relative, far into the tail', () => {
    const refs: Array<[number, number]> = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
    ];
    for (const [x, v] of refs) {
      close(erf(x), v, 2e-7, `erf(${x})`);
      close(erf(-x), -v, 2e-7, `erf(${-x})`);
    }
    const tails: Array<[number, number]> = [
      [0.5, 0.4795001221869535],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.537459794428035e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, v] of tails) close(erfc(x) / v, 1, 2e-7, `erfc(${x}) relative`);
    close(erfc(-2), 2 - 0.004677734981047266, 2e-9);
  });

  it('log Φ and log interval masses stay finite and accurate far in the tails', () => {
    // Asymptotic expansion log Φ(z) ≈ −z²/2 − log(−z) − ½log(2π) + log(1 − 1/z² + 3/z⁴), next term 15/z⁶.
    for (const z of [-40, -1000]) {
      const asymptotic = -z * z / 2 - Math.log(-z) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - 1 / z ** 2 + 3 / z ** 4);
      close(logNormalCdf(z), asymptotic, 2e-7, `log Φ(${z})`);
    }
    close(logNormalCdf(-1), Math.log(0.15865525393145707), 2e-7);
    close(logNormalCdf(2), Math.log(0.9772498680518208), 1e-8);
    close(logNormalMass(-1, 1), Math.log(0.6826894921370859), 2e-7);
    close(logNormalMass(3, 4), Math.log(0.0013182267897975), 1e-6);
    close(logNormalMass(3, 4), logNormalMass(-4, -3), 0);
    assert.ok(Number.isFinite(logNormalMass(50, 50.1)) && logNormalMass(50, 50.1) < -1200);
    // Narrow cells: mass ≈ width × density, without cancellation, and continuous with wider cells.
    close(logNormalMass(-1e-9, 1e-9), Math.log(2e-9 / Math.sqrt(2 * Math.PI)), 1e-12);
    // Both sides of the switch to the midpoint rule (width × |midpoint| = 0.05) agree with exact values.
    close(logNormalMass(2, 2.0248), -6.640648888011728, 1e-7, 'midpoint rule');
    close(logNormalMass(2, 2.0249), -6.636724722275491, 1e-5, 'tail formula');
    close(logNormalMass(2, 2.025), Math.log(0.978566317885847 - 0.9772498680518208), 1e-5);
    assert.equal(logNormalMass(1, 1), -Infinity);
  });

  it('truncated normal draws stay inside the interval with the right mean', () => {
    const rng = new Rng(3);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = sampleTruncatedNormal(rng, 0, 1, 0, 1);
      assert.ok(x >= 0 && x <= 1);
      sum += x;
    }
    // Mean of N(0,1) truncated to [0,1]: (φ(0) − φ(1)) / (Φ(1) − Φ(0)) ≈ 0.4598.
    close(sum / n, 0.459862, 0.005, 'mean');
    // Far outside the bulk the fallback still returns points in the interval.
    for (let i = 0; i < 20; i++) {
      const x = sampleTruncatedNormal(rng, -30, 1, 0, 1);
      assert.ok(x >= 0 && x <= 1);
    }
  });
});

const MIXED: Space = {
  x: { type: 'float', low: -2, high: 3 },
  lr: { type: 'float', low: 1e-5, high: 1, log: true },
  units: { type: 'int', low: 8, high: 512, log: true },
  layers: { type: 'int', low: 1, high: 6 },
  grid: { type: 'float', low: 0, high: 1, values: [0, 0.1, 0.5, 1] },
  act: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
};

/** Every value of a discrete axis, each at its canonical coordinate. */
function discreteCoords(axis: NumericAxis): number[] {
  const out = new Set<number>();
  for (let i = 0; i <= 20000; i++) out.add(snap(axis, i / 20000));
  return [...out];
}

function pointsFor(axes: Axis[], rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () =>
    axes.map((a) => (a.kind === 'categorical' ? rng.int(0, a.size - 1) : snap(a, rng.next()))),
  );
}

describe('axes', () => {
  it('cells of discrete axes agree with fromUnit and tile [0, 1]', () => {
    for (const axis of axesOf(MIXED)) {
      if (axis.kind !== 'numeric' || axis.cell === undefined) continue;
      const cell = axis.cell;
      const coords = discreteCoords(axis).sort((a, b) => a - b);
      let covered = 0;
      for (const c of coords) {
        const [a, b] = cell(c);
        assert.ok(a <= c && c <= b, `${axis.name}: ${c} lies in its cell [${a}, ${b}]`);
        covered += b - a;
        // Points inside the cell decode to the same value as its centre.
        for (const t of [0.01, 0.5, 0.99]) assert.equal(fromUnit(axis.spec, a + t * (b - a)), fromUnit(axis.spec, c));
      }
      close(covered, 1, 1e-9, `${axis.name} cells cover [0, 1]`);
    }
  });

  it('encode and decode round-trip values and reject values outside the space', () => {
    const axes = axesOf(MIXED);
    const rng = new Rng(5);
    for (const p of pointsFor(axes, rng, 50)) {
      axes.forEach((axis, d) => {
        const value = decode(axis, p[d] as number);
        close(encode(axis, value) as number, p[d] as number, 1e-12, axis.name);
      });
    }
    const [x, , , , , act] = axes as [Axis, Axis, Axis, Axis, Axis, Axis];
    assert.equal(encode(x, 7), undefined);
    assert.equal(encode(x, 'a'), undefined);
    assert.equal(encode(act, 'gelu'), undefined);
    assert.equal(encode(act, undefined), undefined);
  });
});

describe('Parzen estimator', () => {
  const axes = axesOf(MIXED);
  const rng = new Rng(11);
  const points = pointsFor(axes, rng, 12);
  const weights = defaultWeights(points.length);

  for (const options of [NEIGHBOUR, SCOTT]) {
    const mode = `${options.bandwidth} bandwidths`;

    it(`${mode}: every marginal integrates (or sums) to 1`, () => {
      const est = new ParzenEstimator(axes, points, weights, options);
      axes.forEach((axis, d) => {
        let total = 0;
        if (axis.kind === 'categorical') {
          for (let c = 0; c < axis.size; c++) total += Math.exp(est.logMarginal(d, c));
        } else if (axis.cell !== undefined) {
          for (const c of discreteCoords(axis)) total += Math.exp(est.logMarginal(d, c));
        } else {
          const n = 20000;
          for (let i = 0; i < n; i++) total += Math.exp(est.logMarginal(d, (i + 0.5) / n)) / n;
        }
        close(total, 1, 1e-4, `${mode} ${axis.name}`);
      });
    });

    it(`${mode}: draws follow the density`, () => {
      const est = new ParzenEstimator(axes, points, weights, options);
      const draws = new Rng(2);
      const n = 40000;
      const layers = 3; // int 1..6: compare frequencies with probabilities
      const counts = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const c = est.sampleMarginal(draws, layers);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      for (const [c, k] of counts) close(k / n, Math.exp(est.logMarginal(layers, c)), 0.012, `P(layers=${c})`);
      // Continuous axis: the share of draws below 0.3 against the integrated density.
      let below = 0;
      for (let i = 0; i < n; i++) if (est.sampleMarginal(draws, 0) < 0.3) below++;
      let mass = 0;
      for (let i = 0; i < 3000; i++) mass += Math.exp(est.logMarginal(0, ((i + 0.5) / 3000) * 0.3)) * (0.3 / 3000);
      close(below / n, mass, 0.012, 'P(x < 0.3)');
    });
  }

  it('the joint density integrates to 1 over a 2-D space and puts its mass near the points', () => {
    const space: Space = { a: { type: 'float', low: 0, high: 1 }, b: { type: 'int', low: 0, high: 9 } };
    const ax = axesOf(space);
    const good = [
      [0.2, snap(ax[1] as NumericAxis, 0.75)],
      [0.22, snap(ax[1] as NumericAxis, 0.75)],
      [0.25, snap(ax[1] as NumericAxis, 0.85)],
    ];
    const est = new ParzenEstimator(ax, good, defaultWeights(3), SCOTT);
    const n = 2000;
    let total = 0;
    let near = 0;
    for (let k = 0; k < 10; k++) {
      const b = (k + 0.5) / 10;
      for (let i = 0; i < n; i++) {
        const a = (i + 0.5) / n;
        const p = Math.exp(est.logJoint([a, b])) / n;
        total += p;
        if (a >= 0.05 && a <= 0.4 && k >= 6 && k <= 9) near += p;
      }
    }
    close(total, 1, 1e-4, 'joint mass');
    // The box around the points is 14% of the space; with only three points the bandwidths are
    // still wide (magic clip 1/5, Scott 0.17), yet the box should hold several times its share.
    assert.ok(near > 3 * 0.14, `mass near the good points: ${near}`);
  });

  it('puts mass near the observations and less where there are none', () => {
    const space: Space = { x: { type: 'float', low: -5, high: 5 }, c: { type: 'categorical', choices: ['a', 'b', 'c', 'd'] } };
    const ax = axesOf(space);
    const cluster = [-3.1, -2.9, -3.0, -3.2, -2.95, -3.05, -2.8, -3.3, -3.15, -2.85];
    const obs = [...cluster, 2.0].map((x, i) => [encode(ax[0] as Axis, x) as number, i < cluster.length ? 1 : 3]);
    for (const options of [NEIGHBOUR, SCOTT]) {
      const est = new ParzenEstimator(ax, obs, defaultWeights(obs.length), options);
      const at = (x: number) => Math.exp(est.logMarginal(0, encode(ax[0] as Axis, x) as number));
      assert.ok(at(-3) > 3 * at(0), `density at the cluster beats the gap (${at(-3)} vs ${at(0)})`);
      assert.ok(at(-3) > at(2), 'ten points outweigh one');
      let mass = 0;
      for (let i = 0; i < 1000; i++) {
        const u = (0.1 + (0.3 - 0.1) * (i + 0.5) / 1000);
        mass += Math.exp(est.logMarginal(0, u)) * (0.2 / 1000);
      }
      // A fifth of the range; the Scott bandwidth (0.2·n^(−1/6) of the range) is the wider one.
      assert.ok(mass > 2 * 0.2, `P(−4 < x < −2) = ${mass} should be well above its uniform share`);
      assert.ok(est.logMarginal(1, 1) > est.logMarginal(1, 3) && est.logMarginal(1, 3) > est.logMarginal(1, 0));
    }
  });

  it('without observations it is the prior alone, whatever the prior weight', () => {
    const est = new ParzenEstimator(axesOf(MIXED), [], [], { ...NEIGHBOUR, priorWeight: 0 });
    assert.equal(est.size, 1);
    close(Math.exp(est.logMarginal(5, 2)), 1 / 3, 1e-12);
  });
});

describe('good/bad split', () => {
  const trial = (id: number, state: Trial['state'], value?: number, intermediate: Array<[number, number]> = []): Trial => ({
    id,
    params: {},
    state,
    ...(value === undefined ? {} : { value }),
    intermediate,
  });

  it('takes the best gamma(n) complete trials as good, in trial order, and lies about pending ones', () => {
    const trials = [
      trial(0, 'complete', 5),
      trial(1, 'complete', 1),
      trial(2, 'failed'),
      trial(3, 'running'),
      trial(4, 'complete', 3),
      trial(5, 'pruned', 0.5, [[2, 0.5]]),
      trial(6, 'complete', 0.9),
    ];
    const s = splitTrials(trials, 'minimize', () => 2, true);
    assert.equal(s.nFinished, 5);
    assert.deepEqual(s.below.map((t) => t.id), [1, 6]);
    assert.deepEqual(s.above.map((t) => t.id), [0, 3, 4, 5]);
    const honest = splitTrials(trials, 'minimize', () => 2, false);
    assert.deepEqual(honest.above.map((t) => t.id), [0, 4, 5]);
    const maxi = splitTrials(trials, 'maximize', () => 2, true);
    assert.deepEqual(maxi.below.map((t) => t.id), [0, 4]);
  });

  it('ranks pruned trials after complete ones, deeper first', () => {
    const trials = [trial(0, 'pruned', 9, [[1, 9]]), trial(1, 'pruned', 0, [[5, 20]]), trial(2, 'complete', 100)];
    const s = splitTrials(trials, 'minimize', () => 2, true);
    assert.deepEqual(s.below.map((t) => t.id), [1, 2]);
  });

  it("default gamma (15%, at most 25) and Optuna's default weights", () => {
    assert.deepEqual([1, 10, 11, 100, 300].map(defaultGamma), [1, 2, 2, 15, 25]);
    assert.deepEqual([1, 10, 11, 100, 300].map(gammaFraction(0.1)), [1, 1, 2, 10, 25]);
    assert.deepEqual(defaultWeights(3), [1, 1, 1]);
    const w = defaultWeights(30);
    assert.equal(w.length, 30);
    close(w[0] as number, 1 / 30, 1e-12);
    assert.ok(w.slice(0, 5).every((x, i, a) => i === 0 || x > (a[i - 1] as number)));
    assert.ok(w.slice(5).every((x) => x === 1));
  });
});
