/**
 * The trial key: sha256 over everything that can change what training produces, in canonical form.
 *
 *   key = sha256(canonicalJson({
 *     v,                              // key recipe version
 *     params,                         // the trial's parameters, always (a model module reads them all)
 *     model, training,                // resolved after ${} substitution; a module model: the hash of
 *                                     //   the module, every file it imports and the packages' versions
 *     data: { ...the data section, path → sha256 of the file (+ format unless CSV),
 *             module → its closure hash, files → each declared file's sha256 },
 *     seed, backend,
 *     versions: { plugin, tfjs, trainer, backendPackage },
 *   }))
 *
 * Not in the key: the YAML text (comments, key order, formatting), the rest of the search space,
 * the objective (a stored trial keeps all its metrics), the algorithm, the budget, the trial's id.
 *
 * `keyInputFiles` names the files the key reads; the inferred Nx targets declare exactly those as
 * their inputs (plugins/tune-targets.ts), so Nx and the trial store can never disagree about what a
 * sweep depends on.
 */
import type { Params } from '@nx-hpo/optimizers';
import type { DataConfig } from '../config/types';
import { hashValue } from './canonical';
import { fileHash, moduleClosure, moduleHash } from './content-hash';
import { backendVersion, toolVersions } from './versions';
import { dataFormat, declaredFileHashes } from '../data/source-key';

export const KEY_VERSION = 2;

export interface TrialKeyInputs {
  params: Params;
  model: unknown;
  training: unknown;
  data: DataConfig;
  seed: number;
  backend: string;
}

/** What the key reads from disk: a data file, and the modules whose import closures count. */
export interface KeyFileRefs {
  /** Absolute path of the data file. */
  dataPath?: string;
  /** Absolute paths of user modules (a model module, a data module). */
  modules?: string[];
}

/** Every file the key hashes, absolute and sorted: the data file and each module's import closure. */
export function keyInputFiles(refs: KeyFileRefs): string[] {
  const files = new Set<string>();
  if (refs.dataPath) files.add(refs.dataPath);
  for (const m of refs.modules ?? []) for (const f of moduleClosure(m).files) files.add(f);
  return [...files].sort();
}

/** A section with its `module` path replaced by the module's closure hash (paths are machine-specific). */
function withModuleHash(section: unknown): unknown {
  if (!section || typeof section !== 'object' || typeof (section as { module?: unknown }).module !== 'string') return section;
  const s = section as { module: string };
  return { ...s, module: { sha256: moduleHash(s.module) } };
}

/**
 * The data section with its file replaced by the file's content hash (and its format when not CSV),
 * a data module by its closure hash and its declared files by theirs; every other setting as it is.
 * The prepared-data cache (data/prepared-cache.ts) keys on this too.
 */
export function dataMaterial(data: DataConfig): unknown {
  const { path, files, ...settings } = withModuleHash(data) as DataConfig;
  const format = typeof path === 'string' ? dataFormat(path) : undefined;
  return {
    ...settings,
    ...(typeof path === 'string' ? { sha256: fileHash(path) } : {}),
    ...(format !== undefined && format !== 'csv' ? { format } : {}),
    ...(files !== undefined ? { files: declaredFileHashes(data) } : {}),
  };
}

/** What the key is computed over; exposed so tests and `--verbose` can show why two keys differ. */
export function trialKeyMaterial(inputs: TrialKeyInputs): Record<string, unknown> {
  return {
    v: KEY_VERSION,
    params: inputs.params,
    model: withModuleHash(inputs.model),
    training: inputs.training,
    data: dataMaterial(inputs.data),
    seed: inputs.seed,
    backend: inputs.backend,
    versions: { ...toolVersions(), backendPackage: backendVersion(inputs.backend) },
  };
}

export function trialKey(inputs: TrialKeyInputs): string {
  return hashValue(trialKeyMaterial(inputs));
}

/**
 * The key of a trial's lineage: everything in its key but the epoch budget. Trials of one lineage
 * train the same epochs in the same way up to the shorter budget, so a checkpoint of one continues
 * another (the training layer refuses where a schedule spans the whole run).
 */
export function lineageKey(inputs: TrialKeyInputs): string {
  const material = trialKeyMaterial(inputs);
  const { epochs: _epochs, ...training } = (material.training ?? {}) as Record<string, unknown>;
  return hashValue({ ...material, training, lineage: true });
}
