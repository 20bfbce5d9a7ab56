/**
 * The resolved (placeholder-free) config shapes that data loading and training consume, as the
 * config layer defines them. Imported through here so data/ and training/ name one place.
 */
export type {
  DataConfig,
  EarlyStoppingSpec,
  LayerSpec,
  ModelSpec,
  OptimizerName,
  OptimizerSpec,
  ScheduleName,
  ScheduleSpec,
  Scaling as ScaleKind,
  Task,
  TrainingSpec,
  WarmupSpec,
} from '../config/types';
