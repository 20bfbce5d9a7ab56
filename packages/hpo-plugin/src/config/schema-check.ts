/**
 * Structural validation against schema/tune.schema.json (the single source of truth for the
 * structure), and turning ajv's error list into the one message most worth showing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
// The schema compiled ahead of time (ajv standalone code, options in ./schema-codegen): compiling
// it at every run was the largest fixed cost of a run whose trials are all reused.
import { validate as generatedValidate } from './tune-schema-validator.generated';
import { didYouMean } from './suggest';
import { quote } from '../quote';

/** The schema file shipped with the package (editors point `yaml-language-server: $schema=` at it). */
export const TUNE_SCHEMA_FILE = path.join(__dirname, '..', '..', 'schema', 'tune.schema.json');

type JsonSchema = Record<string, unknown>;

let schema: JsonSchema | undefined;

export function tuneSchema(): JsonSchema {
  schema ??= JSON.parse(fs.readFileSync(TUNE_SCHEMA_FILE, 'utf8')) as JsonSchema;
  return schema;
}

const validator = generatedValidate as unknown as ValidateFunction;

/** One structural problem, located by config path. */
export interface SchemaProblem {
  path: Array<string | number>;
  /** Point at the key itself (unknown keys) rather than at the value. */
  at: 'value' | 'key';
  message: string;
  /** Lower wins among problems at the same place: 0 for a key checked against a list, 1 for a wrong type. */
  rank?: number;
}

/**
 * Validates `data` in place (schema defaults are filled in) and returns every problem worth
 * showing, most specific first within each place; empty when valid.
 */
export function checkAgainstSchema(data: unknown): SchemaProblem[] {
  if (validator(data)) return [];
  return usefulErrors(validator.errors ?? []).map((e) => toProblem(e, data));
}

/**
 * Drops errors that only restate others: wrappers (if, propertyNames, anyOf), the failed alternatives
 * of a oneOf, and the "is not a placeholder" half of the `anyOf: [placeholder, <type>]` pairs by
 * which typed scalars under model/training also accept `${name}` (the other half says what is wrong).
 */
function usefulErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => {
    if (e.keyword === 'if' || e.keyword === 'propertyNames' || e.keyword === 'anyOf') return false;
    if (/\/oneOf\/\d+\//.test(e.schemaPath)) return false;
    if (e.schemaPath.startsWith('#/definitions/placeholder/')) return false;
    return true;
  });
}

/** A JSON pointer as config path segments: list indices become numbers (walking `data` to tell). */
function pointerSegments(pointer: string, data: unknown): Array<string | number> {
  if (pointer === '') return [];
  const out: Array<string | number> = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function parentSchemaOf(e: ErrorObject): JsonSchema {
  return (e.parentSchema ?? {}) as JsonSchema;
}

function toProblem(e: ErrorObject, data: unknown): SchemaProblem {
  const segments = pointerSegments(e.instancePath, data);
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) return { path: [...segments, propertyName], at: 'key', message: messageFor(e, segments), rank: 0 };
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    return { path: [...segments, key], at: 'key', message: messageFor(e, segments) };
  }
  // A wrong type says the most about a value: other keywords may fail only because of it.
  return { path: segments, at: 'value', message: messageFor(e, segments), rank: e.keyword === 'type' ? 1 : 2 };
}

