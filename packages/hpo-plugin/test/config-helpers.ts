/** Shared by the config*.test.ts files: the reference example and ways to vary it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseTuneConfig } from '../src/config';
import type { TuneConfig, TuneOverrides } from '../src/config';
import { UserError } from '../src/errors';

export const FIXTURES = join(__dirname, 'fixtures', 'config');
/** The reference tune.yaml, verbatim; its data file is fixtures/config/data/digits.csv.gz. */
export const EXAMPLE_FILE = join(FIXTURES, 'tune.yaml');
export const EXAMPLE = readFileSync(EXAMPLE_FILE, 'utf8');
/** How errors name the example file (relative to cwd, as a user would see it). */
export const SHOWN = relative(process.cwd(), EXAMPLE_FILE);

/** The example with 1-based line `n` replaced (or removed when `text` is undefined). */
export function withLine(n: number, text: string | undefined, source = EXAMPLE): string {
  const lines = source.split('\n');
  assert.ok(n >= 1 && n <= lines.length, `no line ${n}`);
  if (text === undefined) lines.splice(n - 1, 1);
  else lines[n - 1] = text;
  return lines.join('\n');
}

/** The example with several lines replaced at once (line numbers of the original). */
export function withLines(changes: Record<number, string>, source = EXAMPLE): string {
  const lines = source.split('\n');
  for (const [n, text] of Object.entries(changes)) lines[Number(n) - 1] = text;
  return lines.join('\n');
}

export function load(text: string, overrides?: TuneOverrides): TuneConfig {
  return parseTuneConfig(text, EXAMPLE_FILE, overrides);
}

/** The formatted UserError that loading `text` throws (fails if it loads or throws something else). */
export function errorOf(text: string, overrides?: TuneOverrides): string {
  try {
    load(text, overrides);
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${(e as Error)?.stack ?? String(e)}`);
    return e.format();
  }
  assert.fail('expected the config to be rejected');
}

/** Asserts the error line starts with `prefix` (file:line:col: path:) and, if given, contains each of `parts`. */
export function assertError(text: string, prefix: string, ...parts: string[]): string {
  const line = errorOf(text);
  assert.ok(line.startsWith(prefix), `expected prefix\n  ${prefix}\ngot\n  ${line}`);
  for (const part of parts) assert.ok(line.includes(part), `expected ${JSON.stringify(part)} in\n  ${line}`);
  assert.ok(!line.includes('\n'), `expected one line, got\n${line}`);
  return line;
}
