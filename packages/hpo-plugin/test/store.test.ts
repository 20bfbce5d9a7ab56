import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, hashValue } from '../src/store/canonical';
import { StudyJournal } from '../src/store/journal';
import { TrialStore, type StoredTrial } from '../src/store/trial-store';
import type { ModelArtifacts } from '../src/training/save';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'nx-hpo-store-'));
}

function trial(key: string, value = 0.9): StoredTrial {
  return {
    key,
    params: { lr: 0.01, units: 32, activation: 'relu' },
    state: 'complete',
    metrics: { val_accuracy: value, val_loss: 0.3 },
    history: [{ epoch: 1, loss: 0.5 }],
    durationMs: 1234,
    backend: 'wasm',
    versions: { plugin: '0.1.0', tfjs: '4.22.0', trainer: 0 },
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

const model = (): ModelArtifacts => ({
  modelJson: { format: 'layers-model', generatedBy: 'test', convertedBy: null, modelTopology: { a: 1 }, weightsManifest: [] },
  weights: new Float32Array([1, 2, 3]).buffer,
});
const KEY = 'ab'.padEnd(64, '0');

describe('canonical encoding', () => {
  test('key order and formatting do not matter', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' } }), canonicalJson({ a: { c: 'x', d: [1, 2] }, b: 1 }));
    assert.equal(hashValue({ a: 1, b: undefined }), hashValue({ a: 1 }));
    assert.notEqual(hashValue({ a: 1 }), hashValue({ a: 2 }));
    assert.throws(() => canonicalJson({ a: NaN }), /non-finite/);
  });
});

describe('TrialStore', () => {
  test('round-trips an entry with its model', () => {
    const store = new TrialStore(tempDir());
    assert.equal(store.get(KEY), undefined);
    store.put(trial(KEY), model());
    const entry = store.get(KEY);
    assert.ok(entry);
    assert.deepEqual(entry.trial, trial(KEY));
    const m = entry.loadModel();
    assert.ok(m);
    assert.deepEqual([...new Float32Array(m.weights)], [1, 2, 3]);
    // Nothing is left behind in tmp/.
    assert.deepEqual(readdirSync(join(store.root, 'tmp')), []);
  });

  for (const [name, damage] of [
    ['truncated record', (dir: string) => truncateSync(join(dir, 'record.json'), 20)],
    ['edited record', (dir: string) => writeFileSync(join(dir, 'record.json'), readFileSync(join(dir, 'record.json'), 'utf8').replace('0.9', '0.99'))],
    ['corrupt weights', (dir: string) => writeFileSync(join(dir, 'weights.bin'), Buffer.from([9, 9, 9]))],
    ['missing weights', (dir: string) => rmSync(join(dir, 'weights.bin'))],
    ['other format version', (dir: string) => writeFileSync(join(dir, 'record.json'), readFileSync(join(dir, 'record.json'), 'utf8').replace('"version":1', '"version":99'))],
  ] as const) {
    test(`a damaged entry (${name}) is reported once, ignored, and replaced by the next put`, () => {
      const warnings: string[] = [];
      const store = new TrialStore(tempDir(), (m) => warnings.push(m));
      store.put(trial(KEY), model());
      damage(store.entryDir(KEY));
      assert.equal(store.get(KEY), undefined);
      assert.equal(store.get(KEY), undefined);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] as string, /damaged entry/);
      store.put(trial(KEY, 0.8), model());
      assert.equal(store.get(KEY)?.trial.metrics?.['val_accuracy'], 0.8);
    });
  }

  test('bundles export and import, and a tampered bundle is refused', () => {
    const a = new TrialStore(tempDir());
    const b = new TrialStore(tempDir());
    a.put(trial(KEY), model());
    const bundle = a.exportBundle(KEY);
    assert.ok(bundle);
    const tampered = Buffer.from(bundle.toString('utf8').replace(/"weights.bin":"[^"]+"/, '"weights.bin":"AAAA"'));
    assert.equal(b.importBundle(KEY, tampered), false);
    assert.equal(b.get(KEY), undefined);
    assert.equal(b.importBundle(KEY, bundle), true);
    assert.deepEqual(b.get(KEY)?.trial, trial(KEY));
  });

  test('concurrent writers in separate processes never corrupt the store', async () => {
    const root = tempDir();
    const script = `
      const { TrialStore } = require(${JSON.stringify(join(__dirname, '../src/store/trial-store.ts'))});
      const store = new TrialStore(process.argv[1]);
      const w = process.argv[2];
      for (let i = 0; i < 30; i++) {
        const key = String(i % 10).padStart(2, '0').padEnd(64, 'c');
        store.put({ key, params: { i, w }, state: 'complete', metrics: { v: i }, durationMs: 1, backend: 'wasm',
          versions: { plugin: '0', tfjs: '0' }, createdAt: 'now' }, { modelJson: { w }, weights: new Float32Array(1000).fill(i).buffer });
      }`;
    const runs = [0, 1, 2, 3].map(
      (w) =>
        new Promise<number>((resolve) => {
          const p = spawn(process.execPath, ['--import', 'tsx', '-e', script, root, String(w)], { stdio: 'inherit' });
          p.on('exit', (code) => resolve(code ?? 1));
        }),
    );
    assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0]);
    const warnings: string[] = [];
    const store = new TrialStore(root, (m) => warnings.push(m));
    for (let i = 0; i < 10; i++) {
      const key = String(i).padStart(2, '0').padEnd(64, 'c');
      const entry = store.get(key);
      assert.ok(entry, `entry ${i} present`);
      assert.equal(entry.trial.metrics?.['v'], i);
      assert.equal(new Float32Array(entry.loadModel()!.weights)[0], i);
    }
    assert.deepEqual(warnings, []);
  });
});

