/** The iris sweep the e2e tests run: tiny (4 epochs, 150 rows) so each trial takes well under a second. */
import { readFileSync } from 'node:fs';
import type { TempWorkspace } from './workspace';

export interface IrisOptions {
  algorithm?: string;
  trials?: number;
  parallelism?: number;
  seed?: number;
  epochs?: number;
}

export function irisYaml(o: IrisOptions = {}): string {
  return `# iris sweep used by the e2e tests
data:
  path: data/iris.csv
  header: true
  label: species
  validation: { split: 0.3, stratify: true, seed: 1 }
  scale: standard
model:
  layers:
    - dense: { units: \${units}, activation: \${activation} }
    - dense: { units: 3, activation: softmax }
training:
  epochs: ${o.epochs ?? 4}
  batchSize: 16
  optimizer: { name: adam, learningRate: \${lr} }
space:
  lr:         { type: float, low: 1.0e-3, high: 1.0e-1, log: true }
  units:      { type: int, low: 4, high: 32 }
  activation: { type: categorical, choices: [relu, tanh] }
objective: { metric: val_accuracy, direction: maximize }
search: { algorithm: ${o.algorithm ?? 'random'}, trials: ${o.trials ?? 3}, parallelism: ${o.parallelism ?? 2}, seed: ${o.seed ?? 7} }
`;
}

/** Adds a project holding the iris data and a tune.yaml (optionally without a project.json). */
export function addIrisProject(ws: TempWorkspace, dir: string, name: string | undefined, o: IrisOptions = {}): void {
  if (name) ws.writeJson(`${dir}/project.json`, { name });
  ws.copy('e2e/fixtures/iris.csv', `${dir}/data/iris.csv`);
  ws.write(`${dir}/tune.yaml`, irisYaml(o));
}

export function readJsonl(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `12 trained, 8 reused` from a sweep's summary line. */
export function trainedReused(output: string): { trained: number; reused: number } {
  const m = /(\d+) trained, (\d+) reused/.exec(output);
  if (!m) throw new Error(`no 'N trained, M reused' summary in:\n${output}`);
  return { trained: Number(m[1]), reused: Number(m[2]) };
}
