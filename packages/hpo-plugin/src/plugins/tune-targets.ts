/**
 * Inferred targets: every `tune.yaml` (or `<name>.tune.yaml`) in a project gives that project a
 * `tune` and a `train` target (`tune-<name>` / `train-<name>`), with inputs read from the YAML itself
 * (the file, the data file and the model module it references) so Nx's cache and `nx affected` see
 * exactly what a sweep depends on.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { CreateNodes, CreateNodesContext, CreateNodesResult, TargetConfiguration } from '@nx/devkit';
import { parseYamlLoosely } from '../config/yaml-source';
import { moduleClosure } from '../store/content-hash';
import { keyInputFiles } from '../store/trial-key';

export interface HpoPluginOptions {
  /** Name of the inferred tune target (default `tune`; `<name>.tune.yaml` gives `<tuneTargetName>-<name>`). */
  tuneTargetName?: string;
  /** Name of the inferred train target (default `train`). */
  trainTargetName?: string;
}

export const TUNE_FILE_GLOB = '**/{tune.yaml,tune.yml,*.tune.yaml,*.tune.yml}';

/** The npm packages whose versions decide a trial's result. */
const EXTERNAL_INPUTS = ['@nx-hpo/plugin', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node'];

/** `tune.yaml` → '', `small.tune.yaml` → 'small'. */
export function sweepName(file: string): string {
  const base = basename(file).replace(/\.ya?ml$/, '');
  return base === 'tune' ? '' : base.replace(/\.tune$/, '');
}

/** What a tune.yaml says it reads and writes, read tolerantly (any content, placeholders left alone). */
export interface YamlReferences {
  /** Paths relative to the YAML's folder. */
  dataPath?: string;
  /** A data module's `data.files` (files or folders). */
  dataFiles: string[];
  modules: string[];
  /** `output:` (relative to the workspace root). */
  output?: string;
  /** A reference that cannot be followed before a trial runs (a placeholder in a path). */
  unresolved: boolean;
}

export function yamlReferences(yamlText: string): YamlReferences {
  const refs: YamlReferences = { dataFiles: [], modules: [], unresolved: false };
  const doc = parseYamlLoosely(yamlText);
  if (!doc || typeof doc !== 'object') return refs;
  const d = doc as { data?: { path?: unknown; module?: unknown; files?: unknown }; model?: { module?: unknown }; output?: unknown };
  const pick = (v: unknown): string | undefined => {
    if (typeof v !== 'string' || v === '') return undefined;
    if (v.includes('${')) {
      refs.unresolved = true;
      return undefined;
    }
    return v;
  };
  refs.dataPath = pick(d.data?.path);
  if (Array.isArray(d.data?.files)) for (const f of d.data.files) if (pick(f)) refs.dataFiles.push(f as string);
  for (const m of [d.data?.module, d.model?.module]) {
    const path = pick(m);
    if (path) refs.modules.push(path);
  }
  if (typeof d.output === 'string' && d.output !== '') refs.output = d.output;
  return refs;
}

/** Paths (relative to the YAML's folder) that the YAML says it reads directly. */
export function referencedFiles(yamlText: string): string[] {
  const refs = yamlReferences(yamlText);
  return [...(refs.dataPath ? [refs.dataPath] : []), ...refs.dataFiles, ...refs.modules];
}

/**
 * The files a trial's key hashes for this YAML (store/trial-key.ts: the data file and each module's
 * whole import closure), and the packages those modules import. A module that cannot be followed
 * (it does not parse yet) counts as itself and leaves `unresolved` set.
 */
function keyFilesOf(yamlFile: string, refs: YamlReferences): { files: string[]; packages: string[]; unresolved: boolean } {
  const dir = dirname(yamlFile);
  const dataPath = refs.dataPath ? resolve(dir, refs.dataPath) : undefined;
  const modules = refs.modules.map((m) => resolve(dir, m)).filter((m) => existsSync(m));
  let unresolved = refs.unresolved;
  try {
    const packages = new Set<string>();
    for (const m of modules) for (const p of Object.keys(moduleClosure(m).packages)) packages.add(p);
    return { files: keyInputFiles({ dataPath, modules }), packages: [...packages].sort(), unresolved };
  } catch {
    unresolved = true;
    return { files: [...(dataPath ? [dataPath] : []), ...modules], packages: [], unresolved };
  }
}

/** A file's input, or every file under it for a folder (a data module's `data.files` may name one). */
function fileInput(projectRoot: string, workspacePath: string, workspaceRoot: string): string {
  const input = toProjectInput(projectRoot, workspacePath);
  try {
    if (statSync(join(workspaceRoot, workspacePath)).isDirectory()) return `${input}/**/*`;
  } catch {
    // Missing: the executor reports it; the input still names it.
  }
  return input;
}

function toProjectInput(projectRoot: string, workspacePath: string): string {
  const rel = relative(projectRoot, workspacePath).split('\\').join('/');
  return rel.startsWith('..') ? `{workspaceRoot}/${workspacePath}` : `{projectRoot}/${rel}`;
}

/**
 * The external packages Nx knows as npm nodes. Nx builds those from the lock file, and refuses an
 * `externalDependencies` entry it has no node for, so only packages the lock file installs from the
 * registry (not workspace links) are declared that way.
 */
export function lockedExternals(workspaceRoot: string, names: readonly string[] = EXTERNAL_INPUTS): string[] {
  const npmLock = join(workspaceRoot, 'package-lock.json');
  if (existsSync(npmLock)) {
    try {
      const lock = JSON.parse(readFileSync(npmLock, 'utf8')) as { packages?: Record<string, { link?: boolean }> };
      return names.filter((n) => {
        const entry = lock.packages?.[`node_modules/${n}`];
        return entry !== undefined && !entry.link;
      });
    } catch {
      return [];
    }
  }
  for (const file of ['yarn.lock', 'pnpm-lock.yaml']) {
    const path = join(workspaceRoot, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    return names.filter((n) => text.includes(`${n}@`) && !new RegExp(`${n.replace(/[/@]/g, '\\$&')}@(link|workspace|file):`).test(text));
  }
  return [];
}

/** Versions of what decides results, for workspaces whose lock file Nx cannot see them in. */
function versionsCommand(names: readonly string[]): string {
  const list = JSON.stringify(names).replace(/"/g, "'");
  return `node -e "for (const n of ${list}) { try { console.log(n, require(n + '/package.json').version) } catch { console.log(n, '-') } }"`;
}

export function inferTargets(
  tuneFile: string,
  options: HpoPluginOptions | undefined,
  context: Pick<CreateNodesContext, 'workspaceRoot'>,
): CreateNodesResult {
  const projectRoot = dirname(tuneFile);
  const name = sweepName(tuneFile);
  const tuneTarget = (options?.tuneTargetName ?? 'tune') + (name ? `-${name}` : '');
  const trainTarget = (options?.trainTargetName ?? 'train') + (name ? `-${name}` : '');
  const abs = join(context.workspaceRoot, tuneFile);
  let text = '';
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    text = '';
  }
  const refs = yamlReferences(text);
  const keyFiles = keyFilesOf(abs, refs);
  const fileInputs = [
    toProjectInput(projectRoot, tuneFile),
    ...keyFiles.files.map((f) => toProjectInput(projectRoot, relative(context.workspaceRoot, f))),
    // A data module's declared files; a folder stands for every file under it, present or to come.
    ...refs.dataFiles.map((f) => fileInput(projectRoot, relative(context.workspaceRoot, resolve(dirname(abs), f)), context.workspaceRoot)),
    // A path with a placeholder is only known per trial: every file of the project may be read.
    ...(keyFiles.unresolved ? ['{projectRoot}/**/*'] : []),
  ];
  const packages = [...new Set([...EXTERNAL_INPUTS, ...keyFiles.packages])];
  const externals = lockedExternals(context.workspaceRoot, packages);
  const unlocked = packages.filter((n) => !externals.includes(n));
  const inputs: TargetConfiguration['inputs'] = [
    ...fileInputs,
    ...(externals.length ? [{ externalDependencies: externals }] : []),
    ...(unlocked.length ? [{ runtime: versionsCommand(unlocked) }] : []),
    // A study shared through a database (NX_HPO_STORAGE) writes other outputs than a local one
    // (which trials this process trained): the two are cached apart.
    { env: 'NX_HPO_STORAGE' },
  ];
  const config = `{projectRoot}/${basename(tuneFile)}`;
  // The executors write to `outputPath`; `outputs` names that very option, so `--outputPath` and the
  // YAML's `output:` move what Nx caches and restores along with what is written.
  const tuneOut = refs.output ?? `dist/hpo/{projectName}/${tuneTarget}`;
  const trainOut = `dist/hpo/{projectName}/${trainTarget}`;
  const targets: Record<string, TargetConfiguration> = {
    [tuneTarget]: {
      executor: '@nx-hpo/plugin:tune',
      cache: true,
      inputs,
      outputs: ['{options.outputPath}'],
      options: { config, outputPath: tuneOut },
      metadata: { description: `Hyperparameter search defined by ${basename(tuneFile)}`, technologies: ['tensorflow'] },
    },
    [trainTarget]: {
      executor: '@nx-hpo/plugin:train',
      cache: true,
      // Trains the tune target's winner: its best.json is an input, so a new winner retrains.
      dependsOn: [tuneTarget],
      inputs: [...inputs, { dependentTasksOutputFiles: '**/best.json' }],
      outputs: ['{options.outputPath}'],
      options: { config, params: 'best', outputPath: trainOut },
      metadata: { description: `Train the best configuration found by ${tuneTarget} (or given params)`, technologies: ['tensorflow'] },
    },
  };
  // A folder holding only a tune.yaml (no project.json / package.json) becomes a project of its own.
  const hasManifest = ['project.json', 'package.json'].some((f) => existsSync(join(context.workspaceRoot, projectRoot, f)));
  const projectName = hasManifest ? undefined : basename(projectRoot === '.' ? context.workspaceRoot : projectRoot);
  return { projects: { [projectRoot]: { ...(projectName ? { name: projectName } : {}), targets } } };
}

export const createNodes: CreateNodes<HpoPluginOptions> = [
  TUNE_FILE_GLOB,
  (files, options, context) => files.map((file) => [file, inferTargets(file, options, context)] as const),
];

/** Nx 24 still reads `createNodesV2` from older plugin loaders; it is the same function. */
export const createNodesV2 = createNodes;
