/**
 * End to end, the incremental promise: no trial is trained twice for the same inputs — not on a
 * re-run, not with a bigger budget, not after `kill -9`, not on another machine — and tuning is an
 * ordinary cacheable, affected-aware Nx target.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addIrisProject, irisYaml, readJsonl, trainedReused } from './iris';
import { TestCacheServer } from './remote-cache-server';
import { TempWorkspace } from './workspace';

const values = (ws: TempWorkspace, target = 'tune') =>
  readJsonl(ws.path(`dist/hpo/iris/${target}/trials.jsonl`))
    .sort((a, b) => (a.id as number) - (b.id as number))
    .map((t) => [t.id, t.params, t.state, t.value]);

describe('a bigger budget trains only the new trials', () => {
  // auto decides from the budget and from measured ask times: the journal's recorded proposers
  // and ask times make the second run replay the first six asks exactly all the same.
  for (const algorithm of ['random', 'bayesian', 'auto']) {
    test(`${algorithm}: 6 trials, then 10`, () => {
      const ws = new TempWorkspace();
      try {
        addIrisProject(ws, 'apps/iris', 'iris', { algorithm, trials: 6, parallelism: 1 });
        const first = ws.nx(['run', 'iris:tune']);
        assert.equal(first.code, 0, first.output);
        assert.deepEqual(trainedReused(first.output), { trained: 6, reused: 0 });
        const second = ws.nx(['run', 'iris:tune', '--trials=10']);
        assert.equal(second.code, 0, second.output);
        assert.deepEqual(trainedReused(second.output), { trained: 4, reused: 6 });
        const rows = readJsonl(ws.path('dist/hpo/iris/tune/trials.jsonl'));
        assert.equal(rows.length, 10);
        assert.equal(rows.filter((r) => r.reused === true).length, 6);
        assert.match(second.output, /\(reused\)/);
        // Every row names the sampler that proposed it (auto: its portfolio member).
        for (const r of rows) assert.ok(algorithm === 'auto' ? ['bayesian', 'qlearning', 'tpe'].includes(r.sampler as string) : r.sampler === algorithm, JSON.stringify(r));
      } finally {
        ws.dispose();
      }
    });
  }
});

describe('kill -9 and resume', () => {
  const TRIALS = 8;
  let reference: unknown[];
  let referenceBest: unknown;

  before(() => {
    const ws = new TempWorkspace();
    try {
      addIrisProject(ws, 'apps/iris', 'iris', { algorithm: 'bayesian', trials: TRIALS, parallelism: 1, epochs: 6 });
      const r = ws.nx(['run', 'iris:tune']);
      assert.equal(r.code, 0, r.output);
      reference = values(ws);
      referenceBest = JSON.parse(readFileSync(ws.path('dist/hpo/iris/tune/best.json'), 'utf8'));
    } finally {
      ws.dispose();
    }
  });

  /** Starts `nx run iris:tune` and SIGKILLs its whole process group once `afterTrials` lines appeared. */
  function runAndKill(ws: TempWorkspace, afterTrials: number): Promise<number> {
    return runAndSignal(ws, afterTrials, 'SIGKILL').then((r) => r.seen);
  }

  test('Ctrl-C stops cleanly: exit code 130, finished trials kept', async () => {
    const ws = new TempWorkspace();
    try {
      addIrisProject(ws, 'apps/iris', 'iris', { algorithm: 'bayesian', trials: 40, parallelism: 1, epochs: 6 });
      const r = await runAndSignal(ws, 2, 'SIGINT');
      assert.equal(r.code, 130, r.output);
      // The executor's "run the same command again to resume" line is written at once, but nx stops
      // forwarding a task's output when it exits on SIGINT itself, so through a pipe it may be lost;
      // on a terminal or a file it shows. What must hold either way: the finished trials are kept.
      const again = ws.nx(['run', 'iris:tune', '--trials=2']);
      assert.equal(again.code, 0, again.output);
      assert.deepEqual(trainedReused(again.output), { trained: 0, reused: 2 });
    } finally {
      ws.dispose();
    }
  });

  /** Like a terminal would: the signal goes to nx's whole process group. */
  function runAndSignal(ws: TempWorkspace, afterTrials: number, signal: NodeJS.Signals): Promise<{ seen: number; code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [ws.path('node_modules/nx/dist/bin/nx.js'), 'run', 'iris:tune', '--skip-nx-cache'], {
        cwd: ws.root,
        detached: true,
        env: ws.env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let seen = 0;
      let sent = false;
      let output = '';
      const timer = setTimeout(() => reject(new Error('sweep did not reach the signal point in time')), 120_000);
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        seen += (chunk.toString().match(/^trial +\d+\//gm) ?? []).length;
        if (!sent && seen >= afterTrials) {
          sent = true;
          process.kill(-(child.pid as number), signal);
        }
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ seen, code, output });
      });
    });
  }

  test('with a pruner: killed mid-sweep, the re-run ends as an uninterrupted pruning run', async () => {
    const o = { algorithm: 'tpe', trials: TRIALS, parallelism: 1, epochs: 9, seed: 6 };
    const asha = (ws: TempWorkspace) =>
      ws.write('apps/iris/tune.yaml', irisYaml(o).replace('seed: 6 }', 'seed: 6, pruner: { name: asha, minEpochs: 1, reductionFactor: 3 } }'));
    const straight = new TempWorkspace();
    const ws = new TempWorkspace();
    try {
      addIrisProject(straight, 'apps/iris', 'iris', o);
      asha(straight);
      const s = straight.nx(['run', 'iris:tune']);
      assert.equal(s.code, 0, s.output);
      addIrisProject(ws, 'apps/iris', 'iris', o);
      asha(ws);
      const finished = await runAndKill(ws, 4);
      const r = ws.nx(['run', 'iris:tune', '--skip-nx-cache']);
      assert.equal(r.code, 0, r.output);
      assert.ok(trainedReused(r.output).reused >= Math.min(finished, TRIALS), r.output);
      assert.deepEqual(values(ws), values(straight));
    } finally {
      straight.dispose();
      ws.dispose();
    }
  });

  for (const moment of [1, 3, 6]) {
    test(`killed after ${moment} finished trial(s): the re-run trains only what was not finished, and ends as an uninterrupted run`, async () => {
      const ws = new TempWorkspace();
      try {
        addIrisProject(ws, 'apps/iris', 'iris', { algorithm: 'bayesian', trials: TRIALS, parallelism: 1, epochs: 6 });
        const finished = await runAndKill(ws, moment);
        const r = ws.nx(['run', 'iris:tune', '--skip-nx-cache']);
        assert.equal(r.code, 0, r.output);
        const { trained, reused } = trainedReused(r.output);
        assert.equal(trained + reused, TRIALS);
        assert.ok(reused >= Math.min(finished, TRIALS), `every trial finished before the kill (${finished}) is reused, got ${reused}`);
        assert.doesNotMatch(r.output, /damaged entry/);
        assert.deepEqual(values(ws), reference);
        assert.deepEqual(JSON.parse(readFileSync(ws.path('dist/hpo/iris/tune/best.json'), 'utf8')), referenceBest);
      } finally {
        ws.dispose();
      }
    });
  }
});

