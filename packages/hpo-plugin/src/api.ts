/**
 * `@nx-hpo/plugin/api` — the library side of the plugin, for code that uses what a sweep produced
 * (e.g. an app evaluating the tuned model on its held-out test split). Kept apart from the plugin
 * entry so that loading the project graph never loads TensorFlow.js or the config validator.
 */
export { loadTuneConfig, parseParamOverrides, resolveTrial } from './config';
export type { DataConfig, ModelSpec, TrainingSpec, TuneConfig } from './config/types';
export { prepareDataset, prepareSplits, prepareTestSet, type Dataset, type TestSet } from './data/dataset';
// Every data source (CSV, JSON Lines, Parquet, data modules); the sync ones above read files only.
export { prepareDatasetAsync, prepareSplitsAsync } from './data/dataset';
export type { DataModuleContext, LoadedData } from './data/sources';
export { selectBackend, type Backend, type BackendName } from './training/backend';
export { loadModel, readModel, writeModel, type ModelArtifacts } from './training/save';
export { UserError, isUserError } from './errors';
