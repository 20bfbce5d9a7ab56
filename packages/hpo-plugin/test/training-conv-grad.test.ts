import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@nx-hpo/optimizers';
import { selectBackend, type Tf } from '../src/training/backend';

/** d(sum(conv2d(x, w) * r))/dw on the current backend, for fixed x, w, r. */
function filterGradient(tf: Tf, xShape: [number, number, number, number], wShape: [number, number, number, number], strides: number, pad: 'same' | 'valid'): number[] {
  const rng = Rng.derive(...xShape, ...wShape, strides, pad === 'same' ? 1 : 0);
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const x = tf.tensor4d(values(xShape.reduce((a, b) => a * b)), xShape);
  const w = tf.tensor4d(values(wShape.reduce((a, b) => a * b)), wShape);
  const outShape = tf.conv2d(x, w, strides, pad).shape;
  const r = tf.tensor(values(outShape.reduce((a, b) => a * b)), outShape);
  const g = tf.grad((wt) => tf.conv2d(x, wt as typeof w, strides, pad).mul(r).sum())(w);
  const out = Array.from(g.dataSync());
  tf.dispose([x, w, r, g]);
  return out;
}

test('the wasm Conv2DBackpropFilter kernel matches the cpu backend', async () => {
  const cases: Array<[[number, number, number, number], [number, number, number, number], number, 'same' | 'valid']> = [
    [[2, 6, 6, 1], [3, 3, 1, 4], 1, 'valid'],
    [[2, 6, 6, 1], [3, 3, 1, 4], 1, 'same'],
    [[3, 7, 5, 2], [2, 3, 2, 3], 2, 'same'],
    [[1, 8, 8, 3], [4, 4, 3, 2], 2, 'valid'],
  ];
  const cpu = (await selectBackend('cpu')).tf;
  const expected = cases.map(([xs, ws, s, p]) => filterGradient(cpu, xs, ws, s, p));
  const wasm = (await selectBackend('wasm')).tf;
  assert.equal(wasm.getBackend(), 'wasm');
  cases.forEach(([xs, ws, s, p], i) => {
    const got = filterGradient(wasm, xs, ws, s, p);
    assert.equal(got.length, expected[i]!.length);
    got.forEach((v, k) => assert.ok(Math.abs(v - expected[i]![k]!) < 1e-4, `case ${i} [${k}]: ${v} vs ${expected[i]![k]}`));
  });
});
