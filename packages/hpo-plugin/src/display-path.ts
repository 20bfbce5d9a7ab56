/** Paths as a person (and a portable output) should see them. */
import { isAbsolute, relative } from 'node:path';

/** `file` relative to `base` (default: the working directory) when it lies under it, else as given. */
export function displayPath(file: string, base: string = process.cwd()): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(base, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
