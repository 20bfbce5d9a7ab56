/** The report's pure math: scales and ticks, layout helpers, colours. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bandScale, extent, formatNumber, linearScale, logScale, logTicks, niceStep, niceTicks, paramScale } from '../src/report/scale';
import { bestSoFar, binGrid, plotArea, smallMultiples, utilisation, valueDomain, viridis } from '../src/report/layout';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

describe('scales', () => {
  test('linear maps the domain onto the range and inverts back', () => {
    const s = linearScale([0, 10], [100, 300]);
    assert.equal(s.map(0), 100);
    assert.equal(s.map(10), 300);
    assert.equal(s.map(2.5), 150);
    assert.equal(s.invert(150), 2.5);
    assert.deepEqual(s.ticks(5).map((t) => t.value), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(s.ticks(5).map((t) => t.label), ['0', '2', '4', '6', '8', '10']);
  });

  test('integer axes (trials, epochs, int parameters) have whole-number ticks', () => {
    assert.deepEqual(linearScale([1, 4], [0, 100], true).ticks(6).map((t) => t.label), ['1', '2', '3', '4']);
    assert.deepEqual(paramScale({ name: 'u', type: 'int', low: 1, high: 3 }, [0, 1]).ticks(8).map((t) => t.value), [1, 2, 3]);
  });

  test('a y scale runs bottom to top', () => {
    const s = linearScale([0, 1], [200, 0]);
    assert.equal(s.map(0), 200);
    assert.equal(s.map(1), 0);
  });

  test('log axes put powers of ten at equal distances and label them in the parameter units', () => {
    const s = logScale([1e-4, 1e-1], [0, 300]);
    assert.equal(s.map(1e-4), 0);
    assert.ok(Math.abs(s.map(1e-3) - 100) < 1e-9);
    assert.ok(Math.abs(s.map(1e-2) - 200) < 1e-9);
    assert.deepEqual(s.ticks(3).map((t) => t.value), [1e-4, 1e-3, 1e-2, 1e-1]);
    assert.deepEqual(s.ticks(3).map((t) => t.label), ['1e-4', '0.001', '0.01', '0.1']);
    // Fewer decades than ticks wanted: 2x and 5x fill in.
    assert.deepEqual(logTicks(16, 256, 5), [20, 50, 100, 200]);
  });

  test('category axes give each choice a band, in definition order', () => {
    const s = bandScale(['relu', 'tanh', 'elu'], [0, 300]);
    assert.equal(s.kind, 'band');
    assert.equal(s.bandwidth, 100);
    assert.equal(s.map('relu'), 50);
    assert.equal(s.map('elu'), 250);
    assert.equal(s.invert(120), 1);
    assert.deepEqual(s.ticks().map((t) => t.label), ['relu', 'tanh', 'elu']);
  });

  test('paramScale picks the axis from the parameter definition', () => {
    assert.equal(paramScale({ name: 'lr', type: 'float', low: 1e-4, high: 0.1, log: true }, [0, 1]).kind, 'log');
    assert.equal(paramScale({ name: 'd', type: 'float', low: 0, high: 0.5 }, [0, 1]).kind, 'linear');
    assert.equal(paramScale({ name: 'bs', type: 'categorical', choices: [32, 64] }, [0, 1]).kind, 'band');
    // A value outside the declared range (e.g. an older sweep) still lands on the axis.
    const s = paramScale({ name: 'u', type: 'int', low: 16, high: 256 }, [0, 100], [300]);
    assert.ok(s.map(300) <= 100 + 1e-9 && s.map(300) >= 0);
    const c = paramScale({ name: 'a', type: 'categorical', choices: ['relu'] }, [0, 100], ['gelu']);
    assert.deepEqual(c.ticks().map((t) => t.label), ['relu', 'gelu']);
  });

  test('degenerate domains still give a usable axis', () => {
    const s = linearScale([3, 3], [0, 100]);
    assert.ok(Number.isFinite(s.map(3)));
    assert.ok(s.map(3) > 0 && s.map(3) < 100);
    assert.ok(Math.abs(logScale([0.01, 0.01], [0, 100]).map(0.01) - 50) < 1e-9);
  });

  test('property: nice ticks lie inside the domain, increase, and are evenly spaced by a 1-2-5 step', () => {
    fc.assert(
      fc.property(finite, finite, fc.integer({ min: 2, max: 10 }), (a, b, count) => {
        fc.pre(Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)));
        const lo = Math.min(a, b);
        const hi = Math.max(a, b);
        const ticks = niceTicks(lo, hi, count);
        const step = niceStep(lo, hi, count);
        const mantissa = step / 10 ** Math.floor(Math.log10(step));
        assert.ok([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-9), `step ${step}`);
        assert.ok(ticks.length >= 1 && ticks.length <= count * 2 + 2, `${ticks.length} ticks for ${count}`);
        const tol = step * 1e-6;
        for (const t of ticks) assert.ok(t >= lo - tol && t <= hi + tol, `${t} outside [${lo}, ${hi}]`);
        for (let k = 1; k < ticks.length; k++) assert.ok(Math.abs((ticks[k] as number) - (ticks[k - 1] as number) - step) <= tol * 10);
      }),
    );
  });

  test('property: linear and log scales are monotone and invert what they map', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 1e3, noNaN: true }), fc.double({ min: 1.01, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (lo, factor, u) => {
        const hi = lo * factor;
        const v = lo * factor ** u;
        for (const s of [linearScale([lo, hi], [500, 10]), logScale([lo, hi], [0, 800])]) {
          const p = s.map(v);
          assert.ok(Math.abs(s.invert(p) - v) <= Math.abs(v) * 1e-6 + 1e-9);
          assert.ok(s.kind === 'linear' ? s.map(hi) < s.map(lo) : s.map(hi) > s.map(lo));
        }
        for (const t of logScale([lo, hi], [0, 1]).ticks(5)) assert.ok((t.value as number) >= lo * (1 - 1e-9) && (t.value as number) <= hi * (1 + 1e-9));
      }),
    );
  });

  test('numbers are labelled briefly', () => {
    assert.equal(formatNumber(0.5, 0.1), '0.5');
    assert.equal(formatNumber(20, 10), '20');
    assert.equal(formatNumber(0.0001), '1e-4');
    assert.equal(formatNumber(250000, 50000), '2.5e5');
    assert.deepEqual(extent([3, NaN, -1, Infinity, 2]), [-1, 3]);
    assert.equal(extent([]), undefined);
  });
});

describe('layout', () => {
  test('plot area and small multiples', () => {
    assert.deepEqual(plotArea({ width: 500, height: 300, left: 50, right: 10, top: 20, bottom: 40 }), { x: [50, 490], y: [260, 20] });
    assert.deepEqual(smallMultiples(6, 1100, 250, 14), { columns: 4, rows: 2, cellWidth: 264 });
    assert.deepEqual(smallMultiples(1, 1100, 250, 14), { columns: 1, rows: 1, cellWidth: 1100 });
    assert.deepEqual(smallMultiples(3, 200, 250, 14), { columns: 1, rows: 3, cellWidth: 200 });
  });

  test('best so far follows the direction and carries over failed trials', () => {
    assert.deepEqual(bestSoFar([0.5, undefined, 0.7, 0.6, 0.9], 'maximize'), [0.5, 0.5, 0.7, 0.7, 0.9]);
    assert.deepEqual(bestSoFar([undefined, 3, 1, 2], 'minimize'), [undefined, 3, 1, 1]);
  });

  test('property: best so far is monotone and equals the running extreme', () => {
    fc.assert(
      fc.property(fc.array(fc.option(finite, { nil: undefined }), { maxLength: 50 }), fc.constantFrom('minimize' as const, 'maximize' as const), (vs, dir) => {
        const b = bestSoFar(vs, dir);
        vs.forEach((_, k) => {
          const seen = vs.slice(0, k + 1).filter((v): v is number => v !== undefined);
          assert.equal(b[k], seen.length ? (dir === 'maximize' ? Math.max(...seen) : Math.min(...seen)) : undefined);
        });
      }),
    );
  });

  test('value domain pads the extent', () => {
    assert.deepEqual(valueDomain([0, 10]), [-0.5, 10.5]);
    const [a, b] = valueDomain([2, 2]);
    assert.ok(a < 2 && b > 2);
  });

  test('the contour grid keeps the best value per cell and invents none', () => {
    const pts = [
      { x: 5, y: 5, value: 1 },
      { x: 6, y: 6, value: 3 },
      { x: 95, y: 95, value: 2 },
    ];
    const cells = binGrid(pts, [0, 100], [0, 100], 10, 10, 'maximize');
    assert.deepEqual(cells, [
      { col: 0, row: 0, value: 3, count: 2 },
      { col: 9, row: 9, value: 2, count: 1 },
    ]);
    assert.equal(binGrid(pts, [0, 100], [0, 100], 10, 10, 'minimize')[0]?.value, 1);
    // A y axis running bottom (100) to top (0) and points on the far edge stay inside the grid.
    const flipped = binGrid([{ x: 100, y: 0, value: 1 }], [0, 100], [100, 0], 4, 4, 'minimize');
    assert.deepEqual(flipped, [{ col: 3, row: 3, value: 1, count: 1 }]);
  });

  test('property: the contour grid accounts for every finite point exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ x: fc.double({ min: 0, max: 100, noNaN: true }), y: fc.double({ min: 0, max: 100, noNaN: true }), value: finite }), { maxLength: 80 }), fc.integer({ min: 1, max: 12 }), (pts, k) => {
        const cells = binGrid(pts, [0, 100], [0, 100], k, k, 'maximize');
        assert.equal(cells.reduce((s, c) => s + c.count, 0), pts.length);
        for (const c of cells) assert.ok(c.col >= 0 && c.col < k && c.row >= 0 && c.row < k);
      }),
    );
  });

  test('utilisation: busy slot-time over the span', () => {
    const u = utilisation([
      { slot: 0, start: 0, end: 100 },
      { slot: 1, start: 0, end: 50 },
    ]);
    assert.deepEqual(u, { slots: 2, span: 100, busy: 150, share: 0.75 });
    assert.equal(utilisation([]).share, 0);
  });

  test('viridis runs from dark purple to yellow', () => {
    assert.equal(viridis(0), '#440154');
    assert.equal(viridis(1), '#fde725');
    assert.equal(viridis(-3), '#440154');
    assert.equal(viridis(NaN), '#440154');
    assert.match(viridis(0.5), /^#[0-9a-f]{6}$/);
  });
});
