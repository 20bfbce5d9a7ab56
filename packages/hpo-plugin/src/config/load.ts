/**
 * loadTuneConfig: tune.yaml → TuneConfig, or a UserError pointing at the offending key or value.
 *
 * Order of checks (the first problem found is reported):
 *  1. YAML syntax;
 *  2. structure against schema/tune.schema.json (placeholder scalars are skipped here);
 *  3. placeholder syntax, and placeholders outside model/training;
 *  4. the space (@nx-hpo/optimizers validateSpace: ranges, log > 0, defaults, …);
 *  5. every `${name}` names a space parameter;
 *  6. the rules tying keys together (warm-up vs epochs, schedules vs the -hd optimizers, watched
 *     metrics vs task, loss vs task, the last layer's activation vs task and loss), as written,
 *     then the templates with values in place (defaults, every choice, range ends);
 *  7. files (data.path, model.module), metric vs task, stratify vs task, label name vs header;
 *  8. command-line overrides, the algorithm's options, and grid discreteness.
 *
 * Defaults come from the schema (`default` keywords) except two that depend on other keys:
 * data.validation.stratify and data.test.stratify (true for classification, false for regression) and
 * objective.direction (maximize when the metric name contains 'acc', minimize otherwise).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ALGORITHMS,
  AlgorithmError,
  SpaceError,
  createSampler,
  createPruner,
  type PrunerSpec,
  gridSize,
  isAlgorithmName,
  validateSpace,
} from '@nx-hpo/optimizers';
import { isPlainObject, type AlgorithmName, type Space } from '@nx-hpo/optimizers';
import { UserError } from '../errors';
import { findTemplateStrings, referencedNames, type TemplateString } from './placeholders';
import { checkAgainstSchema, rankProblems } from './schema-check';
import { dataFormat } from '../data/source-key';
import { didYouMean } from './suggest';
import { checkTemplateValues } from './template-check';
import { METRICS } from './enums';
import type {
  DataConfig,
  Direction,
  MetricName,
  ModelTemplate,
  ObjectiveConfig,
  SearchConfig,
  Task,
  TrainingTemplate,
  TuneConfig,
  TuneOverrides,
} from './types';
import { displayFile, parseYamlSource, type ConfigPath, type YamlSource } from './yaml-source';
import { escapeText, PATH_MAX, quote } from '../quote';

export { METRICS };

/** maximize for accuracy-like metrics, minimize for losses and errors. */
export function defaultDirection(metric: string): Direction {
  return metric.includes('acc') ? 'maximize' : 'minimize';
}

/** The config after the schema check and defaults: shapes are known, values not yet cross-checked. */
interface RawConfig {
  data: {
    path?: string;
    module?: string;
    files?: string[];
    options?: Record<string, unknown>;
    header: boolean;
    label: number | string;
    task: Task;
    validation: { split: number; stratify?: boolean; seed: number };
    test?: { split: number; stratify?: boolean; seed: number };
    scale: DataConfig['scale'];
    delimiter?: string;
  };
  model: { layers?: Array<Record<string, unknown>>; module?: string; options?: Record<string, unknown> };
  training: Record<string, unknown> & { optimizer: Record<string, unknown> };
  space: Record<string, unknown>;
  objective: { metric: MetricName; direction?: Direction };
  search: { algorithm: AlgorithmName; trials: number; parallelism?: number; seed: number; retryFailed?: boolean } & Record<string, unknown>;
  output?: string;
  store?: string;
}

export function loadTuneConfig(file: string, overrides: TuneOverrides = {}): TuneConfig {
  const absFile = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(absFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'config file not found' : code === 'EISDIR' ? 'is a directory, not a config file' : `cannot read the config file (${(e as Error).message})`;
    throw new UserError(why, { file: displayFile(absFile) });
  }
  return parseTuneConfig(configText(bytes, absFile), absFile, overrides);
}

/** The file's text; a binary file (a NUL byte) or one that is not UTF-8 is refused at its first bad byte. */
function configText(bytes: Buffer, absFile: string): string {
  const at = (offset: number) => {
    const before = bytes.subarray(0, offset).toString('utf8');
    const lines = before.split('\n');
    return { file: displayFile(absFile), line: lines.length, col: lines[lines.length - 1]!.length + 1 };
  };
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new UserError('not a YAML config: a binary file (it holds NUL bytes)', at(nul));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    throw new UserError('not a YAML config: the file is not UTF-8 text', at(bad));
  }
}

