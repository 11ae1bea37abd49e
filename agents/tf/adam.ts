import * as tf from '@tensorflow/tfjs';
import { bytesOf, concatBytes } from './tensors.ts';

/**
 * Adam (torch.optim.Adam's update) in plain JS over float32 state, with
 * global gradient-norm clipping done by the caller (`clipScale`). Its whole
 * state is `step` and the moments, so it saves and restores bit-exactly
 * (`toBytes` / `restore`); a 27-128-128-9 actor-critic has 43k weights: under
 * a millisecond per step.
 */
export class Adam {
  step = 0;
  readonly m: Float32Array[];
  readonly v: Float32Array[];

  constructor(
    sizes: number[],
    private readonly learningRate: number,
    private readonly epsilon: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
  ) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /** p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), on g * scale. */
  apply(params: Float32Array[], grads: Float32Array[], scale: number): void {
    this.step++;
    const { beta1: b1, beta2: b2 } = this;
    const stepSize = this.learningRate / (1 - b1 ** this.step);
    const correction2 = Math.sqrt(1 - b2 ** this.step);
    params.forEach((p, i) => {
      const g = grads[i] as Float32Array;
      const m = this.m[i] as Float32Array;
      const v = this.v[i] as Float32Array;
      for (let j = 0; j < p.length; j++) {
        const gj = (g[j] as number) * scale;
        m[j] = b1 * (m[j] as number) + (1 - b1) * gj;
        v[j] = b2 * (v[j] as number) + (1 - b2) * gj * gj;
        p[j] = (p[j] as number) - (stepSize * (m[j] as number)) / (Math.sqrt(v[j] as number) / correction2 + this.epsilon);
      }
    });
  }

  /** The moments, first then second, back to back (the step is saved apart). */
  toBytes(): Uint8Array {
    return concatBytes([...this.m, ...this.v]);
  }

  /** Restores `toBytes()` and the step; throws when the sizes differ. */
  restore(bytes: Buffer, step: number): void {
    const floats = new Float32Array(bytesOf(bytes));
    let offset = 0;
    for (const slot of [...this.m, ...this.v]) {
      slot.set(floats.subarray(offset, offset + slot.length));
      offset += slot.length;
    }
    if (offset !== floats.length) throw new RangeError(`Adam's saved state holds ${floats.length} numbers, expected ${offset}`);
    this.step = step;
  }
}

/** torch's clip_grad_norm_: the factor min(1, max / (norm + 1e-6)) for the global L2 norm. */
export function clipScale(grads: Float32Array[], maxNorm: number): number {
  let sum = 0;
  for (const g of grads) for (let j = 0; j < g.length; j++) sum += (g[j] as number) ** 2;
  return Math.min(1, maxNorm / (Math.sqrt(sum) + 1e-6));
}

/** A tensor with a name, as optimizers take and give them (tfjs does not export the type). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** The JSON half of a saved tfjs Adam; the moments go to a binary file. */
export interface TfAdamState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  tensors: Array<{ name: string; shape: number[]; offset: number; length: number }>;
}

/** Adam keeps beta^t in private variables; restoring them exactly (not as pow(beta, t)) keeps resumed training bit-identical. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** Saves a tfjs AdamOptimizer's whole state: iterations, beta powers, and the moments in its own (variable) order. */
export async function saveTfAdam(optimizer: tf.AdamOptimizer): Promise<{ state: TfAdamState; bytes: Uint8Array }> {
  const [iter, ...moments] = await optimizer.getWeights();
  const iterations = (await (iter as NamedTensor).tensor.data())[0] as number;
  (iter as NamedTensor).tensor.dispose(); // getWeights makes a fresh scalar for it
  const adam = optimizer as unknown as AdamInternals;
  const tensors: TfAdamState['tensors'] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const { name, tensor } of moments) {
    const values = (await tensor.data()) as Float32Array;
    tensors.push({ name, shape: tensor.shape, offset, length: values.length });
    chunks.push(values);
    offset += values.length;
  }
  const state: TfAdamState = {
    iterations,
    accBeta1: (await adam.accBeta1.data())[0] as number,
    accBeta2: (await adam.accBeta2.data())[0] as number,
    tensors,
  };
  return { state, bytes: concatBytes(chunks) };
}

/** A new tfjs AdamOptimizer holding what `saveTfAdam` saved. */
export async function restoreTfAdam(state: TfAdamState, bytes: Buffer, learningRate: number): Promise<tf.AdamOptimizer> {
  const values = new Float32Array(bytesOf(bytes));
  const optimizer = tf.train.adam(learningRate);
  const weights: NamedTensor[] = [
    { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ...state.tensors.map((t) => ({ name: t.name, tensor: tf.tensor(values.subarray(t.offset, t.offset + t.length), t.shape) })),
  ];
  await optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor)); // setWeights made variables of its own
  const adam = optimizer as unknown as AdamInternals;
  tf.tidy(() => {
    adam.accBeta1.assign(tf.scalar(state.accBeta1));
    adam.accBeta2.assign(tf.scalar(state.accBeta2));
  });
  return optimizer;
}
