import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStudyStorage } from '../src/storage/file';
import { leaseMsFromEnv, openSharedStorage, StorageError } from '../src/storage';
import { describeTarget, parseStorageUrl, redact } from '../src/storage/url';

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);

describe('file study storage (the local journal behind the storage interface)', () => {
  test('claims are asks in the journal file, tells keep the file format, reports are not journalled', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-hpo-storage-'));
    const s = FileStudyStorage.open(root, 'study');
    assert.ok(s);
    assert.equal(s.shared, false);
    const r = await s.claim(0, (entries, expired) => {
      assert.deepEqual(entries, []);
      assert.deepEqual(expired, []);
      return { op: 'ask', id: 0, params: { lr: 0.1 } };
    });
    assert.deepEqual(r, { entries: [], claimed: { op: { op: 'ask', id: 0, params: { lr: 0.1 } }, seq: 1 }, cursor: 1 });
    assert.equal(await s.append({ op: 'report', id: 0, step: 1, value: 0.5 }), true);
    assert.equal(await s.append({ op: 'tell', id: 0, state: 'complete', value: 0.9, summary: { durationMs: 5, curve: [0.5] } }), true);
    const path = join(root, 'journals', 'study.jsonl');
    assert.deepEqual(lines(path), [
      { op: 'ask', id: 0, params: { lr: 0.1 } },
      { op: 'tell', id: 0, state: 'complete', value: 0.9 },
    ]);
    assert.deepEqual((await s.read(1)).map((e) => [e.seq, e.op.op]), [[2, 'tell']]);
    assert.equal(FileStudyStorage.open(root, 'study'), undefined, 'a second live run does not get the journal');
    s.freeze();
    await s.claim(2, () => ({ op: 'ask', id: 1, params: { lr: 0.2 } }));
    assert.equal(lines(path).length, 2, 'a frozen journal is left whole');
    await s.close();
    const again = FileStudyStorage.open(root, 'study');
    assert.ok(again, 'closing releases the lock');
    assert.equal(again.ops.length, 2);
    again.rewrite([]);
    assert.equal(again.ops.length, 0);
    await again.close();
  });
});

describe('NX_HPO_STORAGE', () => {
  test('is parsed, and printed without its password', () => {
    const t = parseStorageUrl('postgresql://ci:s3cr%40t@db.example:6543/studies');
    assert.deepEqual({ ...t, url: undefined }, { url: undefined, user: 'ci', password: 's3cr@t', host: 'db.example', port: 6543, database: 'studies' });
    assert.equal(describeTarget(t), 'postgresql://ci@db.example:6543/studies');
    assert.equal(parseStorageUrl('postgres://ci@h/db').port, 5432);
    assert.equal(redact(`failed for ${t.url} with s3cr@t and s3cr%40t`, t), 'failed for postgresql://… with *** and ***');
  });

  test('unset means no shared storage (and the PostgreSQL client is not loaded)', async () => {
    assert.equal(await openSharedStorage({ study: 's', meta: {}, env: {} }), undefined);
    assert.ok(!Object.keys(require.cache).some((k) => /node_modules[\\/]pg[\\/]/.test(k)), 'pg was not loaded');
  });

  test('NX_HPO_LEASE_SECONDS sets the heartbeat grace period', () => {
    assert.equal(leaseMsFromEnv({}), 60_000);
    assert.equal(leaseMsFromEnv({ NX_HPO_LEASE_SECONDS: '5' }), 5000);
    assert.throws(() => leaseMsFromEnv({ NX_HPO_LEASE_SECONDS: 'soon' }), (e: Error) => e instanceof StorageError && /at least 1/.test(e.message));
  });
});
