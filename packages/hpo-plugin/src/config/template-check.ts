/**
 * Type-checking the model/training templates through their placeholders: the schema's types (and
 * the rules between training keys, training-check.ts) apply to `units: ${units}` only once a value
 * is in place, so we validate copies where every placeholder
 * holds a value its parameter can take — the defaults first, then, one parameter at a time, every
 * categorical choice and the ends (and listed values) of every numeric range.
 */
import { defaultParams, fromUnit } from '@nx-hpo/optimizers';
import type { ParamSpec, ParamValue, Params, Space } from '@nx-hpo/optimizers';
import { substitute, type TemplateString } from './placeholders';
import { checkAgainstSchema, rankProblems, show, type SchemaProblem } from './schema-check';
import { checkCrossKeyRules, type LineOf } from './training-check';
import type { Task } from './types';
import { formatPath, type ConfigPath } from './yaml-source';

export interface TemplateProblem {
  path: Array<string | number>;
  at: 'value' | 'key';
  message: string;
}

interface Probe {
  value: ParamValue;
  /** Where that value is written under `space.<name>`, if it is written somewhere. */
  at?: Array<string | number>;
}

const KIND = { float: 'a float parameter', int: 'an int parameter', categorical: 'a categorical parameter' } as const;

/** Listing every value of a long `values` list would cost more than it finds. */
const MAX_LISTED_PROBES = 64;

/** The values worth trying for one parameter, each with where it is written in the space. */
export function probesOf(spec: ParamSpec): Probe[] {
  const probes: Probe[] = [];
  if (spec.type === 'categorical') {
    spec.choices.forEach((value, i) => probes.push({ value, at: ['choices', i] }));
    return probes;
  }
  probes.push({ value: spec.low, at: ['low'] }, { value: spec.high, at: ['high'] });
  if (spec.values !== undefined) {
    const listed = spec.values.length <= MAX_LISTED_PROBES ? spec.values.map((v, i) => [v, i] as const) : [];
    for (const [value, i] of listed) probes.push({ value, at: ['values', i] });
  } else {
    // An interior point, so that a float used where an integer is needed is caught even when the
    // ends and the default happen to be whole numbers (1/π avoids round fractions).
    probes.push({ value: fromUnit(spec, 1 / Math.PI) });
  }
  if (spec.default !== undefined) probes.push({ value: spec.default, at: ['default'] });
  const seen = new Set<ParamValue>();
  return probes.filter((p) => (seen.has(p.value) ? false : (seen.add(p.value), true)));
}

function samePath(a: ConfigPath, b: ConfigPath): boolean {
  return a.length === b.length && a.every((s, i) => String(s) === String(b[i]));
}

/**
 * The first problem of the templates under any tried values, or undefined. `root` is the whole
 * (schema-valid) config with defaults filled in; `refs` are the referenced parameter names;
 * `lineOf` gives the line of a key the file holds (undefined for a default), for messages that
 * name a second key.
 */
export function checkTemplateValues(
  root: Record<string, unknown>,
  templates: readonly TemplateString[],
  space: Space,
  refs: readonly string[],
  positionOf: (p: SchemaProblem) => { line?: number; col?: number },
  lineOf: LineOf = (path) => positionOf({ path: [...path], at: 'value', message: '' }).line,
): TemplateProblem | undefined {
  const task = (root.data as { task: Task }).task;
  // The rules between training keys, first as written: a problem between two literal values is
  // reported plainly, not as the outcome of some parameter's value.
  const literal = checkCrossKeyRules(root, task, lineOf);
  if (literal) return literal;
  const firstProblem = (params: Params): SchemaProblem | undefined => {
    const copy = { ...root, model: substitute(root.model, params), training: substitute(root.training, params) };
    return rankProblems(checkAgainstSchema(copy), positionOf)[0] ?? checkCrossKeyRules(copy, task, lineOf);
  };
  // Which parameter is to blame: the one written at the failing place, else the one being varied.
  const culpritAt = (problem: SchemaProblem, varied: string | undefined): string | undefined => {
    const t = templates.find((s) => s.parsed.kind === 'template' && samePath(s.path, problem.path));
    if (t && t.parsed.kind === 'template') return t.parsed.whole ?? varied ?? t.parsed.refs[0];
    return varied;
  };
  const base = defaultParams(space);

  const report = (problem: SchemaProblem, params: Params, varied: string | undefined): TemplateProblem => {
    const name = culpritAt(problem, varied);
    if (name === undefined) {
      return { path: problem.path, at: problem.at, message: `${problem.message} (with every parameter at its default)` };
    }
    const value = params[name] as ParamValue;
    const probe = probesOf(space[name] as ParamSpec).find((p) => p.value === value && p.at !== undefined);
    const valueText = `\${${name}} = ${show(value)}`;
    // A categorical choice or a written bound is the thing to fix; a computed value is not written anywhere.
    if (probe?.at !== undefined) {
      return { path: ['space', name, ...probe.at], at: 'value', message: `${problem.message} (at ${formatPath(problem.path)}, with ${valueText})` };
    }
    // At the place of use the value is already in the message; say where it came from.
    return { path: problem.path, at: problem.at, message: `${problem.message} (from \${${name}}, ${KIND[(space[name] as ParamSpec).type]})` };
  };

  const atDefaults = firstProblem(base);
  if (atDefaults) return report(atDefaults, base, undefined);
  for (const name of refs) {
    for (const probe of probesOf(space[name] as ParamSpec)) {
      if (probe.value === base[name]) continue;
      const params = { ...base, [name]: probe.value };
      const problem = firstProblem(params);
      if (problem) return report(problem, params, name);
    }
  }
  return undefined;
}
