/**
 * @nx-hpo/optimizers — hyperparameter search with an ask/tell API.
 *
 *   const study = createStudy({ space, algorithm: 'tpe', direction: 'maximize', seed: 1 });
 *   const t = study.ask(); study.tell(t.id, await evaluate(t.params));
 *
 * With early stopping: createStudy({ ..., pruner: { name: 'asha', maxEpochs: 15 } }), then per
 * epoch study.report(t.id, epoch, value) and, if study.shouldPrune(t.id), stop and
 * study.tell(t.id, { state: 'pruned' }).
 */
export type {
  CategoricalParam,
  Direction,
  FloatParam,
  IntParam,
  ObserveContext,
  ParamSpec,
  ParamValue,
  Params,
  Sampler,
  SamplerContext,
  Space,
  Suggestion,
  Trial,
  TrialState,
} from './types';
export { isPlainObject, lossOf } from './types';
export { Rng, mixSeed } from './rng';
export {
  CATEGORICAL_KEYS,
  NUMERIC_KEYS,
  PARAM_TYPES,
  SpaceError,
  checkParams,
  choiceIndex,
  defaultParams,
  fromUnit,
  gridCount,
  gridIndex,
  gridPoint,
  gridSize,
  gridValueAt,
  gridValues,
  isInSpace,
  isNumericParam,
  paramsKey,
  snapToSpec,
  toUnit,
  validateParam,
  validateSpace,
  type NumericParam,
} from './space';
export {
  ALGORITHMS,
  AlgorithmError,
  createSampler,
  isAlgorithmName,
  type AlgorithmName,
  type SamplerOptions,
} from './algorithms';
export {
  STUDY_FORMAT,
  STUDY_FORMAT_VERSION,
  Study,
  StudyExhaustedError,
  StudyFormatError,
  createStudy,
  studyFromJSON,
  type AskedTrial,
  type BestTrial,
  type CreateStudy,
  type StudyConfig,
  type StudyJSON,
  type RecordedAsk,
  type TellResult,
} from './study';
export { minimize, type MinimizeOptions, type MinimizeResult } from './minimize';
export { createRandomSampler } from './samplers/random';
export { createGridSampler } from './samplers/grid';
export { createGpSampler, KERNEL_CHOICES, type GpOptions, type KernelChoice } from './samplers/gp';
export { OUTPUT_WARPINGS, type OutputWarping } from './samplers/gp/outputs';
export { PRUNERS, createPruner, isPrunerName, type PrunerSpec } from './pruners';
export type {
  AshaPrunerConfig,
  HyperbandPrunerConfig,
  MedianPrunerConfig,
  Promotion,
  PruneContext,
  Pruner,
  PrunerConfig,
  PrunerDefaults,
  PrunerName,
} from './pruners/pruner';
export { createMedianPruner, median, medianShouldPrune, valuesAtStep, type MedianPrunerOptions } from './pruners/median';
export {
  amongBest,
  ashaPromotable,
  ashaShouldPrune,
  createAshaPruner,
  rungSteps,
  rungValue,
  rungsOf,
  survivors,
  type AshaPrunerOptions,
  type Ladder,
  type Rung,
  type RungEntry,
} from './pruners/asha';
export {
  bracketCycle,
  createHyperbandPruner,
  hyperbandBracketOf,
  hyperbandBrackets,
  type HyperbandBracket,
  type HyperbandPrunerOptions,
} from './pruners/hyperband';
