/**
 * A module's import closure is found by a real resolver (esbuild, as tsx loads it): tsconfig
 * `paths`, workspace packages linked into node_modules, `require`, dynamic `import()` and JSON all
 * count; installed packages count by version; text that only looks like an import does not.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { isUserError } from '../src/errors';
import { moduleClosure, moduleHash, packageName } from '../src/store/content-hash';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'nx-hpo-closure-')));
after(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): string {
  const abs = join(root, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  return abs;
}

describe('moduleClosure', () => {
  write('tsconfig.json', JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@org/util': ['libs/util/src/index.ts'] } } }));
  write('libs/util/src/index.ts', "export * from './inner';\n");
  write('libs/util/src/inner.ts', 'export const u = 1;\n');
  write('libs/linked/package.json', JSON.stringify({ name: '@org/linked', version: '0.0.0', main: 'index.js' }));
  write('libs/linked/index.js', "module.exports = require('./more');\n");
  write('libs/linked/more.js', 'module.exports = 2;\n');
  write('node_modules/installed-pkg/package.json', JSON.stringify({ name: 'installed-pkg', version: '1.2.3', main: 'i.js' }));
  write('node_modules/installed-pkg/i.js', 'module.exports = 3;\n');
  mkdirSync(join(root, 'node_modules', '@org'), { recursive: true });
  symlinkSync(join(root, 'libs', 'linked'), join(root, 'node_modules', '@org', 'linked'), 'dir');
  write('app/settings.json', '{ "width": 8 }\n');
  write('app/lazy.ts', 'export const lazy = 4;\n');
  const entry = write(
    'app/model.ts',
    [
      "import { u } from '@org/util';",
      "import linked from '@org/linked';",
      "import installed from 'installed-pkg';",
      "import { readFileSync } from 'node:fs';",
      "const settings = require('./settings.json');",
      "export const later = () => import('./lazy');",
      "const text = \"import fake from './not-a-file'\"; // import other from './nor-this'",
      'export function build() { return [u, linked, installed, settings, readFileSync, text]; }',
    ].join('\n'),
  );

  test('follows tsconfig paths, linked workspace packages, require, import() and JSON', () => {
    const { files, packages } = moduleClosure(entry);
    assert.deepEqual(
      files.map((f) => relative(root, f)),
      ['app/lazy.ts', 'app/model.ts', 'app/settings.json', 'libs/linked/index.js', 'libs/linked/more.js', 'libs/util/src/index.ts', 'libs/util/src/inner.ts'],
    );
    assert.deepEqual(packages, { 'installed-pkg': '1.2.3' });
  });

  test('a file reached only through tsconfig paths or a linked package changes the hash', () => {
    const before = moduleHash(entry);
    write('libs/util/src/inner.ts', 'export const u = 2;\n');
    const afterPaths = moduleHash(entry);
    assert.notEqual(afterPaths, before);
    write('libs/linked/more.js', 'module.exports = 5;\n');
    assert.notEqual(moduleHash(entry), afterPaths);
  });

  test("an installed package's version changes the hash", () => {
    const before = moduleHash(entry);
    write('node_modules/installed-pkg/package.json', JSON.stringify({ name: 'installed-pkg', version: '1.2.4', main: 'i.js' }));
    // The version is read when the closure is computed: a new import makes it recompute.
    write('app/lazy.ts', 'export const lazy = 5;\n');
    assert.notEqual(moduleHash(entry), before);
    assert.equal(moduleClosure(entry).packages['installed-pkg'], '1.2.4');
  });

  test('a module that does not parse is a user error naming the file and position', () => {
    const broken = write('app/broken.ts', 'export const = ;\n');
    assert.throws(
      () => moduleClosure(broken),
      (e: unknown) => isUserError(e) && /cannot follow the imports of .*broken\.ts: .*broken\.ts:1:\d+: /.test(e.message),
    );
  });

  test('package names of bare specifiers', () => {
    assert.equal(packageName('@scope/name/sub/path'), '@scope/name');
    assert.equal(packageName('name/sub'), 'name');
    assert.equal(packageName('name'), 'name');
  });
});
