/**
 * Proximal Policy Optimization (PPO, clipped objective) for discrete actions
 * with legal-action masks, in the shape of CleanRL's ppo.py: config, network,
 * acting (sampling remembers log-prob and value), rollout storage, GAE, and
 * the update (epochs x minibatches of clipped policy loss + value loss -
 * entropy bonus, global gradient-norm clipping, Adam).
 *
 * Differences from ppo.py, because envs here step asynchronously:
 * - Rollouts are kept per env id (`spec.numEnvs` buffers): transitions of
 *   different envs arrive interleaved and in batches of varying env ids.
 * - `learn` updates once the TOTAL number of recorded transitions reaches
 *   `numEnvs * rolloutSteps` (not when every env has `rolloutSteps`): a slow
 *   or stalled env never holds the others back. Each env's buffer, whatever
 *   its length, is a contiguous trajectory segment and gets its own GAE,
 *   bootstrapped from V(nextObservation) at its last transition.
 * - Truncated transitions bootstrap from V(nextObservation) too (ppo.py
 *   treats them as terminal); so does a transition whose nextObservation is
 *   not the next recorded observation of its env (a step left unrecorded).
 * - Self-play needs nothing special: the seats of one session are simply
 *   different env ids, each with its own rewards and buffer.
 * - Explore results remembered before an update and recorded after it go
 *   into the next rollout with the log-probs of the policy that acted.
 * - No learning-rate annealing (it needs the run's total steps).
 *
 * Illegal actions get logit + (mask - 1) * 1e9 (arithmetic, no `where`, whose
 * condition has no gradient on WASM); the log-prob of the taken action is
 * picked with a one-hot product and a sum (training through `gather` fails on
 * WASM). An all-zero mask is treated as "every action allowed".
 *
 * Speed on the WASM backend, where every tfjs op costs tens of microseconds:
 * acting downloads logits and values from one forward pass and does the mask
 * arithmetic, softmax and sampling in JS; the network runs as raw ops on the
 * layers model's variables (the model holds them for saveModel) with a matMul
 * whose gradient avoids the slow transpose-flagged kernels; Adam and the
 * gradient-norm clip run in JS on float32 copies of the weights, which also
 * makes Adam's state save and restore bit-exactly (tfjs's AdamOptimizer
 * recomputes its bias corrections with pow() on load: a restored run would
 * drift). The smoke run in ppo.test.ts (8 TicTacToe envs, 20k steps, 64-64
 * nets) takes about 10 s.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '../src/core/errors.ts';
import { SeededRng } from '../src/core/rng.ts';
import { initBackend } from '../src/tf/backend.ts';
import { loadModel, saveModel } from '../src/tf/io.ts';
import type { Learner, LearnerSpec, LearnStats, TransitionBatch } from './agent.ts';

// ---------------------------------------------------------------------------
// 1. Config
// ---------------------------------------------------------------------------

/** PPO's hyperparameters; `PPO_DEFAULTS` has a value for every field. */
export interface PpoConfig {
  /** Hidden layer sizes (of the shared trunk, or of the actor and of the critic each). */
  hidden: number[];
  /** One trunk with a policy head and a value head (true), or separate actor and critic networks (false, as ppo.py). */
  sharedTrunk: boolean;
  /** Hidden-layer activation. */
  activation: 'tanh' | 'relu';
  learningRate: number;
  /** Adam's epsilon (ppo.py: 1e-5). */
  adamEpsilon: number;
  gamma: number;
  gaeLambda: number;
  /** Rewards are multiplied by this before they are stored (Yahtzee's points: 0.02 keeps values near 1-5 for the value loss). */
  rewardScale: number;
  /** Transitions per env per rollout: an update uses numEnvs * rolloutSteps transitions. */
  rolloutSteps: number;
  /** Passes over each rollout. */
  epochs: number;
  /** Minibatches per epoch. */
  minibatches: number;
  /** Policy ratio clip range (and value clip range when clipValueLoss). */
  clip: number;
  /** Clip the value prediction's change around the rollout's value, as ppo.py's clip_vloss. */
  clipValueLoss: boolean;
  valueCoef: number;
  entropyCoef: number;
  /** Global gradient-norm limit. */
  maxGradNorm: number;
  /** Normalise advantages per minibatch. */
  normalizeAdvantages: boolean;
  /** Seeds weight init, action sampling and minibatch shuffling. Default: `spec.seed`, else 0. */
  seed: number;
}

export const PPO_DEFAULTS: Readonly<PpoConfig> = Object.freeze({
  hidden: [128, 128],
  sharedTrunk: false,
  activation: 'tanh',
  learningRate: 3e-4,
  adamEpsilon: 1e-5,
  gamma: 0.99,
  gaeLambda: 0.95,
  rewardScale: 1,
  rolloutSteps: 128,
  epochs: 4,
  minibatches: 4,
  clip: 0.2,
  clipValueLoss: true,
  valueCoef: 0.5,
  entropyCoef: 0.01,
  maxGradNorm: 0.5,
  normalizeAdvantages: true,
  seed: 0,
}) as Readonly<PpoConfig>;

const ACTIVATIONS = ['tanh', 'relu'] as const;
const CHECKPOINT_FORMAT = 'ppo-checkpoint-1';

function show(value: unknown): string {
  if (typeof value === 'string' || Array.isArray(value) || (typeof value === 'object' && value !== null)) return JSON.stringify(value);
  return String(value);
}