describe('what invalidates what', () => {
  let ws: TempWorkspace;
  before(() => {
    ws = new TempWorkspace();
    addIrisProject(ws, 'apps/iris', 'iris', { trials: 4 });
    const r = ws.nx(['run', 'iris:tune']);
    assert.equal(r.code, 0, r.output);
  });
  after(() => ws.dispose());

  test('an edit of an unrelated file is an Nx cache hit', () => {
    ws.write('apps/iris/README.md', 'notes\n');
    const r = ws.nx(['run', 'iris:tune']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Nx read the output from the cache/);
  });

  test('a comment-only edit of tune.yaml: Nx misses, 0 trials trained', () => {
    ws.write('apps/iris/tune.yaml', '# a new comment\n' + irisYaml({ trials: 4 }).replace('search:', '# budget\nsearch:'));
    const r = ws.nx(['run', 'iris:tune']);
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /Nx read the output from the cache/);
    assert.deepEqual(trainedReused(r.output), { trained: 0, reused: 4 });
  });

  test('an epochs edit trains every trial again', () => {
    ws.write('apps/iris/tune.yaml', irisYaml({ trials: 4, epochs: 5 }));
    const r = ws.nx(['run', 'iris:tune']);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(trainedReused(r.output), { trained: 4, reused: 0 });
  });

  test('a data edit trains every trial again', () => {
    const csv = ws.path('apps/iris/data/iris.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace(/^5\.1,3\.5,1\.4,0\.2/m, '5.2,3.5,1.4,0.2'));
    const r = ws.nx(['run', 'iris:tune']);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(trainedReused(r.output), { trained: 4, reused: 0 });
  });
});

