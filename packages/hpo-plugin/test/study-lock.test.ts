/**
 * The study-journal lock: one holder at a time, never seen half written, and taken over from a
 * dead holder (same host: its pid is gone; another host: its age).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StudyLock } from '../src/store/study-lock';

const dir = mkdtempSync(join(tmpdir(), 'nx-hpo-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const lockPath = () => join(dir, `study-${n++}.lock`);

/** A pid that no process has: one far above the kernel's pid_max default. */
const DEAD_PID = 4_000_000;

describe('StudyLock', () => {
  test('one holder at a time; released, it can be taken again', () => {
    const path = lockPath();
    const a = StudyLock.acquire(path);
    assert.ok(a);
    const owner = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(owner.pid, process.pid);
    assert.equal(StudyLock.acquire(path), undefined, 'held by a live process');
    a.release();
    assert.ok(!existsSync(path));
    const b = StudyLock.acquire(path);
    assert.ok(b);
    b.release();
  });

  test("a lock whose process is gone on this host is taken over at once", () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: DEAD_PID, host: hostname(), nonce: 'x' }));
    const lock = StudyLock.acquire(path);
    assert.ok(lock);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
    lock.release();
  });

  test("another host's lock is taken over only once it is older than staleMs", () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: 'some-other-host', nonce: 'y' }));
    assert.equal(StudyLock.acquire(path, { staleMs: 60_000 }), undefined, 'fresh: kept');
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    const lock = StudyLock.acquire(path, { staleMs: 60_000 });
    assert.ok(lock, 'older than staleMs: taken over');
    lock.release();
  });

  test('the holder refreshes its mtime, so other hosts do not take it over', async () => {
    const path = lockPath();
    const lock = StudyLock.acquire(path, { heartbeatMs: 20 });
    assert.ok(lock);
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    // The heartbeat runs every 20 ms; wait for it (a loaded machine may delay timers a while).
    const { statSync } = await import('node:fs');
    const deadline = Date.now() + 30_000;
    while (Date.now() - statSync(path).mtimeMs > 60_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(Date.now() - statSync(path).mtimeMs < 60_000, 'refreshed by the heartbeat');
    lock.release();
  });

  test('release leaves a lock alone that is no longer ours', () => {
    const path = lockPath();
    const lock = StudyLock.acquire(path);
    assert.ok(lock);
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: 'elsewhere', nonce: 'theirs' }));
    lock.release();
    assert.ok(existsSync(path), "another run's lock stays");
  });

  test('racing processes: exactly one wins, and the lock is whole whenever it exists', async () => {
    const path = lockPath();
    const src = join(__dirname, '..', 'src', 'store', 'study-lock.ts');
    // Each holds what it got until every one has answered (stdin closes), so no winner exits early.
    const script = `
      const { StudyLock } = require(${JSON.stringify(src)});
      const lock = StudyLock.acquire(${JSON.stringify(path)});
      console.log(lock ? 'won' : 'lost');
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));`;
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', '-e', script]));
    const results = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve) => {
            let out = '';
            child.stdout.on('data', (c: Buffer) => {
              out += c.toString();
              if (out.includes('\n')) resolve(out.trim());
            });
            child.on('close', () => resolve(out.trim()));
          }),
      ),
    );
    for (const child of children) child.stdin.end();
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('close', r)))));
    assert.equal(results.filter((r) => r === 'won').length, 1, results.join(','));
  });
});
