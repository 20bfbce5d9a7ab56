/**
 * The packages as users get them: `npm pack` both, install them with nx (this repository's exact
 * version) from the registry into a fresh workspace outside the repository — no links to this
 * checkout — then init, configuration, tune and train as the README says. Also: the optimizers
 * tarball alone is a working ask/tell library with no dependencies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { moonsCsv, readBest } from './generate-then-tune';

const repoRoot = resolve(__dirname, '..');
const nxVersion = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).devDependencies.nx as string;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Run {
  code: number;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env },
  });
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n[spawn error: ${r.error.message}]` : ''}` };
}

function ok(r: Run, what: string): string {
  assert.equal(r.code, 0, `${what} failed:\n${r.output}`);
  return r.output;
}

/** `npm pack` a package of this repository into `dest`; the tarball's path. */
function pack(pkgDir: string, dest: string): { file: string; files: string[] } {
  const out = ok(run(npm, ['pack', '--json', '--pack-destination', dest], join(repoRoot, pkgDir)), `npm pack ${pkgDir}`);
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { file: join(dest, info!.filename), files: info!.files.map((f) => f.path) };
}

describe('packed install: npm pack → fresh workspace → init → configuration → tune → train', () => {
  let tmp: string;
  let ws: string;
  let plugin: { file: string; files: string[] };
  let optimizers: { file: string; files: string[] };
  const env = () => ({ NX_CACHE_DIRECTORY: join(ws, '.nx', 'cache') });
  /** The installed nx's own bin script, run as `npx nx` would. */
  const nx = (...args: string[]) => {
    const nxDir = join(ws, 'node_modules', 'nx');
    const bin = JSON.parse(readFileSync(join(nxDir, 'package.json'), 'utf8')).bin as Record<string, string>;
    return run(process.execPath, [join(nxDir, bin.nx!), ...args], ws, env());
  };

  before(() => {
    assert.ok(existsSync(join(repoRoot, 'packages/hpo-plugin/dist/index.js')), 'build first (npm run build)');
    tmp = mkdtempSync(join(tmpdir(), 'nx-hpo-packed-'));
    mkdirSync(join(tmp, 'tarballs'));
    optimizers = pack('packages/optimizers', join(tmp, 'tarballs'));
    plugin = pack('packages/hpo-plugin', join(tmp, 'tarballs'));
    ws = join(tmp, 'ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'package.json'), JSON.stringify({ name: 'fresh-workspace', version: '0.0.0', private: true }, null, 2) + '\n');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the tarballs hold the built code, collections and schemas, and no sources or tests', () => {
    for (const f of ['package.json', 'dist/index.js', 'dist/api.js', 'api.js', 'executors.json', 'generators.json', 'migrations.json', 'schema/tune.schema.json',
      'src/executors/tune/schema.json', 'src/generators/init/schema.json', 'src/generators/configuration/schema.json',
      'dist/generators/init/generator.js', 'dist/generators/configuration/generator.js', 'dist/executors/tune/executor.js', 'dist/sweep/worker.js']) {
      assert.ok(plugin.files.includes(f), `@nx-hpo/plugin tarball has ${f}`);
    }
    for (const f of [...plugin.files, ...optimizers.files]) {
      assert.doesNotMatch(f, /^(test|bench)\/|\.tsbuildinfo$|(?<!\.d)\.ts$/, `nothing but built code and schemas: ${f}`);
    }
    assert.ok(optimizers.files.includes('dist/index.js'));
  });

  test(`npm install nx@${nxVersion} and the two tarballs from the registry, nothing linked`, () => {
    ok(run(npm, ['install', '--save-dev', '--save-exact', '--prefer-offline', '--no-audit', '--no-fund', `nx@${nxVersion}`, optimizers.file, plugin.file], ws), 'npm install');
    const lock = JSON.parse(readFileSync(join(ws, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { link?: boolean; resolved?: string; integrity?: string; version?: string }>;
    };
    for (const [path, entry] of Object.entries(lock.packages)) {
      assert.ok(!entry.link, `${path} is not a link`);
      assert.ok(!entry.resolved?.includes(repoRoot), `${path} does not come from the repository`);
    }
    for (const name of ['@nx-hpo/plugin', '@nx-hpo/optimizers']) {
      assert.match(lock.packages[`node_modules/${name}`]!.resolved!, /^file:\.\.\/tarballs\/nx-hpo-.*\.tgz$/, `${name} from its tarball`);
      assert.ok(!lstatSync(join(ws, 'node_modules', name)).isSymbolicLink(), `${name} is a copy, not a link`);
    }
    assert.equal(lock.packages['node_modules/nx']!.version, nxVersion);
    assert.match(lock.packages['node_modules/@tensorflow/tfjs-backend-wasm']!.integrity!, /^sha512-/, 'tfjs from the registry');
    // The exports map: public entry points resolve, internals do not.
    const probe = ok(
      run(process.execPath, ['-e', `
        const ok = (id) => { try { require.resolve(id); return 'yes'; } catch (e) { return e.code; } };
        console.log(JSON.stringify({ main: ok('@nx-hpo/plugin'), api: ok('@nx-hpo/plugin/api'), pkg: ok('@nx-hpo/plugin/package.json'),
          schema: ok('@nx-hpo/plugin/schema/tune.schema.json'), deep: ok('@nx-hpo/plugin/dist/sweep/runner') }));`], ws),
      'resolve probe',
    );
    assert.deepEqual(JSON.parse(probe.trim().split('\n').at(-1)!), { main: 'yes', api: 'yes', pkg: 'yes', schema: 'yes', deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });

  test('nx g @nx-hpo/plugin:init registers the plugin, ignores the store, adds tfjs, prints the next step', () => {
    const out = ok(nx('g', '@nx-hpo/plugin:init', '--no-interactive'), 'init');
    assert.match(out, /Next: nx g @nx-hpo\/plugin:configuration/);
    const nxJson = JSON.parse(readFileSync(join(ws, 'nx.json'), 'utf8'));
    assert.deepEqual(nxJson.plugins, ['@nx-hpo/plugin']);
    assert.match(readFileSync(join(ws, '.gitignore'), 'utf8'), /^\.nx-hpo$/m);
    const pkg = JSON.parse(readFileSync(join(ws, 'package.json'), 'utf8'));
    assert.equal(pkg.devDependencies['@tensorflow/tfjs'], '4.22.0');
    assert.equal(pkg.devDependencies['@tensorflow/tfjs-backend-wasm'], '4.22.0');
    // Again, as `nx add` runs it: nothing changes.
    const files = ['nx.json', '.gitignore', 'package.json'].map((f) => readFileSync(join(ws, f), 'utf8'));
    ok(nx('g', '@nx-hpo/plugin:init', '--keepExistingVersions', '--no-interactive'), 'init again');
    assert.deepEqual(['nx.json', '.gitignore', 'package.json'].map((f) => readFileSync(join(ws, f), 'utf8')), files);
  });

  test('configuration on a CSV from outside (label inferred), tune reaches val_accuracy >= 0.9, train', (t) => {
    const csvDir = join(tmp, 'csv');
    mkdirSync(csvDir);
    copyFileSync(join(repoRoot, 'e2e/fixtures/iris.csv'), join(csvDir, 'iris.csv'));
    // --trials keeps CI short; it goes into the YAML, so train's dependency on tune is this very run.
    const g = ok(nx('g', '@nx-hpo/plugin:configuration', '--directory=models/x', `--data=${join(csvDir, 'iris.csv')}`, '--trials=2', '--no-interactive'), 'configuration');
    assert.match(g, /data: copied to models\/x\/data\/iris\.csv/);
    const tune = ok(nx('run', 'x:tune'), 'tune');
    assert.match(tune, /backend: wasm/);
    const best = readBest(join(ws, 'dist/hpo/x/tune'));
    t.diagnostic(`packed install: iris best val_accuracy ${best.value}`);
    assert.ok(best.value >= 0.9, `best val_accuracy ${best.value}`);
    const train = ok(nx('run', 'x:train'), 'train');
    assert.match(train, /nx run x:tune +\[(local cache|existing outputs match the cache, left as is)\]/, 'train reuses the tune run');
    assert.ok(existsSync(join(ws, 'dist/hpo/x/train/model.json')));
    assert.ok(existsSync(join(ws, '.nx-hpo/store')), 'the store is where .gitignore says');
  });

  test('configuration on an unseen CSV in the workspace with --label, tune', (t) => {
    writeFileSync(join(ws, 'moons.csv'), moonsCsv());
    ok(nx('g', '@nx-hpo/plugin:config', '--directory=models/moons', '--data=moons.csv', '--label=moon', '--trials=2', '--no-interactive'), 'configuration');
    ok(nx('run', 'moons:tune'), 'tune');
    const best = readBest(join(ws, 'dist/hpo/moons/tune'));
    t.diagnostic(`packed install: moons best val_accuracy ${best.value}`);
    assert.ok(best.value >= 0.8, `best val_accuracy ${best.value}`);
  });

  test('@nx-hpo/optimizers alone: installs with no dependencies, ask/tell works', () => {
    const dir = join(tmp, 'optimizers-only');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{ "name": "opt-only", "version": "0.0.0", "private": true }\n');
    ok(run(npm, ['install', '--no-audit', '--no-fund', optimizers.file], dir), 'npm install optimizers');
    assert.deepEqual(readdirSync(join(dir, 'node_modules')).filter((n) => !n.startsWith('.')), ['@nx-hpo']);
    const out = ok(
      run(process.execPath, ['-e', `
        const { createStudy } = require('@nx-hpo/optimizers');
        const study = createStudy({ space: { x: { type: 'float', low: -5, high: 5 } }, algorithm: 'tpe', direction: 'minimize', seed: 1 });
        for (let i = 0; i < 30; i++) { const t = study.ask(); study.tell(t.id, (t.params.x - 2) ** 2); }
        console.log(JSON.stringify(study.best));`], dir),
      'ask/tell',
    );
    const best = JSON.parse(out.trim().split('\n').at(-1)!);
    assert.ok(Math.abs(best.params.x - 2) < 0.5, `x near 2: ${out}`);
  });
});
