/**
 * Every value the shipped schema accepts either tunes or is refused when the file is loaded:
 * each loss on each task, each activation in a hidden and in the last layer, each optimizer,
 * schedule (and its step), layer kind, padding, scaling, metric and direction. A refused value is
 * one `file:line:col` line before any trial; an accepted one trains a one-epoch trial on tiny data
 * through the trial runner (what the tune workers run) to a finite objective. Nothing may pass the
 * loader and then fail in the worker.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultParams, Rng } from '@nx-hpo/optimizers';
import { parseTuneConfig } from '../src/config';
import {
  ACTIVATIONS,
  DIRECTIONS,
  LAYER_KINDS,
  LOSSES,
  LOSS_TASK,
  METRIC_NAMES,
  METRICS,
  NON_NEGATIVE_ACTIVATIONS,
  OPTIMIZER_NAMES,
  PADDINGS,
  SCALINGS,
  SCHEDULE_NAMES,
  SCHEDULE_STEPS,
  TASKS,
  type Task,
} from '../src/config/enums';
import { prepareDataset } from '../src/data/dataset';
import { UserError } from '../src/errors';
import { runTrial } from '../src/sweep/trial';
import { selectBackend, type Backend } from '../src/training/backend';

const dir = mkdtempSync(join(tmpdir(), 'hpo-enum-values-'));
const FILE = join(dir, 'tune.yaml');
let backend: Backend;

before(async () => {
  backend = await selectBackend('wasm');
  // 48 rows of 4 features: 3 separable classes, and a positive regression target (poisson, mape).
  const rng = new Rng(5);
  const cls: string[] = ['a,b,c,d,y'];
  const reg: string[] = ['a,b,c,d,y'];
  for (let i = 0; i < 48; i++) {
    const x = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    cls.push([...x.map((v, j) => (j === 0 ? v + 3 * (i % 3) : v)), i % 3].map((v) => v.toFixed(4)).join(','));
    reg.push([...x, 1 + Math.abs(x[0]! - 0.5 * x[1]!)].map((v) => v.toFixed(4)).join(','));
  }
  writeFileSync(join(dir, 'classification.csv'), cls.join('\n') + '\n');
  writeFileSync(join(dir, 'regression.csv'), reg.join('\n') + '\n');
});

interface Case {
  task?: Task;
  /** YAML lines of the layers list (without the leading `- `); default: a hidden dense and the task's output. */
  layers?: string[];
  /** Extra lines under `training:`. */
  training?: string[];
  optimizer?: string;
  scale?: string;
  objective?: string;
  /** Lines under `space:` (default: one unused parameter). */
  space?: string[];
}

const output = (task: Task, activation?: string): string =>
  task === 'classification' ? `dense: { units: 3, activation: ${activation ?? 'softmax'} }` : `dense: { units: 1${activation ? `, activation: ${activation}` : ''} }`;

function yaml(c: Case): string {
  const task = c.task ?? 'classification';
  const layers = c.layers ?? ['dense: { units: 6, activation: relu }', output(task)];
  return [
    'data:',
    `  path: ${task}.csv`,
    '  header: true',
    `  task: ${task}`,
    `  validation: { split: 0.25, stratify: false }`,
    `  scale: ${c.scale ?? 'standard'}`,
    'model:',
    '  layers:',
    ...layers.map((l) => `    - ${l}`),
    'training:',
    '  epochs: 2',
    '  batchSize: 8',
    `  optimizer: ${c.optimizer ?? '{ name: adam, learningRate: 0.01 }'}`,
    ...(c.training ?? []).map((l) => `  ${l}`),
    'space:',
    ...(c.space ?? ['unused: { type: int, low: 1, high: 2 }']).map((l) => `  ${l}`),
    `objective: ${c.objective ?? `{ metric: ${task === 'classification' ? 'val_accuracy' : 'val_loss'} }`}`,
    'search: { algorithm: random, trials: 1, seed: 3 }',
    '',
  ].join('\n');
}

type Verdict = { kind: 'refused'; line: string } | { kind: 'tunes'; value: number };

