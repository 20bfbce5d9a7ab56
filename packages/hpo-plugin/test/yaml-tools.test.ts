/**
 * Every YAML file we ship, document or generate is YAML that the tools users already run accept:
 * `prettier --check` (what `nx format:check` runs) and a YAML 1.2 parser without our placeholder
 * masking; and the loader reads the quoted placeholders as the typed values it always did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parseDocument } from 'yaml';
import type { ParamValue } from '@nx-hpo/optimizers';
import { loadTuneConfig, parseTuneConfig, resolveTrial } from '../src/config';
import { configurationGenerator } from '../src/generators/configuration/generator';
import { IRIS_CSV, regressionCsv, writeTreeToDisk } from './generator-helpers';

const ROOT = resolve(__dirname, '..', '..', '..');
const PRETTIER = join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
const EXAMPLES = join(ROOT, 'examples', 'digits-mlp');
const exampleFiles = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).map((f) => join(EXAMPLES, f));

/** `prettier --check` on files given relative to `cwd` (prettier skips files outside its cwd). */
function prettierCheck(files: string[], cwd = ROOT): { code: number; output: string } {
  const r = spawnSync(process.execPath, [PRETTIER, '--check', ...files], { cwd, encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  assert.match(output, /All matched files use Prettier code style!/, output);
  return { code: r.status ?? 1, output };
}

/** Parses as YAML 1.2 with no masking and no tolerance: any error or warning fails. */
function strictYaml(text: string, what: string): unknown {
  const doc = parseDocument(text, { version: '1.2', strict: true, uniqueKeys: true, prettyErrors: true });
  assert.deepEqual([...doc.errors, ...doc.warnings].map((e) => e.message), [], `${what} is valid YAML 1.2`);
  return doc.toJS();
}

test('prettier --check passes on examples/**/*.yaml', () => {
  assert.ok(exampleFiles.length >= 4);
  const r = prettierCheck(['examples/**/*.yaml']);
  assert.equal(r.code, 0, r.output);
});

test('every example parses as plain YAML 1.2, and loads with the same typed placeholders', () => {
  for (const file of exampleFiles) {
    const doc = strictYaml(readFileSync(file, 'utf8'), file) as { model: { layers: Array<Record<string, Record<string, unknown>>> } };
    assert.equal(doc.model.layers[0]!.dense!.units, '${units}', `${file}: a quoted placeholder reads as the string`);
    const config = loadTuneConfig(file);
    const trial = resolveTrial(config, Object.fromEntries(Object.keys(config.space).map((k) => [k, sample(config.space[k])])));
    const units = (trial.model as { layers: Array<{ dense?: { units?: unknown } }> }).layers[0]!.dense!.units;
    assert.equal(typeof units, 'number', `${file}: "\${units}" becomes a number`);
  }
});

/** A value inside a space parameter's range, for resolving templates. */
function sample(p: unknown): ParamValue {
  const q = p as { type: string; low?: number; high?: number; choices?: ParamValue[]; values?: ParamValue[] };
  if (q.values) return q.values[0]!;
  if (q.type === 'categorical') return q.choices![0]!;
  if (q.type === 'int') return Math.round(q.low!);
  return q.low!;
}

test('every ```yaml block in the README parses as YAML 1.2 and is prettier-formatted', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 4);
  const prettier = await import('prettier');
  for (const [i, b] of blocks.entries()) {
    strictYaml(b, `README yaml block ${i + 1}`);
    assert.equal(await prettier.check(b, { parser: 'yaml' }), true, `README yaml block ${i + 1} is prettier-formatted`);
  }
});

test('quoting changed nothing the loader sees: each example loads as its unquoted form did; prettier rejects only the unquoted one', async () => {
  const prettier = await import('prettier');
  for (const file of exampleFiles) {
    const quoted = readFileSync(file, 'utf8');
    const unquoted = quoted.replace(/"(\$\{[A-Za-z0-9_]+\})"/g, '$1');
    assert.notEqual(unquoted, quoted, file);
    const a = parseTuneConfig(quoted, file);
    const b = parseTuneConfig(unquoted, file);
    for (const key of ['data', 'model', 'training', 'space', 'objective', 'search', 'refs'] as const) assert.deepEqual(a[key], b[key], `${file}: ${key}`);
    const params = Object.fromEntries(Object.keys(a.space).map((k) => [k, sample(a.space[k])]));
    assert.deepEqual(resolveTrial(a, params), resolveTrial(b, params), file);
    assert.equal(await prettier.check(quoted, { parser: 'yaml' }), true, file);
    if (/\{[^}\n]*\$\{/.test(unquoted)) {
      await assert.rejects(() => prettier.check(unquoted, { parser: 'yaml' }), /Unexpected flow-map-start/, file);
    }
  }
});

test('the configuration generator writes files prettier --check and YAML 1.2 accept (classification, regression, grid)', async () => {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('data/iris.csv', readFileSync(IRIS_CSV));
  tree.write('data/points.csv', regressionCsv(120));
  await configurationGenerator(tree, { directory: 'models/iris', data: 'data/iris.csv', skipFormat: true });
  await configurationGenerator(tree, { directory: 'models/points', data: 'data/points.csv', skipFormat: true });
  await configurationGenerator(tree, { directory: 'models/grid', data: 'data/iris.csv', algorithm: 'grid', skipFormat: true });
  const dir = writeTreeToDisk(tree);
  try {
    const files = ['models/iris/tune.yaml', 'models/points/tune.yaml', 'models/grid/tune.yaml'];
    for (const f of files) strictYaml(readFileSync(join(dir, f), 'utf8'), f);
    const r = prettierCheck(files, dir);
    assert.equal(r.code, 0, r.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
