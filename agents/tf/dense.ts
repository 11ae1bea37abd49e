import * as tf from '@tensorflow/tfjs';

/** A dense layer's activation. */
export type DenseActivation = 'relu' | 'tanh' | 'linear';

/** Below this many elements tfjs's own tanh is cheaper: each of the four ops below costs several microseconds whatever its size. */
const SMALL_TANH = 2048;

/**
 * tanh(z), for large tensors as 2 sigmoid(2z) - 1: the WASM backend's tanh
 * kernel is scalar and about 8x slower than these four ops on 512x128 (1.44
 * vs 0.18 ms; 13 vs 30 us on 8x128, hence SMALL_TANH); the values agree to
 * about 1e-7.
 */
export function tanh(z: tf.Tensor2D): tf.Tensor2D {
  if (z.size <= SMALL_TANH) return tf.tanh(z);
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);
}

/** x . W + b, then the activation: one fused kernel for ReLU and linear layers. */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor, activation: DenseActivation): tf.Tensor2D {
  if (activation === 'tanh') return tanh(tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D);
  return tf.fused.matMul({ a: x, b: kernel, bias, activation }) as tf.Tensor2D;
}

/** One dense layer's weights and activation. */
export interface DenseLayer {
  kernel: tf.Tensor2D;
  bias: tf.Tensor;
  activation: DenseActivation;
}

/** dL/dz from dL/dy, with y = activation(z) the layer's output. */
function activationGrad(dy: tf.Tensor2D, out: tf.Tensor2D, activation: DenseActivation): tf.Tensor2D {
  if (activation === 'linear') return dy;
  return activation === 'relu' ? tf.mul(dy, tf.step(out)) : tf.mul(dy, tf.sub(1, tf.square(out)));
}

/** [dx (null unless asked for), dW, db] of z = x . W + b from dz; see `denseTrain` for why these ops. */
function linearGrads(dz: tf.Tensor2D, x: tf.Tensor2D, kernel: tf.Tensor2D, needInputGrad: boolean): [tf.Tensor2D | null, tf.Tensor2D, tf.Tensor1D] {
  const dx = needInputGrad ? (tf.matMul(dz, tf.transpose(kernel)) as tf.Tensor2D) : null;
  const dw = tf.matMul(tf.transpose(x), dz) as tf.Tensor2D;
  const db = tf.reshape(tf.matMul(tf.ones([1, dz.shape[0]]), dz), [-1]) as tf.Tensor1D;
  return [dx, dw, db];
}

/**
 * `dense` with a gradient built for the WASM backend, where tfjs's own is
 * slow in three places: the matMul gradient uses transpose flags (3.5x slower
 * than an explicit transpose and a plain matMul for a whole 128-128 MLP
 * step), the bias gradient is a sum over the batch axis (0.77 ms on 512x128,
 * against 0.02 ms as ones[1 x n] . dz), and tanh (see above). With
 * `needInputGrad` false the gradient with respect to x (observations) is
 * skipped. Tests check it against tfjs's autodiff.
 */
export function denseTrain(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: DenseActivation, needInputGrad: boolean): tf.Tensor2D {
  const layer = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [a, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const out = dense(a, w, b, activation);
    save([a, w, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sw, sout] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const [dx, dw, db] = linearGrads(activationGrad(dy as tf.Tensor2D, sout, activation), sa, sw, needInputGrad);
        return [dx ?? tf.zerosLike(sa), dw, db];
      },
    };
  });
  return layer(x, kernel, bias) as tf.Tensor2D;
}

/** A stack of dense layers on x: [x, output of layer 1, ..., output of the last], kept for `denseStackGrads`. */
export function denseStack(layers: DenseLayer[], x: tf.Tensor2D): tf.Tensor2D[] {
  const outputs = [x];
  for (const layer of layers) outputs.push(dense(outputs.at(-1) as tf.Tensor2D, layer.kernel, layer.bias, layer.activation));
  return outputs;
}

/**
 * Backpropagation by hand through `denseStack`: the gradients [dW1, db1,
 * dW2, db2, ...] of a loss whose gradient with respect to the last output is
 * `dOut`. No tape and no custom-gradient wrappers: a learner that computes
 * its loss's gradient itself (DQN's Huber loss on one Q value per row) runs
 * a few plain kernels a layer. Call inside tf.tidy.
 */
export function denseStackGrads(layers: DenseLayer[], outputs: tf.Tensor2D[], dOut: tf.Tensor2D): tf.Tensor[] {
  const grads: tf.Tensor[] = new Array<tf.Tensor>(2 * layers.length);
  let dy = dOut;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i] as DenseLayer;
    const [dx, dw, db] = linearGrads(activationGrad(dy, outputs[i + 1] as tf.Tensor2D, layer.activation), outputs[i] as tf.Tensor2D, layer.kernel, i > 0);
    grads[2 * i] = dw;
    grads[2 * i + 1] = db;
    if (dx) dy = dx;
  }
  return grads;
}
