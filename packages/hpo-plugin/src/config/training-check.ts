/**
 * Rules that tie two keys together, which a JSON Schema cannot say. In the training section: a
 * warm-up shorter than training, no schedule with an optimizer that adapts its own learning rate,
 * and watched metrics that the task reports. Between data.task, training.loss and the model's
 * last layer: a loss that fits the task, a last activation the task can use (a softmax over the
 * classes for classification; never a softmax over regression's one output), and a non-negative
 * output for a loss that takes its log (poisson). Each problem is reported at one key and names
 * the other one with its line, so both places can be found.
 *
 * Run on the sections as written (values that are still `${}` placeholders are skipped) and
 * again, by the template check, on every probe with values in place.
 */
import type { ConfigPath } from './yaml-source';
import { LOG_OF_PREDICTION, LOSS_TASK, METRICS, NON_NEGATIVE_ACTIVATIONS, SELF_ADAPTING, type Activation, type LossName, type MetricName, type OptimizerName, type Task } from './enums';
import { quote } from '../quote';

export { METRICS };

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
    const plain = SELF_ADAPTING[optimizer.name as OptimizerName];
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

/** The last layer's activation as written, with where it is; undefined for a module model or no layers. */
function lastActivation(model: unknown): { path: Array<string | number>; activation: unknown } | undefined {
  if (!isObject(model) || !Array.isArray(model.layers) || model.layers.length === 0) return undefined;
  const index = model.layers.length - 1;
  const layer = model.layers[index];
  if (!isObject(layer)) return undefined;
  const kind = Object.keys(layer)[0];
  if (kind === undefined) return undefined;
  const options = layer[kind];
  const path = ['model', 'layers', index, kind];
  return isObject(options) && options.activation !== undefined ? { path: [...path, 'activation'], activation: options.activation } : { path, activation: undefined };
}

/**
 * The first problem between data.task, training.loss and the last layer of a layers model, or
 * undefined. Placeholders (and values of the wrong type) make a rule wait for their values.
 */
export function checkTaskRules(model: unknown, training: unknown, task: Task, lineOf: LineOf): TrainingRuleProblem | undefined {
  const taskIs = named(['data', 'task'], task, lineOf);
  const loss = isObject(training) && typeof training.loss === 'string' && !isPlaceholder(training.loss) ? (training.loss as LossName) : undefined;
  if (loss !== undefined && LOSS_TASK[loss] !== undefined && LOSS_TASK[loss] !== task) {
    const fits = (Object.keys(LOSS_TASK) as LossName[]).filter((l) => LOSS_TASK[l] === task);
    return {
      path: ['training', 'loss'],
      at: 'value',
      message: `${quote(loss)} is a ${LOSS_TASK[loss]} loss (${taskIs}); ${task} losses: ${fits.join(', ')}`,
    };
  }
  const last = lastActivation(model);
  if (last === undefined || isPlaceholder(last.activation) || (last.activation !== undefined && typeof last.activation !== 'string')) return undefined;
  const activation = last.activation as Activation | undefined;
  const shown = activation === undefined ? 'the last layer sets no activation' : `the last layer's activation is ${quote(activation)}`;
  if (task === 'classification' && activation !== 'softmax') {
    return {
      path: last.path,
      at: activation === undefined ? 'key' : 'value',
      message: `classification needs class probabilities from the last layer: ${shown}; give it activation: softmax (${taskIs})`,
    };
  }
  if (task === 'regression' && activation === 'softmax') {
    return {
      path: last.path,
      at: 'value',
      message: `a softmax over regression's one output is always 1: use linear (or no activation) for the last layer (${taskIs})`,
    };
  }
  if (loss !== undefined && LOG_OF_PREDICTION.includes(loss) && !NON_NEGATIVE_ACTIVATIONS.includes(activation ?? 'linear')) {
    return {
      path: last.path,
      at: activation === undefined ? 'key' : 'value',
      message: `${loss} takes the log of the prediction, which must not be negative: ${shown}; use ${NON_NEGATIVE_ACTIVATIONS.filter((a) => a !== 'softmax').join(', ')} (${named(['training', 'loss'], loss, lineOf)})`,
    };
  }
  return undefined;
}

/** Every cross-key rule of model and training (training's own first), for one config. */
export function checkCrossKeyRules(root: { model?: unknown; training?: unknown }, task: Task, lineOf: LineOf): TrainingRuleProblem | undefined {
  return checkTrainingRules(root.training, task, lineOf) ?? checkTaskRules(root.model, root.training, task, lineOf);
}
