/**
 * Reading tune.yaml into plain JSON while keeping the YAML nodes around, so that any config path
 * can later be turned into `file:line:col`. This is the only place that parses YAML.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import { UserError } from '../errors';
import { escapeText, MESSAGE_MAX, quote } from '../quote';
import type { ConfigLocation } from './types';
import { displayPath as displayFile } from '../display-path';

export type ConfigPath = ReadonlyArray<string | number>;

/**
 * `${name}` is not a valid plain scalar inside a YAML flow collection (`{ units: ${units} }`):
 * its braces are flow indicators. Before parsing we swap the braces of every `${...}` for two
 * private-use characters of the same UTF-16 length, so offsets (and thus line:col) are unchanged,
 * and swap them back in every parsed string afterwards.
 */
const OPEN_MASK = '\uE000';
const CLOSE_MASK = '\uE001';
const PLACEHOLDER_IN_TEXT = /\$\{([^{}\[\],\n\r"'#]*)\}/g;

/** The text with placeholder braces masked, or undefined when it already holds a mask character. */
export function maskPlaceholders(text: string): string | undefined {
  if (text.includes(OPEN_MASK) || text.includes(CLOSE_MASK)) return undefined; // cannot mask unambiguously
  return text.replace(PLACEHOLDER_IN_TEXT, (_m, inner: string) => `$${OPEN_MASK}${inner}${CLOSE_MASK}`);
}

export function unmask(s: string): string {
  return s.includes(OPEN_MASK) || s.includes(CLOSE_MASK) ? s.replaceAll(OPEN_MASK, '{').replaceAll(CLOSE_MASK, '}') : s;
}

/**
 * The document as plain JSON, or undefined when the text does not parse: for readers that must
 * tolerate any content (the inferred targets read a tune.yaml on every graph computation).
 */
export function parseYamlLoosely(text: string): unknown {
  const masked = maskPlaceholders(text);
  try {
    const doc = parseDocument(masked ?? text, { logLevel: 'silent' });
    if (doc.errors.length) return undefined;
    return doc.toJS({ reviver: (_k: unknown, v: unknown) => (typeof v === 'string' ? unmask(v) : v) }) as unknown;
  } catch {
    return undefined;
  }
}

export { displayFile };

/** `model.layers[0].dense.units` from ['model','layers',0,'dense','units']; odd keys are quoted (`space['my lr']`). */
export function formatPath(segments: ConfigPath): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${quote(seg)}]`;
  }
  return out;
}

export interface YamlSource {
  absFile: string;
  displayFile: string;
  /** The document as plain JSON (placeholders restored), or undefined for an empty file. */
  value: unknown;
  /** Position of a config path: the value for scalars, the key for collections (or `key: 'key'`). */
  locate(segments: ConfigPath, at?: 'value' | 'key'): ConfigLocation;
  /** Whether the file itself holds the path (locate falls back to the nearest ancestor that it holds). */
  has(segments: ConfigPath): boolean;
}

function syntaxError(display: string, err: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }, masked: boolean): UserError {
  // yaml's messages end with " at line L, column C:\n\n<excerpt>"; we print our own position.
  const first = (masked ? unmask(err.message) : err.message).split(/ at line \d+, column \d+/)[0] ?? err.message;
  const pos = err.linePos?.[0];
  return new UserError(`invalid YAML: ${escapeText(first.trim(), MESSAGE_MAX)}`, { file: display, line: pos?.line, col: pos?.col });
}

/** Parses YAML text; throws UserError for syntax errors (with their position). */
export function parseYamlSource(text: string, absFile: string): YamlSource {
  const display = displayFile(absFile);
  const lineCounter = new LineCounter();
  const masked = maskPlaceholders(text);
  const doc = parseDocument(masked ?? text, { lineCounter, prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  const err = doc.errors[0];
  if (err) throw syntaxError(display, err, masked !== undefined);
  if (masked !== undefined) {
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'string') node.value = unmask(node.value);
      },
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    // e.g. a "billion laughs" alias bomb
    throw new UserError(`invalid YAML: ${(e as Error).message}`, { file: display });
  }
  return {
    absFile,
    displayFile: display,
    value: value ?? undefined,
    locate: (segments, at = 'value') => locateIn(doc, lineCounter, display, segments, at),
    has: (segments) => walk(doc, segments).found,
  };
}

function keyString(pair: Pair): string {
  const k = pair.key;
  if (isScalar(k)) return String(k.value);
  return String(k);
}

function position(lineCounter: LineCounter, node: YamlNode | null | undefined): { line: number; col: number } | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  return lineCounter.linePos(offset);
}

interface Walk {
  /** The segments found, as shown in messages. */
  shown: Array<string | number>;
  found: boolean;
  node: YamlNode | null | undefined;
  /** The key of the last map entry on the way, if the path ended in a map. */
  keyNode: YamlNode | null | undefined;
}

/** Follows `segments` through the YAML nodes as far as the file holds them. */
function walk(doc: Document, segments: ConfigPath): Walk {
  const shown: Array<string | number> = [];
  let node: YamlNode | null | undefined = doc.contents as YamlNode | null;
  // Where to point if the path ends here: the key of the last map entry, or the item itself.
  let keyNode: YamlNode | null | undefined;
  let found = true;
  for (const seg of segments) {
    if (isAlias(node)) node = node.resolve(doc) as YamlNode | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyString(p) === String(seg));
      if (!pair) {
        found = false;
        break;
      }
      shown.push(String(seg));
      keyNode = pair.key as YamlNode;
      node = pair.value as YamlNode | null;
    } else if (isSeq(node)) {
      const index = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
      const item = node.items[index] as YamlNode | undefined;
      if (index < 0 || !item) {
        found = false;
        break;
      }
      shown.push(index);
      keyNode = undefined;
      node = item;
    } else {
      found = false;
      break;
    }
  }
  return { shown, found, node, keyNode };
}

function locateIn(
  doc: Document,
  lineCounter: LineCounter,
  file: string,
  segments: ConfigPath,
  at: 'value' | 'key',
): ConfigLocation {
  const { shown, found, node, keyNode } = walk(doc, segments);
  // The part of the path that is not in the file (e.g. a missing required key) is still shown.
  const rest = segments.slice(shown.length);
  const pathText = formatPath([...shown, ...rest]);
  // Nothing of the path is in the file (e.g. a command-line value): no position to point at.
  if (shown.length === 0 && segments.length > 0) return { file, path: pathText };
  let target: YamlNode | null | undefined;
  if (!found) target = keyNode ?? node;
  else if (at === 'key') target = keyNode ?? node;
  else if (node === null || node === undefined || (isScalar(node) && node.range?.[0] === node.range?.[1])) {
    target = keyNode; // an empty value (`key:`) has no text of its own
  } else if (isScalar(node) || isAlias(node)) target = node;
  else target = keyNode ?? node;
  const pos = position(lineCounter, target) ?? position(lineCounter, keyNode) ?? (doc.contents ? position(lineCounter, doc.contents as YamlNode) : undefined);
  return { file, line: pos?.line, col: pos?.col, path: pathText };
}