describe('pruning', () => {
  test('asha stops trials early, records them pruned with their curves, and a re-run reuses them', () => {
    const ws = new TempWorkspace();
    try {
      addIrisProject(ws, 'apps/iris', 'iris', { trials: 9, parallelism: 1, epochs: 9, seed: 3 });
      const yaml = ws.path('apps/iris/tune.yaml');
      writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('seed: 3 }', 'seed: 3, pruner: { name: asha, minEpochs: 1, reductionFactor: 3 } }'));
      const r = ws.nx(['run', 'iris:tune']);
      assert.equal(r.code, 0, r.output);
      const rows = readJsonl(ws.path('dist/hpo/iris/tune/trials.jsonl'));
      const pruned = rows.filter((t) => t.state === 'pruned');
      const complete = rows.filter((t) => t.state === 'complete');
      assert.ok(pruned.length > 0 && complete.length > 0, `${pruned.length} pruned, ${complete.length} complete`);
      for (const t of pruned) {
        const curve = t.curve as number[];
        assert.ok(curve.length >= 1 && curve.length < 9, 'stopped before the last epoch');
        assert.equal(t.epochs, curve.length);
        assert.equal(t.value, curve[curve.length - 1]);
      }
      for (const t of complete) assert.equal((t.curve as number[]).length, 9);
      const best = JSON.parse(readFileSync(ws.path('dist/hpo/iris/tune/best.json'), 'utf8'));
      assert.ok(complete.some((t) => t.id === best.trial), 'the best is a complete trial');
      const total = rows.reduce((n, t) => n + (t.epochs as number), 0);
      assert.ok(total < 9 * 9, `pruning saved epochs (${total} of ${9 * 9})`);
      assert.match(r.output, new RegExp(`${pruned.length} pruned, 0 failed; ${total} epochs trained`));
      const again = ws.nx(['run', 'iris:tune', '--skip-nx-cache']);
      assert.equal(again.code, 0, again.output);
      assert.deepEqual(trainedReused(again.output), { trained: 0, reused: 9 });
      assert.deepEqual(values(ws), rows.sort((a, b) => (a.id as number) - (b.id as number)).map((t) => [t.id, t.params, t.state, t.value]));
    } finally {
      ws.dispose();
    }
  });
});

describe('pruned trials continue from their checkpoints', () => {
  test('without the pruner, a re-run trains only the epochs pruned trials had left, and ends as a straight run', () => {
    const o = { trials: 6, parallelism: 1, epochs: 9, seed: 4 };
    const withAsha = (ws: TempWorkspace, pruner: string) => {
      const yaml = ws.path('apps/iris/tune.yaml');
      writeFileSync(yaml, irisYaml(o).replace('seed: 4 }', `seed: 4, pruner: ${pruner} }`));
    };
    const straight = new TempWorkspace();
    const ws = new TempWorkspace();
    try {
      addIrisProject(straight, 'apps/iris', 'iris', o);
      const s = straight.nx(['run', 'iris:tune']);
      assert.equal(s.code, 0, s.output);

      addIrisProject(ws, 'apps/iris', 'iris', o);
      withAsha(ws, '{ name: asha, minEpochs: 1, reductionFactor: 3 }');
      const first = ws.nx(['run', 'iris:tune']);
      assert.equal(first.code, 0, first.output);
      const pruned = readJsonl(ws.path('dist/hpo/iris/tune/trials.jsonl')).filter((t) => t.state === 'pruned');
      assert.ok(pruned.length > 0, first.output);
      const left = pruned.reduce((n, t) => n + 9 - (t.epochs as number), 0);

      withAsha(ws, 'none');
      const second = ws.nx(['run', 'iris:tune']);
      assert.equal(second.code, 0, second.output);
      const rows = readJsonl(ws.path('dist/hpo/iris/tune/trials.jsonl'));
      assert.equal(rows.reduce((n, t) => n + (t.epochs as number), 0), left, 'only the epochs the pruned trials had left');
      assert.deepEqual(trainedReused(second.output), { trained: pruned.length, reused: 6 - pruned.length });
      // Bit for bit the results of never having stopped.
      assert.deepEqual(values(ws), values(straight));
      const curves = (w: TempWorkspace) => readJsonl(w.path('dist/hpo/iris/tune/trials.jsonl')).sort((a, b) => (a.id as number) - (b.id as number)).map((t) => t.curve);
      assert.deepEqual(curves(ws), curves(straight));
    } finally {
      straight.dispose();
      ws.dispose();
    }
  });
});

