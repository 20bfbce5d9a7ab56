/** Versions that decide a trial's result: this plugin's, TensorFlow.js's and the trainer's numerics. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRAINER_NUMERICS_VERSION } from '../training/trainer-version';

export interface ToolVersions {
  plugin: string;
  tfjs: string;
  trainer: number;
}

function readVersion(pkgJsonPath: string): string {
  return (JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { version: string }).version;
}

let cached: ToolVersions | undefined;

export function toolVersions(): ToolVersions {
  cached ??= {
    // dist/store and src/store both sit two levels below the package root.
    plugin: readVersion(join(__dirname, '..', '..', 'package.json')),
    tfjs: readVersion(require.resolve('@tensorflow/tfjs-core/package.json')),
    trainer: TRAINER_NUMERICS_VERSION,
  };
  return cached;
}

/** The npm package that implements each backend (its kernels decide the numbers). */
export const BACKEND_PACKAGES: Record<string, string> = {
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-core',
};

/** The installed version of `backend`'s package, or 'missing'. */
export function backendVersion(backend: string): string {
  const pkg = BACKEND_PACKAGES[backend];
  if (!pkg) return 'unknown';
  try {
    return readVersion(require.resolve(`${pkg}/package.json`));
  } catch {
    return 'missing';
  }
}
