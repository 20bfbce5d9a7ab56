/**
 * Model specs → tfjs LayersModels. A `layers` list becomes a tf.sequential whose random
 * initialisers and dropout masks are seeded from the trial seed and the layer's position, so one
 * seed always gives one set of initial weights. A `module` spec is user code exporting
 * `build(params, ctx)`.
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mixSeed, type Params } from '@nx-hpo/optimizers';
import { ACTIVATIONS, LAYER_KINDS, type Activation, type LayerType as LayerKind, type Padding } from '../config/enums';
import { UserError } from '../errors';
import type { LayerSpec, ModelSpec, Task } from './spec';
import type { Layer, LayersModel, Tf } from './tf';
import { escapeText, MESSAGE_MAX, quote } from '../quote';

export interface BuildContext {
  /** Shape of one example, e.g. `[64]`. */
  inputShape: number[];
  /** Output width: the number of classes, or 1 for regression. */
  numClasses: number;
  task: Task;
  seed: number;
  params: Params;
}

/** What a model module's `build` receives besides the trial's parameters. */
export interface ModuleBuildContext {
  inputShape: number[];
  numClasses: number;
  task: Task;
  /** Seed for the module's own initialisers, if it wants reproducible weights. */
  seed: number;
  /** The tfjs namespace to build with (use it rather than importing tfjs yourself). */
  tf: Tf;
  /** `model.options` from the config. */
  options: Record<string, unknown>;
}

export type ModuleBuild = (params: Params, ctx: ModuleBuildContext) => LayersModel | Promise<LayersModel>;

/** Seed streams, so a layer's kernel and its dropout never share a seed. */
const KERNEL_STREAM = 1;
const DROPOUT_STREAM = 2;

/** A seed for one layer's random op; never 0, which tfjs treats as "unseeded". */
export function layerSeed(seed: number, layerIndex: number, stream: number): number {
  return mixSeed(seed, layerIndex, stream) || 1;
}

/** Keras spellings, for specs built in code (tune.yaml takes the names of ACTIVATIONS only). */
const ACTIVATION_ALIASES: Readonly<Record<string, Activation>> = { hard_sigmoid: 'hardSigmoid', silu: 'swish', gelu_approximate: 'gelu_new' };

export async function buildModel(tf: Tf, spec: ModelSpec, ctx: BuildContext): Promise<LayersModel> {
  if ('layers' in spec) {
    const model = buildSequential(tf, spec.layers, ctx);
    checkLayersOutput(model, spec.layers, ctx);
    return model;
  }
  const model = await buildFromModule(tf, spec.module, spec.options ?? {}, ctx);
  checkOutputWidth(model, ctx, 'model.module');
  return model;
}

/** The layers in order, the first given the input shape; errors point at `model.layers.<i>`. */
export function buildSequential(tf: Tf, layers: readonly LayerSpec[], ctx: BuildContext): LayersModel {
  if (!Array.isArray(layers) || layers.length === 0) throw new UserError('a model needs at least one layer', { path: 'model.layers' });
  const model = tf.sequential();
  layers.forEach((layer, i) => {
    const path = `model.layers.${i}`;
    const [kind, layerCfg] = layerKind(layer, path);
    let cfg = layerCfg;
    const common = i === 0 ? { inputShape: ctx.inputShape } : {};
    if (kind === 'reshape') {
      const before = i === 0 ? ctx.inputShape : (model.outputs[0]!.shape.slice(1) as number[]);
      cfg = { ...cfg, targetShape: resolveReshape(before, cfg['targetShape'], `${path}.reshape.targetShape`) };
    }
    let built: Layer;
    try {
      built = makeLayer(tf, kind, cfg, common, ctx.seed, i, `${path}.${kind}`);
      model.add(built);
    } catch (e) {
      model.dispose();
      if (e instanceof UserError) throw e;
      throw new UserError(`${kind}: ${(e as Error).message}`, { path });
    }
    // tfjs lets a kernel or pool larger than its input through, with a zero-sized output.
    const out = model.outputs[0]!.shape.slice(1);
    if (out.some((d) => d !== null && d <= 0)) {
      model.dispose();
      throw new UserError(`${kind}: its output shape [${out.join(', ')}] is empty: the input is smaller than the kernel or pool`, { path });
    }
  });
  return model;
}

function layerKind(layer: LayerSpec, path: string): [LayerKind, Record<string, unknown>] {
  const keys = layer && typeof layer === 'object' ? Object.keys(layer) : [];
  const known = LAYER_KINDS.join(', ');
  if (keys.length !== 1) throw new UserError(`a layer is an object with exactly one key (the layer type: ${known})`, { path });
  const kind = keys[0]!;
  if (!(LAYER_KINDS as readonly string[]).includes(kind)) throw new UserError(`unknown layer type ${quote(kind)}: use one of ${known}`, { path });
  const cfg = (layer as Record<string, unknown>)[kind] ?? {};
  if (typeof cfg !== 'object' || Array.isArray(cfg)) throw new UserError(`the ${kind} layer's options must be a mapping`, { path: `${path}.${kind}` });
  return [kind as LayerKind, cfg as Record<string, unknown>];
}

