/** Parameter values given by hand (e.g. `--params lr=0.01,units=64`), checked against the space. */
import { SpaceError, checkParams, isPlainObject } from '@nx-hpo/optimizers';
import type { Params, Space } from '@nx-hpo/optimizers';
import { UserError } from '../errors';
import { escapeText, quote } from '../quote';


/** `lr=0.01,units=64` or `lr=0.01 units=64` → { lr: '0.01', units: '64' } (values stay text for checkParams to coerce). */
function parsePairs(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of text.split(/[\s,]+/).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UserError(`expected name=value, got ${quote(item)} (e.g. lr=0.01,units=64 or JSON {"lr":0.01})`, { path: 'params' });
    const name = item.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new UserError(`${quote(name)} is given twice`, { path: `params.${escapeText(name)}` });
    Object.defineProperty(out, name, { value: item.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function parseInput(input: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof input !== 'string') {
    if (!isPlainObject(input)) throw new UserError('parameter values must be a mapping from name to value', { path: 'params' });
    return input;
  }
  const text = input.trim();
  if (!text.startsWith('{')) return parsePairs(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not valid JSON: ${(e as Error).message}`, { path: 'params' });
  }
  if (!isPlainObject(parsed)) throw new UserError('parameter values must be a JSON object such as {"lr": 0.01}', { path: 'params' });
  return parsed;
}

/**
 * Parameter values from JSON (`'{"lr":0.01}'`), `name=value` pairs separated by commas or spaces,
 * or an object; each is checked and coerced against the space (`'64'` → 64 for an int, `'true'` →
 * true for a boolean choice). Only the given names are returned (a partial point: spread it over
 * defaultParams). Throws UserError (path `params.<name>`).
 */
export function parseParamOverrides(input: string | Record<string, unknown> | undefined, space: Space): Params {
  if (input === undefined) return {};
  const values = parseInput(input);
  try {
    return checkParams(space, values);
  } catch (e) {
    if (e instanceof SpaceError) {
      const name = e.path[0];
      throw new UserError(e.message, { path: name === undefined ? 'params' : `params.${escapeText(String(name))}` });
    }
    throw e;
  }
}
