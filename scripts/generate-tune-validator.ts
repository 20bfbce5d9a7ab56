/**
 * `npm run generate:validator` — writes packages/hpo-plugin/src/config/tune-schema-validator.generated.ts
 * from packages/hpo-plugin/schema/tune.schema.json (ajv standalone code; see src/config/schema-codegen.ts).
 * `--check` only compares and exits 1 when the committed module is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tuneValidatorSource } from '../packages/hpo-plugin/src/config/schema-codegen';

const plugin = join(__dirname, '..', 'packages', 'hpo-plugin');
export const GENERATED_VALIDATOR = join(plugin, 'src', 'config', 'tune-schema-validator.generated.ts');

const schema = JSON.parse(readFileSync(join(plugin, 'schema', 'tune.schema.json'), 'utf8')) as object;
const text = tuneValidatorSource(schema);
let current = '';
try {
  current = readFileSync(GENERATED_VALIDATOR, 'utf8');
} catch {
  // not generated yet
}
if (process.argv.includes('--check')) {
  if (current !== text) {
    process.stderr.write(`${GENERATED_VALIDATOR} is stale: run npm run generate:validator\n`);
    process.exit(1);
  }
  process.stdout.write('tune.yaml validator is up to date\n');
} else if (current === text) {
  process.stdout.write(`unchanged: ${GENERATED_VALIDATOR}\n`);
} else {
  writeFileSync(GENERATED_VALIDATOR, text);
  process.stdout.write(`wrote ${GENERATED_VALIDATOR} (${(text.length / 1024).toFixed(0)} kB)\n`);
}
