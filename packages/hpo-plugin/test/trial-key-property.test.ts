/**
 * Key soundness, as properties: for random pairs of configurations that differ in exactly one input
 * that can change training, the keys differ; for edits that cannot change training, they are equal.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseTuneConfig } from '../src/config';
import { trialKey } from '../src/store/trial-key';
import { trialKeyInputs } from '../src/sweep/identity';

const root = mkdtempSync(join(tmpdir(), 'nx-hpo-key-prop-'));
after(() => rmSync(root, { recursive: true, force: true }));

const CSV = ['a,b,c,label', ...Array.from({ length: 24 }, (_, i) => `${i % 5},${(i * 7) % 11},${(i * 3) % 4},${i % 2}`)].join('\n') + '\n';

interface Settings {
  epochs: number;
  batchSize: number;
  loss: string;
  seed: number;
  split: number;
  scale: string;
  activation: string;
  /** Cosmetic: cannot change training. */
  comment: string;
  blockStyle: boolean;
  lrHigh: number;
  algorithm: string;
  metric: string;
  trials: number;
}

const BASE: Settings = {
  epochs: 3,
  batchSize: 8,
  loss: 'sparseCategoricalCrossentropy',
  seed: 5,
  split: 0.25,
  scale: 'standard',
  activation: 'relu',
  comment: '',
  blockStyle: false,
  lrHigh: 0.1,
  algorithm: 'random',
  metric: 'val_accuracy',
  trials: 10,
};