function check(ok: boolean, key: string, what: string, value: unknown): void {
  if (!ok) throw new InvalidOptionError(`Expected ${key} to be ${what}, got ${show(value)}`);
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isPositiveInt = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0;

/** Checks a learner spec. */
function checkSpec(spec: LearnerSpec): void {
  check(typeof spec === 'object' && spec !== null, 'spec', 'an object', spec);
  check(isPositiveInt(spec.observationSize), 'observationSize', 'a positive integer', spec.observationSize);
  check(isPositiveInt(spec.actionCount) && spec.actionCount >= 2, 'actionCount', 'an integer of at least 2', spec.actionCount);
  check(isPositiveInt(spec.numEnvs), 'numEnvs', 'a positive integer', spec.numEnvs);
  check(Number.isSafeInteger(spec.seed), 'seed', 'an integer', spec.seed);
}

/** Fills in defaults (seed from the spec) and checks every field; throws InvalidOptionError. */
export function resolvePpoConfig(spec: LearnerSpec, config: Partial<PpoConfig> = {}): PpoConfig {
  check(typeof config === 'object' && config !== null && !Array.isArray(config), 'config', 'an object', config);
  for (const key of Object.keys(config)) {
    if (!(key in PPO_DEFAULTS)) {
      throw new InvalidOptionError(`Unknown PPO option ${JSON.stringify(key)}; expected one of ${Object.keys(PPO_DEFAULTS).join(', ')}`);
    }
  }
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as Partial<PpoConfig>;
  const c: PpoConfig = { ...PPO_DEFAULTS, seed: spec.seed ?? PPO_DEFAULTS.seed, ...defined };
  check(Array.isArray(c.hidden) && c.hidden.every(isPositiveInt), 'hidden', 'a list of positive integers', c.hidden);
  c.hidden = [...c.hidden];
  check(typeof c.sharedTrunk === 'boolean', 'sharedTrunk', 'a boolean', c.sharedTrunk);
  check(ACTIVATIONS.includes(c.activation), 'activation', ACTIVATIONS.join(' or '), c.activation);
  check(isNumber(c.learningRate) && c.learningRate > 0, 'learningRate', 'a positive number', c.learningRate);
  check(isNumber(c.adamEpsilon) && c.adamEpsilon > 0, 'adamEpsilon', 'a positive number', c.adamEpsilon);
  check(isNumber(c.gamma) && c.gamma >= 0 && c.gamma <= 1, 'gamma', 'a number from 0 to 1', c.gamma);
  check(isNumber(c.gaeLambda) && c.gaeLambda >= 0 && c.gaeLambda <= 1, 'gaeLambda', 'a number from 0 to 1', c.gaeLambda);
  check(isNumber(c.rewardScale) && c.rewardScale > 0, 'rewardScale', 'a positive number', c.rewardScale);
  check(isPositiveInt(c.rolloutSteps), 'rolloutSteps', 'a positive integer', c.rolloutSteps);
  check(isPositiveInt(c.epochs), 'epochs', 'a positive integer', c.epochs);
  check(isPositiveInt(c.minibatches), 'minibatches', 'a positive integer', c.minibatches);
  const batch = spec.numEnvs * c.rolloutSteps;
  check(c.minibatches <= batch, 'minibatches', `at most numEnvs * rolloutSteps (${batch})`, c.minibatches);
  check(isNumber(c.clip) && c.clip > 0, 'clip', 'a positive number', c.clip);
  check(typeof c.clipValueLoss === 'boolean', 'clipValueLoss', 'a boolean', c.clipValueLoss);
  check(isNumber(c.valueCoef) && c.valueCoef >= 0, 'valueCoef', 'a non-negative number', c.valueCoef);
  check(isNumber(c.entropyCoef) && c.entropyCoef >= 0, 'entropyCoef', 'a non-negative number', c.entropyCoef);
  check(isNumber(c.maxGradNorm) && c.maxGradNorm > 0, 'maxGradNorm', 'a positive number', c.maxGradNorm);
  check(typeof c.normalizeAdvantages === 'boolean', 'normalizeAdvantages', 'a boolean', c.normalizeAdvantages);
  check(Number.isSafeInteger(c.seed), 'seed', 'an integer', c.seed);
  return c;
}

// ---------------------------------------------------------------------------
// 2. Network: actor-critic MLP with ppo.py's layer_init (orthogonal weights,
//    gain sqrt(2) hidden, 0.01 policy head, 1 value head; zero biases)
// ---------------------------------------------------------------------------

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
function buildModel(spec: LearnerSpec, config: PpoConfig, rng: SeededRng): tf.LayersModel {
  const input = tf.input({ shape: [spec.observationSize], name: 'observation' });
  const gains = new Map<string, number>();
  const dense = (name: string, units: number, gain: number, activation?: 'tanh' | 'relu') => {
    gains.set(name, gain);
    return tf.layers.dense({ name, units, activation: activation ?? 'linear', kernelInitializer: 'zeros', biasInitializer: 'zeros' });
  };
  const tower = (prefix: string): tf.SymbolicTensor =>
    config.hidden.reduce<tf.SymbolicTensor>(
      (x, units, i) => dense(`${prefix}_${i}`, units, Math.SQRT2, config.activation).apply(x) as tf.SymbolicTensor,
      input,
    );
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
interface DenseVars {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** The model's layers in call order (`critic === actor` for a shared trunk). */
interface Network {
  actor: DenseVars[];
  critic: DenseVars[];
  policy: DenseVars;
  value: DenseVars;
  activation: PpoConfig['activation'];
}

function networkOf(model: tf.LayersModel, config: PpoConfig): Network {
  const layer = (name: string): DenseVars => {
    const [kernel, bias] = model.getLayer(name).trainableWeights.map((w) => w.read() as tf.Variable);
    if (!kernel || !bias) throw new InvalidOptionError(`The model's layer ${name} has no kernel and bias`);
    return { kernel, bias };
  };
  const tower = (prefix: string): DenseVars[] => config.hidden.map((_, i) => layer(`${prefix}_${i}`));
  const actor = tower(config.sharedTrunk ? 'trunk' : 'actor');
  return { actor, critic: config.sharedTrunk ? actor : tower('critic'), policy: layer('policy'), value: layer('value'), activation: config.activation };
}

/**
 * a . b with a gradient made of explicit transposes and plain matMuls: on
 * WASM the default gradient's transpose-flagged matMuls are several times
 * slower (3.5x for a whole 128-128 MLP step at batch 256, gradients equal to 6e-8).
 */
export const matMul = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [x, w] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(w)), tf.matMul(tf.transpose(x), dy)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor) => tf.Tensor2D;

/** [logits (n x actionCount), values (n)] for a batch of observations. */
function forward(net: Network, x: tf.Tensor2D): [tf.Tensor2D, tf.Tensor1D] {
  const dense = (h: tf.Tensor2D, d: DenseVars): tf.Tensor2D => tf.add(matMul(h, d.kernel), d.bias);
  const activate = net.activation === 'tanh' ? tf.tanh : tf.relu;
  const tower = (layers: DenseVars[]): tf.Tensor2D => layers.reduce((h, d) => activate(dense(h, d)), x);
  const actorFeatures = tower(net.actor);
  const criticFeatures = net.critic === net.actor ? actorFeatures : tower(net.critic);
  return [dense(actorFeatures, net.policy), tf.reshape(dense(criticFeatures, net.value), [-1])];
}

/** log pi(.|s) over legal actions: logits + (mask - 1) * 1e9, then log-softmax. */
function maskedLogProbs(logits: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.logSoftmax(tf.add(logits, tf.mul(tf.sub(mask, 1), 1e9))) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------
// 3. Rollout storage and GAE
// ---------------------------------------------------------------------------

/** One recorded transition, with what the policy said when it chose the action. */
interface Step {
  obs: Float32Array;
  mask: Uint8Array;
  action: number;
  reward: number;
  /** log pi_old(action | obs). */
  logProb: number;
  /** V_old(obs). */
  value: number;
  nextObs: Float32Array;
  terminated: boolean;
  truncated: boolean;
}

/** What `explore` remembers for an env until `record` brings its transition. */
interface Pending {
  logProbs: Float32Array;
  value: number;
}

/** One env's trajectory segment, for `computeGae`. */
export interface GaeSegment {
  rewards: readonly number[];
  /** V(observation_t). */
  values: readonly number[];
  /** V(nextObservation_t); read only where the segment breaks after t without a terminal (truncated, or the last step). */
  nextValues: readonly number[];
  terminated: readonly boolean[];
  /** The trajectory does not continue into step t+1 of the segment, but the episode did not terminate: bootstrap from nextValues[t]. */
  truncated: readonly boolean[];
}

/**
 * Generalized advantage estimation over one env's contiguous segment:
 * delta_t = r_t + gamma * V_next - V(s_t), A_t = delta_t + gamma * lambda * A_{t+1}
 * within an episode. V_next is 0 after a terminal, nextValues[t] after a
 * truncation and at the segment's last step, values[t+1] otherwise; the
 * recursion restarts after every terminal or truncation. Returns = A + V.
 */
export function computeGae(segment: GaeSegment, gamma: number, lambda: number): { advantages: number[]; returns: number[] } {
  const n = segment.rewards.length;
  const advantages = new Array<number>(n).fill(0);
  let next = 0;
  for (let t = n - 1; t >= 0; t--) {
    const terminated = segment.terminated[t] === true;
    const breaks = !terminated && (segment.truncated[t] === true || t === n - 1);
    const nextValue = terminated ? 0 : breaks ? (segment.nextValues[t] as number) : (segment.values[t + 1] as number);
    const continues = terminated || breaks ? 0 : 1;
    const delta = (segment.rewards[t] as number) + gamma * nextValue - (segment.values[t] as number);
    next = delta + gamma * lambda * continues * next;
    advantages[t] = next;
  }
  return { advantages, returns: advantages.map((a, t) => a + (segment.values[t] as number)) };
}

function sameArray(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------
// 4. Adam (torch.optim.Adam's update) on the CPU, with gradient-norm clipping
// ---------------------------------------------------------------------------

/** One trainable weight: its variable and a float32 copy of its values, which Adam updates. */
interface Param {
  name: string;
  variable: tf.Variable;
  shape: number[];
  values: Float32Array;
}

/** Adam in plain JS over float32 state (a 27-128-128-9 actor-critic has 43k weights: under a millisecond per step). */
class Adam {
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
}

/** torch's clip_grad_norm_: the factor min(1, max / (norm + 1e-6)) for the global L2 norm. */
function clipScale(grads: Float32Array[], maxNorm: number): number {
  let sum = 0;
  for (const g of grads) for (let j = 0; j < g.length; j++) sum += (g[j] as number) ** 2;
  return Math.min(1, maxNorm / (Math.sqrt(sum) + 1e-6));
}

// ---------------------------------------------------------------------------
// 5. The agent
// ---------------------------------------------------------------------------

/** What `save` writes to ppo.json (weights go to model.json + weights.bin, Adam moments to adam.bin). */
interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  spec: LearnerSpec;
  config: PpoConfig;
  counters: { updates: number; recorded: number; gradientSteps: number };
  rng: number[];
  adam: { step: number; weights: Array<{ name: string; shape: number[] }> };
  pending: Array<{ envId: number; logProbs: string; value: number }>;
  buffers: Array<{
    obs: string;
    masks: string;
    nextObs: string;
    actions: number[];
    rewards: number[];
    logProbs: number[];
    values: number[];
    terminated: number[];
    truncated: number[];
  }>;
}

const toBase64 = (bytes: ArrayBufferView): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const floatsFrom64 = (text: string): Float32Array => {
  const b = Buffer.from(text, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const concatFloats = (arrays: Float32Array[], size: number): Float32Array => {
  const out = new Float32Array(arrays.length * size);
  arrays.forEach((a, i) => out.set(a, i * size));
  return out;
};

/** Masks as float rows for the network; an all-zero mask (no legal action) allows every action. */
function maskRows(masks: Uint8Array[], actionCount: number): Float32Array {
  const out = new Float32Array(masks.length * actionCount);
  masks.forEach((mask, k) => {
    if (mask.some((m) => m === 1)) out.set(mask, k * actionCount);
    else out.fill(1, k * actionCount, (k + 1) * actionCount);
  });
  return out;
}

/** The model's trainable weights, in its own order, with float32 copies of their values. */
function paramsOf(model: tf.LayersModel): Param[] {
  return model.trainableWeights.map((w) => {
    const variable = w.read() as tf.Variable;
    return { name: w.originalName, variable, shape: [...variable.shape], values: Float32Array.from(variable.dataSync() as Float32Array) };
  });
}

/** log-softmax of one row of (masked) logits, in float64. */
function logSoftmax(z: Float64Array): Float32Array {
  let max = -Infinity;
  for (const x of z) max = Math.max(max, x);
  let sum = 0;
  for (const x of z) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return Float32Array.from(z, (x) => x - lse);
}

/** PPO with a masked categorical policy; see the top of this file. */
export class PpoAgent implements Learner {
  readonly name = 'ppo';
  readonly spec: LearnerSpec;
  private cfg: PpoConfig;
  /** Holds the weights for saveModel; `net` names the same variables for `forward`. */
  private model: tf.LayersModel;
  private net: Network;
  private params: Param[];
  private adam: Adam;
  private rng: SeededRng;
  private buffers: Step[][];
  private pending = new Map<number, Pending>();
  private updates = 0;
  private recorded = 0;
  private gradientSteps = 0;
  private disposed = false;

  private constructor(spec: LearnerSpec, config: PpoConfig) {
    this.spec = { ...spec };
    this.cfg = config;
    this.rng = new SeededRng(`ppo-${config.seed}`);
    this.model = buildModel(spec, config, this.rng);
    this.net = networkOf(this.model, config);
    this.params = paramsOf(this.model);
    this.adam = new Adam(this.params.map((p) => p.values.length), config.learningRate, config.adamEpsilon);
    this.buffers = Array.from({ length: spec.numEnvs }, () => []);
  }

  /** A fresh agent (starts the tfjs backend first). Throws InvalidOptionError on a bad spec or config. */
  static async create(spec: LearnerSpec, config: Partial<PpoConfig> = {}): Promise<PpoAgent> {
    checkSpec(spec);
    const resolved = resolvePpoConfig(spec, config);
    await initBackend();
    return new PpoAgent(spec, resolved);
  }

  /** An agent restored from `save(dir)`: same weights, Adam state, config, counters, rng and buffers. */
  static async fromCheckpoint(dir: string): Promise<PpoAgent> {
    const saved = await readCheckpointJson(dir);
    const agent = await PpoAgent.create(saved.spec, saved.config);
    await agent.load(dir);
    return agent;
  }

  /** The resolved config (defaults filled in). */
  get config(): PpoConfig {
    return { ...this.cfg, hidden: [...this.cfg.hidden] };
  }

  /** Rollout progress: transitions waiting for the next update, and how many trigger it. */
  get rollout(): { stored: number; perEnv: number[]; batchSize: number; updates: number } {
    return {
      stored: this.buffers.reduce((n, b) => n + b.length, 0),
      perEnv: this.buffers.map((b) => b.length),
      batchSize: this.spec.numEnvs * this.cfg.rolloutSteps,
      updates: this.updates,
    };
  }

  // -- acting (ppo.py's get_action_and_value) ------------------------------

  /** Log-probabilities (over legal actions) and values, for many observations: one model call. */
  evaluate(observations: Float32Array[], masks: Uint8Array[]): { logProbs: Float32Array[]; values: Float32Array } {
    const { logits, values } = this.logitsAndValues(observations, masks);
    return { logProbs: logits.map(logSoftmax), values };
  }

  /** The policy's action probabilities (0 for illegal actions), for collect's `probs` column: one model call. */
  probabilities(observations: Float32Array[], masks: Uint8Array[]): number[][] {
    return this.evaluate(observations, masks).logProbs.map((row) => Array.from(row, Math.exp));
  }

  /** Greedy: the legal action with the largest logit. */
  act(observations: Float32Array[], masks: Uint8Array[]): number[] {
    return this.logitsAndValues(observations, masks).logits.map((z) => z.indexOf(Math.max(...z)));
  }

  /**
   * One model call; the mask arithmetic logit + (mask - 1) * 1e9 is done
   * here on the CPU (as `maskedLogProbs` does in training): for a small
   * batch, each tfjs op costs more than the arithmetic.
   */
  private logitsAndValues(observations: Float32Array[], masks: Uint8Array[]): { logits: Float64Array[]; values: Float32Array } {
    this.checkInputs(observations, masks);
    const n = observations.length;
    const A = this.spec.actionCount;
    let raw: Float32Array = new Float32Array(0);
    let values: Float32Array = new Float32Array(0);
    // (The tidy callback returns nothing: tidy walks returned objects, typed arrays element by element.)
    if (n > 0) {
      tf.tidy(() => {
        const [logits, value] = this.forward(observations);
        raw = logits.dataSync() as Float32Array;
        values = Float32Array.from(value.dataSync());
      });
    }
    const rows = maskRows(masks, A);
    const logits = Array.from({ length: n }, (_, k) => {
      const z = new Float64Array(A);
      for (let a = 0; a < A; a++) z[a] = (raw[k * A + a] as number) + ((rows[k * A + a] as number) - 1) * 1e9;
      return z;
    });
    return { logits, values };
  }

  /** Samples a legal action per observation and remembers its log-probs and value for env `envIds[k]`'s `record`. */
  explore(observations: Float32Array[], masks: Uint8Array[], envIds: number[]): number[] {
    this.checkEnvIds(envIds, observations.length);
    const { logProbs, values } = this.evaluate(observations, masks);
    return envIds.map((envId, k) => {
      const logp = logProbs[k] as Float32Array;
      this.pending.set(envId, { logProbs: logp, value: values[k] as number });
      return this.sample(logp, masks[k] as Uint8Array);
    });
  }

  /** Inverse-CDF sampling over the legal actions (all actions if none is legal). */
  private sample(logp: Float32Array, mask: Uint8Array): number {
    const anyLegal = mask.some((m) => m === 1);
    const allowed = (a: number): boolean => !anyLegal || mask[a] === 1;
    let total = 0;
    for (let a = 0; a < logp.length; a++) if (allowed(a)) total += Math.exp(logp[a] as number);
    let u = this.rng.next() * total;
    let last = -1;
    for (let a = 0; a < logp.length; a++) {
      if (!allowed(a)) continue;
      last = a;
      u -= Math.exp(logp[a] as number);
      if (u < 0) return a;
    }
    return last; // rounding left u just above 0: the last legal action
  }

  // -- rollout storage ------------------------------------------------------

  /** Appends each transition to its env's buffer, with the log-prob and value `explore` remembered (computed now if it did not). */
  record(batch: TransitionBatch): void {
    const n = batch.envIds.length;
    this.checkEnvIds(batch.envIds, n);
    for (const key of ['observations', 'masks', 'actions', 'rewards', 'nextObservations', 'terminated', 'truncated'] as const) {
      if (!Array.isArray(batch[key]) || batch[key].length !== n) {
        throw new InvalidOptionError(`Expected ${key} to have one entry per env id (${n}), got ${Array.isArray(batch[key]) ? batch[key].length : show(batch[key])}`);
      }
    }
    this.checkInputs(batch.observations, batch.masks);
    for (const action of batch.actions) {
      if (!(Number.isInteger(action) && action >= 0 && action < this.spec.actionCount)) {
        throw new InvalidOptionError(`Expected actions from 0 to ${this.spec.actionCount - 1}, got ${show(action)}`);
      }
    }
    for (const next of batch.nextObservations) {
      if (next?.length !== this.spec.observationSize) {
        throw new InvalidOptionError(`Expected next observations of length ${this.spec.observationSize}, got ${next?.length}`);
      }
    }
    // Each env's remembered explore result serves its first transition here; any other (no explore, or one env
    // listed twice) gets its log-prob and value from the current network.
    const used = new Set<number>();
    const missing = batch.envIds.flatMap((id, k) => {
      const fresh = this.pending.has(id) && !used.has(id);
      used.add(id);
      return fresh ? [] : [k];
    });
    const computed = new Map<number, Pending>();
    if (missing.length > 0) {
      const { logProbs, values } = this.evaluate(
        missing.map((k) => batch.observations[k] as Float32Array),
        missing.map((k) => batch.masks[k] as Uint8Array),
      );
      missing.forEach((k, j) => computed.set(k, { logProbs: logProbs[j] as Float32Array, value: values[j] as number }));
    }
    for (let k = 0; k < n; k++) {
      const envId = batch.envIds[k] as number;
      const action = batch.actions[k] as number;
      const pending = computed.get(k) ?? (this.pending.get(envId) as Pending);
      if (!computed.has(k)) this.pending.delete(envId);
      (this.buffers[envId] as Step[]).push({
        obs: Float32Array.from(batch.observations[k] as Float32Array),
        mask: Uint8Array.from(batch.masks[k] as Uint8Array),
        action,
        reward: (batch.rewards[k] as number) * this.cfg.rewardScale,
        logProb: pending.logProbs[action] as number,
        value: pending.value,
        nextObs: Float32Array.from(batch.nextObservations[k] as Float32Array),
        terminated: Boolean(batch.terminated[k]),
        truncated: Boolean(batch.truncated[k]),
      });
      this.recorded++;
    }
  }

  // -- learning -------------------------------------------------------------

  /**
   * Updates once the buffers hold numEnvs * rolloutSteps transitions in
   * total (null before; a record of several envs may overshoot it a little,
   * and every stored transition is used): GAE per env, then epochs x
   * minibatches of the clipped objective. Empties the buffers and returns
   * {policyLoss, valueLoss, entropy, approxKl, clipFraction} (means over the
   * minibatches), explainedVariance, transitions and updates. `envSteps` is
   * not used.
   */
  async learn(_envSteps: number): Promise<LearnStats | null> {
    const { stored, batchSize } = this.rollout;
    if (stored < batchSize || stored === 0) return null;
    const data = this.flatten(this.advantages());
    this.buffers = this.buffers.map(() => []);
    return this.update(data);
  }

  /**
   * Advantages and returns of every buffered transition, per env, with the
   * current critic for the bootstrap values V(nextObservation).
   */
  advantages(): Array<{ advantages: number[]; returns: number[] }> {
    const breaks = this.buffers.map((steps) =>
      steps.map((s, t) => s.truncated || (!s.terminated && t + 1 < steps.length && !sameArray(s.nextObs, (steps[t + 1] as Step).obs))),
    );
    // V(nextObservation) wherever a segment stops without a terminal: truncations, unrecorded steps, the last step.
    const wanted: Array<[number, number]> = [];
    this.buffers.forEach((steps, e) =>
      steps.forEach((s, t) => {
        if (!s.terminated && ((breaks[e] as boolean[])[t] || t === steps.length - 1)) wanted.push([e, t]);
      }),
    );
    const bootstrap = this.values(wanted.map(([e, t]) => ((this.buffers[e] as Step[])[t] as Step).nextObs));
    const nextValues = this.buffers.map((steps) => new Array<number>(steps.length).fill(Number.NaN));
    wanted.forEach(([e, t], j) => ((nextValues[e] as number[])[t] = bootstrap[j] as number));
    return this.buffers.map((steps, e) =>
      computeGae(
        {
          rewards: steps.map((s) => s.reward),
          values: steps.map((s) => s.value),
          nextValues: nextValues[e] as number[],
          terminated: steps.map((s) => s.terminated),
          truncated: breaks[e] as boolean[],
        },
        this.cfg.gamma,
        this.cfg.gaeLambda,
      ),
    );
  }

  /** V(s) for many observations. */
  private values(observations: Float32Array[]): Float32Array {
    if (observations.length === 0) return new Float32Array(0);
    let values: Float32Array = new Float32Array(0);
    tf.tidy(() => {
      values = Float32Array.from(this.forward(observations)[1].dataSync());
    });
    return values;
  }

  /** Every buffered transition in flat arrays (env by env). */
  private flatten(gae: Array<{ advantages: number[]; returns: number[] }>): Flat {
    const steps = this.buffers.flat();
    const O = this.spec.observationSize;
    const A = this.spec.actionCount;
    const n = steps.length;
    const flat: Flat = {
      n,
      obs: new Float32Array(n * O),
      masks: new Float32Array(n * A),
      actions: new Float32Array(n * A),
      logProbs: new Float32Array(n),
      values: new Float32Array(n),
      advantages: Float64Array.from(gae.flatMap((g) => g.advantages)),
      returns: Float32Array.from(gae.flatMap((g) => g.returns)),
    };
    flat.masks.set(maskRows(steps.map((s) => s.mask), A));
    steps.forEach((s, i) => {
      flat.obs.set(s.obs, i * O);
      flat.actions[i * A + s.action] = 1;
      flat.logProbs[i] = s.logProb;
      flat.values[i] = s.value;
    });
    return flat;
  }

  /** ppo.py's "Optimizing the policy and value network" loop. */
  private update(data: Flat): LearnStats {
    const { n } = data;
    const O = this.spec.observationSize;
    const A = this.spec.actionCount;
    const c = this.cfg;
    const variables = this.params.map((p) => p.variable);
    const sums = { policyLoss: 0, valueLoss: 0, entropy: 0, approxKl: 0, clipFraction: 0 };
    let count = 0;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let epoch = 0; epoch < c.epochs; epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(this.rng.next() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      for (let b = 0; b < c.minibatches; b++) {
        const idx = order.slice(Math.floor((b * n) / c.minibatches), Math.floor(((b + 1) * n) / c.minibatches));
        const m = idx.length;
        if (m === 0) continue;
        const pick = (source: Float32Array, width: number): Float32Array => {
          const out = new Float32Array(m * width);
          idx.forEach((i, r) => out.set(source.subarray(i * width, (i + 1) * width), r * width));
          return out;
        };
        const adv = idx.map((i) => data.advantages[i] as number);
        if (c.normalizeAdvantages && m > 1) {
          const mean = adv.reduce((sum, x) => sum + x, 0) / m;
          const std = Math.sqrt(adv.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (m - 1));
          for (let r = 0; r < m; r++) adv[r] = ((adv[r] as number) - mean) / (std + 1e-8);
        }
        const oldLogProbs = pick(data.logProbs, 1);
        // Losses and gradients on the backend; [policyLoss, valueLoss, entropy, new log-probs...] come back for the stats.
        let report: Float32Array = new Float32Array(0);
        let grads: Float32Array[] = [];
        tf.tidy(() => {
          const obs = tf.tensor2d(pick(data.obs, O), [m, O]);
          const mask = tf.tensor2d(pick(data.masks, A), [m, A]);
          const oneHot = tf.tensor2d(pick(data.actions, A), [m, A]);
          const oldLogProb = tf.tensor1d(oldLogProbs);
          const oldValue = tf.tensor1d(pick(data.values, 1));
          const returns = tf.tensor1d(pick(data.returns, 1));
          const negAdvantages = tf.tensor1d(adv.map((a) => -a));
          let kept: tf.Tensor | undefined;
          const result = tf.variableGrads(() => {
            const [logits, value] = forward(this.net, obs);
            const logp = maskedLogProbs(logits, mask);
            const newLogProb = tf.sum(tf.mul(logp, oneHot), 1);
            const ratio = tf.exp(tf.sub(newLogProb, oldLogProb));
            // Policy loss: mean(max(-A * r, -A * clip(r, 1 - eps, 1 + eps))).
            const pgLoss = tf.mean(tf.maximum(tf.mul(negAdvantages, ratio), tf.mul(negAdvantages, tf.clipByValue(ratio, 1 - c.clip, 1 + c.clip))));
            // Value loss: 0.5 * mean((V - R)^2), with V clipped around the rollout's value as ppo.py's clip_vloss.
            const unclipped = tf.square(tf.sub(value, returns));
            const squared = c.clipValueLoss
              ? tf.maximum(unclipped, tf.square(tf.sub(tf.add(oldValue, tf.clipByValue(tf.sub(value, oldValue), -c.clip, c.clip)), returns)))
              : unclipped;
            const vLoss = tf.mul(0.5, tf.mean(squared));
            const entropy = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)));
            kept = tf.keep(tf.concat([tf.stack([pgLoss, vLoss, entropy]), newLogProb]));
            return tf.addN([pgLoss, tf.mul(-c.entropyCoef, entropy), tf.mul(c.valueCoef, vLoss)]) as tf.Scalar;
          }, variables);
          report = (kept as tf.Tensor).dataSync() as Float32Array;
          (kept as tf.Tensor).dispose();
          grads = variables.map((v) => (result.grads[v.name] as tf.Tensor).dataSync() as Float32Array);
        });
        // Clip the global gradient norm, step Adam on the CPU copies, write the weights back.
        this.adam.apply(
          this.params.map((p) => p.values),
          grads,
          clipScale(grads, c.maxGradNorm),
        );
        tf.tidy(() => {
          for (const p of this.params) p.variable.assign(tf.tensor(p.values, p.shape));
        });
        this.gradientSteps++;
        count++;
        sums.policyLoss += report[0] as number;
        sums.valueLoss += report[1] as number;
        sums.entropy += report[2] as number;
        // Diagnostics as ppo.py: approx_kl = mean((r - 1) - log r), clip fraction = mean(|r - 1| > clip).
        let kl = 0;
        let clipped = 0;
        for (let r = 0; r < m; r++) {
          const logRatio = (report[3 + r] as number) - (oldLogProbs[r] as number);
          const ratio = Math.exp(logRatio);
          kl += ratio - 1 - logRatio;
          if (Math.abs(ratio - 1) > c.clip) clipped++;
        }
        sums.approxKl += kl / m;
        sums.clipFraction += clipped / m;
      }
    }
    this.updates++;
    // ppo.py's explained variance: 1 - Var(returns - values) / Var(returns), over the rollout.
    const variance = (f: (i: number) => number): number => {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += f(i) / n;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (f(i) - mean) ** 2;
      return sum / n;
    };
    const varReturns = variance((i) => data.returns[i] as number);
    const varErrors = variance((i) => (data.returns[i] as number) - (data.values[i] as number));
    return {
      policyLoss: sums.policyLoss / count,
      valueLoss: sums.valueLoss / count,
      entropy: sums.entropy / count,
      approxKl: sums.approxKl / count,
      clipFraction: sums.clipFraction / count,
      explainedVariance: varReturns === 0 ? Number.NaN : 1 - varErrors / varReturns,
      transitions: n,
      updates: this.updates,
    };
  }

  // -- checkpoints ----------------------------------------------------------

  /**
   * Writes model.json + weights.bin (the actor-critic), adam.bin (Adam's
   * moments) and ppo.json (spec, config, counters, rng state, Adam step,
   * pending explore results and the rollout buffers), so that a checkpoint
   * continues exactly.
   */
  async save(dir: string): Promise<void> {
    this.assertLive();
    await mkdir(dir, { recursive: true });
    await saveModel(this.model, dir);
    const moments = [...this.adam.m, ...this.adam.v];
    await writeFile(path.join(dir, 'adam.bin'), Buffer.concat(moments.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
    const O = this.spec.observationSize;
    const json: CheckpointJson = {
      format: CHECKPOINT_FORMAT,
      spec: this.spec,
      config: this.config,
      counters: { updates: this.updates, recorded: this.recorded, gradientSteps: this.gradientSteps },
      rng: this.rng.getState(),
      adam: { step: this.adam.step, weights: this.params.map((p) => ({ name: p.name, shape: p.shape })) },
      pending: [...this.pending].map(([envId, p]) => ({ envId, logProbs: toBase64(p.logProbs), value: p.value })),
      buffers: this.buffers.map((steps) => ({
        obs: toBase64(concatFloats(steps.map((s) => s.obs), O)),
        nextObs: toBase64(concatFloats(steps.map((s) => s.nextObs), O)),
        masks: toBase64(Uint8Array.from(steps.flatMap((s) => Array.from(s.mask)))),
        actions: steps.map((s) => s.action),
        rewards: steps.map((s) => s.reward),
        logProbs: steps.map((s) => s.logProb),
        values: steps.map((s) => s.value),
        terminated: steps.map((s) => (s.terminated ? 1 : 0)),
        truncated: steps.map((s) => (s.truncated ? 1 : 0)),
      })),
    };
    // config.json names the agent for tools that load any checkpoint (evaluate, collect).
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ agent: 'ppo', config: this.config }, null, 2));
    // ppo.json last: its presence marks a complete checkpoint.
    await writeFile(path.join(dir, 'ppo.json'), JSON.stringify(json));
  }

  /** Restores everything `save` wrote; the checkpoint's config replaces this agent's. */
  async load(dir: string): Promise<void> {
    this.assertLive();
    const saved = await readCheckpointJson(dir);
    const { observationSize: O, actionCount: A, numEnvs } = this.spec;
    if (saved.spec.observationSize !== O || saved.spec.actionCount !== A || saved.spec.numEnvs !== numEnvs) {
      throw new InvalidOptionError(
        `The checkpoint in ${dir} is for observationSize ${saved.spec.observationSize}, actionCount ${saved.spec.actionCount}, numEnvs ${saved.spec.numEnvs}; this agent has ${O}, ${A}, ${numEnvs}`,
      );
    }
    const config = resolvePpoConfig(this.spec, saved.config);
    const model = await loadModel(dir);
    let net: Network;
    let params: Param[];
    let adam: Adam;
    try {
      net = networkOf(model, config);
      params = paramsOf(model);
      const names = params.map((p) => p.name);
      if (JSON.stringify(names) !== JSON.stringify(saved.adam.weights.map((w) => w.name))) {
        throw new InvalidOptionError(`The model in ${dir} does not match its ppo.json (weights ${names.join(', ')})`);
      }
      const bytes = await readFile(path.join(dir, 'adam.bin'));
      const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      adam = new Adam(params.map((p) => p.values.length), config.learningRate, config.adamEpsilon);
      let offset = 0;
      for (const slot of [...adam.m, ...adam.v]) {
        slot.set(floats.subarray(offset, offset + slot.length));
        offset += slot.length;
      }
      if (offset !== floats.length) throw new InvalidOptionError(`adam.bin in ${dir} holds ${floats.length} numbers, expected ${offset}`);
      adam.step = saved.adam.step;
    } catch (error) {
      model.dispose();
      throw error;
    }
    this.model.dispose();
    this.model = model;
    this.net = net;
    this.params = params;
    this.adam = adam;
    this.cfg = config;
    this.rng.setState(saved.rng);
    this.updates = saved.counters.updates;
    this.recorded = saved.counters.recorded;
    this.gradientSteps = saved.counters.gradientSteps;
    this.pending = new Map(saved.pending.map((p) => [p.envId, { logProbs: floatsFrom64(p.logProbs), value: p.value }]));
    this.buffers = saved.buffers.map((b) => {
      const obs = floatsFrom64(b.obs);
      const nextObs = floatsFrom64(b.nextObs);
      const masks = Buffer.from(b.masks, 'base64');
      return b.actions.map((action, t) => ({
        obs: obs.slice(t * O, (t + 1) * O),
        mask: Uint8Array.from(masks.subarray(t * A, (t + 1) * A)),
        action,
        reward: b.rewards[t] as number,
        logProb: b.logProbs[t] as number,
        value: b.values[t] as number,
        nextObs: nextObs.slice(t * O, (t + 1) * O),
        terminated: b.terminated[t] === 1,
        truncated: b.truncated[t] === 1,
      }));
    });
  }

  /** Frees the model's and Adam's tensors. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  // -- helpers --------------------------------------------------------------

  /** [logits, values] for observations; call inside tf.tidy. */
  private forward(observations: Float32Array[]): [tf.Tensor2D, tf.Tensor1D] {
    this.assertLive();
    const x = tf.tensor2d(concatFloats(observations, this.spec.observationSize), [observations.length, this.spec.observationSize]);
    return forward(this.net, x);
  }

  private checkInputs(observations: Float32Array[], masks: Uint8Array[]): void {
    if (!Array.isArray(observations) || !Array.isArray(masks) || observations.length !== masks.length) {
      throw new InvalidOptionError(`Expected one mask per observation, got ${observations?.length} observations and ${masks?.length} masks`);
    }
    for (const obs of observations) {
      if (obs?.length !== this.spec.observationSize) {
        throw new InvalidOptionError(`Expected observations of length ${this.spec.observationSize}, got ${obs?.length}`);
      }
    }
    for (const mask of masks) {
      if (mask?.length !== this.spec.actionCount) throw new InvalidOptionError(`Expected masks of length ${this.spec.actionCount}, got ${mask?.length}`);
    }
  }

  private checkEnvIds(envIds: number[], count: number): void {
    if (!Array.isArray(envIds) || envIds.length !== count) {
      throw new InvalidOptionError(`Expected one env id per observation (${count}), got ${Array.isArray(envIds) ? envIds.length : show(envIds)}`);
    }
    for (const id of envIds) {
      if (!(Number.isInteger(id) && id >= 0 && id < this.spec.numEnvs)) {
        throw new InvalidOptionError(`Expected env ids from 0 to ${this.spec.numEnvs - 1}, got ${show(id)}`);
      }
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new InvalidOptionError('This PPO agent has been disposed');
  }
}

/** The flattened rollout an update trains on. */
interface Flat {
  n: number;
  obs: Float32Array;
  masks: Float32Array;
  /** One-hot actions. */
  actions: Float32Array;
  logProbs: Float32Array;
  values: Float32Array;
  advantages: Float64Array;
  returns: Float32Array;
}

async function readCheckpointJson(dir: string): Promise<CheckpointJson> {
  const saved = JSON.parse(await readFile(path.join(dir, 'ppo.json'), 'utf8')) as CheckpointJson;
  if (saved.format !== CHECKPOINT_FORMAT) {
    throw new InvalidOptionError(`Expected a PPO checkpoint (${CHECKPOINT_FORMAT}) in ${dir}, got format ${show(saved.format)}`);
  }
  return saved;
}
