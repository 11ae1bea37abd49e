/**
 * PPO's actor-critic MLP with ppo.py's layer_init (orthogonal weights, gain
 * sqrt(2) hidden, 0.01 policy head, 1 value head; zero biases). A layers
 * model holds the weights (and saves them); `forward` runs raw ops on its
 * variables, with the dense layers of agents/tf/dense.ts (fast gradients and
 * tanh on WASM).
 */
import * as tf from '@tensorflow/tfjs';
import type { SeededRng } from '../../src/core/rng.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import type { LearnerSpec } from '../agent.ts';
import { dense, denseTrain } from '../tf/dense.ts';
import type { PpoConfig } from './config.ts';

/** A seeded standard normal (Box-Muller). */
function gaussian(rng: SeededRng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A [rows x cols] kernel (row-major) with orthonormal rows or columns, times `gain` (torch's orthogonal_). */
function orthogonal(rows: number, cols: number, gain: number, rng: SeededRng): Float32Array {
  const n = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  // k Gaussian vectors of length n, orthonormalised (modified Gram-Schmidt = QR with a positive diagonal).
  const q = Array.from({ length: k }, () => Float64Array.from({ length: n }, () => gaussian(rng)));
  for (let j = 0; j < k; j++) {
    const v = q[j] as Float64Array;
    for (let i = 0; i < j; i++) {
      const u = q[i] as Float64Array;
      let dot = 0;
      for (let r = 0; r < n; r++) dot += (u[r] as number) * (v[r] as number);
      for (let r = 0; r < n; r++) v[r] = (v[r] as number) - dot * (u[r] as number);
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += (v[r] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < n; r++) v[r] = (v[r] as number) / norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows >= cols: column c is vector c; otherwise row r is vector r.
      out[r * cols + c] = gain * (rows >= cols ? ((q[c] as Float64Array)[r] as number) : ((q[r] as Float64Array)[c] as number));
    }
  }
  return out;
}

/**
 * The actor-critic as a layers model: observation -> [logits (actionCount),
 * value (1)]. The model holds the weights (and saves them with saveModel);
 * acting and training run `forward` below on the same variables.
 */
export function buildModel(spec: LearnerSpec, config: PpoConfig, rng: SeededRng): tf.LayersModel {
  const input = tf.input({ shape: [spec.observationSize], name: 'observation' });
  const gains = new Map<string, number>();
  const dense = (name: string, units: number, gain: number, activation?: 'tanh' | 'relu') => {
    gains.set(name, gain);
    return tf.layers.dense({ name, units, activation: activation ?? 'linear', kernelInitializer: 'zeros', biasInitializer: 'zeros' });
  };
  const tower = (prefix: string): tf.SymbolicTensor =>
    config.hidden.reduce<tf.SymbolicTensor>((x, units, i) => dense(`${prefix}_${i}`, units, Math.SQRT2, config.activation).apply(x) as tf.SymbolicTensor, input);
  const actorFeatures = tower(config.sharedTrunk ? 'trunk' : 'actor');
  const criticFeatures = config.sharedTrunk ? actorFeatures : tower('critic');
  const logits = dense('policy', spec.actionCount, 0.01).apply(actorFeatures) as tf.SymbolicTensor;
  const value = dense('value', 1, 1).apply(criticFeatures) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [logits, value], name: 'ppo_actor_critic' });
  tf.tidy(() => {
    for (const [name, gain] of gains) {
      const layer = model.getLayer(name);
      const [kernel, bias] = layer.getWeights() as [tf.Tensor2D, tf.Tensor1D];
      const [rows, cols] = kernel.shape;
      layer.setWeights([tf.tensor2d(orthogonal(rows, cols, gain, rng), [rows, cols]), tf.zerosLike(bias)]);
    }
  });
  return model;
}

/** One dense layer's variables. */
export interface DenseVars {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** The model's layers in call order (`critic === actor` for a shared trunk). */
export interface Network {
  actor: DenseVars[];
  critic: DenseVars[];
  policy: DenseVars;
  value: DenseVars;
  activation: PpoConfig['activation'];
}

export function networkOf(model: tf.LayersModel, config: PpoConfig): Network {
  const layer = (name: string): DenseVars => {
    const [kernel, bias] = model.getLayer(name).trainableWeights.map((w) => w.read() as tf.Variable);
    if (!kernel || !bias) throw new InvalidOptionError(`The model's layer ${name} has no kernel and bias`);
    return { kernel, bias };
  };
  const tower = (prefix: string): DenseVars[] => config.hidden.map((_, i) => layer(`${prefix}_${i}`));
  const actor = tower(config.sharedTrunk ? 'trunk' : 'actor');
  return { actor, critic: config.sharedTrunk ? actor : tower('critic'), policy: layer('policy'), value: layer('value'), activation: config.activation };
}

/** [logits (n x actionCount), values (n)] for a batch of observations; `train` for layers with the fast gradients (inside a gradient only). */
export function forward(net: Network, x: tf.Tensor2D, train = false): [tf.Tensor2D, tf.Tensor1D] {
  // The observations need no gradient: the first layer of each tower skips it.
  const layer = (h: tf.Tensor2D, d: DenseVars, activation: 'tanh' | 'relu' | 'linear'): tf.Tensor2D =>
    train ? denseTrain(h, d.kernel as tf.Tensor2D, d.bias as tf.Tensor1D, activation, h !== x) : dense(h, d.kernel as tf.Tensor2D, d.bias, activation);
  const tower = (layers: DenseVars[]): tf.Tensor2D => layers.reduce((h, d) => layer(h, d, net.activation), x);
  const actorFeatures = tower(net.actor);
  const criticFeatures = net.critic === net.actor ? actorFeatures : tower(net.critic);
  return [layer(actorFeatures, net.policy, 'linear'), tf.reshape(layer(criticFeatures, net.value, 'linear'), [-1])];
}

/** log pi(.|s) over legal actions: logits + (mask - 1) * 1e9, then log-softmax. */
export function maskedLogProbs(logits: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.logSoftmax(tf.add(logits, tf.mul(tf.sub(mask, 1), 1e9))) as tf.Tensor2D;
}