function makeLayer(
  tf: Tf,
  kind: LayerKind,
  cfg: Record<string, unknown>,
  common: { inputShape?: number[] },
  seed: number,
  index: number,
  path: string,
): Layer {
  const kernelInitializer = (): ReturnType<Tf['initializers']['glorotNormal']> =>
    // glorotNormal is what tfjs uses for dense and conv kernels by default; only the seed is ours.
    tf.initializers.glorotNormal({ seed: layerSeed(seed, index, KERNEL_STREAM) });
  const activation = (): { activation?: Activation } => {
    const a = cfg['activation'];
    return a === undefined ? {} : { activation: normaliseActivation(a, `${path}.activation`) };
  };
  switch (kind) {
    case 'dense': {
      const reg = cfg['kernelRegularizer'] as { l1?: number; l2?: number } | undefined;
      return tf.layers.dense({
        ...common,
        units: cfg['units'] as number,
        ...activation(),
        ...(cfg['useBias'] !== undefined ? { useBias: cfg['useBias'] as boolean } : {}),
        kernelInitializer: kernelInitializer(),
        ...(reg ? { kernelRegularizer: tf.regularizers.l1l2({ l1: reg.l1 ?? 0, l2: reg.l2 ?? 0 }) } : {}),
      });
    }
    case 'dropout':
      return tf.layers.dropout({ ...common, rate: cfg['rate'] as number, seed: layerSeed(seed, index, DROPOUT_STREAM) });
    case 'batchNormalization':
      return tf.layers.batchNormalization({ ...common });
    case 'activation': {
      const a = activation().activation;
      if (a === undefined) throw new UserError('an activation layer needs `activation`', { path });
      return tf.layers.activation({ ...common, activation: a });
    }
    case 'flatten':
      return tf.layers.flatten({ ...common });
    case 'reshape':
      return tf.layers.reshape({ ...common, targetShape: cfg['targetShape'] as number[] });
    case 'conv2d':
      return tf.layers.conv2d({
        ...common,
        filters: cfg['filters'] as number,
        kernelSize: cfg['kernelSize'] as number | number[],
        ...(cfg['strides'] !== undefined ? { strides: cfg['strides'] as number | number[] } : {}),
        ...(cfg['padding'] !== undefined ? { padding: cfg['padding'] as Padding } : {}),
        ...activation(),
        kernelInitializer: kernelInitializer(),
      });
    case 'maxPooling2d':
      return tf.layers.maxPooling2d({
        ...common,
        poolSize: cfg['poolSize'] as number | [number, number],
        ...(cfg['strides'] !== undefined ? { strides: cfg['strides'] as number | [number, number] } : {}),
      });
  }
}

/**
 * tfjs checks a reshape's size only when data flows, and leaves a -1 dimension unknown (which a
 * following flatten rejects); check the size and fill in the -1 while building instead.
 */
function resolveReshape(before: number[], target: unknown, path: string): number[] {
  if (!Array.isArray(target) || target.length === 0 || !target.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) {
    throw new UserError(`targetShape must be a list of positive whole numbers (one may be -1), got ${JSON.stringify(target)}`, { path });
  }
  const dims = target as number[];
  const size = before.reduce((a, b) => a * b, 1);
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const unknowns = dims.filter((d) => d === -1).length;
  const fits = unknowns === 0 ? known === size : unknowns === 1 && size % known === 0;
  if (!fits) throw new UserError(`cannot reshape [${before.join(', ')}] (${size} values) to [${dims.join(', ')}]`, { path });
  return dims.map((d) => (d === -1 ? size / known : d));
}

export function normaliseActivation(name: unknown, path: string): Activation {
  if (typeof name === 'string') {
    if ((ACTIVATIONS as readonly string[]).includes(name)) return name as Activation;
    const alias = ACTIVATION_ALIASES[name];
    if (alias) return alias;
  }
  throw new UserError(`unknown activation ${quote(String(name))}: use one of ${ACTIVATIONS.join(', ')}`, { path });
}

/** The activation that ends a layers list, if the last layer sets one. */
function finalActivation(layers: readonly LayerSpec[]): string | undefined {
  const last = layers[layers.length - 1] as Record<string, { activation?: string } | undefined>;
  const kind = Object.keys(last)[0]!;
  const a = last[kind]?.activation;
  return a === undefined ? undefined : normaliseActivation(a, '');
}

