/**
 * Hypergradient descent (Baydin, Cornish, Martínez Rubio, Schmidt & Wood, "Online Learning Rate
 * Adaptation with Hypergradient Descent", ICLR 2018): the learning rate α is itself updated by
 * gradient descent on the loss, using the derivative of the loss with respect to α through the
 * previous update u_{t−1}:
 *
 *   h_t = ∇f(θ_{t−1}) · ∂u_{t−1}/∂α          (h_1 = 0: u_0 does not depend on α)
 *   α_t = α_{t−1} − β h_t
 *
 * SGD-HD (the paper's Algorithm 1):  u_t = −α_t g_t, so h_t = −g_t · g_{t−1}.
 * Adam-HD (Algorithm 2):             u_t = −α_t m̂_t / (√v̂_t + ε), so h_t = −g_t · m̂_{t−1} / (√v̂_{t−1} + ε),
 * with m̂, v̂ Adam's bias-corrected moments, exactly as tf.train.adam computes them; with β = 0
 * these are tf.train.sgd and tf.train.adam.
 *
 * Both are tf.Optimizer subclasses, so `model.compile({ optimizer })` and `model.fit` use them like
 * the built-in ones. α lives on the JS side as `learningRate` (as the built-in optimizers keep
 * theirs), so the trainer logs the adapted rate; reading h_t costs one scalar download per batch.
 * The classes are registered for serialisation, so saved models that carry them load again.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Optimizer, Tensor, Tf } from './tf';

type Variable = tfjs.Variable;
type NamedGradients = tfjs.NamedTensorMap | Array<{ name: string; tensor: Tensor }>;

export interface HypergradientOptimizer extends Optimizer {
  /** α: the rate the last step used; the next step adapts it before using it. */
  learningRate: number;
  /** β, the hypergradient learning rate. */
  readonly hypergradientLr: number;
  /** h of the last step (0 after the first). */
  readonly lastHypergradient: number;
}

export interface SgdHdConfig {
  learningRate: number;
  hypergradientLr: number;
}

export interface AdamHdConfig extends SgdHdConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface HypergradientFactories {
  sgdHd(config: SgdHdConfig): HypergradientOptimizer;
  adamHd(config: AdamHdConfig): HypergradientOptimizer;
}

/** Serialisation names (the class names of the authors' PyTorch code). */
export const SGD_HD_CLASS = 'SGDHD';
export const ADAM_HD_CLASS = 'AdamHD';

/**
 * The factories for one tfjs module. The classes must extend that module's own tf.Optimizer and
 * register with its serialisation map, so they are made once per module.
 */
export function hypergradientOptimizers(tf: Tf): HypergradientFactories {
  let made = byModule.get(tf);
  if (!made) {
    made = makeClasses(tf);
    byModule.set(tf, made);
  }
  return made;
}

const byModule = new WeakMap<Tf, HypergradientFactories>();

function gradientList(grads: NamedGradients): Array<{ name: string; tensor: Tensor }> {
  const list = Array.isArray(grads) ? grads : Object.keys(grads).map((name) => ({ name, tensor: grads[name]! }));
  // tfjs passes null for variables the loss does not depend on; the built-in optimizers skip them.
  return list.filter((g) => g.tensor != null);
}

/** Σ_i g_i · other_i over the variables both hold, read back as a number. */
function dot(tf: Tf, grads: ReadonlyArray<{ name: string; tensor: Tensor }>, other: (name: string) => Tensor | undefined): number {
  const total = tf.tidy(() => {
    let sum: Tensor = tf.scalar(0);
    for (const { name, tensor } of grads) {
      const o = other(name);
      if (o) sum = tf.add(sum, tf.sum(tf.mul(tensor, o)));
    }
    return sum;
  });
  const value = total.dataSync()[0]!;
  total.dispose();
  return value;
}

function variableNamed(tf: Tf, name: string): Variable {
  const v = tf.engine().registeredVariables[name];
  if (!v) throw new Error(`hypergradient optimizer: no variable named ${name}`);
  return v;
}

/** A non-trainable variable holding `init`, for optimizer state. */
function slot(tf: Tf, init: Tensor): Variable {
  return tf.variable(init, false);
}

