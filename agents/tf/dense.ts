import * as tf from '@tensorflow/tfjs';

/**
 * The gradients of x . W with explicit transposes and plain matMuls: tfjs's
 * own gradient of matMul uses the transpose flags, which the WASM kernel runs
 * several times slower (3.5x for a whole 128-128 MLP step at batch 256,
 * gradients equal to 6e-8). `needInputGrad` false skips dx (observations).
 */
function matMulGrads(dz: tf.Tensor2D, x: tf.Tensor2D, w: tf.Tensor2D, needInputGrad: boolean): [tf.Tensor, tf.Tensor] {
  return [needInputGrad ? tf.matMul(dz, tf.transpose(w)) : tf.zerosLike(x), tf.matMul(tf.transpose(x), dz)];
}

/** a . b with the fast gradient above (PPO's layers: matMul, add the bias, then tanh or ReLU). */
export const matMul = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [x, w] = saved as [tf.Tensor2D, tf.Tensor2D];
      return matMulGrads(dy, x, w, true);
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor) => tf.Tensor2D;

/**
 * A fused dense layer (x . W + b, then ReLU unless `linear`) with the fast
 * gradient above (DQN's Q-network); `needInputGrad` false skips the gradient
 * with respect to x. Tests check it against tfjs's autodiff.
 */
export function denseTrain(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, linear: boolean, needInputGrad: boolean): tf.Tensor2D {
  const layer = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [a, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const out = tf.fused.matMul({ a, b: w, bias: b, activation: linear ? 'linear' : 'relu' }) as tf.Tensor2D;
    save([a, w, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sw, sout] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = linear ? (dy as tf.Tensor2D) : (dy as tf.Tensor2D).mul(tf.step(sout));
        return [...matMulGrads(dz as tf.Tensor2D, sa, sw, needInputGrad), dz.sum(0)];
      },
    };
  });
  return layer(x, kernel, bias) as tf.Tensor2D;
}
