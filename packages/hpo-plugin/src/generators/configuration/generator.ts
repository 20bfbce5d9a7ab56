/**
 * `nx g @nx-hpo/plugin:configuration` (alias `config`): reads a CSV and writes a tune.yaml for it,
 * in an existing project (`--project`) or a new folder project (`--directory`).
 *
 * Everything is checked before anything is written, so bad input (no such file, no such column,
 * one class only, too few rows, an existing tune.yaml without --force) changes nothing: the
 * generator throws an Error whose message is one line, which Nx prints.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, posix, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  addProjectConfiguration,
  formatFiles,
  getProjects,
  logger,
  normalizePath,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { ALGORITHMS } from '@nx-hpo/optimizers';
import { profileCsv, type CsvProfile, type Task } from './csv-profile';
import { planSearch, renderTuneYaml, VALIDATION_SPLIT } from './tune-yaml';
import type { ConfigurationGeneratorSchema } from './schema';

const TUNE_FILE = 'tune.yaml';
const SCHEMA_IN_PACKAGE = 'node_modules/@nx-hpo/plugin/schema/tune.schema.json';

interface DataFile {
  /** Workspace-relative path (posix) when the file is inside the workspace. */
  inWorkspace?: string;
  /** Absolute path on disk when it is outside (or not in the tree). */
  absolute: string;
  bytes: Buffer;
  /** How to name it in messages. */
  shown: string;
}

interface Target {
  projectName: string;
  /** Workspace-relative project root ('' for the workspace root). */
  root: string;
  create: boolean;
}

function fail(message: string): never {
  throw new Error(message);
}

function normalizeOptions(options: ConfigurationGeneratorSchema): ConfigurationGeneratorSchema {
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const o = { ...options, project: blank(options.project), directory: blank(options.directory), name: blank(options.name) };
  if (!o.data || String(o.data).trim() === '') fail('--data is required: the CSV file to tune on (e.g. --data=data/iris.csv)');
  if (o.project && o.directory) fail('give --project (an existing project) or --directory (a new project), not both');
  if (!o.project && !o.directory) fail('give --directory=<folder> for a new project, or --project=<name> for an existing one');
  if (o.project && o.name) fail('--name names a new project: use it with --directory, not --project');
  if (o.algorithm !== undefined && !(ALGORITHMS as readonly string[]).includes(o.algorithm)) {
    fail(`--algorithm: '${o.algorithm}' is not an algorithm; use one of ${ALGORITHMS.join(', ')}`);
  }
  if (o.trials !== undefined && !(Number.isSafeInteger(o.trials) && o.trials >= 1)) fail(`--trials must be a whole number of at least 1 (got ${o.trials})`);
  if (o.task !== undefined && o.task !== 'classification' && o.task !== 'regression') {
    fail(`--task must be classification or regression (got ${String(o.task)})`);
  }
  return o;
}

/** The current folder relative to the workspace root ('' at the root, or when outside it), as Nx's generators use it. */
function cwdInWorkspace(tree: Tree): string {
  const rel = normalizePath(relative(tree.root, process.cwd()));
  return rel === '..' || rel.startsWith('../') || isAbsolute(rel) ? '' : rel;
}

/** Finds the CSV: relative to the current folder, then to the workspace root; or absolute. */
function readDataFile(tree: Tree, given: string): DataFile {
  const candidates = isAbsolute(given) ? [given] : [...new Set([join(tree.root, cwdInWorkspace(tree), given), join(tree.root, given)])];
  for (const abs of candidates) {
    const rel = normalizePath(relative(tree.root, abs));
    const inside = rel !== '' && !rel.startsWith('../') && rel !== '..' && !isAbsolute(rel);
    if (inside && tree.exists(rel)) {
      if (!tree.isFile(rel)) fail(`--data: ${rel} is a folder, not a CSV file`);
      return { inWorkspace: rel, absolute: abs, bytes: tree.read(rel)!, shown: rel };
    }
    if (existsSync(abs)) {
      if (!statSync(abs).isFile()) fail(`--data: ${given} is a folder, not a CSV file`);
      return { ...(inside ? { inWorkspace: rel } : {}), absolute: abs, bytes: readFileSync(abs), shown: inside ? rel : abs };
    }
  }
  const cwd = cwdInWorkspace(tree);
  const where = isAbsolute(given) ? '' : cwd === '' ? '' : ` (looked in ${cwd} and the workspace root)`;
  return fail(`--data: no such file: ${given}${where}`);
}

function csvText(file: DataFile): string {
  let bytes = file.bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      fail(`${file.shown}: not a valid gzip file (${(e as Error).message})`);
    }
  }
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