/** Offset of the first byte that is not valid UTF-8. */
function firstInvalidUtf8(bytes: Buffer): number {
  // A lossy decode replaces each bad sequence by U+FFFD; up to the first bad one, every U+FFFD is
  // a real one (EF BF BD), so the text before it re-encodes to exactly the bytes before it.
  const text = bytes.toString('utf8');
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    const offset = Buffer.byteLength(text.slice(0, i), 'utf8');
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
  }
  return 0;
}

/** loadTuneConfig on text already read; `file` still anchors relative paths and messages. */
export function parseTuneConfig(text: string, file: string, overrides: TuneOverrides = {}): TuneConfig {
  const absFile = path.resolve(file);
  const dir = path.dirname(absFile);
  const src = parseYamlSource(text, absFile);
  const fail = (p: ConfigPath, message: string, at: 'value' | 'key' = 'value'): UserError => new UserError(message, src.locate(p, at));

  const root = src.value;
  if (root === undefined || root === null) {
    throw new UserError('the config is empty: expected a mapping with data, model, space and objective (training, search and output are optional)', {
      file: src.displayFile,
      line: 1,
      col: 1,
    });
  }
  const rootObject = isPlainObject(root) ? root : {};
  const templates = [...findTemplateStrings(rootObject.model, ['model']), ...findTemplateStrings(rootObject.training, ['training'])];

  // 2. Structure. Text around a placeholder (`"x${a}"`) has no type yet: step 6 checks it with values in place.
  const placeholderPaths = new Set(templates.map((t) => pathKey(t.path)));
  const problems = checkAgainstSchema(root).filter((p) => !(p.at === 'value' && placeholderPaths.has(pathKey(p.path))));
  const first = rankProblems(problems, (p) => src.locate(p.path, p.at))[0];
  if (first) throw fail(first.path, first.message, first.at);
  const raw = root as unknown as RawConfig;

  // 3. Placeholder syntax.
  for (const t of templates) if (t.parsed.kind === 'malformed') throw fail(t.path, t.parsed.problem);
  for (const section of ['data', 'space', 'objective', 'search', 'output', 'store'] as const) {
    for (const t of findTemplateStrings(raw[section], [section])) {
      if (t.parsed.kind === 'template') {
        throw fail(t.path, `placeholders are only substituted under model and training (write '$\${' for a literal '\${')`);
      }
    }
  }
  if (raw.model.module !== undefined && templates.some((t) => t.parsed.kind === 'template' && samePath(t.path, ['model', 'module']))) {
    throw fail(['model', 'module'], 'the model module must be a fixed file; pass choices to it through model.options');
  }

  // 4. The space.
  let space: Space;
  try {
    space = validateSpace(raw.space);
  } catch (e) {
    if (e instanceof SpaceError) throw fail(['space', ...e.path], e.message);
    throw e;
  }

  // 5. References.
  const names = Object.keys(space);
  checkReferences(templates, space, fail);
  const used = referencedNames(templates);
  const refs = names.filter((n) => used.has(n));

  // 6. Templates with values in place.
  const typed = checkTemplateValues(
    raw as unknown as Record<string, unknown>,
    templates,
    space,
    refs,
    (p) => src.locate(p.path, p.at),
    (p) => (src.has(p) ? src.locate(p).line : undefined),
  );
  if (typed) throw fail(typed.path, typed.message, typed.at);

  // 7. Cross-checks.
  const data = dataConfig(raw.data, dir, fail);
  const model = modelTemplate(raw.model, dir, fail);
  const training = trainingTemplate(raw.training);
  const objective = objectiveConfig(raw.objective, data.task, fail);

  // 8. Search.
  const search = searchConfig(raw.search, overrides, space, fail);
  checkPrunerBudget(search, training, fail, (p) => (src.has(p) ? src.locate(p).line : undefined));

  return {
    file: absFile,
    dir,
    data,
    model,
    training,
    space,
    objective,
    search,
    ...(raw.output !== undefined ? { output: raw.output } : {}),
    ...(raw.store !== undefined ? { store: raw.store } : {}),
    locate: (p) => src.locate(p),
    refs,
  };
}

type Fail = (p: ConfigPath, message: string, at?: 'value' | 'key') => UserError;


function pathKey(p: ConfigPath): string {
  return JSON.stringify(p.map(String));
}

function samePath(a: ConfigPath, b: ConfigPath): boolean {
  return pathKey(a) === pathKey(b);
}

