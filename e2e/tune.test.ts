/**
 * End to end: a fresh workspace with one project holding a tune.yaml and its data; `nx run` as a
 * user would. Checks the outputs, Nx caching, the train target and one-line config errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { addIrisProject, irisYaml, readJsonl, trainedReused } from './iris';
import { TempWorkspace } from './workspace';

const TUNE_YAML = irisYaml();

describe('nx run <project>:tune in a fresh workspace', () => {
  let ws: TempWorkspace;
  before(() => {
    ws = new TempWorkspace();
    ws.writeJson('apps/iris/project.json', { name: 'iris' });
    ws.copy('e2e/fixtures/iris.csv', 'apps/iris/data/iris.csv');
    ws.write('apps/iris/tune.yaml', TUNE_YAML);
  });
  after(() => ws.dispose());

  test('inferred targets read their inputs from the YAML', () => {
    const r = ws.nx(['show', 'project', 'iris', '--json']);
    assert.equal(r.code, 0, r.output);
    const project = JSON.parse(r.stdout);
    assert.ok(project.targets.tune, 'tune target inferred');
    assert.ok(project.targets.train, 'train target inferred');
    assert.ok(project.targets.tune.inputs.includes('{projectRoot}/tune.yaml'));
    assert.ok(project.targets.tune.inputs.includes('{projectRoot}/data/iris.csv'));
    assert.equal(project.targets.tune.cache, true);
  });

  test('tune trains every trial and writes the outputs', () => {
    const r = ws.nx(['run', 'iris:tune']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /backend: (wasm|tensorflow|cpu)/);
    assert.match(r.output, /trial 3\/3 {2}val_accuracy=[\d.]+ {2}best=[\d.]+ \(trial \d+\)/);
    const out = ws.path('dist/hpo/iris/tune');
    const trials = readJsonl(`${out}/trials.jsonl`);
    assert.equal(trials.length, 3);
    for (const t of trials) {
      assert.deepEqual(Object.keys(t.params as object).sort(), ['activation', 'lr', 'units']);
      assert.equal(t.state, 'complete');
      assert.equal(typeof t.value, 'number');
      assert.equal(typeof t.durationMs, 'number');
    }
    const best = JSON.parse(readFileSync(`${out}/best.json`, 'utf8'));
    assert.equal(best.metric, 'val_accuracy');
    assert.equal(best.value, Math.max(...trials.map((t) => t.value as number)));
    assert.ok(existsSync(`${out}/best-model/model.json`));
    assert.ok(existsSync(`${out}/best-model/weights.bin`));
    const csv = readFileSync(`${out}/trials.csv`, 'utf8').trim().split('\n');
    assert.equal(csv.length, 4);
    assert.ok(existsSync(`${out}/report.md`));
  });

  test('an unchanged second run is an Nx cache hit', () => {
    const r = ws.nx(['run', 'iris:tune']);
    assert.equal(r.code, 0, r.output);
    // Nx replays the cached terminal output, so the proof is Nx's own cache marker.
    assert.match(r.output, /nx run iris:tune +\[(local cache|existing outputs match the cache, left as is)\]/);
    assert.match(r.output, /Nx read the output from the cache instead of running the command for 1 out of 1 tasks/);
  });

  test('train trains one configuration and saves model and metrics', () => {
    const r = ws.nx(['run', 'iris:train', '--params=units=8,activation=tanh']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /epoch 4\/4/);
    const out = ws.path('dist/hpo/iris/train');
    const metrics = JSON.parse(readFileSync(`${out}/metrics.json`, 'utf8'));
    assert.equal(metrics.params.units, 8);
    assert.equal(metrics.params.activation, 'tanh');
    assert.equal(metrics.epochs.length, 4);
    assert.ok(existsSync(`${out}/model.json`));
  });

  test('train without params trains the tune target\'s best trial', () => {
    const r = ws.nx(['run', 'iris:train']);
    assert.equal(r.code, 0, r.output);
    const best = JSON.parse(readFileSync(ws.path('dist/hpo/iris/tune/best.json'), 'utf8'));
    const metrics = JSON.parse(readFileSync(ws.path('dist/hpo/iris/train/metrics.json'), 'utf8'));
    assert.deepEqual(metrics.params, best.params);
    assert.equal(metrics.source, `best trial ${best.trial} of tune`);
  });

  test('grid search over a small grid runs each point once', () => {
    ws.write(
      'apps/iris/grid.tune.yaml',
      TUNE_YAML.replace('algorithm: random, trials: 3', 'algorithm: grid, trials: 50').replace(
        'lr:         { type: float, low: 1.0e-3, high: 1.0e-1, log: true }',
        'lr:         { type: float, low: 1.0e-3, high: 1.0e-1, log: true, values: [0.01, 0.05] }',
      ).replace('units:      { type: int, low: 4, high: 32 }', 'units:      { type: categorical, choices: [8] }'),
    );
    const r = ws.nx(['run', 'iris:tune-grid']);
    assert.equal(r.code, 0, r.output);
    const trials = readJsonl(ws.path('dist/hpo/iris/tune-grid/trials.jsonl'));
    assert.equal(trials.length, 4); // 2 lr values × 1 units × 2 activations
    const keys = new Set(trials.map((t) => JSON.stringify(t.params)));
    assert.equal(keys.size, 4);
  });

  test('a bad config fails with one file:line:col line and no stack trace', () => {
    ws.write('apps/iris/bad.tune.yaml', TUNE_YAML.replace('low: 1.0e-3, high: 1.0e-1', 'low: 0.5, high: 0.1'));
    const r = ws.nx(['run', 'iris:tune-bad']);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /bad\.tune\.yaml:17:\d+: space\.lr(\.low)?: .*'low' \(0\.5\) must be below 'high' \(0\.1\)/);
    assert.doesNotMatch(r.output, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
  });

  test('a YAML that does not parse keeps the graph whole and fails with its position when run', () => {
    ws.write('apps/iris/broken.tune.yaml', 'data:\n  path: data/iris.csv\nsearch: { algorithm: random, trials: 3\n');
    const shown = ws.nx(['show', 'project', 'iris', '--json']);
    assert.equal(shown.code, 0, shown.output);
    const targets = Object.keys(JSON.parse(shown.stdout).targets);
    assert.ok(targets.includes('tune') && targets.includes('tune-broken'), targets.join(', '));
    const r = ws.nx(['run', 'iris:tune-broken']);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /broken\.tune\.yaml:\d+:\d+: invalid YAML/);
    assert.doesNotMatch(r.output, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
  });
});

describe('temporary workspaces', () => {
  test("two copies of one git workspace do not share Nx's cache: each first run trains", () => {
    // Nx 24 keys its per-user cache (~/.nx/<workspace id>/cache) by the repository's identity (its
    // remote, else its first commit), so identical copies committed alike are "the same workspace".
    const copies = [new TempWorkspace(), new TempWorkspace()];
    const git = (ws: TempWorkspace, ...args: string[]) => {
      const env = { ...process.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z' };
      const r = spawnSync('git', args, { cwd: ws.root, encoding: 'utf8', env: { ...env, GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.com', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    try {
      for (const ws of copies) {
        addIrisProject(ws, 'apps/iris', 'iris', { trials: 2, parallelism: 1 });
        ws.write('.gitignore', 'node_modules\n.nx\ndist\n');
        git(ws, 'init', '-q');
        git(ws, 'add', '-A');
        git(ws, 'commit', '-qm', 'init');
      }
      assert.equal(git(copies[0]!, 'rev-parse', 'HEAD'), git(copies[1]!, 'rev-parse', 'HEAD'), 'the copies are one repository to Nx');
      for (const ws of copies) {
        const r = ws.nx(['run', 'iris:tune']);
        assert.equal(r.code, 0, r.output);
        assert.doesNotMatch(r.output, /Nx read the output from the cache|\[(local|remote) cache\]/);
        assert.deepEqual(trainedReused(r.output), { trained: 2, reused: 0 });
      }
    } finally {
      for (const ws of copies) ws.dispose();
    }
  });
});