/** Loads the config; if it loads, trains one trial of one epoch at the default parameters. */
async function verdict(c: Case): Promise<Verdict> {
  const text = yaml(c);
  writeFileSync(FILE, text);
  let config;
  try {
    config = parseTuneConfig(text, FILE);
  } catch (e) {
    assert.ok(e instanceof UserError, `not a UserError: ${(e as Error)?.stack}`);
    const line = e.format();
    assert.match(line, /tune\.yaml:\d+:\d+: \S/, `refused without a position: ${line}`);
    return { kind: 'refused', line };
  }
  // One epoch is enough to meet every error training can raise (compile, labels, first batches).
  config.training = { ...(config.training as object), epochs: 1 } as typeof config.training;
  const dataset = prepareDataset(config.data);
  try {
    const run = await runTrial({ config, dataset, params: defaultParams(config.space), seed: 7, backend });
    assert.ok(Number.isFinite(run.value), `objective ${run.value}`);
    return { kind: 'tunes', value: run.value! };
  } catch (e) {
    assert.fail(`passed the loader but failed in training:\n${text}\n${(e as Error)?.stack ?? String(e)}`);
  }
}

async function expectTunes(c: Case, what: string): Promise<void> {
  const v = await verdict(c);
  assert.equal(v.kind, 'tunes', `${what} was refused: ${v.kind === 'refused' ? v.line : ''}`);
}

async function expectRefused(c: Case, what: string, pattern: RegExp): Promise<void> {
  const v = await verdict(c);
  assert.equal(v.kind, 'refused', `${what} was not refused`);
  if (v.kind === 'refused') assert.match(v.line, pattern, what);
}

test('each loss tunes on the task it fits and is refused at training.loss on the other', async () => {
  for (const task of TASKS) {
    for (const loss of LOSSES) {
      const log = loss === 'poisson';
      const c: Case = { task, training: [`loss: ${loss}`], ...(log && task === 'regression' ? { layers: ['dense: { units: 6, activation: relu }', output(task, 'softplus')] } : {}) };
      if (LOSS_TASK[loss] === task) await expectTunes(c, `${loss} on ${task}`);
      else await expectRefused(c, `${loss} on ${task}`, new RegExp(`tune\\.yaml:\\d+:9: training\\.loss: '${loss}' is a ${LOSS_TASK[loss]} loss \\(data\\.task is '${task}' at line 4\\)`));
    }
  }
  // poisson takes the log of the prediction: a linear output is refused at the last layer.
  await expectRefused({ task: 'regression', training: ['loss: poisson'] }, 'poisson with a linear output', /tune\.yaml:10:7: model\.layers\[1\]\.dense: poisson takes the log of the prediction/);
  for (const activation of NON_NEGATIVE_ACTIVATIONS.filter((a) => a !== 'softmax')) {
    await expectTunes({ task: 'regression', training: ['loss: poisson'], layers: [output('regression', activation)] }, `poisson with ${activation}`);
  }
});

test('each activation tunes in a hidden layer; in the last layer, where the task can use it', async () => {
  for (const task of TASKS) {
    for (const activation of ACTIVATIONS) {
      await expectTunes({ task, layers: [`dense: { units: 6, activation: ${activation} }`, output(task)] }, `hidden ${activation} (${task})`);
      if (task === 'classification') {
        await expectTunes({ task, layers: ['dense: { units: 6 }', `activation: { activation: ${activation} }`, output(task)] }, `activation layer ${activation}`);
      }
      const last: Case = { task, layers: ['dense: { units: 6, activation: relu }', output(task, activation)] };
      const usable = task === 'classification' ? activation === 'softmax' : activation !== 'softmax';
      if (usable) await expectTunes(last, `last ${activation} (${task})`);
      else await expectRefused(last, `last ${activation} (${task})`, /tune\.yaml:10:\d+: model\.layers\[1\]\.dense\.activation: /);
    }
  }
  await expectRefused({ layers: ['dense: { units: 3 }'] }, 'classification without a softmax', /tune\.yaml:9:7: model\.layers\[0\]\.dense: classification needs class probabilities/);
});

