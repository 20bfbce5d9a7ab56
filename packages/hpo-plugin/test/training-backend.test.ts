import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, type BackendName } from '../src/training/backend';
import { expectedBackend } from '../src/training/backend-choice';
import { UserError } from '../src/errors';

/** Whether tfjs-node can be loaded here: the tests below hold on machines with and without it. */
const hasNative = expectedBackend('auto') === 'tensorflow';

test('auto prefers tensorflow, then wasm, then cpu, by what is installed', () => {
  const only = (...ids: string[]) => (id: string) => ids.includes(id);
  assert.equal(expectedBackend('auto', only('@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm')), 'tensorflow');
  assert.equal(expectedBackend('auto', only('@tensorflow/tfjs-backend-wasm')), 'wasm');
  assert.equal(expectedBackend('auto', only()), 'cpu');
  for (const forced of ['tensorflow', 'wasm', 'cpu'] as const) assert.equal(expectedBackend(forced, only()), forced);
});

test('auto selects the backend expectedBackend names for this machine, and says why when it falls back', async () => {
  const b = await selectBackend();
  assert.equal(b.backend, expectedBackend('auto'));
  assert.equal(b.tf.getBackend(), b.backend);
  if (hasNative) assert.equal(b.fallbackReason, undefined);
  else assert.match(b.fallbackReason ?? '', /@tensorflow\/tfjs-node is not installed/);
  const sum = b.tf.tidy(() => b.tf.tensor1d([1, 2, 3]).sum().dataSync()[0]);
  assert.equal(sum, 6);
});

test('forcing wasm gives wasm with no fallback reason', async () => {
  const b = await selectBackend('wasm');
  assert.equal(b.backend, 'wasm');
  assert.equal(b.fallbackReason, undefined);
});

test('forcing tensorflow without tfjs-node is a UserError naming what is available', { skip: hasNative && 'tfjs-node is installed here' }, async () => {
  await assert.rejects(selectBackend('tensorflow'), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.equal(
      e.message,
      "backend 'tensorflow' is not available: @tensorflow/tfjs-node is not installed; `npm install @tensorflow/tfjs-node@4.22.0` adds native speed; available here: wasm, cpu (or auto)",
    );
    return true;
  });
});

test('an unknown backend name is a UserError', async () => {
  await assert.rejects(selectBackend('gpu' as BackendName), /unknown backend "gpu": use one of auto, tensorflow, wasm, cpu/);
});

test('cpu works and does not print the tfjs-node banner', async () => {
  const seen: string[] = [];
  const original = { warn: console.warn, log: console.log };
  console.warn = (...a: unknown[]) => void seen.push(a.join(' '));
  console.log = (...a: unknown[]) => void seen.push(a.join(' '));
  try {
    const b = await selectBackend('cpu');
    assert.equal(b.backend, 'cpu');
    assert.equal(b.tf.getBackend(), 'cpu');
    b.tf.tidy(() => b.tf.tensor1d([1, 2]).add(1).dataSync());
  } finally {
    Object.assign(console, original);
  }
  assert.deepEqual(seen, []);
  // And back to wasm in the same thread.
  assert.equal((await selectBackend('wasm')).tf.getBackend(), 'wasm');
});
