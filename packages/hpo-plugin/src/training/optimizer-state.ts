/**
 * An optimizer's complete state, captured and put back so that training continues exactly as if
 * it had not stopped. `getWeights()` / `setWeights()` carry the step count and the per-variable
 * slots, but not everything (tfjs 4.22):
 * - Adam keeps β1^t and β2^t in variables built up by multiplication; setWeights recomputes them
 *   as pow(β, t), which can differ in the last bit, so they are saved as they are;
 * - Adamax implements neither method, so its slots, step variable and β1^t are read directly;
 * - the learning rate lives on the JS side (a schedule's last rate, or the rate sgd-hd / adam-hd
 *   have adapted), so it is saved as a number.
 * Slots are named after the model's variables, and a model rebuilt in the same process gets new
 * variable names (dense_Dense1 → dense_Dense3); tfjs's built-in optimizers match slots by
 * position, the -hd ones by name, so names are translated from the old model's to the new one's.
 */
import { learningRateOf, setLearningRate } from './optimizer';
import { packTensors, unpackTensors, type NamedTensor, type TensorPack } from './tensor-pack';
import type { Optimizer, Tensor, Tf } from './tf';
import type * as tfjs from '@tensorflow/tfjs';

export interface OptimizerState {
  /** getClassName(), checked on restore. */
  className: string;
  /** Steps taken (tfjs's `iterations`). */
  iterations: number;
  /** NaN when the optimizer keeps no numeric rate. */
  learningRate: number;
  /** The per-variable slots, named `<variable>/<slot>`, in the optimizer's own order. */
  slots: TensorPack;
  /** Scalar variables outside getWeights (Adam's accBeta1, …), by field name. */
  extra: TensorPack;
}

/** Scalar tf.Variable fields each class updates every step but getWeights() leaves out. */
const EXTRA_FIELDS: Record<string, readonly string[]> = {
  Adam: ['accBeta1', 'accBeta2'],
  Adamax: ['iteration', 'accBeta1'],
};

interface SlotVariable {
  originalName: string;
  variable: tfjs.Variable;
}

/** The Adamax internals of tfjs 4.22 (its getWeights throws). */
interface AdamaxInternals {
  iterations_: number;
  accumulatedFirstMoment: SlotVariable[];
  accumulatedWeightedInfNorm: SlotVariable[];
}

type Fields = Record<string, unknown>;

/** Reads the optimizer's state (downloading its tensors); the optimizer itself is left as it is. */
export async function captureOptimizerState(optimizer: Optimizer): Promise<OptimizerState> {
  const className = optimizer.getClassName();
  let iterations: number;
  let slots: NamedTensor[];
  if (className === 'Adamax') {
    const a = adamax(optimizer);
    iterations = optimizer.iterations;
    slots = [...a.accumulatedFirstMoment, ...a.accumulatedWeightedInfNorm].map((s) => ({ name: s.originalName, tensor: s.variable }));
  } else {
    let weights: NamedTensor[];
    try {
      weights = await optimizer.getWeights();
    } catch (e) {
      throw new Error(`cannot checkpoint the optimizer ${className}: ${(e as Error).message}`);
    }
    // The first entry is the step count, made for this call (the rest are the optimizer's own variables).
    const iter = weights[0]!;
    iterations = (await iter.tensor.data())[0]!;
    iter.tensor.dispose();
    slots = weights.slice(1);
  }
  return {
    className,
    iterations,
    learningRate: learningRateOf(optimizer),
    slots: await packTensors(slots),
    extra: await packTensors(extraVariables(optimizer, className)),
  };
}

/**
 * Puts a captured state into a fresh optimizer of the same class (one that has taken no step).
 * `rename` maps the captured model's variable names to the current model's.
 */
export async function restoreOptimizerState(tf: Tf, optimizer: Optimizer, state: OptimizerState, rename: ReadonlyMap<string, string>): Promise<void> {
  const className = optimizer.getClassName();
  if (className !== state.className) throw new Error(`the checkpoint holds ${state.className} state, the optimizer is ${className}`);
  if (optimizer.iterations !== 0) throw new Error('optimizer state can only be restored into an optimizer that has not stepped');
  const slots = unpackTensors(tf, state.slots).map((s) => ({ name: renameSlot(s.name, rename), tensor: s.tensor }));
  const extra = unpackTensors(tf, state.extra);
  try {
    if (className === 'Adamax') {
      const a = adamax(optimizer);
      const half = slots.length / 2;
      const toSlot = (s: NamedTensor): SlotVariable => ({ originalName: s.name, variable: s.tensor.variable(false) });
      a.accumulatedFirstMoment = slots.slice(0, half).map(toSlot);
      a.accumulatedWeightedInfNorm = slots.slice(half).map(toSlot);
      a.iterations_ = state.iterations;
    } else {
      const iter = tf.scalar(state.iterations, 'int32');
      try {
        await optimizer.setWeights([{ name: 'iter', tensor: iter }, ...slots]);
      } finally {
        iter.dispose();
      }
    }
    // After setWeights, which overwrites Adam's accBeta with pow(β, t + 1).
    const fields = optimizer as unknown as Fields;
    for (const { name, tensor } of extra) variableField(fields, name, className).assign(tensor);
    if (Number.isFinite(state.learningRate)) setLearningRate(optimizer, state.learningRate);
  } finally {
    // Variables made from these share their data (tfjs counts references), so the tensors can go.
    for (const t of [...slots, ...extra]) t.tensor.dispose();
  }
}

/** `<old variable>/<slot>` → `<new variable>/<slot>`; variable names themselves contain '/'. */
function renameSlot(name: string, rename: ReadonlyMap<string, string>): string {
  const cut = name.lastIndexOf('/');
  if (cut < 0) return name;
  const now = rename.get(name.slice(0, cut));
  return now === undefined ? name : `${now}${name.slice(cut)}`;
}

function extraVariables(optimizer: Optimizer, className: string): NamedTensor[] {
  const fields = optimizer as unknown as Fields;
  return (EXTRA_FIELDS[className] ?? []).map((name) => ({ name, tensor: variableField(fields, name, className) as Tensor }));
}

function variableField(fields: Fields, name: string, className: string): tfjs.Variable {
  const v = fields[name] as { assign?: unknown } | undefined;
  if (typeof v?.assign !== 'function') throw new Error(`cannot checkpoint the optimizer ${className}: it has no variable ${name} (another tfjs version?)`);
  return v as tfjs.Variable;
}

function adamax(optimizer: Optimizer): AdamaxInternals {
  const a = optimizer as unknown as AdamaxInternals;
  if (!Array.isArray(a.accumulatedFirstMoment) || !Array.isArray(a.accumulatedWeightedInfNorm)) {
    throw new Error('cannot checkpoint the optimizer Adamax: its slots are not where tfjs 4.22 keeps them');
  }
  return a;
}
