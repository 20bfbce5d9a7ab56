/**
 * Type-only view of TensorFlow.js. The runtime module is chosen by `selectBackend` and passed
 * around explicitly, so nothing here loads tfjs.
 */
import type * as tfjs from '@tensorflow/tfjs';

export type Tf = typeof tfjs;
export type LayersModel = tfjs.LayersModel;
export type Sequential = tfjs.Sequential;
export type Optimizer = tfjs.Optimizer;
export type Tensor = tfjs.Tensor;
export type Layer = tfjs.layers.Layer;
