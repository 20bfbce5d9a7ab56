/**
 * Saving and loading models without tfjs-node's `file://` handler: the model is serialised in
 * memory to a plain JSON object plus one ArrayBuffer (both can cross a worker-thread boundary),
 * written as `model.json` + `weights.bin` in the standard tfjs layers-model format, and loaded
 * back through `tf.io.fromMemory`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { hypergradientOptimizers } from './hypergradient';
import type { LayersModel, Tf } from './tf';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** The contents of `model.json` in the tfjs layers-model format. */
export interface ModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tfjs.io.WeightsManifestEntry[] }>;
  trainingConfig?: object;
  userDefinedMetadata?: Record<string, unknown>;
}

/** A serialised model: structured-clonable, with the weights in one transferable buffer. */
export interface ModelArtifacts {
  modelJson: ModelJson;
  weights: ArrayBuffer;
}

export async function serializeModel(model: LayersModel): Promise<ModelArtifacts> {
  let captured: ModelArtifacts | undefined;
  // A hand-made IOHandler (what tf.io.withSaveHandler builds) keeps this free of a tf argument.
  const handler: tfjs.io.IOHandler = {
    save: async (artifacts: tfjs.io.ModelArtifacts): Promise<tfjs.io.SaveResult> => {
      const weights = joinBuffers(artifacts.weightData);
      const modelJson: ModelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'TensorFlow.js',
        convertedBy: null,
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig as object;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      captured = { modelJson, weights };
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(modelJson.modelTopology).length,
          weightSpecsBytes: JSON.stringify(modelJson.weightsManifest).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
  await model.save(handler);
  if (!captured) throw new Error('the model was not serialised');
  return captured;
}

/** Writes `model.json` and `weights.bin` into `dir` (created if needed). */
export function writeModel(dir: string, artifacts: ModelArtifacts): void {
  mkdirSync(dir, { recursive: true });
  const json: ModelJson = { ...artifacts.modelJson, weightsManifest: artifacts.modelJson.weightsManifest.map((g) => ({ ...g, paths: [WEIGHTS_BIN] })) };
  writeFileSync(join(dir, WEIGHTS_BIN), new Uint8Array(artifacts.weights));
  writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));
}

/** Reads `model.json` + `weights.bin` from `dir`. */
export function readModel(dir: string): ModelArtifacts {
  const modelJson = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as ModelJson;
  const bytes = readFileSync(join(dir, WEIGHTS_BIN));
  const weights = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { modelJson, weights };
}

/** Loads a model written by `writeModel` (or serialised by `serializeModel`, given artifacts). */
export async function loadModel(tf: Tf, dirOrArtifacts: string | ModelArtifacts): Promise<LayersModel> {
  const { modelJson, weights } = typeof dirOrArtifacts === 'string' ? readModel(dirOrArtifacts) : dirOrArtifacts;
  const artifacts: tfjs.io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
    weightData: weights,
  };
  if (modelJson.trainingConfig) artifacts.trainingConfig = modelJson.trainingConfig as tfjs.io.TrainingConfig;
  // A training config saved with its optimizer may name sgd-hd / adam-hd: register them first.
  hypergradientOptimizers(tf);
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

function joinBuffers(data: tfjs.io.ModelArtifacts['weightData']): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of parts) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}
