/**
 * Rules of the training section that tie two keys together, which a JSON Schema cannot say: a
 * warm-up shorter than training, no schedule with an optimizer that adapts its own learning rate,
 * and watched metrics that the task reports. Each problem is reported at one key and names the
 * other one with its line, so both places can be found.
 *
 * Run on the training section as written (values that are still `${}` placeholders are skipped)
 * and again, by the template check, on every probe with values in place.
 */
import type { ConfigPath } from './yaml-source';
import type { MetricName, Task } from './types';
import { quote } from '../quote';

/** Metrics the trainer reports for each task. */
export const METRICS: Record<Task, readonly MetricName[]> = {
  classification: ['val_accuracy', 'val_loss', 'accuracy', 'loss'],
  regression: ['val_loss', 'loss', 'val_mae', 'mae'],
};

/** Optimizers that adapt the learning rate themselves, with the plain optimizer each extends. */
const SELF_ADAPTING: Readonly<Record<string, string>> = { 'sgd-hd': 'sgd', 'adam-hd': 'adam' };

export interface TrainingRuleProblem {
  path: Array<string | number>;
  at: 'value' | 'key';
  message: string;
}

/** The line a config path is written on, or undefined when it is not in the file (a default). */
export type LineOf = (path: ConfigPath) => number | undefined;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `training.epochs is 15 at line 14`, or `… by default` for a key the file does not hold. */
function named(path: ConfigPath, value: unknown, lineOf: LineOf): string {
  const line = lineOf(path);
  const shown = typeof value === 'string' ? quote(value) : String(value);
  return `${path.join('.')} is ${shown} ${line === undefined ? 'by default' : `at line ${line}`}`;
}

/** A string value that is still a `${}` placeholder: its rule waits for the value. */
function isPlaceholder(v: unknown): boolean {
  return typeof v === 'string' && v.includes('${');
}

/**
 * The first cross-key problem of a (schema-valid) training section, or undefined. `task` is
 * data.task. Values of the wrong type (placeholders not yet substituted) make a rule not apply.
 */
export function checkTrainingRules(training: unknown, task: Task, lineOf: LineOf): TrainingRuleProblem | undefined {
  if (!isObject(training)) return undefined;
  const schedule = isObject(training.schedule) ? training.schedule : undefined;
  const optimizer = isObject(training.optimizer) ? training.optimizer : undefined;

  if (schedule && typeof optimizer?.name === 'string') {
    const plain = SELF_ADAPTING[optimizer.name];
    if (plain !== undefined) {
      return {
        path: ['training', 'schedule'],
        at: 'key',
        message: `${optimizer.name} adapts the learning rate itself, so it takes no schedule (${named(['training', 'optimizer', 'name'], optimizer.name, lineOf)}); remove the schedule or use ${plain}`,
      };
    }
  }

  const warmup = isObject(schedule?.warmup) ? schedule.warmup : undefined;
  if (typeof warmup?.epochs === 'number' && typeof training.epochs === 'number' && warmup.epochs >= training.epochs) {
    return {
      path: ['training', 'schedule', 'warmup', 'epochs'],
      at: 'value',
      message: `the warm-up (${warmup.epochs} epochs) must end before training does: ${named(['training', 'epochs'], training.epochs, lineOf)}`,
    };
  }

  const watched: Array<[Array<string | number>, unknown]> = [];
  if (schedule?.name === 'reduceOnPlateau') watched.push([['training', 'schedule', 'metric'], schedule.metric]);
  if (isObject(training.earlyStopping)) watched.push([['training', 'earlyStopping', 'metric'], training.earlyStopping.metric]);
  for (const [path, metric] of watched) {
    if (typeof metric !== 'string' || isPlaceholder(metric) || METRICS[task].includes(metric as MetricName)) continue;
    return {
      path,
      at: 'value',
      message: `${quote(metric)} is not a ${task} metric (${named(['data', 'task'], task, lineOf)}); allowed for ${task}: ${METRICS[task].join(', ')}`,
    };
  }
  return undefined;
}
