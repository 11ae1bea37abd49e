import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/rng.ts';
import { initBackend } from './backend.ts';
import { dense, denseTrain, tanh, type DenseActivation } from './dense.ts';

const rng = new SeededRng('dense');
const random = (...shape: number[]): tf.Tensor =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rng.next() - 1),
    shape,
  );

/** The layer as tfjs's own ops compute it, differentiated by tfjs. */
function reference(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: DenseActivation): tf.Tensor2D {
  const z = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  return activation === 'tanh' ? tf.tanh(z) : activation === 'relu' ? tf.relu(z) : z;
}

describe('dense layers for training on WASM', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('tanh as 2 sigmoid(2z) - 1 agrees with tf.tanh', () => {
    const z = tf.mul(random(256, 32), 6) as tf.Tensor2D;
    const ours = tanh(z).dataSync();
    const theirs = tf.tanh(z).dataSync();
    ours.forEach((v, i) => expect(Math.abs(v - (theirs[i] as number))).toBeLessThan(1e-6));
    z.dispose();
  });

  // 160 x 16 outputs: tanh through sigmoids; 48 x 16: tfjs's tanh (small tensors).
  for (const [activation, rows] of [
    ['relu', 48],
    ['tanh', 48],
    ['tanh', 160],
    ['linear', 48],
  ] as const) {
    it(`${activation}, ${rows} rows: the values and gradients of tfjs's autodiff (input gradient or not)`, () => {
      const x = random(rows, 27) as tf.Tensor2D;
      const w = random(27, 16) as tf.Tensor2D;
      const b = random(16) as tf.Tensor1D;
      const upstream = random(rows, 16);
      const loss = (layer: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D) => (a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(layer(a as tf.Tensor2D, k as tf.Tensor2D, c as tf.Tensor1D), upstream));
      const theirs = tf
        .grads(loss((a, k, c) => reference(a, k, c, activation)))([x, w, b])
        .map((g) => g.dataSync());
      for (const needInputGrad of [true, false]) {
        const ours = tf
          .grads(loss((a, k, c) => denseTrain(a, k, c, activation, needInputGrad)))([x, w, b])
          .map((g) => g.dataSync());
        ours.forEach((g, j) => {
          const expected = j === 0 && !needInputGrad ? new Float32Array(g.length) : (theirs[j] as Float32Array);
          expect(g.length).toBe(expected.length);
          g.forEach((v, i) => expect(Math.abs(v - (expected[i] as number))).toBeLessThan(1e-5));
        });
      }
      const values = dense(x, w, b, activation).dataSync();
      const expected = reference(x, w, b, activation).dataSync();
      values.forEach((v, i) => expect(Math.abs(v - (expected[i] as number))).toBeLessThan(1e-6));
      tf.dispose([x, w, b, upstream]);
    });
  }
});