describe('StudyJournal', () => {
  test('appends, survives a torn last line, and is exclusive while open', () => {
    const root = tempDir();
    const j = StudyJournal.open(root, 'study1');
    assert.ok(j);
    j.append({ op: 'ask', id: 0, params: { x: 1 } });
    j.append({ op: 'tell', id: 0, state: 'complete', value: 0.5 });
    assert.equal(StudyJournal.open(root, 'study1'), undefined, 'a second open while held is refused');
    j.close();
    // A crash mid-write leaves half a line.
    writeFileSync(j.path, readFileSync(j.path, 'utf8') + '{"op":"ask","id":1,"par');
    const again = StudyJournal.open(root, 'study1');
    assert.ok(again);
    assert.deepEqual(again.ops, [
      { op: 'ask', id: 0, params: { x: 1 } },
      { op: 'tell', id: 0, state: 'complete', value: 0.5 },
    ]);
    again.append({ op: 'ask', id: 1, params: { x: 2 } });
    again.close();
    const lines = readFileSync(j.path, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(JSON.parse(lines[2] as string), { op: 'ask', id: 1, params: { x: 2 } });
  });

  test('a lock left by a dead process is taken over', () => {
    const root = tempDir();
    const j = StudyJournal.open(root, 's');
    assert.ok(j);
    const lock = `${j.path}.lock`;
    const held = JSON.parse(readFileSync(lock, 'utf8'));
    writeFileSync(lock, JSON.stringify({ ...held, pid: 2 ** 22 + 12345 })); // no such pid
    const k = StudyJournal.open(root, 's');
    assert.ok(k, 'stale lock taken over');
    k.close();
  });

  test('rewrite replaces the journal atomically', () => {
    const root = tempDir();
    const j = StudyJournal.open(root, 's');
    assert.ok(j);
    j.append({ op: 'ask', id: 0, params: { x: 1 } });
    j.append({ op: 'ask', id: 1, params: { x: 2 } });
    j.rewrite([{ op: 'ask', id: 0, params: { x: 1 } }]);
    j.append({ op: 'tell', id: 0, state: 'failed', error: 'boom' });
    j.close();
    const k = StudyJournal.open(root, 's');
    assert.equal(k?.ops.length, 2);
    k?.close();
  });
});

describe('TrialStore failed entries', () => {
  test('a complete result replaces a stored failure, never the other way round', () => {
    const store = new TrialStore(tempDir());
    const failed: StoredTrial = { ...trial(KEY), state: 'failed', metrics: undefined, error: 'worker crashed' };
    store.put(failed);
    assert.equal(store.get(KEY)?.trial.state, 'failed');
    store.put(trial(KEY), model());
    assert.equal(store.get(KEY)?.trial.state, 'complete');
    store.put(failed);
    assert.equal(store.get(KEY)?.trial.state, 'complete');
  });
});

describe('TrialStore checkpoints', () => {
  test('a pruned entry keeps its training checkpoint, verified like the rest', () => {
    const warnings: string[] = [];
    const store = new TrialStore(tempDir(), (m) => warnings.push(m));
    const checkpoint = { json: { epoch: 3, history: [{ loss: 1 }] }, data: new Float32Array([4, 5, 6]).buffer };
    store.put({ ...trial(KEY), state: 'pruned' }, model(), checkpoint);
    const cp = store.get(KEY)?.loadCheckpoint();
    assert.ok(cp);
    assert.deepEqual(cp.json, checkpoint.json);
    assert.deepEqual([...new Float32Array(cp.data)], [4, 5, 6]);
    writeFileSync(join(store.entryDir(KEY), 'checkpoint.bin'), Buffer.from([1]));
    assert.equal(store.get(KEY), undefined);
    assert.match(warnings[0] as string, /checkpoint\.bin checksum mismatch/);
  });
});
