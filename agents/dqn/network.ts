import * as tf from '@tensorflow/tfjs';
import type { LearnerSpec } from '../agent.ts';
import { dense, type DenseLayer } from '../tf/dense.ts';
import type { DqnConfig } from './config.ts';

/**
 * observation -> hidden ReLU layers -> one linear Q value per action. The
 * LayersModel holds the weights and is what checkpoints save; the math runs
 * on its variables directly (`qForward`, and `denseStack` with its
 * hand-written gradients for training).
 */
export function buildQNetwork(spec: LearnerSpec, config: DqnConfig, seed: number): tf.LayersModel {
  const model = tf.sequential();
  const sizes = [...config.hiddenSizes, spec.actionCount];
  sizes.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: i < sizes.length - 1 ? 'relu' : 'linear',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 101 + i }),
        biasInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [spec.observationSize] } : {}),
      }),
    );
  });
  return model;
}

/** The network's variables: kernel, bias, kernel, bias, ... (the order Adam's state is saved in). */
export function weightsOf(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * Q values for a batch, one fused matMul + bias + ReLU per layer. Not
 * `model.predict`, which splits batches into chunks of 32, nor `model.apply`,
 * which runs three kernels per layer.
 */
export function qForward(weights: tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < weights.length; i += 2) {
    const last = i + 2 >= weights.length;
    h = dense(h, weights[i] as tf.Tensor2D, weights[i + 1] as tf.Tensor, last ? 'linear' : 'relu');
  }
  return h;
}

/** The network's layers for `denseStack` and `denseStackGrads` (hand-written backward pass). */
export function denseLayers(weights: tf.Tensor[]): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let i = 0; i < weights.length; i += 2) {
    layers.push({ kernel: weights[i] as tf.Tensor2D, bias: weights[i + 1] as tf.Tensor, activation: i + 2 >= weights.length ? 'linear' : 'relu' });
  }
  return layers;
}
