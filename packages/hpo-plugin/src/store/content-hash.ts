/**
 * Content hashes of the files a trial reads: the data file, and a user's module together with
 * everything it imports, so that editing a helper the model imports changes the trial key (and,
 * through the same closure, the inferred Nx target's inputs).
 *
 * The import closure is found by esbuild, the resolver tsx itself runs on when it loads a `.ts`
 * module: relative imports, `index` files, extension rules, tsconfig `paths`, `require()`, dynamic
 * `import()` with literal specifiers and JSON imports all resolve exactly as they do at run time.
 * Packages installed in node_modules stay outside the closure and enter the hash by name and
 * version; a package linked from the workspace (npm/pnpm workspaces) resolves to a real path outside
 * node_modules and is followed like any local file.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Message, Metafile } from 'esbuild';
import { UserError } from '../errors';
import { sha256 } from './canonical';

const hashes = new Map<string, { mtimeMs: number; size: number; hash: string }>();

/** sha256 of a file's bytes, memoised on (path, mtime, size) for large data files. */
export function fileHash(path: string): string {
  const st = statSync(path);
  const hit = hashes.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.hash;
  const hash = st.size <= HASH_WINDOW ? sha256(readFileSync(path)) : hashInWindows(path);
  hashes.set(path, { mtimeMs: st.mtimeMs, size: st.size, hash });
  return hash;
}

/** Large files are hashed a window at a time: a 500 MB data file never sits in memory whole. */
const HASH_WINDOW = 8 << 20;

function hashInWindows(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(HASH_WINDOW);
  const fd = openSync(path, 'r');
  try {
    for (let got = readSync(fd, buf, 0, buf.length, null); got > 0; got = readSync(fd, buf, 0, buf.length, null)) hash.update(buf.subarray(0, got));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export interface ModuleClosure {
  /** Absolute real paths of the module and every workspace file it reaches, sorted. */
  files: string[];
  /** Installed packages it imports (directly or through its files): name → version. */
  packages: Record<string, string>;
}

interface CachedClosure extends ModuleClosure {
  stamps: string[];
}

const closures = new Map<string, CachedClosure>();

/** A file's identity for the closure cache: changes whenever its content may have. */
function stamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'missing';
  }
}

/**
 * The module file and every file it reaches through imports, and the installed packages it uses.
 * Memoised until one of its files changes (a sweep keys every trial with it).
 */
export function moduleClosure(entry: string): ModuleClosure {
  const abs = resolve(entry);
  const hit = closures.get(abs);
  if (hit && hit.files.every((f, i) => stamp(f) === hit.stamps[i])) return hit;
  const closure = followImports(abs);
  closures.set(abs, { ...closure, stamps: closure.files.map(stamp) });
  return closure;
}

/** The files of `moduleClosure(entry)`. */
export function localImportClosure(entry: string): string[] {
  return moduleClosure(entry).files;
}

/**
 * One hash over a module, the files it imports (named relative to the module's folder, so the
 * same project gives the same hash on any machine) and the versions of the packages it imports.
 */
export function moduleHash(entry: string): string {
  const root = dirname(realpathSync(resolve(entry)));
  const { files, packages } = moduleClosure(entry);
  const parts = files.map((f) => `${relative(root, f).split(sep).join('/')}\n${fileHash(f)}`);
  const pkgs = Object.keys(packages)
    .sort()
    .map((name) => `package ${name}@${packages[name]}`);
  return sha256([...parts, ...pkgs].join('\n'));
}

type EsbuildApi = typeof import('esbuild');
let esbuild: EsbuildApi | undefined;

function followImports(entry: string): ModuleClosure {
  esbuild ??= require('esbuild') as EsbuildApi;
  const files = new Set<string>();
  const packages: Record<string, string> = {};
  const entries = [entry];
  const seenEntries = new Set<string>();
  while (entries.length) {
    const next = entries.pop() as string;
    if (seenEntries.has(next)) continue;
    seenEntries.add(next);
    const meta = metafileOf(esbuild, next);
    const workDir = dirname(next);
    for (const [path, input] of Object.entries(meta.inputs)) {
      const importer = realpathSync(resolve(workDir, path));
      files.add(importer);
      for (const imp of input.imports) {
        if (!imp.external) continue;
        const linked = classifyPackage(imp.path, importer, packages);
        if (linked) entries.push(linked);
      }
    }
  }
  return { files: [...files].sort(), packages };
}

function metafileOf(api: EsbuildApi, entry: string): Metafile {
  try {
    const result = api.buildSync({
      entryPoints: [entry],
      absWorkingDir: dirname(entry),
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      packages: 'external',
      logLevel: 'silent',
      outdir: join(dirname(entry), '.nx-hpo-closure'),
      // Any file type a module may import is part of its closure, read as bytes.
      loader: { '.node': 'empty', '.wasm': 'empty', '.bin': 'empty', '.txt': 'empty', '.csv': 'empty', '.html': 'empty' },
    });
    return result.metafile;
  } catch (e) {
    const first = (e as { errors?: Message[] }).errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : '';
    const why = first ? first.text : e instanceof Error ? e.message : String(e);
    throw new UserError(`cannot follow the imports of ${entry}: ${where}${why}`);
  }
}

const BUILTINS = new Set(builtinModules);

/** The package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/**
 * Notes an external import: a Node built-in is ignored, an installed package adds its version to
 * `packages`, and a package that resolves to workspace sources (linked, not installed) is returned
 * as a further entry point to follow.
 */
function classifyPackage(spec: string, importer: string, packages: Record<string, string>): string | undefined {
  if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(packageName(spec))) return undefined;
  const name = packageName(spec);
  const req = createRequire(importer);
  let main: string | undefined;
  try {
    main = realpathSync(req.resolve(spec));
  } catch {
    main = undefined;
  }
  if (main && !main.split(sep).includes('node_modules')) return main;
  packages[name] = packageVersion(req, name, main) ?? (main ? 'unknown' : 'missing');
  return undefined;
}

/** The installed version: from `<name>/package.json`, or (when `exports` hides it) above its main file. */
function packageVersion(req: NodeRequire, name: string, main: string | undefined): string | undefined {
  const versionIn = (file: string): string | undefined => {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    return pkg.name === name ? pkg.version : undefined;
  };
  try {
    return versionIn(req.resolve(`${name}/package.json`));
  } catch {
    // not exported: look upwards from the resolved file
  }
  for (let dir = main ? dirname(main) : ''; dir && dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const v = versionIn(join(dir, 'package.json'));
      if (v !== undefined) return v;
    } catch {
      // no package.json here
    }
  }
  return undefined;
}