function makeClasses(tf: Tf): HypergradientFactories {
  class SgdHd extends tf.Optimizer implements HypergradientOptimizer {
    static get className(): string {
      return SGD_HD_CLASS;
    }
    learningRate: number;
    readonly hypergradientLr: number;
    lastHypergradient = 0;
    /** g_{t−1} per variable name. */
    private previous = new Map<string, Variable>();

    constructor(config: SgdHdConfig) {
      super();
      this.learningRate = config.learningRate;
      this.hypergradientLr = config.hypergradientLr;
    }

    applyGradients(variableGradients: NamedGradients): void {
      const grads = gradientList(variableGradients);
      const h = this.previous.size === 0 ? 0 : -dot(tf, grads, (n) => this.previous.get(n));
      this.lastHypergradient = h;
      this.learningRate -= this.hypergradientLr * h;
      const alpha = this.learningRate;
      tf.tidy(() => {
        for (const { name, tensor: g } of grads) {
          const value = variableNamed(tf, name);
          value.assign(tf.add(tf.mul(g, -alpha), value));
          const prev = this.previous.get(name);
          if (prev) prev.assign(g);
          else this.previous.set(name, slot(tf, g));
        }
      });
      this.incrementIterations();
    }

    override dispose(): void {
      for (const v of this.previous.values()) v.dispose();
      this.previous.clear();
      super.dispose();
    }

    override async getWeights(): Promise<Array<{ name: string; tensor: Tensor }>> {
      const state = [...this.previous].map(([name, v]) => ({ name: `${name}/prev`, tensor: v as Tensor }));
      return [await this.saveIterations(), ...state];
    }

    override async setWeights(weights: Array<{ name: string; tensor: Tensor }>): Promise<void> {
      const rest = await this.extractIterations(weights);
      for (const v of this.previous.values()) v.dispose();
      this.previous = new Map(rest.map((w) => [w.name.replace(/\/prev$/, ''), slot(tf, w.tensor)]));
    }

    getConfig(): tfjs.serialization.ConfigDict {
      return { learningRate: this.learningRate, hypergradientLr: this.hypergradientLr };
    }
  }

  class AdamHd extends tf.Optimizer implements HypergradientOptimizer {
    static get className(): string {
      return ADAM_HD_CLASS;
    }
    learningRate: number;
    readonly hypergradientLr: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly epsilon: number;
    lastHypergradient = 0;
    /** Per variable: the moments m and v, and the last direction m̂ / (√v̂ + ε) (= −∂u/∂α). */
    private slots = new Map<string, { m: Variable; v: Variable; direction: Variable }>();

    constructor(config: AdamHdConfig) {
      super();
      this.learningRate = config.learningRate;
      this.hypergradientLr = config.hypergradientLr;
      this.beta1 = config.beta1;
      this.beta2 = config.beta2;
      this.epsilon = config.epsilon;
    }

    applyGradients(variableGradients: NamedGradients): void {
      const grads = gradientList(variableGradients);
      const t = this.iterations + 1;
      const h = t === 1 ? 0 : -dot(tf, grads, (n) => this.slots.get(n)?.direction);
      this.lastHypergradient = h;
      this.learningRate -= this.hypergradientLr * h;
      const alpha = this.learningRate;
      const { beta1, beta2, epsilon } = this;
      const correction1 = 1 - beta1 ** t;
      const correction2 = 1 - beta2 ** t;
      tf.tidy(() => {
        for (const { name, tensor: g } of grads) {
          const value = variableNamed(tf, name);
          let s = this.slots.get(name);
          if (!s) {
            s = { m: slot(tf, tf.zerosLike(value)), v: slot(tf, tf.zerosLike(value)), direction: slot(tf, tf.zerosLike(value)) };
            this.slots.set(name, s);
          }
          const m = tf.add(tf.mul(s.m, beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(s.v, beta2), tf.mul(tf.square(g), 1 - beta2));
          const direction = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
          s.m.assign(m);
          s.v.assign(v);
          s.direction.assign(direction);
          value.assign(tf.add(tf.mul(direction, -alpha), value));
        }
      });
      this.incrementIterations();
    }

    override dispose(): void {
      for (const s of this.slots.values()) for (const v of [s.m, s.v, s.direction]) v.dispose();
      this.slots.clear();
      super.dispose();
    }

    override async getWeights(): Promise<Array<{ name: string; tensor: Tensor }>> {
      const state = [...this.slots].flatMap(([name, s]) => [
        { name: `${name}/m`, tensor: s.m as Tensor },
        { name: `${name}/v`, tensor: s.v as Tensor },
        { name: `${name}/direction`, tensor: s.direction as Tensor },
      ]);
      return [await this.saveIterations(), ...state];
    }

    override async setWeights(weights: Array<{ name: string; tensor: Tensor }>): Promise<void> {
      const rest = await this.extractIterations(weights);
      for (const s of this.slots.values()) for (const v of [s.m, s.v, s.direction]) v.dispose();
      this.slots = new Map();
      for (let i = 0; i + 2 < rest.length; i += 3) {
        const name = rest[i]!.name.replace(/\/m$/, '');
        this.slots.set(name, { m: slot(tf, rest[i]!.tensor), v: slot(tf, rest[i + 1]!.tensor), direction: slot(tf, rest[i + 2]!.tensor) });
      }
    }

    getConfig(): tfjs.serialization.ConfigDict {
      const { learningRate, hypergradientLr, beta1, beta2, epsilon } = this;
      return { learningRate, hypergradientLr, beta1, beta2, epsilon };
    }
  }

  // The default fromConfig is `new cls(config)`, which is what these constructors take.
  tf.serialization.registerClass(SgdHd as unknown as tfjs.serialization.SerializableConstructor<tfjs.serialization.Serializable>);
  tf.serialization.registerClass(AdamHd as unknown as tfjs.serialization.SerializableConstructor<tfjs.serialization.Serializable>);
  return {
    sgdHd: (config) => new SgdHd(config),
    adamHd: (config) => new AdamHd(config),
  };
}