describe('a bigger epoch budget continues every trial from its checkpoint', () => {
  test('epochs 6 then 9: only 3 epochs per trial, and the results of a straight 9-epoch run', () => {
    const straight = new TempWorkspace();
    const ws = new TempWorkspace();
    try {
      addIrisProject(straight, 'apps/iris', 'iris', { trials: 4, parallelism: 1, epochs: 9, seed: 8 });
      const s = straight.nx(['run', 'iris:tune']);
      assert.equal(s.code, 0, s.output);
      addIrisProject(ws, 'apps/iris', 'iris', { trials: 4, parallelism: 1, epochs: 6, seed: 8 });
      const first = ws.nx(['run', 'iris:tune']);
      assert.equal(first.code, 0, first.output);
      ws.write('apps/iris/tune.yaml', irisYaml({ trials: 4, parallelism: 1, epochs: 9, seed: 8 }));
      const second = ws.nx(['run', 'iris:tune']);
      assert.equal(second.code, 0, second.output);
      assert.deepEqual(trainedReused(second.output), { trained: 4, reused: 0 });
      const rows = readJsonl(ws.path('dist/hpo/iris/tune/trials.jsonl'));
      assert.deepEqual(rows.map((t) => t.epochs), [3, 3, 3, 3]);
      assert.deepEqual(values(ws), values(straight));
    } finally {
      straight.dispose();
      ws.dispose();
    }
  });
});

describe('two runs on one store at the same time', () => {
  test('both succeed, neither sees a damaged entry, and a third run reuses everything', async () => {
    const store = mkdtempSync(join(tmpdir(), 'nx-hpo-shared-store-'));
    const a = new TempWorkspace();
    const b = new TempWorkspace();
    const c = new TempWorkspace();
    try {
      for (const ws of [a, b, c]) addIrisProject(ws, 'apps/iris', 'iris', { trials: 6, parallelism: 1, seed: 5 });
      const env = { NX_HPO_STORE: store };
      const [ra, rb] = await Promise.all([a.nxAsync(['run', 'iris:tune'], env), b.nxAsync(['run', 'iris:tune'], env)]);
      for (const [r, ws] of [[ra, a], [rb, b]] as const) {
        assert.equal(r.code, 0, r.output);
        assert.doesNotMatch(r.output, /damaged entry/);
        assert.equal(readJsonl(ws.path('dist/hpo/iris/tune/trials.jsonl')).length, 6);
      }
      assert.deepEqual(values(a), values(b), 'both report the same results');
      const rc = c.nx(['run', 'iris:tune'], env);
      assert.equal(rc.code, 0, rc.output);
      assert.deepEqual(trainedReused(rc.output), { trained: 0, reused: 6 });
    } finally {
      for (const ws of [a, b, c]) ws.dispose();
      rmSync(store, { recursive: true, force: true });
    }
  });
});

