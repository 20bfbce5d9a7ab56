/**
 * Inferred targets: every `tune.yaml` (or `<name>.tune.yaml`) in a project gives that project a
 * `tune` and a `train` target (`tune-<name>` / `train-<name>`), with inputs read from the YAML itself
 * (the file, the data file or data module with its imports and declared files, and the model module
 * it references) so Nx's cache and `nx affected` see
 * exactly what a sweep depends on.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { CreateNodes, CreateNodesContext, CreateNodesResult, TargetConfiguration } from '@nx/devkit';
import { parse as parseYaml } from 'yaml';
import { localImportClosure } from '../store/content-hash';

export interface HpoPluginOptions {
  /** Name of the inferred tune target (default `tune`; `<name>.tune.yaml` gives `<tuneTargetName>-<name>`). */
  tuneTargetName?: string;
  /** Name of the inferred train target (default `train`). */
  trainTargetName?: string;
}

export const TUNE_FILE_GLOB = '**/{tune.yaml,tune.yml,*.tune.yaml,*.tune.yml}';

/** The npm packages whose versions decide a trial's result. */
const EXTERNAL_INPUTS = ['@nx-hpo/plugin', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'];

/** `tune.yaml` → '', `small.tune.yaml` → 'small'. */
export function sweepName(file: string): string {
  const base = basename(file).replace(/\.ya?ml$/, '');
  return base === 'tune' ? '' : base.replace(/\.tune$/, '');
}

/** Paths (relative to the YAML's folder) that the YAML says it reads; tolerant of any content. */
export function referencedFiles(yamlText: string): string[] {
  let doc: unknown;
  try {
    // `${name}` is not valid inside YAML flow maps; neutralise it (same length) before parsing.
    doc = parseYaml(yamlText.replace(/\$\{([^}]*)\}/g, '$($1)'));
  } catch {
    return [];
  }
  const out: string[] = [];
  const pick = (v: unknown) => {
    if (typeof v === 'string' && v !== '' && !v.includes('${')) out.push(v);
  };
  if (doc && typeof doc === 'object') {
    const d = doc as { data?: { path?: unknown; module?: unknown; files?: unknown }; model?: { module?: unknown } };
    pick(d.data?.path);
    pick(d.data?.module);
    if (Array.isArray(d.data?.files)) d.data.files.forEach(pick);
    pick(d.model?.module);
  }
  return out;
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

/** The local files a data module imports (the module itself is among the referenced files). */
function dataModuleImports(yamlText: string, yamlDir: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText.replace(/\$\{([^}]*)\}/g, '$($1)'));
  } catch {
    return [];
  }
  const module = (doc as { data?: { module?: unknown } } | null)?.data?.module;
  if (typeof module !== 'string' || module === '') return [];
  const entry = resolve(yamlDir, module);
  try {
    return localImportClosure(entry).filter((f) => f !== entry);
  } catch {
    return [];
  }
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
  const fileInputs = [
    toProjectInput(projectRoot, tuneFile),
    ...referencedFiles(text).map((p) => fileInput(projectRoot, relative(context.workspaceRoot, resolve(dirname(abs), p)), context.workspaceRoot)),
    // A data module's local imports decide its data as much as the module itself does.
    ...dataModuleImports(text, dirname(abs)).map((f) => toProjectInput(projectRoot, relative(context.workspaceRoot, f))),
  ];
  const externals = lockedExternals(context.workspaceRoot);
  const unlocked = EXTERNAL_INPUTS.filter((n) => !externals.includes(n));
  const inputs: TargetConfiguration['inputs'] = [
    ...fileInputs,
    ...(externals.length ? [{ externalDependencies: externals }] : []),
    ...(unlocked.length ? [{ runtime: versionsCommand(unlocked) }] : []),
  ];
  const config = `{projectRoot}/${basename(tuneFile)}`;
  const tuneOut = `{workspaceRoot}/dist/hpo/{projectName}/${tuneTarget}`;
  const trainOut = `{workspaceRoot}/dist/hpo/{projectName}/${trainTarget}`;
  const targets: Record<string, TargetConfiguration> = {
    [tuneTarget]: {
      executor: '@nx-hpo/plugin:tune',
      cache: true,
      inputs,
      outputs: [tuneOut],
      options: { config },
      metadata: { description: `Hyperparameter search defined by ${basename(tuneFile)}`, technologies: ['tensorflow'] },
    },
    [trainTarget]: {
      executor: '@nx-hpo/plugin:train',
      cache: true,
      // Trains the tune target's winner: its best.json is an input, so a new winner retrains.
      dependsOn: [tuneTarget],
      inputs: [...inputs, { dependentTasksOutputFiles: '**/best.json' }],
      outputs: [trainOut],
      options: { config, params: 'best' },
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
