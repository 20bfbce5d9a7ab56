/** The GP's trust region: the box, when an ask leaves it, and the acquisition search inside it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlgorithmError, createSampler } from '../src/algorithms';
import { createStudy } from '../src/study';
import { asksSinceImprovement, defaultInitialTrials, searchesEverywhere, STALL_PATIENCE, trustBox } from '../src/samplers/gp';
import { maximizeAcquisition } from '../src/samplers/gp/acquisition';
import { GpEncoding } from '../src/samplers/gp/encode';
import { Rng } from '../src/rng';
import type { Params, Space } from '../src/types';

test('the box is centred on the point, its sides in proportion to the lengthscales, and inside the cube', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: Math.log(0.01), max: Math.log(30), noNaN: true })), { minLength: 1, maxLength: 8 }),
      fc.double({ min: 0.01, max: 2, noNaN: true }),
      (dims, side) => {
        const x = dims.map(([v]) => v);
        const theta = dims.map(([, t]) => t);
        const { lower, upper } = trustBox(theta, x, side);
        const meanLog = theta.reduce((s, t) => s + t, 0) / theta.length;
        for (let d = 0; d < x.length; d++) {
          assert.ok(lower[d]! >= 0 && upper[d]! <= 1);
          assert.ok(lower[d]! <= x[d]! && x[d]! <= upper[d]!);
          const half = (side / 2) * Math.exp(theta[d]! - meanLog);
          // Each side reaches half its width from the point, unless the cube's face comes first.
          assert.ok(Math.abs(upper[d]! - Math.min(1, x[d]! + half)) < 1e-12);
          assert.ok(Math.abs(lower[d]! - Math.max(0, x[d]! - half)) < 1e-12);
        }
      },
    ),
  );
  // Equal lengthscales: a cube of the given side; a twice-longer lengthscale: a twice-wider side.
  assert.deepEqual(Array.from(trustBox([0, 0], [0.5, 0.5], 0.4).upper), [0.7, 0.7]);
  const stretched = trustBox([Math.log(2), 0], [0.5, 0.5], 0.2);
  const widths = [0, 1].map((d) => stretched.upper[d]! - stretched.lower[d]!);
  assert.ok(Math.abs(widths[0]! / widths[1]! - 2) < 1e-12);
});

test('every STALL_PATIENCE-th ask in a row without a new best searches the whole space', () => {
  assert.equal(STALL_PATIENCE, 5);
  assert.equal(asksSinceImprovement([]), 0);
  assert.equal(asksSinceImprovement([5, 4, 3]), 0);
  assert.equal(asksSinceImprovement([5, 4, 6, 7]), 2);
  assert.equal(asksSinceImprovement([5, 5]), 1); // a tie is no improvement
  const stalls = (n: number): number[] => [1, ...Array<number>(n).fill(2)];
  const everywhere = Array.from({ length: 16 }, (_, n) => searchesEverywhere(stalls(n)));
  assert.deepEqual(
    everywhere.map((e, n) => (e ? n : -1)).filter((n) => n >= 0),
    [4, 9, 14],
  );
});

test('the acquisition search keeps its candidates in the box (categories free), and finds the box’s best corner', () => {
  const space: Space = {
    a: { type: 'float', low: 0, high: 1 },
    b: { type: 'float', low: 0, high: 1 },
    k: { type: 'int', low: 0, high: 100 },
    c: { type: 'categorical', choices: ['u', 'v', 'w'] },
  };
  const enc = new GpEncoding(space);
  // The acquisition rises towards (1, 1) and category w: its maximum lies outside the box.
  const target = enc.encode({ a: 1, b: 1, k: 100, c: 'w' })!;
  const acq = (x: Float64Array, grad?: Float64Array): number => {
    let v = 0;
    for (let d = 0; d < x.length; d++) {
      v -= (x[d]! - target[d]!) ** 2;
      if (grad) grad[d] = -2 * (x[d]! - target[d]!);
    }
    return v;
  };
  const centre = enc.encode({ a: 0.3, b: 0.4, k: 30, c: 'u' })!;
  const lower = new Float64Array(enc.dims);
  const upper = new Float64Array(enc.dims).fill(1);
  for (const b of enc.blocks) {
    if (b.kind === 'categorical') continue;
    lower[b.dim] = centre[b.dim]! - 0.1;
    upper[b.dim] = centre[b.dim]! + 0.1;
  }
  const ranked = maximizeAcquisition(enc, acq, [centre], new Rng(1), { box: { lower, upper } });
  const step = 1 / 100; // an int's level may round just past the box
  for (const p of ranked) {
    for (const b of enc.blocks) {
      if (b.kind === 'categorical') continue;
      assert.ok(p.x[b.dim]! >= lower[b.dim]! - step && p.x[b.dim]! <= upper[b.dim]! + step, `${b.name} = ${p.x[b.dim]}`);
    }
  }
  const best = enc.decode(ranked[0]!.x);
  assert.ok(Math.abs((best.a as number) - 0.4) < 1e-6 && Math.abs((best.b as number) - 0.5) < 1e-6, JSON.stringify(best));
  assert.equal(best.c, 'w');
  // Without the box, the search reaches the unconstrained maximum.
  const free = enc.decode(maximizeAcquisition(enc, acq, [centre], new Rng(1))[0]!.x);
  assert.ok((free.a as number) > 0.99 && (free.b as number) > 0.99, JSON.stringify(free));
});

test('the design is one more than half the parameters, 3 to 10', () => {
  const floats = (n: number): Space => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, { type: 'float', low: 0, high: 1 }])) as Space;
  assert.deepEqual([1, 2, 4, 5, 8, 18, 19, 40].map((n) => defaultInitialTrials(floats(n))), [3, 3, 3, 4, 5, 10, 10, 10]);
});

test('trustRegion: 0 turns the box off, other values are checked', () => {
  assert.throws(() => createSampler('bayesian', { trustRegion: -0.1 }), AlgorithmError);
  assert.throws(() => createSampler('bayesian', { trustRegion: 'wide' }), AlgorithmError);
  assert.throws(() => createSampler('bayesian', { trustRegion: 3 }), AlgorithmError);
  assert.throws(() => createSampler('bayesian', { kernel: 'rbf' }), /'kernel' of algorithm 'bayesian' must be one of product \| additive \| auto/);
  for (const kernel of ['product', 'additive', 'auto']) assert.equal(createSampler('bayesian', { kernel }).name, 'bayesian');
  // Both settings search and converge on a smooth bowl; they propose different points.
  const space: Space = { x: { type: 'float', low: -5, high: 5 }, y: { type: 'float', low: -5, high: 5 } };
  const loss = (p: Params): number => ((p.x as number) - 1.3) ** 2 + ((p.y as number) + 0.7) ** 2;
  const runs = [0.4, 0].map((trustRegion) => {
    const study = createStudy({ space, algorithm: 'bayesian', seed: 3, options: { trustRegion } });
    const asked: Params[] = [];
    for (let i = 0; i < 20; i++) {
      const t = study.ask();
      asked.push(t.params);
      study.tell(t.id, loss(t.params));
    }
    return { best: Math.min(...asked.map(loss)), asked };
  });
  for (const r of runs) assert.ok(r.best < 0.05, `best ${r.best}`);
  assert.notDeepEqual(runs[0]!.asked.slice(3), runs[1]!.asked.slice(3));
  assert.deepEqual(runs[0]!.asked.slice(0, 3), runs[1]!.asked.slice(0, 3)); // the same design
});