function checkLayersOutput(model: LayersModel, layers: readonly LayerSpec[], ctx: BuildContext): void {
  const lastPath = `model.layers.${layers.length - 1}`;
  checkOutputWidth(model, ctx, lastPath);
  if (ctx.task === 'classification' && finalActivation(layers) !== 'softmax') {
    model.dispose();
    throw new UserError(
      `for classification the last layer must output class probabilities: give it activation: softmax`,
      { path: lastPath },
    );
  }
}

function checkOutputWidth(model: LayersModel, ctx: BuildContext, path: string): void {
  const shape = model.outputs[0]?.shape ?? [];
  const width = shape[shape.length - 1];
  const want = ctx.task === 'classification' ? ctx.numClasses : 1;
  const problem =
    model.outputs.length !== 1
      ? `the model has ${model.outputs.length} outputs; it needs one`
      : shape.length !== 2
        ? `the model's output has shape [${shape.map(String).join(', ')}]; it must be [batch, ${want}] (add a flatten layer?)`
        : width !== want
          ? ctx.task === 'classification'
            ? `the last layer has ${width} units but the data has ${want} classes: use units: ${want} with activation: softmax`
            : `the last layer has ${width} units but regression predicts one value: use units: 1`
          : undefined;
  if (problem) {
    model.dispose();
    throw new UserError(problem, { path });
  }
}

async function buildFromModule(tf: Tf, file: string, options: Record<string, unknown>, ctx: BuildContext): Promise<LayersModel> {
  const build = await loadModelModule(file);
  let model: unknown;
  try {
    model = await build(ctx.params, { inputShape: ctx.inputShape, numClasses: ctx.numClasses, task: ctx.task, seed: ctx.seed, tf, options });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`build() in ${file} failed: ${escapeText((e as Error)?.message ?? String(e), MESSAGE_MAX)}`, { path: 'model.module' });
  }
  const m = model as Partial<LayersModel> | null;
  if (!m || typeof m.fit !== 'function' || typeof m.predict !== 'function' || !Array.isArray(m.outputs)) {
    throw new UserError(`build() in ${file} must return a tf.LayersModel (tf.sequential() or tf.model()), got ${describe(model)}`, {
      path: 'model.module',
    });
  }
  const want = ctx.inputShape.join(', ');
  const got = m.inputs?.[0]?.shape.slice(1);
  if (got && got.join(', ') !== want) {
    (m as LayersModel).dispose();
    throw new UserError(`build() in ${file} returned a model taking inputs of shape [${got.join(', ')}], but the data rows have shape [${want}] (use ctx.inputShape)`, {
      path: 'model.module',
    });
  }
  return m as LayersModel;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v;
}

/**
 * Loads a model module and returns its `build`: `.js`/`.cjs` with require (falling back to import
 * for ES modules), `.mjs` with import, `.ts`/`.cts`/`.mts` through tsx.
 */
export async function loadModelModule(file: string): Promise<ModuleBuild> {
  if (!existsSync(file)) throw new UserError(`cannot load model module ${file}: file not found`, { path: 'model.module' });
  let mod: unknown;
  try {
    mod = await importModule(file);
  } catch (e) {
    throw new UserError(`cannot load model module ${file}: ${firstLine((e as Error)?.message ?? String(e))}`, { path: 'model.module' });
  }
  const m = mod as { build?: unknown; default?: unknown } | undefined;
  const candidates = [m?.build, (m?.default as { build?: unknown } | undefined)?.build, m?.default];
  const build = candidates.find((c) => typeof c === 'function');
  if (!build) {
    throw new UserError(`${file} must export a function build(params, { inputShape, numClasses, tf }) returning a tf.LayersModel`, {
      path: 'model.module',
    });
  }
  return build as ModuleBuild;
}

// tsc turns `import()` into `require()` under CommonJS; this keeps a real dynamic import for ESM.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
const load = (id: string): unknown => require(id);

/** Imports a user's module (model or data) the way `loadModelModule` describes. */
export async function importModule(file: string): Promise<unknown> {
  const ext = extname(file);
  if (ext === '.ts' || ext === '.cts' || ext === '.tsx') {
    const tsx = load('tsx/cjs/api') as { require(id: string, fromFile: string): unknown };
    return tsx.require(file, __filename);
  }
  if (ext === '.mts') {
    const tsx = load('tsx/esm/api') as { tsImport(specifier: string, parentURL: string): Promise<unknown> };
    return tsx.tsImport(pathToFileURL(file).href, pathToFileURL(__filename).href);
  }
  if (ext === '.mjs') return dynamicImport(pathToFileURL(file).href);
  try {
    return load(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM') return dynamicImport(pathToFileURL(file).href);
    throw e;
  }
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}
