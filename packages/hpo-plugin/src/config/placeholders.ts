/**
 * `${name}` placeholders in the model and training templates.
 *
 * - A string that is exactly one placeholder (`${units}`) becomes the parameter's typed value.
 * - A string with text around placeholders (`relu-${x}`) becomes a string.
 * - `$${` is a literal `${`.
 */
import type { ParamValue } from '@nx-hpo/optimizers';
import type { ConfigPath } from './yaml-source';
import { quote } from '../quote';

export type Piece = { text: string } | { ref: string };

export type ParsedString =
  | { kind: 'plain' } // nothing to substitute (may still contain `$${` escapes)
  | { kind: 'template'; pieces: Piece[]; refs: string[]; whole?: string }
  | { kind: 'malformed'; problem: string };

/** Splits a string into text and references; `whole` is set when it is one reference and nothing else. */
export function parseTemplateString(s: string): ParsedString {
  if (!s.includes('${')) return { kind: 'plain' };
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      text += '${';
      i += 3;
    } else if (s.startsWith('${', i)) {
      const end = s.indexOf('}', i + 2);
      if (end < 0) {
        return { kind: 'malformed', problem: `'\${' is not closed by '}' in ${quote(s)} (write '$\${' for a literal '\${')` };
      }
      const name = s.slice(i + 2, end).trim();
      if (name === '') return { kind: 'malformed', problem: `empty placeholder '\${}' in ${quote(s)}: write \${name} with a space parameter's name` };
      if (text !== '') pieces.push({ text });
      text = '';
      pieces.push({ ref: name });
      i = end + 1;
    } else {
      text += s[i];
      i += 1;
    }
  }
  if (text !== '') pieces.push({ text });
  const refs = pieces.flatMap((p) => ('ref' in p ? [p.ref] : []));
  if (refs.length === 0) return { kind: 'plain' };
  const only = pieces.length === 1 ? pieces[0] : undefined;
  return { kind: 'template', pieces, refs, whole: only && 'ref' in only ? only.ref : undefined };
}

/** Replaces `$${` by `${` in a string without references. */
function unescape(s: string): string {
  return s.includes('$${') ? s.replaceAll('$${', '${') : s;
}

export interface TemplateString {
  /** Path of the scalar in the config, e.g. ['model', 'layers', 0, 'dense', 'units']. */
  path: Array<string | number>;
  value: string;
  parsed: ParsedString;
}

/** Every string scalar under `value` that contains `${`, with its path. */
export function findTemplateStrings(value: unknown, base: ConfigPath): TemplateString[] {
  const out: TemplateString[] = [];
  const walk = (v: unknown, at: Array<string | number>): void => {
    if (typeof v === 'string') {
      if (v.includes('${')) out.push({ path: at, value: v, parsed: parseTemplateString(v) });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...at, i]));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) walk(item, [...at, k]);
    }
  };
  walk(value, [...base]);
  return out;
}

/**
 * A deep copy of `template` with placeholders replaced by `params` values (typed for a whole-string
 * placeholder, printed into the text otherwise) and `$${` escapes resolved.
 * Throws if a referenced parameter has no value: callers check references when loading.
 */
export function substitute(template: unknown, params: Readonly<Record<string, ParamValue>>): unknown {
  if (typeof template === 'string') {
    const parsed = parseTemplateString(template);
    if (parsed.kind === 'plain') return unescape(template);
    if (parsed.kind === 'malformed') throw new Error(`substitute: ${parsed.problem}`);
    const valueOf = (name: string): ParamValue => {
      if (!Object.prototype.hasOwnProperty.call(params, name)) throw new Error(`substitute: no value for parameter '${name}'`);
      return params[name] as ParamValue;
    };
    if (parsed.whole !== undefined) return valueOf(parsed.whole);
    return parsed.pieces.map((p) => ('ref' in p ? String(valueOf(p.ref)) : p.text)).join('');
  }
  if (Array.isArray(template)) return template.map((item) => substitute(item, params));
  if (typeof template === 'object' && template !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      // defineProperty, so that a key named __proto__ (free-form model.options) stays a plain key
      Object.defineProperty(out, k, { value: substitute(v, params), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return template;
}

/** The parameters a template refers to. */
export function referencedNames(strings: readonly TemplateString[]): Set<string> {
  const names = new Set<string>();
  for (const s of strings) if (s.parsed.kind === 'template') for (const r of s.parsed.refs) names.add(r);
  return names;
}
