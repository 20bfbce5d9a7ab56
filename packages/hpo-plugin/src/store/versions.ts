/** Versions that decide a trial's result: this plugin's, TensorFlow.js's and the trainer's numerics. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRAINER_NUMERICS_VERSION } from '../training/trainer-version';

function readVersion(pkgJsonPath: string): string {
  return (JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { version: string }).version;
}

export interface ToolVersions {
  plugin: string;
  tfjs: string;
  trainer: number;
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
