/**
 * Content hashes of the files a trial reads: the data file, and a model module together with the
 * local files it imports (so editing a helper the model imports changes the trial key).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { sha256 } from './canonical';

const cache = new Map<string, { mtimeMs: number; size: number; hash: string }>();

/** sha256 of a file's bytes, memoised on (path, mtime, size) for large data files. */
export function fileHash(path: string): string {
  const st = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.hash;
  const hash = sha256(readFileSync(path));
  cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, hash });
  return hash;
}

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];

/** Resolves a relative import the way TypeScript/Node would, trying source extensions and index files. */
function resolveLocal(fromFile: string, spec: string): string | undefined {
  const base = resolve(dirname(fromFile), spec);
  const stripped = base.replace(/\.(js|mjs|cjs)$/, '');
  const candidates = [base, ...EXTENSIONS.map((e) => stripped + e), ...EXTENSIONS.map((e) => resolve(base, 'index' + e))];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** The module file and every local file it reaches through relative imports, sorted. */
export function localImportClosure(entry: string): string[] {
  const seen = new Set<string>();
  const stack = [resolve(entry)];
  while (stack.length) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs'].includes(extname(file))) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      if (!spec || !spec.startsWith('.')) continue;
      const target = resolveLocal(file, spec);
      if (target) stack.push(target);
    }
  }
  return [...seen].sort();
}

/** One hash over a module and its local imports (paths relative to the module's folder). */
export function moduleHash(entry: string): string {
  const root = dirname(resolve(entry));
  const parts = localImportClosure(entry).map((f) => `${f.startsWith(root) ? f.slice(root.length) : f}\n${fileHash(f)}`);
  return sha256(parts.join('\n'));
}
