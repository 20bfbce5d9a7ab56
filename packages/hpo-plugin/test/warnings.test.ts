/**
 * Nothing is swallowed: a store that cannot import or keep a trial, a remote cache answering 4xx/5xx
 * or 413, each gives one warning line per kind and run, and the sweep's results stay whole.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteTrialCache } from '../src/store/remote-cache';
import { TrialStore, type StoredTrial } from '../src/store/trial-store';
import { Warnings } from '../src/warnings';
import { loadTuneConfig } from '../src/config';
import { runSweep } from '../src/sweep/runner';

const KEY = 'ab'.padEnd(64, '7');
const trial: StoredTrial = {
  key: KEY,
  params: { x: 1 },
  state: 'complete',
  metrics: { val_accuracy: 0.5 },
  durationMs: 1,
  backend: 'wasm',
  versions: { plugin: '0', tfjs: '0', trainer: 1 },
  createdAt: 'now',
};
const temp = (name: string) => mkdtempSync(join(tmpdir(), `nx-hpo-warn-${name}-`));

describe('Warnings', () => {
  test('says each kind once per run, prefixed', () => {
    const lines: string[] = [];
    const { warn } = new Warnings((l) => lines.push(l));
    warn('remote cache answered HTTP 500', 'remote-500');
    warn('remote cache answered HTTP 500 again', 'remote-500');
    warn('warning: another kind');
    warn('warning: another kind');
    assert.deepEqual(lines, ['warning: remote cache answered HTTP 500', 'warning: another kind']);
  });
});

describe('a remote cache that answers errors', () => {
  let server: Server;
  let url = '';
  let status = { get: 500, put: 413 };
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = req.method === 'PUT' ? status.put : status.get;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('5xx on reads and 413 on uploads: one warning each, however often', async () => {
    status = { get: 500, put: 413 };
    const lines: string[] = [];
    const { warn } = new Warnings((l) => lines.push(l));
    const store = new TrialStore(temp('remote'), warn);
    store.put(trial);
    const cache = new RemoteTrialCache({ url, token: 't' }, warn);
    assert.equal(await cache.pull('cd'.padEnd(64, '1'), store), false);
    assert.equal(await cache.pull('cd'.padEnd(64, '2'), store), false);
    cache.push(KEY, store);
    cache.push(KEY, store);
    await cache.flush();
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0] as string, /^warning: remote cache answered HTTP 500 to a read/);
    assert.match(lines[1] as string, /^warning: remote cache answered HTTP 413 to an upload \(the entry is larger than the server accepts\)/);
  });

  test('a bundle that cannot be written into the store (ENOTDIR) is one warning, not silence', async () => {
    const lines: string[] = [];
    const { warn } = new Warnings((l) => lines.push(l));
    const source = new TrialStore(temp('src'));
    source.put(trial);
    const bundle = source.exportBundle(KEY) as Buffer;
    const root = temp('broken');
    writeFileSync(join(root, 'tmp'), 'a file where the store keeps its temporary folders');
    const broken = new TrialStore(root, warn);
    assert.equal(broken.importBundle(KEY, bundle), false);
    assert.equal(broken.importBundle(KEY, bundle), false);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] as string, /could not import a trial from the remote cache \(ENOTDIR/);
  });
});

describe('a store that cannot keep trials', () => {
  test('the sweep warns once, finishes and writes every trial to its outputs', async () => {
    const dir = temp('sweep');
    mkdirSync(join(dir, 'data'));
    copyFileSync(join(__dirname, '..', '..', '..', 'e2e', 'fixtures', 'iris.csv'), join(dir, 'data', 'iris.csv'));
    writeFileSync(
      join(dir, 'tune.yaml'),
      `data: { path: data/iris.csv, header: true, label: species, validation: { split: 0.3, seed: 1 }, scale: standard }
model:
  layers:
    - dense: { units: 3, activation: softmax }
training: { epochs: 1, batchSize: 32, optimizer: { name: adam, learningRate: "\${lr}" } }
space:
  lr: { type: float, low: 1.0e-3, high: 1.0e-1, log: true }
objective: { metric: val_accuracy }
search: { algorithm: random, trials: 3, parallelism: 1, seed: 1 }
`,
    );
    class FullDisk extends TrialStore {
      override put(): void {
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      }
    }
    const lines: string[] = [];
    const { warn } = new Warnings((l) => lines.push(l));
    const result = await runSweep({
      config: loadTuneConfig(join(dir, 'tune.yaml')),
      outputDir: join(dir, 'out'),
      parallelism: 1,
      backend: 'auto',
      log: () => {},
      warn,
      store: new FullDisk(join(dir, 'store'), warn),
    });
    assert.equal(result.records.length, 3);
    assert.ok(result.records.every((r) => r.state === 'complete'));
    assert.deepEqual(lines.filter((l) => l.includes('could not keep a trial')).length, 1, lines.join('\n'));
    assert.match(lines.join('\n'), /ENOSPC/);
  });
});