function resolveTarget(tree: Tree, o: ConfigurationGeneratorSchema): Target {
  const projects = getProjects(tree);
  if (o.project) {
    const config = projects.get(o.project);
    if (!config) {
      const names = [...projects.keys()].sort();
      const list = names.length ? `; the projects are ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}` : '';
      fail(`--project: no project named "${o.project}"${list} (or create one with --directory=<folder>)`);
    }
    return { projectName: o.project, root: config.root === '.' ? '' : normalizePath(config.root), create: false };
  }
  // Relative to the current folder, as with Nx's own generators (the workspace root when run there).
  const given = normalizePath(o.directory!);
  const root = isAbsolute(given) ? given : posix.normalize(posix.join(cwdInWorkspace(tree) || '.', given)).replace(/\/+$/, '');
  if (root === '' || root === '.' || root === '..' || root.startsWith('../') || isAbsolute(root)) {
    fail(`--directory must be a folder inside the workspace, relative to the current folder (got "${o.directory}")`);
  }
  const projectName = o.name ?? basename(root);
  for (const [name, config] of projects) {
    if (normalizePath(config.root) === root) {
      // Re-running the same command with --force rewrites the tune.yaml of the project it made.
      if (o.force) return { projectName: name, root, create: false };
      fail(`--directory: ${root} is already the project "${name}": use --project=${name} (or --force to rewrite its tune.yaml)`);
    }
    if (name === projectName) fail(`a project named "${projectName}" already exists (in ${config.root}): choose another --name, or use --project=${name}`);
  }
  if (tree.exists(join(root, 'project.json')) || tree.exists(join(root, 'package.json'))) {
    fail(`--directory: ${root} already holds a project manifest: use --project=<its name>`);
  }
  return { projectName, root, create: true };
}

function toPosixRelative(fromDir: string, to: string): string {
  const rel = posix.relative(fromDir === '' ? '.' : fromDir, to);
  return rel === '' ? '.' : rel;
}

export async function configurationGenerator(tree: Tree, options: ConfigurationGeneratorSchema): Promise<GeneratorCallback> {
  const o = normalizeOptions(options);
  const target = resolveTarget(tree, o);
  const tunePath = target.root === '' ? TUNE_FILE : `${target.root}/${TUNE_FILE}`;
  if (tree.exists(tunePath) && !o.force) fail(`${tunePath} already exists: pass --force to overwrite it`);

  const data = readDataFile(tree, String(o.data));
  const label = typeof o.label === 'string' && o.label.trim() === '' ? undefined : o.label;
  const profile = profileCsv(csvText(data), data.shown, {
    ...(label !== undefined ? { label } : {}),
    ...(o.task ? { task: o.task as Task } : {}),
    ...(o.header !== undefined ? { header: o.header } : {}),
    validationSplit: VALIDATION_SPLIT,
  });

  // Reference a file that is in the workspace; copy one from outside (or when asked).
  const copy = o.copyData === true || data.inWorkspace === undefined;
  const copiedTo = `${target.root === '' ? '' : `${target.root}/`}data/${basename(data.absolute)}`;
  if (copy && data.inWorkspace !== copiedTo && tree.exists(copiedTo) && !o.force && !tree.read(copiedTo)!.equals(data.bytes)) {
    fail(`${copiedTo} already exists with other content: pass --force to overwrite it`);
  }
  const dataInWorkspace = copy ? copiedTo : data.inWorkspace!;

  const yaml = renderTuneYaml({
    profile,
    dataPath: toPosixRelative(target.root, dataInWorkspace),
    dataSource: data.shown.replace(/[\r\n]/g, ' '),
    schemaPath: toPosixRelative(target.root, SCHEMA_IN_PACKAGE),
    projectName: target.projectName,
    algorithm: o.algorithm ?? 'bayesian',
    trials: o.trials ?? 20,
    plan: planSearch(profile.rows, profile.features),
    label: labelAsWritten(profile, label),
  });

  // Nothing was written before this point.
  if (target.create) addProjectConfiguration(tree, target.projectName, { root: target.root, projectType: 'application', tags: ['hpo'], targets: {} });
  if (copy && data.inWorkspace !== copiedTo) tree.write(copiedTo, data.bytes);
  tree.write(tunePath, yaml);
  if (!o.skipFormat) await formatFiles(tree);

  report(profile, data, copy ? copiedTo : undefined, tunePath, target);
  return () => {
    logger.info(`Next: nx run ${target.projectName}:tune   (then nx run ${target.projectName}:train trains the best configuration)`);
  };
}

/** The label by name when the header names it (readable), else by index: as given, or -1 for the default last column. */
function labelAsWritten(p: CsvProfile, given: string | number | undefined): string | number {
  if (p.labelByName) return p.labelName;
  if (given !== undefined && /^-?\d+$/.test(String(given).trim())) return Number(String(given).trim());
  return p.labelIndex === p.columns.length - 1 ? -1 : p.labelIndex;
}

function report(p: CsvProfile, data: DataFile, copiedTo: string | undefined, tunePath: string, target: Target): void {
  const classes = p.classes ? `, ${p.classes.length} classes` : '';
  logger.info(
    `${data.shown}: ${p.rows} rows, ${p.features} features, ${p.header ? 'header row' : 'no header row'}, delimiter ${JSON.stringify(p.delimiter)}`,
  );
  logger.info(`label: column "${p.labelName}" (index ${p.labelIndex}); task: ${p.task}${classes} (${p.taskReason})`);
  logger.info(copiedTo ? `data: copied to ${copiedTo}` : `data: referenced where it is (${data.inWorkspace}), not copied`);
  if (p.labelRange) {
    const span = Math.max(Math.abs(p.labelRange.min), Math.abs(p.labelRange.max));
    if (span > 100) {
      logger.warn(
        `warning: the label reaches ${span}; an MLP fits targets near unit scale much better: consider dividing the "${p.labelName}" column by a constant`,
      );
    }
  }
  if (target.create) logger.info(`project: created ${target.projectName} in ${target.root}`);
  logger.info(`wrote ${tunePath}`);
}

export default configurationGenerator;