test('each layer kind and padding tunes', async () => {
  const kinds = new Set<string>();
  for (const padding of PADDINGS) {
    const layers = [
      'reshape: { targetShape: [2, 2, 1] }',
      `conv2d: { filters: 2, kernelSize: 2, padding: ${padding}, activation: relu }`,
      'maxPooling2d: { poolSize: 1 }',
      'batchNormalization:',
      'flatten:',
      'dropout: { rate: 0.1 }',
      'dense: { units: 3 }',
      'activation: { activation: softmax }',
    ];
    for (const l of layers) kinds.add(l.split(':')[0]!);
    await expectTunes({ layers }, `every layer kind, padding ${padding}`);
  }
  assert.deepEqual([...kinds].sort(), [...LAYER_KINDS].sort());
});

test('each optimizer, schedule and schedule step tunes', async () => {
  for (const name of OPTIMIZER_NAMES) await expectTunes({ optimizer: `{ name: ${name}, learningRate: 0.01 }` }, `optimizer ${name}`);
  const options: Record<string, string> = { step: ', every: 1', exponential: ', gamma: 0.9', inverseTime: ', decay: 0.1' };
  for (const name of SCHEDULE_NAMES) await expectTunes({ training: [`schedule: { name: ${name}${options[name] ?? ''} }`] }, `schedule ${name}`);
  for (const per of SCHEDULE_STEPS) await expectTunes({ training: [`schedule: { name: exponential, gamma: 0.9, per: ${per} }`] }, `per ${per}`);
});

test('each scaling, metric and direction tunes where the task reports the metric, and is refused elsewhere', async () => {
  for (const scale of SCALINGS) await expectTunes({ scale }, `scale ${scale}`);
  for (const task of TASKS) {
    for (const [i, metric] of METRIC_NAMES.entries()) {
      // Both directions over the metrics of each task, alternating, to keep the trials few.
      for (const direction of [DIRECTIONS[i % 2]!]) {
        const objective: Case = { task, objective: `{ metric: ${metric}, direction: ${direction} }` };
        const stopping: Case = { task, training: [`earlyStopping: { metric: ${metric}, direction: ${direction}, patience: 1 }`] };
        if (METRICS[task].includes(metric)) {
          await expectTunes(objective, `objective ${metric} ${direction} (${task})`);
          await expectTunes(stopping, `earlyStopping ${metric} ${direction} (${task})`);
        } else {
          await expectRefused(objective, `objective ${metric} (${task})`, /objective\.metric: '\w+' is not a \w+ metric/);
          await expectRefused(stopping, `earlyStopping ${metric} (${task})`, /training\.earlyStopping\.metric: '\w+' is not a \w+ metric/);
        }
      }
    }
  }
});

test('through placeholders: every choice of a loss or last activation is checked, and the bad one is named', async () => {
  await expectRefused(
    { training: ['loss: ${loss}'], space: ['loss: { type: categorical, choices: [categoricalCrossentropy, hinge, meanSquaredError] }'] },
    'loss choices',
    /tune\.yaml:17:\d+: space\.loss\.choices\[2\]: 'meanSquaredError' is a regression loss \(data\.task is 'classification' at line 4\); .*\(at training\.loss, with \$\{loss\} = 'meanSquaredError'\)/,
  );
  await expectRefused(
    { layers: ['dense: { units: 6 }', 'dense: { units: 3, activation: ${out} }'], space: ['out: { type: categorical, choices: [softmax, sigmoid] }'] },
    'last activation choices',
    /space\.out\.choices\[1\]: classification needs class probabilities .*'sigmoid'/,
  );
  await expectRefused(
    { task: 'regression', training: ['loss: ${loss}'], space: ['loss: { type: categorical, choices: [meanSquaredError, poisson] }'] },
    'poisson among the choices',
    /space\.loss\.choices\[1\]: poisson takes the log of the prediction/,
  );
  // All the choices fit: it loads, and each choice trains.
  const c: Case = { training: ['loss: ${loss}'], space: ['loss: { type: categorical, choices: [hinge, squaredHinge, cosineProximity] }'] };
  await expectTunes(c, 'classification loss choices');
});
