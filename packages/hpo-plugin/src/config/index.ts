/**
 * The config layer: tune.yaml in, typed config out. Only this folder parses YAML.
 * The structure lives in schema/tune.schema.json (shipped for editors).
 */
export { loadTuneConfig, parseTuneConfig, defaultDirection, METRICS } from './load';
export { resolveTrial, userErrorAt } from './resolve';
export { parseParamOverrides } from './overrides';
export { TUNE_SCHEMA_FILE, tuneSchema } from './schema-check';
export type * from './types';
