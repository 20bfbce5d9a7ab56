/** Versions that decide a trial's result: this plugin's and TensorFlow.js's. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readVersion(pkgJsonPath: string): string {
  return (JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { version: string }).version;
}

let cached: { plugin: string; tfjs: string } | undefined;

export function toolVersions(): { plugin: string; tfjs: string } {
  cached ??= {
    // dist/store and src/store both sit two levels below the package root.
    plugin: readVersion(join(__dirname, '..', '..', 'package.json')),
    tfjs: readVersion(require.resolve('@tensorflow/tfjs-core/package.json')),
  };
  return cached;
}