describe('inferred targets and nx affected', () => {
  test('a folder with only tune.yaml and data gets targets; affected tunes only the changed project', () => {
    const ws = new TempWorkspace();
    try {
      addIrisProject(ws, 'apps/alpha', undefined, { trials: 2 });
      addIrisProject(ws, 'apps/beta', 'beta', { trials: 2 });
      ws.writeJson('apps/beta/project.json', { name: 'beta', targets: {} });
      const shown = ws.nx(['show', 'project', 'alpha', '--json']);
      assert.equal(shown.code, 0, shown.output);
      assert.deepEqual(Object.keys(JSON.parse(shown.stdout).targets).sort(), ['train', 'tune']);
      const beta = JSON.parse(ws.nx(['show', 'project', 'beta', '--json']).stdout);
      assert.deepEqual(Object.keys(beta.targets).sort(), ['train', 'tune']);
      ws.write('.gitignore', 'node_modules\ndist\n.nx\n.nx-hpo\n');
      const git = (...args: string[]) => spawnSync('git', args, { cwd: ws.root, encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      git('-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'add', '-A');
      assert.equal(git('-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'base').status, 0);
      const csv = ws.path('apps/beta/data/iris.csv');
      writeFileSync(csv, readFileSync(csv, 'utf8').replace(/^5\.1,3\.5,1\.4,0\.2/m, '5.2,3.5,1.4,0.2'));
      const r = ws.nx(['affected', '-t', 'tune', '--base=HEAD']);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /nx run beta:tune/);
      assert.doesNotMatch(r.output, /nx run alpha:tune/);
    } finally {
      ws.dispose();
    }
  });
});

describe('sweeps shared across CI machines through the remote cache', () => {
  let server: TestCacheServer;
  const workspaces: TempWorkspace[] = [];
  const machine = (o: Parameters<typeof irisYaml>[0]) => {
    const ws = new TempWorkspace();
    workspaces.push(ws);
    addIrisProject(ws, 'apps/iris', 'iris', o);
    return ws;
  };
  const env = (token: string) => ({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token });

  before(async () => {
    server = new TestCacheServer();
    await server.start();
  });
  after(async () => {
    await server.stop();
    for (const ws of workspaces) ws.dispose();
  });

  test('a second machine trains 0 trials', async () => {
    const a = machine({ trials: 4, seed: 11 });
    const r1 = await a.nxAsync(['run', 'iris:tune'], env(server.writeToken));
    assert.equal(r1.code, 0, r1.output);
    assert.deepEqual(trainedReused(r1.output), { trained: 4, reused: 0 });
    assert.equal(server.trialKeys().length, 4);
    // A comment makes Nx's own task hash differ, so the task really runs on machine b.
    const b = machine({ trials: 4, seed: 11 });
    b.write('apps/iris/tune.yaml', '# machine b\n' + irisYaml({ trials: 4, seed: 11 }));
    const r2 = await b.nxAsync(['run', 'iris:tune'], env(server.readToken));
    assert.equal(r2.code, 0, r2.output);
    assert.deepEqual(trainedReused(r2.output), { trained: 0, reused: 4 });
  });

  test('shards 1/2 and 2/2 on two machines, then an unsharded run on a third trains 0', async () => {
    const o = { trials: 6, seed: 23 };
    const s1 = await machine(o).nxAsync(['run', 'iris:tune', '--shard=1/2'], env(server.writeToken));
    assert.equal(s1.code, 0, s1.output);
    const s2 = await machine(o).nxAsync(['run', 'iris:tune', '--shard=2/2'], env(server.writeToken));
    assert.equal(s2.code, 0, s2.output);
    assert.equal(trainedReused(s1.output).trained + trainedReused(s2.output).trained, 6);
    const c = machine(o);
    c.write('apps/iris/tune.yaml', '# merge\n' + irisYaml(o));
    const merge = await c.nxAsync(['run', 'iris:tune'], env(server.readToken));
    assert.equal(merge.code, 0, merge.output);
    assert.deepEqual(trainedReused(merge.output), { trained: 0, reused: 6 });
    assert.equal(readJsonl(c.path('dist/hpo/iris/tune/trials.jsonl')).length, 6);
  });

  // An unreachable server is covered by packages/hpo-plugin/test/remote-cache.test.ts: Nx itself
  // refuses to run any task when its own remote cache is down, so it cannot be shown through nx.
  test('--shard with an adaptive algorithm is refused with a clear error', async () => {
    const ws = machine({ trials: 4, algorithm: 'tpe' });
    const r = await ws.nxAsync(['run', 'iris:tune', '--shard=1/2']);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /--shard splits only static sweeps \(random, grid\)/);
  });
});