/** How a value reads in a message: strings quoted, collections named. */
export function show(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function typeWords(type: unknown): string {
  const list = Array.isArray(type) ? type : [type];
  return list.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function messageFor(e: ErrorObject, segments: ReadonlyArray<string | number>): string {
  const parent = parentSchemaOf(e);
  const params = e.params as Record<string, unknown>;
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  const custom = typeof parent.errorMessage === 'string' ? parent.errorMessage : undefined;
  const lastKey = segments[segments.length - 1];
  switch (e.keyword) {
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const noun = typeof parent.title === 'string' ? parent.title : propertyName !== undefined ? 'key' : typeof lastKey === 'string' ? lastKey : 'value';
      const value = propertyName ?? e.data;
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
      return `${show(value)} is not a valid ${noun}${hint}; allowed: ${allowed.join(', ')}`;
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as JsonSchema);
      if (allowed.length === 0) return `unknown key ${quote(key)}: ${typeof lastKey === 'string' ? lastKey : 'this'} takes no options`;
      return `unknown key ${quote(key)}${didYouMean(key, allowed)}; allowed: ${allowed.join(', ')}`;
    }
    default:
      break;
  }
  if (custom !== undefined) return custom;
  switch (e.keyword) {
    case 'required':
      return `missing required key ${quote(String(params.missingProperty))}`;
    case 'type':
      return `must be ${typeWords(params.type)}, got ${show(e.data)}`;
    case 'minimum':
      return `must be at least ${String(params.limit)}, got ${show(e.data)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}, got ${show(e.data)}`;
    case 'exclusiveMinimum':
      return `must be greater than ${String(params.limit)}, got ${show(e.data)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(params.limit)}, got ${show(e.data)}`;
    case 'minItems':
    case 'maxItems': {
      const n = Array.isArray(e.data) ? e.data.length : 0;
      if (parent.minItems !== undefined && parent.minItems === parent.maxItems) {
        return `must have exactly ${plural(Number(parent.minItems), 'item')}, got ${n}`;
      }
      return e.keyword === 'minItems'
        ? `must have at least ${plural(Number(params.limit), 'item')}, got ${n}`
        : `must have at most ${plural(Number(params.limit), 'item')}, got ${n}`;
    }
    case 'minProperties':
      return Number(params.limit) === 1 ? 'must not be empty' : `must have at least ${plural(Number(params.limit), 'key')}`;
    case 'maxProperties':
      return `must have at most ${plural(Number(params.limit), 'key')}`;
    case 'minLength':
      return Number(params.limit) === 1 ? 'must not be empty' : `must be at least ${plural(Number(params.limit), 'character')} long`;
    case 'maxLength':
      return `must be at most ${plural(Number(params.limit), 'character')} long, got ${show(e.data)}`;
    case 'const':
      return `must be ${show(params.allowedValue)}`;
    case 'pattern':
      return `must match ${String(params.pattern)}, got ${show(e.data)}`;
    case 'dependencies':
      return `${quote(String(params.property))} needs ${quote(String(params.missingProperty))}`;
    case 'oneOf':
      return 'must match exactly one of the allowed forms';
    default:
      return e.message ?? `is invalid (${e.keyword})`;
  }
}

/** Stable order for reporting: place in the file first; at one place, a listed-alternatives message wins. */
export function rankProblems<T extends SchemaProblem>(problems: readonly T[], positionOf: (p: T) => { line?: number; col?: number }): T[] {
  // A problem inside another's value is the more specific one (e.g. a bad `type` rather than the
  // missing keys its else-branch would need): drop the enclosing one.
  const key = (p: SchemaProblem): string => JSON.stringify(p.path.map(String));
  const isInside = (inner: SchemaProblem, outer: SchemaProblem): boolean =>
    inner.path.length > outer.path.length && outer.path.every((s, i) => String(s) === String(inner.path[i]));
  const kept = problems.filter((p) => !problems.some((q) => q !== p && isInside(q, p)));
  const seen = new Set<string>();
  const withPos = kept.map((p, index) => ({ p, index, pos: positionOf(p) }));
  withPos.sort((a, b) => {
    const la = a.pos.line ?? Infinity;
    const lb = b.pos.line ?? Infinity;
    if (la !== lb) return la - lb;
    const ca = a.pos.col ?? Infinity;
    const cb = b.pos.col ?? Infinity;
    if (ca !== cb) return ca - cb;
    const ra = a.p.rank ?? 2;
    const rb = b.p.rank ?? 2;
    if (ra !== rb) return ra - rb;
    return a.index - b.index;
  });
  return withPos
    .map((x) => x.p)
    .filter((p) => {
      const k = `${key(p)}|${p.at}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}
