import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCacheServer } from '../../../e2e/remote-cache-server';
import { REMOTE_KEY_PREFIX, RemoteTrialCache, remoteCacheFromEnv } from '../src/store/remote-cache';
import { TrialStore, type StoredTrial } from '../src/store/trial-store';
import type { ModelArtifacts } from '../src/training/save';

const KEY = 'cd'.padEnd(64, '1');
const trial: StoredTrial = {
  key: KEY,
  params: { x: 1 },
  state: 'complete',
  metrics: { val_accuracy: 0.9 },
  durationMs: 5,
  backend: 'wasm',
  versions: { plugin: '0', tfjs: '0', trainer: 0 },
  createdAt: 'now',
};
const model: ModelArtifacts = {
  modelJson: { format: 'layers-model', generatedBy: 'test', convertedBy: null, modelTopology: { a: 1 }, weightsManifest: [] },
  weights: new Float32Array([1, 2]).buffer,
};
const store = () => new TrialStore(mkdtempSync(join(tmpdir(), 'nx-hpo-remote-')));

describe('RemoteTrialCache', () => {
  let server: TestCacheServer;
  before(async () => {
    server = new TestCacheServer();
    await server.start();
  });
  after(() => server.stop());

  test('reads its server from Nx\'s own environment variables', () => {
    assert.equal(remoteCacheFromEnv({}), undefined);
    assert.deepEqual(remoteCacheFromEnv({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: 'http://h', NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 't' }), { url: 'http://h', token: 't' });
  });

  test('an entry pushed by one machine is pulled whole by another, under a namespaced key', async () => {
    const a = store();
    a.put(trial, model);
    const warnings: string[] = [];
    const upload = new RemoteTrialCache({ url: server.url, token: server.writeToken }, (m) => warnings.push(m));
    upload.push(KEY, a);
    await upload.flush();
    assert.deepEqual(server.trialKeys(), [`${REMOTE_KEY_PREFIX}${KEY}`]);
    assert.ok(!/^\d+$/.test(server.trialKeys()[0] as string), 'can never collide with a decimal Nx task hash');
    const b = store();
    const download = new RemoteTrialCache({ url: server.url, token: server.readToken }, (m) => warnings.push(m));
    assert.equal(await download.pull(KEY, b), true);
    assert.deepEqual(b.get(KEY)?.trial, trial);
    assert.equal(await download.pull('ef'.padEnd(64, '2'), b), false, 'a miss is a miss');
    assert.deepEqual(warnings, []);
  });

  test('a read-only token only reads: one warning, no upload', async () => {
    const s = store();
    const key = 'aa'.padEnd(64, '3');
    s.put({ ...trial, key }, model);
    const warnings: string[] = [];
    const cache = new RemoteTrialCache({ url: server.url, token: server.readToken }, (m) => warnings.push(m));
    cache.push(key, s);
    await cache.flush();
    cache.push(key, s);
    await cache.flush();
    assert.equal(server.entries.has(`${REMOTE_KEY_PREFIX}${key}`), false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /read-only/);
  });

  test('a damaged remote entry is refused and never reaches the local store', async () => {
    const key = 'bb'.padEnd(64, '4');
    server.entries.set(`${REMOTE_KEY_PREFIX}${key}`, Buffer.from('{"format":"nx-hpo-trial-bundle","files":{"record.json":"e30="}}'));
    const s = store();
    const cache = new RemoteTrialCache({ url: server.url, token: server.readToken }, () => {});
    assert.equal(await cache.pull(key, s), false);
    assert.equal(s.get(key), undefined);
  });

  test('an unreachable server: one warning, then local only, never an exception', async () => {
    const warnings: string[] = [];
    const s = store();
    s.put(trial, model);
    const cache = new RemoteTrialCache({ url: 'http://127.0.0.1:9', token: 't', timeoutMs: 2000 }, (m) => warnings.push(m));
    assert.equal(await cache.pull(KEY, s), false);
    assert.equal(await cache.pull(KEY, s), false);
    cache.push(KEY, s);
    await cache.flush();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /unreachable.*local store only/);
  });
});
