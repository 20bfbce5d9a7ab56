#!/usr/bin/env node
/**
 * digits-app: the consumer of a tuned model. Loads the model `digits-mlp:train` saved (trained with
 * the winning hyperparameters) and reports its accuracy on the held-out test split that tuning never
 * saw (`data.test` in examples/digits-mlp/tune.yaml).
 */
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, resolve } = require('node:path');
const { parseArgs } = require('node:util');
const { isUserError, loadModel, loadTuneConfig, prepareTestSet, selectBackend } = require('@nx-hpo/plugin/api');

async function main() {
  const { values } = parseArgs({ options: { config: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' } } });
  if (!values.config || !values.model || !values.out) throw new Error('usage: evaluate.js --config <tune.yaml> --model <dir> --out <file>');
  const config = loadTuneConfig(resolve(values.config));
  const trained = JSON.parse(readFileSync(resolve(values.model, 'metrics.json'), 'utf8'));
  // Scale the test rows exactly as the model's training rows were scaled.
  const test = prepareTestSet(config.data, { fit: trained.fit });
  const { tf, backend } = await selectBackend('auto');
  const model = await loadModel(tf, resolve(values.model));
  const predicted = tf.tidy(() => model.predict(tf.tensor2d(test.x, [test.n, test.numFeatures])).argMax(-1).dataSync());
  let correct = 0;
  const confusion = test.classes.map(() => test.classes.map(() => 0));
  for (let i = 0; i < test.n; i++) {
    if (predicted[i] === test.y[i]) correct++;
    confusion[test.y[i]][predicted[i]]++;
  }
  const result = {
    testAccuracy: correct / test.n,
    testRows: test.n,
    params: trained.params,
    fit: trained.fit,
    backend,
    confusion,
  };
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  writeFileSync(resolve(values.out), JSON.stringify(result, null, 2) + '\n');
  console.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}% on ${test.n} held-out rows (${backend}); params ${JSON.stringify(trained.params)}`);
}

main().catch((e) => {
  console.error(isUserError(e) ? e.format() : e instanceof Error ? e.message : String(e));
  process.exit(1);
});