function layersYaml(s: Settings, dataFile = 'data.csv'): string {
  const search = s.blockStyle
    ? `search:\n  trials: ${s.trials}\n  seed: 1\n  algorithm: ${s.algorithm}\n`
    : `search: { algorithm: ${s.algorithm}, trials: ${s.trials}, seed: 1 }\n`;
  return `${s.comment ? `# ${s.comment}\n` : ''}data:
  path: ${dataFile}
  header: true
  label: label
  validation: { split: ${s.split}, stratify: false, seed: 0 }
  scale: ${s.scale}
model:
  layers:
    - dense: { units: "\${units}", activation: ${s.activation} }
    - dense: { units: 2, activation: softmax }
training:
  epochs: ${s.epochs}
  batchSize: ${s.batchSize}
  loss: ${s.loss}
  seed: ${s.seed}
  optimizer: { name: adam, learningRate: "\${lr}" }
space:
  lr:    { type: float, low: 1.0e-3, high: ${s.lrHigh}, log: true }
  units: { type: int, low: 2, high: 64 }
objective: { metric: ${s.metric} }
${search}`;
}

/** A fresh project folder holding the data, a model module and the helper it imports. */
function project(name: string, csv = CSV, helper = 'export const width = (p: { units: number }) => p.units;\n'): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'data.csv'), csv);
  writeFileSync(
    join(dir, 'model.ts'),
    "import { width } from './lib/width';\nexport function build(p: any, ctx: any) { return ctx.tf.sequential({ layers: [ctx.tf.layers.dense({ inputShape: ctx.inputShape, units: width(p) })] }); }\n",
  );
  writeFileSync(join(dir, 'lib', 'width.ts'), helper);
  return dir;
}

let counter = 0;
const fresh = (): string => `p${counter++}`;

function keyOf(dir: string, yaml: string, params: Record<string, number>, backend = 'wasm'): string {
  const config = parseTuneConfig(yaml, join(dir, 'tune.yaml'));
  return trialKey(trialKeyInputs(config, params, (config.training as { seed: number }).seed, backend));
}

const baseDir = project('base');
const baseParams = { lr: 0.01, units: 16 };
const reference = keyOf(baseDir, layersYaml(BASE), baseParams);

/** One setting changed to another value of its own kind: every one of them changes training. */
const trainingEdit = fc.oneof(
  fc.integer({ min: 1, max: 50 }).filter((v) => v !== BASE.epochs).map((epochs) => ({ epochs })),
  fc.integer({ min: 1, max: 64 }).filter((v) => v !== BASE.batchSize).map((batchSize) => ({ batchSize })),
  fc.constantFrom('categoricalCrossentropy', 'binaryCrossentropy').map((loss) => ({ loss })),
  fc.integer({ min: 0, max: 1e6 }).filter((v) => v !== BASE.seed).map((seed) => ({ seed })),
  fc.constantFrom(0.1, 0.2, 0.3, 0.5).map((split) => ({ split })),
  fc.constantFrom('none', 'minmax').map((scale) => ({ scale })),
  fc.constantFrom('tanh', 'elu', 'sigmoid').map((activation) => ({ activation })),
);

/** Edits that cannot change what a trial trains. */
const cosmeticEdit = fc.record(
  {
    comment: fc.string({ minLength: 1, maxLength: 20 }).map((c) => c.replace(/[\n\r]/g, ' ')),
    blockStyle: fc.boolean(),
    lrHigh: fc.constantFrom(0.05, 0.2, 0.5),
    algorithm: fc.constantFrom('tpe', 'bayesian', 'qlearning'), // grid needs a step on lr: a different file, not an edit
    metric: fc.constantFrom('val_loss', 'accuracy', 'loss'),
    trials: fc.integer({ min: 1, max: 500 }),
  },
  { requiredKeys: [] },
);

describe('trial key soundness (properties)', () => {
  test('one changed training, model or data setting changes the key', () => {
    fc.assert(
      fc.property(trainingEdit, (edit) => {
        assert.notEqual(keyOf(baseDir, layersYaml({ ...BASE, ...edit }), baseParams), reference, JSON.stringify(edit));
      }),
      { numRuns: 60 },
    );
  });

  test('one changed param value changes the key', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: 1e-3, max: 0.1, noNaN: true }).filter((lr) => lr !== baseParams.lr).map((lr) => ({ ...baseParams, lr })),
          fc.integer({ min: 2, max: 64 }).filter((u) => u !== baseParams.units).map((units) => ({ ...baseParams, units })),
        ),
        (params) => {
          assert.notEqual(keyOf(baseDir, layersYaml(BASE), params), reference);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('one changed byte of the data file changes the key; the same bytes elsewhere do not', () => {
    fc.assert(
      fc.property(fc.nat({ max: CSV.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const bytes = Buffer.from(CSV);
        bytes[at] = ((bytes[at] as number) + delta) % 256;
        const dir = project(fresh(), bytes.toString('latin1'));
        writeFileSync(join(dir, 'data.csv'), bytes);
        assert.notEqual(keyOf(dir, layersYaml(BASE), baseParams), reference);
      }),
      { numRuns: 30 },
    );
    const copy = project(fresh());
    assert.equal(keyOf(copy, layersYaml(BASE), baseParams), reference);
  });

  test('comments, key order, the rest of the space, the algorithm, the objective and the budget leave the key alone', () => {
    fc.assert(
      fc.property(cosmeticEdit, (edit) => {
        assert.equal(keyOf(baseDir, layersYaml({ ...BASE, ...edit }), baseParams), reference, JSON.stringify(edit));
      }),
      { numRuns: 60 },
    );
  });

  test('the backend changes the key', () => {
    assert.notEqual(keyOf(baseDir, layersYaml(BASE), baseParams, 'cpu'), reference);
  });
});

describe('trial key soundness of a model module (properties)', () => {
  const moduleYaml = (s: Settings) => layersYaml(s).replace(/model:\n  layers:\n(?: {4}.*\n)+/, 'model:\n  module: ./model.ts\n');
  const dir = project('module');
  const moduleRef = keyOf(dir, moduleYaml(BASE), baseParams);

  test('a param the module reads changes the key (it is not in any template)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }).filter((u) => u !== baseParams.units), (units) => {
        assert.notEqual(keyOf(dir, moduleYaml(BASE), { ...baseParams, units }), moduleRef);
      }),
      { numRuns: 30 },
    );
  });

  test('one added line in a helper the module imports changes the key', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }).map((s) => s.replace(/[\n\r]/g, ' ')), fc.boolean(), (text, asCode) => {
        const line = asCode ? `export const extra = ${JSON.stringify(text)};\n` : `// ${text}\n`;
        const other = project(fresh(), CSV, 'export const width = (p: { units: number }) => p.units;\n' + line);
        assert.notEqual(keyOf(other, moduleYaml(BASE), baseParams), moduleRef);
      }),
      { numRuns: 20 },
    );
  });

  test('the same module tree elsewhere gives the same key; an edit in place is seen at once', () => {
    const copy = join(root, fresh());
    cpSync(dir, copy, { recursive: true });
    assert.equal(keyOf(copy, moduleYaml(BASE), baseParams), moduleRef);
    const helper = join(copy, 'lib', 'width.ts');
    writeFileSync(helper, readFileSync(helper, 'utf8').replace('p.units', 'p.units * 2'));
    assert.notEqual(keyOf(copy, moduleYaml(BASE), baseParams), moduleRef);
  });
});
