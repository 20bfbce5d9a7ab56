/**
 * The tune.yaml the configuration generator writes: an MLP search space sized to the data, as
 * YAML every standard tool accepts (placeholders quoted; already in prettier's style).
 */
import type { CsvProfile } from './csv-profile';

export interface SearchPlan {
  hiddenLayers: number;
  units: { low: number; high: number };
  dropout: { low: number; high: number };
  lr: { low: number; high: number };
  /** One value: a fixed batch size; more: a categorical parameter. */
  batchSizes: number[];
  epochs: number;
  patience: number;
}

export const VALIDATION_SPLIT = 0.2;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Sizes the search for `rows` rows of `features` features: wider layers and bigger batches for
 * more data, a second hidden layer from 5,000 rows, and enough epochs for roughly 600 optimizer
 * steps at the middle batch size (10 to 60 epochs), with early stopping cutting the tail.
 */
export function planSearch(rows: number, features: number): SearchPlan {
  const trainRows = Math.round(rows * (1 - VALIDATION_SPLIT));
  const [low, high] = rows < 1000 ? [8, 64] : rows < 10_000 ? [16, 128] : [32, 256];
  const widest = clamp(2 ** Math.ceil(Math.log2(Math.max(2, features) * 2)), high, 512);
  // At least four steps per epoch; the three largest batch sizes that allow it.
  const fitting = [8, 16, 32, 64, 128, 256].filter((b) => b * 4 <= trainRows);
  const batchSizes = fitting.length > 0 ? fitting.slice(-3) : [Math.max(1, Math.min(8, trainRows))];
  const middle = batchSizes[Math.floor(batchSizes.length / 2)]!;
  const stepsPerEpoch = Math.ceil(trainRows / middle);
  const epochs = clamp(Math.round(600 / stepsPerEpoch), 10, 60);
  return {
    hiddenLayers: rows >= 5000 ? 2 : 1,
    units: { low, high: widest },
    dropout: { low: 0, high: 0.5 },
    lr: { low: 0.0003, high: 0.03 },
    batchSizes,
    epochs,
    patience: clamp(Math.round(epochs / 6), 3, 10),
  };
}

const PLAIN = /^[A-Za-z_./][A-Za-z0-9_./ -]*[A-Za-z0-9_./]$|^[A-Za-z_]$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

/** A string as a YAML scalar: plain when that reads back as the same string, else double-quoted. */
export function yamlString(s: string): string {
  return PLAIN.test(s) && !RESERVED.test(s) && !s.includes(': ') && !s.includes(' #') ? s : JSON.stringify(s);
}

export interface TuneYamlInput {
  profile: CsvProfile;
  /** data.path as written: relative to the tune.yaml's folder. */
  dataPath: string;
  /** Where the data came from, for the header comment. */
  dataSource: string;
  /** $schema path relative to the tune.yaml's folder. */
  schemaPath: string;
  projectName: string;
  algorithm: string;
  trials: number;
  plan: SearchPlan;
  /** The label as the user can read it: a name with a header, else an index. */
  label: string | number;
}

/** `  key: { a: 1, b: 2 }` when that fits prettier's 80 columns, else a block mapping. */
function mapping(indent: string, key: string, entries: Array<[string, string]>): string[] {
  const flow = `${indent}${key}: { ${entries.map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
  if (flow.length <= 80) return [flow];
  return [`${indent}${key}:`, ...entries.map(([k, v]) => `${indent}  ${k}: ${v}`)];
}

/**
 * The space. Grid search needs every float on a grid, so for `grid` each range also lists three
 * `values` (ints too, to keep the grid small); other algorithms search the ranges.
 */
function spaceLines(plan: SearchPlan, grid: boolean): string[] {
  const { lr, units, dropout } = plan;
  const geo = (a: number, b: number) => Math.sqrt(a * b);
  const values = (v: number[]): Array<[string, string]> => (grid ? [['values', `[${v.join(', ')}]`]] : []);
  return [
    ...mapping('  ', 'lr', [
      ['type', 'float'],
      ['low', String(lr.low)],
      ['high', String(lr.high)],
      ['log', 'true'],
      ...values([lr.low, Number(geo(lr.low, lr.high).toPrecision(1)), lr.high]),
    ]),
    ...mapping('  ', 'units', [
      ['type', 'int'],
      ['low', String(units.low)],
      ['high', String(units.high)],
      ['log', 'true'],
      ...values([units.low, Math.round(geo(units.low, units.high)), units.high]),
    ]),
    '  activation: { type: categorical, choices: [relu, tanh, elu] }',
    ...mapping('  ', 'dropout', [
      ['type', 'float'],
      ['low', String(dropout.low)],
      ['high', String(dropout.high)],
      ...values([dropout.low, (dropout.low + dropout.high) / 2, dropout.high]),
    ]),
  ];
}

/** Text for a YAML comment: one line. */
function commentText(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

export function renderTuneYaml(o: TuneYamlInput): string {
  const { profile: p, plan } = o;
  const classification = p.task === 'classification';
  const k = p.classes?.length ?? 1;
  const what = classification ? `classification, ${k} classes` : 'regression';
  const batch = plan.batchSizes.length > 1 ? '"${batchSize}"' : String(plan.batchSizes[0]);
  const hidden = Array.from({ length: plan.hiddenLayers }, () => [
    '    - dense: { units: "${units}", activation: "${activation}" }',
    '    - dropout: { rate: "${dropout}" }',
  ]).flat();
  const output = classification ? `    - dense: { units: ${k}, activation: softmax }` : '    - dense: { units: 1 }';
  const label = typeof o.label === 'number' ? String(o.label) : yamlString(o.label);
  const metric = classification ? 'objective: { metric: val_accuracy, direction: maximize }' : 'objective: { metric: val_mae, direction: minimize }';
  const validation = classification
    ? `  validation: { split: ${VALIDATION_SPLIT}, stratify: true, seed: 0 }`
    : `  validation: { split: ${VALIDATION_SPLIT}, seed: 0 }`;
  const lines = [
    `# yaml-language-server: $schema=${o.schemaPath}`,
    `# Written by nx g @nx-hpo/plugin:configuration for ${commentText(o.dataSource)}`,
    `# ${p.rows} rows, ${p.features} features, label "${commentText(p.labelName)}": ${what}.`,
    `# Search: nx run ${o.projectName}:tune   Train the best: nx run ${o.projectName}:train`,
    'data:',
    `  path: ${yamlString(o.dataPath)}`,
    `  header: ${p.header}`,
    ...(p.delimiter !== ',' ? [`  delimiter: ${JSON.stringify(p.delimiter)}`] : []),
    `  label: ${label}`,
    `  task: ${p.task}`,
    validation,
    '  # standard: zero mean, unit variance, fitted on the training rows only',
    '  scale: standard',
    'model:',
    '  layers:',
    ...hidden,
    output,
    'training:',
    `  epochs: ${plan.epochs}`,
    `  batchSize: ${batch}`,
    '  optimizer: { name: adam, learningRate: "${lr}" }',
    `  earlyStopping: { metric: val_loss, patience: ${plan.patience}, restoreBest: true }`,
    'space:',
    ...spaceLines(plan, o.algorithm === 'grid'),
    ...(plan.batchSizes.length > 1 ? [`  batchSize: { type: categorical, choices: [${plan.batchSizes.join(', ')}] }`] : []),
    metric,
    `search: { algorithm: ${o.algorithm}, trials: ${o.trials}, seed: 0 }`,
  ];
  return lines.join('\n') + '\n';
}
