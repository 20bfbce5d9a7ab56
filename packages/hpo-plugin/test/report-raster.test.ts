/** The report's canvas compositing (src/report/raster.ts): pure pixel math, no browser. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Bitmap, blendAt, parseColour, sprite } from '../src/report/raster';

const px = (b: Bitmap, x: number, y: number) => Array.from(b.data.slice((y * b.width + x) * 4, (y * b.width + x) * 4 + 4));

describe('report raster', () => {
  test('colours: #rgb, #rrggbb and rgb() parse; anything else is left to the canvas', () => {
    assert.deepEqual(parseColour('#fff'), [255, 255, 255]);
    assert.deepEqual(parseColour('#0072B2'), [0, 114, 178]);
    assert.deepEqual(parseColour('rgba(1, 2, 3, 0.5)'), [1, 2, 3]);
    assert.equal(parseColour('steelblue'), undefined);
  });

  test('source-over: opaque paint replaces, translucent paint over transparent keeps its colour, over opaque mixes', () => {
    const d = new Uint8ClampedArray(4);
    blendAt(d, 0, 200, 100, 0, 0.5);
    assert.deepEqual(Array.from(d), [200, 100, 0, 128]);
    blendAt(d, 0, 0, 0, 255, 1);
    assert.deepEqual(Array.from(d), [0, 0, 255, 255]);
    blendAt(d, 0, 255, 0, 0, 0.25);
    assert.deepEqual(Array.from(d), [64, 0, 191, 255]);
  });

  test('blending never leaves 0..255 and alpha never decreases', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 8 }), (paints) => {
        const d = new Uint8ClampedArray(4);
        let alpha = 0;
        for (const [c, a] of paints) {
          blendAt(d, 0, c, 255 - c, c, a);
          assert.ok((d[3] as number) >= alpha - 1, 'alpha went down');
          alpha = d[3] as number;
        }
      }),
    );
  });

  test('a sprite is stamped with its anchor pixel on the given pixel, clipped at the edges', () => {
    // A 3x3 mask, full coverage in the middle pixel only, anchored at (1, 1).
    const rgba = new Array(36).fill(0);
    rgba[4 * 4 + 3] = 255;
    const s = sprite(3, 1, 1, rgba);
    assert.deepEqual([s.x0, s.x1, s.y0, s.y1], [1, 1, 1, 1]);
    const b = new Bitmap(4, 3);
    b.stamp(s, 2, 1, [10, 20, 30], undefined, 1);
    assert.deepEqual(px(b, 2, 1), [10, 20, 30, 255]);
    assert.equal(b.data.reduce((n, v) => n + v, 0), 10 + 20 + 30 + 255, 'nothing else painted');
    b.stamp(s, -1, 5, [1, 1, 1], undefined, 1); // entirely outside: no throw, no paint
    b.stamp(s, 0, 0, [0, 0, 0], undefined, 0.5);
    assert.deepEqual(px(b, 0, 0), [0, 0, 0, 128]);
  });

  test('rects of one style side by side cover their pixels fully (no seams between sub-pixel bars)', () => {
    const b = new Bitmap(4, 1);
    const cov = new Float32Array(4);
    // Four bars 0.4 px wide from x = 0.2 to 1.8: pixel 0 is 0.8 covered, pixel 1 0.8.
    for (let k = 0; k < 4; k++) b.addRect(cov, 0.2 + 0.4 * k, 0, 0.4, 1);
    b.compositeCoverage(cov, [0, 0, 255], 1);
    assert.equal(b.data[3], Math.round(0.8 * 255));
    assert.equal(b.data[7], Math.round(0.8 * 255));
    assert.equal(b.data[11], 0);
    assert.ok(cov.every((v) => v === 0), 'the coverage buffer is cleared for the next style');
    // An outline: the outer rect minus the inner one.
    const c = new Bitmap(6, 6);
    const cv = new Float32Array(36);
    c.addRect(cv, 1, 1, 4, 4);
    c.addRect(cv, 2, 2, 2, 2, -1);
    c.compositeCoverage(cv, [0, 0, 0], 1);
    assert.equal(px(c, 1, 1)[3], 255);
    assert.equal(px(c, 2, 2)[3], 0, 'the inside stays empty');
    assert.equal(px(c, 0, 0)[3], 0);
  });

  test('fillRect covers edge pixels by the share inside the rect', () => {
    const b = new Bitmap(3, 1);
    b.fillRect(0.5, 0, 2, 1, [255, 255, 255], 1);
    assert.deepEqual([b.data[3], b.data[7], b.data[11]], [128, 255, 128]);
  });
});
