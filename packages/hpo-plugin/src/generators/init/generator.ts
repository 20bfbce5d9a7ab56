/**
 * `nx g @nx-hpo/plugin:init` (what `nx add @nx-hpo/plugin` runs): registers the plugin in nx.json,
 * git-ignores the trial store and adds TensorFlow.js to the workspace. Idempotent: an existing
 * registration keeps its options, listed packages keep their versions, .gitignore gets no duplicate.
 *
 * Loads nothing but @nx/devkit, so it runs in a workspace that has only `nx` (and this plugin).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addDependenciesToPackageJson,
  formatFiles,
  logger,
  readNxJson,
  updateNxJson,
  writeJson,
  type GeneratorCallback,
  type NxJsonConfiguration,
  type Tree,
} from '@nx/devkit';
import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = '@nx-hpo/plugin';
/** The trial store's default folder (see store/): results, never sources. */
export const STORE_DIR = '.nx-hpo';
/** Packages a workspace using the plugin imports itself (to load saved models, pick backends). */
export const TFJS_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'] as const;

/** This package's manifest: the tfjs versions it was built and tested with. */
function ownPackageJson(): { version: string; dependencies: Record<string, string> } {
  // dist/generators/init and src/generators/init both sit three levels below the package root.
  return JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
}

type PluginEntry = NonNullable<NxJsonConfiguration['plugins']>[number];

function entryName(entry: PluginEntry): string {
  return typeof entry === 'string' ? entry : entry.plugin;
}

/** Adds the plugin to nx.json's `plugins` unless an entry (with or without options) is there. */
export function registerPlugin(tree: Tree, options: Pick<InitGeneratorSchema, 'tuneTargetName' | 'trainTargetName'>): boolean {
  const nxJson: NxJsonConfiguration = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  if (plugins.some((p) => entryName(p) === PLUGIN_NAME)) return false;
  const tune = options.tuneTargetName ?? 'tune';
  const train = options.trainTargetName ?? 'train';
  const entry: PluginEntry =
    tune === 'tune' && train === 'train' ? PLUGIN_NAME : { plugin: PLUGIN_NAME, options: { tuneTargetName: tune, trainTargetName: train } };
  nxJson.plugins = [...plugins, entry];
  // updateNxJson only updates an nx.json that exists; a workspace with only package.json gets one.
  if (tree.exists('nx.json')) updateNxJson(tree, nxJson);
  else writeJson(tree, 'nx.json', { $schema: './node_modules/nx/schemas/nx-schema.json', ...nxJson });
  return true;
}

/** Adds `.nx-hpo` to .gitignore (creating it) unless a line already ignores it. */
export function ignoreStore(tree: Tree): boolean {
  const current = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8') ?? '' : '';
  const ignored = current
    .split(/\r?\n/)
    .map((l) => l.trim())
    .some((l) => [STORE_DIR, `${STORE_DIR}/`, `/${STORE_DIR}`, `/${STORE_DIR}/`].includes(l));
  if (ignored) return false;
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  tree.write('.gitignore', `${current}${sep}\n# nx-hpo trial store (trained trials, study journals)\n${STORE_DIR}\n`.replace(/^\n/, ''));
  return true;
}

/** The tfjs packages package.json lists in neither dependencies nor devDependencies, with our versions. */
function missingTfjs(tree: Tree): Record<string, string> {
  if (!tree.exists('package.json')) return {};
  const pkg = JSON.parse(tree.read('package.json', 'utf-8') ?? '{}') as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const ours = ownPackageJson().dependencies;
  const out: Record<string, string> = {};
  for (const name of TFJS_PACKAGES) {
    if (pkg.dependencies?.[name] === undefined && pkg.devDependencies?.[name] === undefined) out[name] = ours[name]!;
  }
  return out;
}

export const NEXT_STEP =
  'Next: nx g @nx-hpo/plugin:configuration --directory=models/<name> --data=<file.csv>  (then: nx run <name>:tune)';

export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  const registered = registerPlugin(tree, options);
  const ignored = ignoreStore(tree);
  const added = options.skipPackageJson ? {} : missingTfjs(tree);
  let install: GeneratorCallback = () => {};
  if (Object.keys(added).length > 0) {
    install = addDependenciesToPackageJson(tree, {}, added, undefined, true);
  }
  if (!options.skipFormat) await formatFiles(tree);

  logger.info(registered ? `${PLUGIN_NAME}: registered in nx.json` : `${PLUGIN_NAME}: already registered in nx.json (left as is)`);
  if (ignored) logger.info(`${PLUGIN_NAME}: added ${STORE_DIR} (the trial store) to .gitignore`);
  for (const [name, version] of Object.entries(added)) logger.info(`${PLUGIN_NAME}: added ${name}@${version} to devDependencies`);
  return async () => {
    if (!options.skipInstall) await install();
    logger.info(NEXT_STEP);
  };
}

export default initGenerator;