function checkReferences(templates: readonly TemplateString[], space: Space, fail: Fail): void {
  const names = Object.keys(space);
  for (const t of templates) {
    if (t.parsed.kind !== 'template') continue;
    for (const ref of t.parsed.refs) {
      if (!Object.prototype.hasOwnProperty.call(space, ref)) {
        throw fail(t.path, `unknown parameter ${quote(`\${${ref}}`)}${didYouMean(ref, names)}; the space defines: ${names.join(', ')}`);
      }
    }
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function dataConfig(raw: RawConfig['data'], dir: string, fail: Fail): DataConfig {
  const source = dataSource(raw, dir, fail);
  // JSON Lines, Parquet and data modules name their columns themselves; a CSV needs its header row.
  const csv = source.path !== undefined && dataFormat(source.path) === 'csv';
  if (csv && typeof raw.label === 'string' && !raw.header) {
    throw fail(['data', 'label'], `a label given by column name (${quote(raw.label)}) needs header: true; without a header give the column index`);
  }
  for (const split of ['validation', 'test'] as const) {
    if (raw.task === 'regression' && raw[split]?.stratify === true) {
      throw fail(['data', split, 'stratify'], 'only classification can stratify: regression labels have no classes');
    }
  }
  // Both fractions are below 1, so the training share (1 - test) * (1 - validation) is always
  // positive; whether rounding leaves training rows depends on the row count (checked on load).
  const splitConfig = (s: { split: number; stratify?: boolean; seed: number }) => ({
    split: s.split,
    stratify: s.stratify ?? raw.task === 'classification',
    seed: s.seed,
  });
  return {
    ...source,
    header: raw.header,
    label: raw.label,
    task: raw.task,
    validation: splitConfig(raw.validation),
    ...(raw.test !== undefined ? { test: splitConfig(raw.test) } : {}),
    scale: raw.scale,
    ...(raw.delimiter !== undefined ? { delimiter: raw.delimiter } : {}),
  };
}

/** Where the data comes from: a file (`path`) or a data module (`module`, its `files` and `options`). */
function dataSource(raw: RawConfig['data'], dir: string, fail: Fail): Pick<DataConfig, 'path' | 'module' | 'files' | 'options'> {
  if ((raw.path === undefined) === (raw.module === undefined)) {
    const both = raw.path !== undefined;
    throw fail(both ? ['data', 'module'] : ['data'], both
      ? 'give either path (a data file) or module (a data module), not both'
      : "missing required key 'path' (a CSV, JSON Lines or Parquet file), or 'module' (a data module exporting load)");
  }
  if (raw.path !== undefined) {
    for (const key of ['files', 'options'] as const) {
      if (raw[key] !== undefined) throw fail(['data', key], `${key} goes with a data module (data.module), not with data.path`);
    }
    const abs = path.resolve(dir, raw.path);
    if (!isFile(abs)) {
      const what = fs.existsSync(abs) ? 'is not a file' : 'not found';
      throw fail(['data', 'path'], `data file ${what}: ${escapeText(displayFile(abs), PATH_MAX)}`);
    }
    return { path: abs };
  }
  const module = path.resolve(dir, raw.module as string);
  if (!isFile(module)) throw fail(['data', 'module'], `data module ${fs.existsSync(module) ? 'is not a file' : 'not found'}: ${escapeText(displayFile(module), PATH_MAX)}`);
  const files = (raw.files ?? []).map((f, i) => {
    const abs = path.resolve(dir, f);
    if (!fs.existsSync(abs)) throw fail(['data', 'files', i], `file not found: ${escapeText(displayFile(abs), PATH_MAX)}`);
    return abs;
  });
  return { module, ...(raw.files !== undefined ? { files } : {}), ...(raw.options !== undefined ? { options: raw.options } : {}) };
}

function modelTemplate(raw: RawConfig['model'], dir: string, fail: Fail): ModelTemplate {
  if (raw.module !== undefined) {
    const abs = path.resolve(dir, raw.module);
    if (!isFile(abs)) throw fail(['model', 'module'], `model module not found: ${escapeText(displayFile(abs), PATH_MAX)}`);
    return { module: abs, ...(raw.options !== undefined ? { options: raw.options } : {}) };
  }
  // `- flatten:` with nothing after it reads as null; the layer then simply has no options.
  const layers = (raw.layers ?? []).map((layer) => {
    const [type, options] = Object.entries(layer)[0] as [string, unknown];
    return { [type]: options ?? {} };
  });
  return { layers } as ModelTemplate;
}

function trainingTemplate(raw: RawConfig['training']): TrainingTemplate {
  const { decay, ...optimizer } = raw.optimizer;
  // `decay` is another name for rmsprop's rho (the schema allows only one of them).
  if (decay !== undefined) optimizer.rho = decay;
  return { ...raw, optimizer } as unknown as TrainingTemplate;
}

function objectiveConfig(raw: RawConfig['objective'], task: Task, fail: Fail): ObjectiveConfig {
  const allowed = METRICS[task];
  if (!allowed.includes(raw.metric)) {
    throw fail(['objective', 'metric'], `${quote(raw.metric)} is not a ${task} metric; allowed for ${task}: ${allowed.join(', ')}`);
  }
  return { metric: raw.metric, direction: raw.direction ?? defaultDirection(raw.metric) };
}

function overrideInteger(name: string, v: number | undefined, min: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || (min !== undefined && v < min)) {
    const what = min === undefined ? 'a whole number' : `a whole number of at least ${min}`;
    throw new UserError(`must be ${what} (got ${String(v)})`, { path: `--${name}` });
  }
  return v;
}

/**
 * A pruner's rungs must fit in the epochs a trial trains: `asha` with `minEpochs` at or above
 * `training.epochs` could never stop anything. Names both lines.
 */
function checkPrunerBudget(search: SearchConfig, training: TrainingTemplate, fail: Fail, lineOf: (p: ConfigPath) => number | undefined): void {
  const pruner = search.pruner;
  const epochs = (training as { epochs?: unknown }).epochs;
  if (typeof pruner !== 'object' || pruner === null || typeof epochs !== 'number') return;
  const options = pruner as { name?: string; minEpochs?: unknown; maxEpochs?: unknown };
  if (options.name !== 'asha' && options.name !== 'hyperband') return;
  const epochsAt = lineOf(['training', 'epochs']);
  const where = `training.epochs is ${epochs} ${epochsAt === undefined ? 'by default' : `at line ${epochsAt}`}`;
  const max = typeof options.maxEpochs === 'number' ? options.maxEpochs : epochs;
  if (typeof options.maxEpochs === 'number' && options.maxEpochs > epochs) {
    throw fail(['search', 'pruner', 'maxEpochs'], `maxEpochs (${options.maxEpochs}) is more than a trial ever trains: ${where}`);
  }
  if (typeof options.minEpochs === 'number' && options.minEpochs >= max) {
    throw fail(['search', 'pruner', 'minEpochs'], `minEpochs (${options.minEpochs}) must be below the full budget, or no trial could ever be pruned: ${where}`);
  }
}

function searchConfig(raw: RawConfig['search'], overrides: TuneOverrides, space: Space, fail: Fail): SearchConfig {
  let algorithm: AlgorithmName = raw.algorithm;
  const fromCommandLine = overrides.algorithm !== undefined;
  if (overrides.algorithm !== undefined) {
    const name = overrides.algorithm;
    if (!isAlgorithmName(name)) {
      throw new UserError(`${quote(name)} is not a valid algorithm${didYouMean(name, ALGORITHMS)}; allowed: ${ALGORITHMS.join(', ')}`, { path: '--algorithm' });
    }
    algorithm = name;
  }
  const trials = overrideInteger('trials', overrides.trials, 1) ?? raw.trials;
  const parallelism = overrideInteger('parallelism', overrides.parallelism, 1) ?? raw.parallelism;
  const seed = overrideInteger('seed', overrides.seed, undefined) ?? raw.seed;
  const given = raw[algorithm];
  const options = isPlainObject(given) ? given : {};

  // The sampler checks its own options; building one here reports them against the file.
  try {
    createSampler(algorithm, options);
  } catch (e) {
    if (!(e instanceof AlgorithmError)) throw e;
    if (e.path[0] === 'options' && e.path.length > 1) throw fail(['search', algorithm, ...e.path.slice(1)], e.message);
    if (fromCommandLine) throw new UserError(e.message, { path: '--algorithm' });
    throw fail(['search', 'algorithm'], e.message);
  }

  // The pruner checks its own options too (maxEpochs defaults to training.epochs at run time).
  const pruner = raw.pruner === 'none' ? undefined : raw.pruner;
  if (pruner !== undefined) {
    try {
      createPruner(pruner as PrunerSpec, { maxEpochs: 1e9 });
    } catch (e) {
      if (!(e instanceof AlgorithmError)) throw e;
      throw fail(['search', ...e.path], e.message);
    }
  }

  if (algorithm === 'grid') {
    try {
      gridSize(space);
    } catch (e) {
      if (!(e instanceof SpaceError)) throw e;
      const because = fromCommandLine ? ' (--algorithm grid)' : '';
      throw fail(['space', ...e.path], `${e.message}${because}`);
    }
  }
  return {
    algorithm,
    trials,
    ...(parallelism !== undefined ? { parallelism } : {}),
    seed,
    ...(raw.retryFailed !== undefined ? { retryFailed: raw.retryFailed } : {}),
    ...(pruner !== undefined ? { pruner: pruner as PrunerSpec } : {}),
    options,
  };
}
