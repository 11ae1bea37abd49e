/**
 * Deep Q-learning (Mnih et al. 2015) with Double DQN targets (van Hasselt et
 * al. 2016), laid out like CleanRL's dqn.py and tfjs's snake-dqn: a config
 * with defaults, a Q-network MLP and a target copy, a ring replay buffer in
 * typed arrays, epsilon-greedy exploration over legal actions, and a training
 * step that regresses Q(s, a) onto r + gamma * Q_target(s', argmax_a' Q(s', a')).
 *
 * Action masks matter in three places: acting (illegal Q values become
 * -Infinity before the argmax), exploring (random actions are drawn among the
 * legal ones) and the target (the max / argmax over s' only sees the actions
 * legal in s'; a terminal s' contributes 0).
 *
 * Everything that shapes the future of training is checkpointed (weights of
 * both networks, Adam's moments, the replay buffer, counters and the random
 * generator), so `fromCheckpoint` continues exactly where `save` stopped.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { randomLegal } from '../src/env/bots.ts';
import { InvalidOptionError } from '../src/core/errors.ts';
import { SeededRng } from '../src/core/rng.ts';
import { initBackend } from '../src/tf/backend.ts';
import { loadModel, saveModel } from '../src/tf/io.ts';
import type { Learner, LearnerSpec, LearnStats, TransitionBatch } from './agent.ts';

// ---------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------

export interface DqnConfig {
  /** Units of each hidden ReLU layer of the Q-network. */
  hiddenSizes: number[];
  /** Adam's step size... */
  learningRate: number;
  /** ...falling linearly to this over learningRateDecaySteps transitions (null: constant). */
  learningRateEnd: number | null;
  learningRateDecaySteps: number;
  /** Discount factor. */
  gamma: number;
  /** Rewards are multiplied by this before they enter the replay buffer (Yahtzee's points: 0.02 keeps Q near 1-5, inside Huber's quadratic zone). */
  rewardScale: number;
  /** Capacity of the replay buffer, in transitions (oldest are overwritten). */
  bufferSize: number;
  /** Transitions per gradient step. */
  batchSize: number;
  /** Transitions to collect before the first gradient step. */
  learningStarts: number;
  /** Env transitions per gradient step (8 envs with trainFrequency 8: one step per vector step). */
  trainFrequency: number;
  /** Gradient steps between hard copies of the online network into the target network. */
  targetUpdateInterval: number;
  /** Epsilon at the start of training... */
  epsilonStart: number;
  /** ...falling linearly to this... */
  epsilonEnd: number;
  /** ...over this many env transitions. */
  explorationSteps: number;
  /** Regression loss on the TD error. */
  loss: 'huber' | 'mse';
  /** Gradients are rescaled so that their global L2 norm is at most this (Infinity: no clipping). */
  maxGradNorm: number;
  /** Double DQN: the online network picks the next action, the target network values it. */
  doubleDqn: boolean;
  /**
   * Train each sampled transition in one of the game's symmetries, drawn at
   * random (rotations and reflections of a board; the spec's `symmetries`).
   * Without symmetries in the spec it changes nothing.
   */
  augmentSymmetries: boolean;
  /**
   * `probabilities` (collect's `probs` column): a softmax of Q / this over the
   * legal actions (in the units of Q after `rewardScale`; small: near greedy).
   */
  probsTemperature: number;
  /** Seeds weight initialisation, exploration and replay sampling (default: the spec's seed). */
  seed: number;
}

/**
 * Defaults, tuned on TicTacToe against a random opponent (measurements above
 * the TicTacToe test in dqn.test.ts): batches of 128 every 8 transitions with
 * Adam at 5e-4 lost half as often as batches of 64 every 4 at 1e-3, in about
 * three quarters of the CPU time.
 */
export const DQN_DEFAULTS: Readonly<DqnConfig> = Object.freeze({
  hiddenSizes: [128, 128],
  learningRate: 5e-4,
  learningRateEnd: null,
  learningRateDecaySteps: 1_000_000,
  gamma: 0.99,
  rewardScale: 1,
  bufferSize: 100_000,
  batchSize: 128,
  learningStarts: 1_000,
  trainFrequency: 8,
  targetUpdateInterval: 250,
  epsilonStart: 1.0,
  epsilonEnd: 0.05,
  explorationSteps: 20_000,
  loss: 'huber',
  maxGradNorm: 10,
  doubleDqn: true,
  augmentSymmetries: false,
  probsTemperature: 0.1,
  seed: 0,
});

/** Fills in defaults and checks every field; throws InvalidOptionError naming the first bad one. */
export function resolveDqnConfig(config: Partial<DqnConfig> = {}): DqnConfig {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError(`Expected the DQN config to be an object, got ${config === null ? 'null' : typeof config}`);
  }
  for (const key of Object.keys(config)) {
    if (!(key in DQN_DEFAULTS)) throw new InvalidOptionError(`Unknown DQN option ${JSON.stringify(key)}; known: ${Object.keys(DQN_DEFAULTS).join(', ')}`);
  }
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  const c: DqnConfig = { ...DQN_DEFAULTS, hiddenSizes: [...DQN_DEFAULTS.hiddenSizes], ...defined };
  const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? JSON.stringify(v) : String(v));
  const fail = (key: string, what: string): never => {
    throw new InvalidOptionError(`Expected ${key} to be ${what}, got ${show((c as unknown as Record<string, unknown>)[key])}`);
  };
  const isNum = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
  const isInt = (v: unknown): v is number => Number.isInteger(v);
  if (!Array.isArray(c.hiddenSizes) || !c.hiddenSizes.every((h) => isInt(h) && h > 0)) fail('hiddenSizes', 'an array of positive integers');
  if (!(isNum(c.learningRate) && Number.isFinite(c.learningRate) && c.learningRate > 0)) fail('learningRate', 'a positive number');
  if (!(c.learningRateEnd === null || (isNum(c.learningRateEnd) && Number.isFinite(c.learningRateEnd) && c.learningRateEnd >= 0))) {
    fail('learningRateEnd', 'a non-negative number or null');
  }
  if (!(isNum(c.gamma) && c.gamma >= 0 && c.gamma <= 1)) fail('gamma', 'a number from 0 to 1');
  if (!(isNum(c.rewardScale) && Number.isFinite(c.rewardScale) && c.rewardScale > 0)) fail('rewardScale', 'a positive number');
  for (const key of ['bufferSize', 'batchSize', 'trainFrequency', 'targetUpdateInterval'] as const) {
    if (!(isInt(c[key]) && c[key] > 0)) fail(key, 'a positive integer');
  }
  for (const key of ['learningStarts', 'explorationSteps', 'learningRateDecaySteps'] as const) {
    if (!(isInt(c[key]) && c[key] >= 0)) fail(key, 'a non-negative integer');
  }
  for (const key of ['epsilonStart', 'epsilonEnd'] as const) {
    if (!(isNum(c[key]) && c[key] >= 0 && c[key] <= 1)) fail(key, 'a number from 0 to 1');
  }
  if (c.loss !== 'huber' && c.loss !== 'mse') fail('loss', '"huber" or "mse"');
  if (!(isNum(c.maxGradNorm) && c.maxGradNorm > 0)) fail('maxGradNorm', 'a positive number (Infinity: no clipping)');
  if (typeof c.doubleDqn !== 'boolean') fail('doubleDqn', 'a boolean');
  if (typeof c.augmentSymmetries !== 'boolean') fail('augmentSymmetries', 'a boolean');
  if (!(isNum(c.probsTemperature) && Number.isFinite(c.probsTemperature) && c.probsTemperature > 0)) fail('probsTemperature', 'a positive number');
  if (!(isInt(c.seed) && Math.abs(c.seed) <= 2 ** 31)) fail('seed', 'an integer');
  if (c.batchSize > c.bufferSize) {
    throw new InvalidOptionError(`Expected batchSize (${c.batchSize}) to be at most bufferSize (${c.bufferSize})`);
  }
  return c;
}

function checkSpec(spec: LearnerSpec): LearnerSpec {
  for (const key of ['observationSize', 'actionCount', 'numEnvs'] as const) {
    if (!(Number.isInteger(spec?.[key]) && spec[key] > 0)) {
      throw new InvalidOptionError(`Expected ${key} to be a positive integer, got ${String(spec?.[key])}`);
    }
  }
  const symmetries = spec.symmetries ?? [];
  symmetries.forEach((s, k) => {
    if (!isPermutation(s?.observation, spec.observationSize) || !isPermutation(s?.action, spec.actionCount)) {
      throw new InvalidOptionError(`Expected symmetry ${k} to permute ${spec.observationSize} observation values and ${spec.actionCount} actions`);
    }
  });
  return { observationSize: spec.observationSize, actionCount: spec.actionCount, numEnvs: spec.numEnvs, seed: spec.seed, symmetries };
}

function isPermutation(p: unknown, n: number): boolean {
  if (!Array.isArray(p) || p.length !== n) return false;
  const seen = new Uint8Array(n);
  for (const v of p) {
    if (!Number.isInteger(v) || v < 0 || v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Q-network
// ---------------------------------------------------------------------------

/**
 * observation -> hidden ReLU layers -> one linear Q value per action. The
 * LayersModel holds the weights and is what checkpoints save; the math below
 * runs on its variables directly (see `qForward` and `denseTrain`).
 */
function buildQNetwork(spec: LearnerSpec, config: DqnConfig, seed: number): tf.LayersModel {
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
function weightsOf(model: tf.LayersModel): tf.Variable[] {
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
    h = tf.fused.matMul({ a: h, b: weights[i] as tf.Tensor2D, bias: weights[i + 1], activation: last ? 'linear' : 'relu' }) as tf.Tensor2D;
  }
  return h;
}

/**
 * A dense layer (x . W + b, then ReLU unless `linear`) with a hand-written
 * gradient that transposes explicitly: tfjs's own gradient of matMul uses the
 * transpose flags, which the WASM kernel runs about 7x slower than a
 * transpose followed by a plain matMul. `needInputGrad` false skips the
 * gradient with respect to x (the observations). The test checks these
 * gradients against tfjs's autodiff of the same model.
 */
function denseTrain(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, linear: boolean, needInputGrad: boolean): tf.Tensor2D {
  const layer = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [a, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const out = tf.fused.matMul({ a, b: w, bias: b, activation: linear ? 'linear' : 'relu' }) as tf.Tensor2D;
    save([a, w, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sw, sout] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = linear ? (dy as tf.Tensor2D) : (dy as tf.Tensor2D).mul(tf.step(sout));
        return [
          needInputGrad ? tf.matMul(dz, sw.transpose()) : tf.zerosLike(sa),
          tf.matMul(sa.transpose(), dz),
          dz.sum(0),
        ];
      },
    };
  });
  return layer(x, kernel, bias) as tf.Tensor2D;
}

/** `qForward` built from `denseTrain` layers, for the gradient step (exported for its gradient test). */
export function qForwardTrain(weights: tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < weights.length; i += 2) {
    const last = i + 2 >= weights.length;
    h = denseTrain(h, weights[i] as tf.Tensor2D, weights[i + 1] as tf.Tensor1D, last, i > 0);
  }
  return h;
}

// ---------------------------------------------------------------------------
// Replay buffer
// ---------------------------------------------------------------------------

/** The typed arrays of the replay buffer, in the order they are saved. */
const SECTIONS = ['obs', 'actions', 'rewards', 'nextObs', 'nextMasks', 'dones'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * A ring of the last `capacity` transitions (s, a, r, s', legal(s'), done).
 * `done` is `terminated` only: a truncated episode's s' is bootstrapped from.
 */
class ReplayBuffer {
  readonly obs: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly nextObs: Float32Array;
  readonly nextMasks: Uint8Array;
  readonly dones: Uint8Array;
  pos = 0;
  size = 0;

  constructor(
    readonly capacity: number,
    readonly observationSize: number,
    readonly actionCount: number,
  ) {
    this.obs = new Float32Array(capacity * observationSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.nextObs = new Float32Array(capacity * observationSize);
    this.nextMasks = new Uint8Array(capacity * actionCount);
    this.dones = new Uint8Array(capacity);
  }

  add(obs: Float32Array, action: number, reward: number, nextObs: Float32Array, nextMask: Uint8Array, done: boolean): void {
    const i = this.pos;
    const O = this.observationSize;
    const A = this.actionCount;
    this.obs.set(obs, i * O);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.nextObs.set(nextObs, i * O);
    // An episode cut short (truncated) ends with an all-zero mask from the env, yet its s' is
    // bootstrapped from: treat every action as legal there rather than none.
    let legal = 0;
    for (let k = 0; k < A; k++) legal += nextMask[k] ? 1 : 0;
    for (let k = 0; k < A; k++) this.nextMasks[i * A + k] = done ? 0 : legal === 0 ? 1 : nextMask[k] ? 1 : 0;
    this.dones[i] = done ? 1 : 0;
    this.pos = (this.pos + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The stored part of each array, in SECTIONS order. */
  parts(): Record<Section, ArrayBufferView> {
    const n = this.size;
    const O = this.observationSize;
    return {
      obs: this.obs.subarray(0, n * O),
      actions: this.actions.subarray(0, n),
      rewards: this.rewards.subarray(0, n),
      nextObs: this.nextObs.subarray(0, n * O),
      nextMasks: this.nextMasks.subarray(0, n * this.actionCount),
      dones: this.dones.subarray(0, n),
    };
  }
}

// ---------------------------------------------------------------------------
// The agent
// ---------------------------------------------------------------------------

const CHECKPOINT_VERSION = 1;
/** Added to the Q values of illegal next actions in the target (finite, so 0 * it stays 0). */
const ILLEGAL = -1e9;

interface AgentFile {
  agent: 'dqn';
  version: number;
  spec: LearnerSpec;
  config: DqnConfig;
}

interface StateFile {
  transitions: number;
  trainTicks: number;
  gradientSteps: number;
  rng: number[];
}

interface OptimizerFile {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  tensors: Array<{ name: string; shape: number[]; offset: number; length: number }>;
}

interface ReplayFile {
  capacity: number;
  size: number;
  pos: number;
  observationSize: number;
  actionCount: number;
  sections: Array<{ name: Section; dtype: string; byteOffset: number; byteLength: number }>;
}

/** A tensor with a name, as optimizers take and give them (tfjs does not export the type). */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Adam keeps beta^t in private variables; restoring them exactly (not as pow(beta, t)) keeps resumed training bit-identical. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

export class DqnAgent implements Learner {
  readonly name = 'dqn';
  readonly spec: LearnerSpec;
  readonly config: DqnConfig;
  private online: tf.LayersModel;
  private target: tf.LayersModel;
  private optimizer: tf.AdamOptimizer;
  private readonly buffer: ReplayBuffer;
  private readonly rng: SeededRng;
  /** Env transitions recorded: drives epsilon and the training schedule. */
  private transitions = 0;
  /** Training opportunities (one per trainFrequency transitions) used or skipped so far. */
  private trainTicks = 0;
  private gradientSteps = 0;
  private disposed = false;
  // Scratch arrays for one minibatch, reused every step.
  private readonly bObs: Float32Array;
  private readonly bNextObs: Float32Array;
  private readonly bActions: Float32Array;
  private readonly bRewards: Float32Array;
  private readonly bNotDone: Float32Array;
  private readonly bPenalty: Float32Array;

  private constructor(spec: LearnerSpec, config: DqnConfig) {
    this.spec = spec;
    this.config = config;
    this.online = buildQNetwork(spec, config, config.seed);
    this.target = buildQNetwork(spec, config, config.seed);
    this.target.setWeights(this.online.getWeights());
    this.optimizer = tf.train.adam(config.learningRate);
    this.buffer = new ReplayBuffer(config.bufferSize, spec.observationSize, spec.actionCount);
    this.rng = new SeededRng(`dqn-${config.seed}`);
    const B = config.batchSize;
    this.bObs = new Float32Array(B * spec.observationSize);
    this.bNextObs = new Float32Array(B * spec.observationSize);
    this.bActions = new Float32Array(B * spec.actionCount);
    this.bRewards = new Float32Array(B);
    this.bNotDone = new Float32Array(B);
    this.bPenalty = new Float32Array(B * spec.actionCount);
  }

  /** A fresh agent; starts the tfjs backend (`initBackend()`) if nothing started it yet. */
  static async create(spec: LearnerSpec, config: Partial<DqnConfig> = {}): Promise<DqnAgent> {
    const checkedSpec = checkSpec(spec);
    const resolved = resolveDqnConfig(config.seed === undefined && Number.isInteger(spec.seed) ? { ...config, seed: spec.seed } : config);
    await initBackend();
    return new DqnAgent(checkedSpec, resolved);
  }

  /** An agent restored from `save(dir)`, ready to act and to go on training exactly where it stopped. */
  static async fromCheckpoint(dir: string): Promise<DqnAgent> {
    const file = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as AgentFile;
    if (file.agent !== 'dqn') throw new InvalidOptionError(`${dir} holds a ${String(file.agent)} checkpoint, not a dqn one`);
    const agent = await DqnAgent.create(file.spec, file.config);
    await agent.load(dir);
    return agent;
  }

  // -------------------------------------------------------------------------
  // Acting
  // -------------------------------------------------------------------------

  /** Epsilon now: linear from epsilonStart to epsilonEnd over explorationSteps transitions. */
  get epsilon(): number {
    const { epsilonStart, epsilonEnd, explorationSteps } = this.config;
    if (this.transitions >= explorationSteps) return epsilonEnd;
    return epsilonStart + (epsilonEnd - epsilonStart) * (this.transitions / explorationSteps);
  }

  /** Adam's step size now: learningRate, or linear to learningRateEnd over learningRateDecaySteps transitions. */
  get learningRate(): number {
    const { learningRate, learningRateEnd, learningRateDecaySteps } = this.config;
    if (learningRateEnd === null) return learningRate;
    if (this.transitions >= learningRateDecaySteps) return learningRateEnd;
    return learningRate + (learningRateEnd - learningRate) * (this.transitions / learningRateDecaySteps);
  }

  /** Counters, for logs and tests. */
  get progress(): { transitions: number; gradientSteps: number; bufferSize: number } {
    return { transitions: this.transitions, gradientSteps: this.gradientSteps, bufferSize: this.buffer.size };
  }

  /** Q values of the online network, one row per observation (one model call). */
  qValues(observations: Float32Array[]): Float32Array[] {
    const O = this.spec.observationSize;
    const A = this.spec.actionCount;
    if (observations.length === 0) return [];
    const flat = new Float32Array(observations.length * O);
    observations.forEach((obs, i) => {
      if (obs.length !== O) throw new InvalidOptionError(`Expected observations of length ${O}, got ${obs.length}`);
      flat.set(obs, i * O);
    });
    const weights = weightsOf(this.online);
    const q = tf.tidy(() => qForward(weights, tf.tensor2d(flat, [observations.length, O])).dataSync() as Float32Array);
    return observations.map((_, i) => q.subarray(i * A, (i + 1) * A));
  }

  /** Greedy legal actions: argmax of Q with illegal actions at -Infinity (0 when nothing is legal). */
  act(observations: Float32Array[], masks: Uint8Array[]): number[] {
    this.assertAlive();
    return this.qValues(observations).map((q, i) => maskedArgmax(q, masks[i] as Uint8Array));
  }

  /** Action probabilities for collect's `probs` column: softmax of Q / `probsTemperature` over the legal actions, 0 elsewhere. */
  probabilities(observations: Float32Array[], masks: Uint8Array[]): number[][] {
    this.assertAlive();
    const t = this.config.probsTemperature;
    return this.qValues(observations).map((q, i) => maskedSoftmax(Array.from(q, (v) => v / t), masks[i] as Uint8Array));
  }

  /**
   * What an actor process needs to act as this agent explores now (`train
   * --actors`): the online network's weights and the count of transitions
   * that sets epsilon.
   */
  actingState(): { weights: Float32Array[]; transitions: number } {
    this.assertAlive();
    return { weights: this.online.getWeights().map((w) => (w.dataSync() as Float32Array).slice()), transitions: this.transitions };
  }

  /** Acts from now on with weights and an epsilon from another agent's `actingState()` (an actor's copy of the learner). */
  setActingState(state: { weights: Float32Array[]; transitions: number }): void {
    this.assertAlive();
    const shapes = this.online.getWeights().map((w) => w.shape);
    if (state.weights.length !== shapes.length) throw new InvalidOptionError(`Expected ${shapes.length} weight arrays, got ${state.weights.length}`);
    tf.tidy(() => this.online.setWeights(state.weights.map((w, i) => tf.tensor(w, shapes[i]))));
    this.transitions = state.transitions;
  }

  /** Epsilon-greedy: a random legal action with probability epsilon, else greedy; one model call for the greedy ones. */
  explore(observations: Float32Array[], masks: Uint8Array[], _envIds?: number[]): number[] {
    this.assertAlive();
    const epsilon = this.epsilon;
    const actions = new Array<number>(observations.length).fill(0);
    const greedy: number[] = [];
    for (let i = 0; i < observations.length; i++) {
      if (this.rng.next() < epsilon) actions[i] = randomLegal(masks[i] as Uint8Array, this.rng);
      else greedy.push(i);
    }
    if (greedy.length > 0) {
      const q = this.qValues(greedy.map((i) => observations[i] as Float32Array));
      greedy.forEach((i, k) => (actions[i] = maskedArgmax(q[k] as Float32Array, masks[i] as Uint8Array)));
    }
    return actions;
  }

  // -------------------------------------------------------------------------
  // Learning
  // -------------------------------------------------------------------------

  record(batch: TransitionBatch): void {
    this.assertAlive();
    const O = this.spec.observationSize;
    for (let k = 0; k < batch.actions.length; k++) {
      const obs = batch.observations[k] as Float32Array;
      const next = batch.nextObservations[k] as Float32Array;
      if (obs.length !== O || next.length !== O) {
        throw new InvalidOptionError(`Expected observations of length ${O}, got ${obs.length} and ${next.length}`);
      }
      const action = batch.actions[k] as number;
      if (!(Number.isInteger(action) && action >= 0 && action < this.spec.actionCount)) {
        throw new InvalidOptionError(`Expected actions from 0 to ${this.spec.actionCount - 1}, got ${action}`);
      }
      this.buffer.add(obs, action, (batch.rewards[k] as number) * this.config.rewardScale, next, batch.nextMasks[k] as Uint8Array, batch.terminated[k] === true);
      this.transitions++;
    }
  }

  /**
   * Takes the gradient steps that the recorded transitions call for (one per
   * trainFrequency transitions once the buffer holds learningStarts of them)
   * and returns their mean loss and Q, or null when it took none. The
   * schedule runs on the agent's own count of recorded transitions (saved
   * with checkpoints); `envSteps` is not needed.
   */
  async learn(_envSteps?: number): Promise<LearnStats | null> {
    this.assertAlive();
    const due = Math.floor(this.transitions / this.config.trainFrequency);
    if (this.buffer.size < Math.max(1, this.config.learningStarts)) {
      this.trainTicks = due; // opportunities before learningStarts are skipped, not owed
      return null;
    }
    let steps = 0;
    let loss = 0;
    let qMean = 0;
    while (this.trainTicks < due) {
      this.trainTicks++;
      const s = this.trainStep();
      loss += s.loss;
      qMean += s.qMean;
      steps++;
    }
    if (steps === 0) return null;
    return { loss: loss / steps, qMean: qMean / steps, epsilon: this.epsilon, learningRate: this.learningRate, gradientSteps: this.gradientSteps, bufferSize: this.buffer.size };
  }

  /** One Adam step on a uniformly sampled minibatch; then, every targetUpdateInterval steps, target <- online. */
  private trainStep(): { loss: number; qMean: number } {
    const { batchSize: B, gamma, doubleDqn, maxGradNorm } = this.config;
    const O = this.spec.observationSize;
    const A = this.spec.actionCount;
    const buf = this.buffer;
    const symmetries = this.config.augmentSymmetries ? (this.spec.symmetries ?? []) : [];
    this.bActions.fill(0);
    for (let b = 0; b < B; b++) {
      const i = this.rng.int(0, buf.size - 1);
      this.bRewards[b] = buf.rewards[i] as number;
      this.bNotDone[b] = buf.dones[i] ? 0 : 1;
      if (symmetries.length === 0) {
        this.bObs.set(buf.obs.subarray(i * O, (i + 1) * O), b * O);
        this.bNextObs.set(buf.nextObs.subarray(i * O, (i + 1) * O), b * O);
        this.bActions[b * A + (buf.actions[i] as number)] = 1;
        for (let k = 0; k < A; k++) this.bPenalty[b * A + k] = buf.nextMasks[i * A + k] ? 0 : ILLEGAL;
        continue;
      }
      const { observation: from, action: to } = symmetries[this.rng.int(0, symmetries.length - 1)] as { observation: number[]; action: number[] };
      for (let j = 0; j < O; j++) {
        this.bObs[b * O + j] = buf.obs[i * O + (from[j] as number)] as number;
        this.bNextObs[b * O + j] = buf.nextObs[i * O + (from[j] as number)] as number;
      }
      this.bActions[b * A + (to[buf.actions[i] as number] as number)] = 1;
      for (let k = 0; k < A; k++) this.bPenalty[b * A + (to[k] as number)] = buf.nextMasks[i * A + k] ? 0 : ILLEGAL;
    }
    const variables = weightsOf(this.online);
    const targetWeights = weightsOf(this.target);
    // tfjs's Adam reads its step size on every update.
    (this.optimizer as unknown as { learningRate: number }).learningRate = this.learningRate;
    const result = tf.tidy(() => {
      const obs = tf.tensor2d(this.bObs, [B, O]);
      const nextObs = tf.tensor2d(this.bNextObs, [B, O]);
      const actionOneHot = tf.tensor2d(this.bActions, [B, A]);
      const penalty = tf.tensor2d(this.bPenalty, [B, A]);
      // TD target, no gradient: y = r + gamma * (1 - done) * Q_target(s', a*), a* over legal actions of s'.
      const nextQTarget = qForward(targetWeights, nextObs);
      let nextValue: tf.Tensor1D;
      if (doubleDqn) {
        const nextQOnline = qForward(variables, nextObs).add(penalty);
        nextValue = nextQTarget.mul(tf.oneHot(nextQOnline.argMax(1) as tf.Tensor1D, A)).sum(1);
      } else {
        nextValue = nextQTarget.add(penalty).max(1);
      }
      const y = tf.tensor1d(this.bRewards).add(nextValue.mul(tf.tensor1d(this.bNotDone)).mul(gamma));
      // Q(s, a) by a one-hot mask and a sum: tf.gather cannot be trained through on WASM.
      let qMean: tf.Scalar | undefined;
      const { value: loss, grads } = tf.variableGrads(() => {
        const qa = qForwardTrain(variables, obs).mul(actionOneHot).sum(1);
        qMean = tf.keep(qa.mean() as tf.Scalar);
        return this.config.loss === 'huber' ? huber(qa.sub(y)) : qa.sub(y).square().mean().asScalar();
      }, variables);
      const names = Object.keys(grads);
      let clipped: NamedTensor[] = names.map((name) => ({ name, tensor: grads[name] as tf.Tensor }));
      if (Number.isFinite(maxGradNorm)) {
        const norm = tf.addN(clipped.map((g) => g.tensor.square().sum())).sqrt();
        const scale = tf.minimum(1, tf.div(maxGradNorm, norm.add(1e-6)));
        clipped = clipped.map((g) => ({ name: g.name, tensor: g.tensor.mul(scale) }));
      }
      this.optimizer.applyGradients(clipped);
      const out = tf.stack([loss, qMean as tf.Scalar]);
      (qMean as tf.Scalar).dispose(); // kept tensors outlive every tidy
      return out;
    });
    const [loss, qMean] = result.dataSync();
    result.dispose();
    this.gradientSteps++;
    if (this.gradientSteps % this.config.targetUpdateInterval === 0) this.target.setWeights(this.online.getWeights());
    return { loss: loss as number, qMean: qMean as number };
  }

  // -------------------------------------------------------------------------
  // Checkpoints
  // -------------------------------------------------------------------------

  /**
   * Writes config.json, online/ and target/ (model.json + weights.bin),
   * optimizer.json + optimizer.bin (Adam's moments), replay.json +
   * replay.bin, and state.json (counters and the random generator).
   */
  async save(dir: string): Promise<void> {
    this.assertAlive();
    await mkdir(dir, { recursive: true });
    const agentFile: AgentFile = { agent: 'dqn', version: CHECKPOINT_VERSION, spec: this.spec, config: this.config };
    await writeFile(path.join(dir, 'config.json'), JSON.stringify(agentFile, null, 2));
    await saveModel(this.online, path.join(dir, 'online'));
    await saveModel(this.target, path.join(dir, 'target'));

    // Adam: iterations, beta powers, then first and second moments in Adam's own (variable) order.
    const named = await this.optimizer.getWeights();
    const [iter, ...moments] = named;
    const iterations = (await (iter as NamedTensor).tensor.data())[0] as number;
    (iter as NamedTensor).tensor.dispose(); // getWeights makes a fresh scalar for it
    const adam = this.optimizer as unknown as AdamInternals;
    const tensors: OptimizerFile['tensors'] = [];
    const chunks: Float32Array[] = [];
    let offset = 0;
    for (const { name, tensor } of moments) {
      const values = (await tensor.data()) as Float32Array;
      tensors.push({ name, shape: tensor.shape, offset, length: values.length });
      chunks.push(values);
      offset += values.length;
    }
    const optimizerFile: OptimizerFile = {
      iterations,
      accBeta1: (await adam.accBeta1.data())[0] as number,
      accBeta2: (await adam.accBeta2.data())[0] as number,
      tensors,
    };
    await writeFile(path.join(dir, 'optimizer.bin'), concatBytes(chunks));
    await writeFile(path.join(dir, 'optimizer.json'), JSON.stringify(optimizerFile));

    // Replay buffer: the filled part of each array, back to back.
    const parts = this.buffer.parts();
    const sections: ReplayFile['sections'] = [];
    let byteOffset = 0;
    for (const name of SECTIONS) {
      const view = parts[name];
      sections.push({ name, dtype: view.constructor.name, byteOffset, byteLength: view.byteLength });
      byteOffset += view.byteLength;
    }
    const replayFile: ReplayFile = {
      capacity: this.buffer.capacity,
      size: this.buffer.size,
      pos: this.buffer.pos,
      observationSize: this.spec.observationSize,
      actionCount: this.spec.actionCount,
      sections,
    };
    await writeFile(path.join(dir, 'replay.bin'), concatBytes(SECTIONS.map((name) => parts[name])));
    await writeFile(path.join(dir, 'replay.json'), JSON.stringify(replayFile));

    const state: StateFile = {
      transitions: this.transitions,
      trainTicks: this.trainTicks,
      gradientSteps: this.gradientSteps,
      rng: this.rng.getState(),
    };
    await writeFile(path.join(dir, 'state.json'), JSON.stringify(state));
  }

  /** Restores everything `save` wrote; the checkpoint must be for the same observation and action sizes. */
  async load(dir: string): Promise<void> {
    this.assertAlive();
    const file = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as AgentFile;
    if (file.agent !== 'dqn' || file.version !== CHECKPOINT_VERSION) {
      throw new InvalidOptionError(`${dir} holds a ${String(file.agent)} v${String(file.version)} checkpoint, not dqn v${CHECKPOINT_VERSION}`);
    }
    if (file.spec.observationSize !== this.spec.observationSize || file.spec.actionCount !== this.spec.actionCount) {
      throw new InvalidOptionError(
        `The checkpoint in ${dir} is for observations of ${file.spec.observationSize} and ${file.spec.actionCount} actions, ` +
          `not ${this.spec.observationSize} and ${this.spec.actionCount}`,
      );
    }
    const replay = JSON.parse(await readFile(path.join(dir, 'replay.json'), 'utf8')) as ReplayFile;
    if (replay.capacity !== this.buffer.capacity) {
      throw new InvalidOptionError(`The checkpoint's replay buffer holds ${replay.capacity} transitions, this agent's ${this.buffer.capacity}`);
    }
    const optimizerFile = JSON.parse(await readFile(path.join(dir, 'optimizer.json'), 'utf8')) as OptimizerFile;
    const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as StateFile;
    const online = await loadModel(path.join(dir, 'online'));
    const target = await loadModel(path.join(dir, 'target'));

    this.online.dispose();
    this.target.dispose();
    this.online = online;
    this.target = target;

    // A new Adam with the saved moments, in the same variable order as trainableWeights.
    const optimizerBytes = await readFile(path.join(dir, 'optimizer.bin'));
    const values = new Float32Array(bytesOf(optimizerBytes));
    const optimizer = tf.train.adam(this.config.learningRate);
    const weights: NamedTensor[] = [
      { name: 'iter', tensor: tf.scalar(optimizerFile.iterations, 'int32') },
      ...optimizerFile.tensors.map((t) => ({ name: t.name, tensor: tf.tensor(values.subarray(t.offset, t.offset + t.length), t.shape) })),
    ];
    await optimizer.setWeights(weights);
    tf.dispose(weights.map((w) => w.tensor)); // setWeights made variables of its own
    const adam = optimizer as unknown as AdamInternals;
    tf.tidy(() => {
      adam.accBeta1.assign(tf.scalar(optimizerFile.accBeta1));
      adam.accBeta2.assign(tf.scalar(optimizerFile.accBeta2));
    });
    this.optimizer.dispose();
    this.optimizer = optimizer;

    const replayBytes = bytesOf(await readFile(path.join(dir, 'replay.bin')));
    for (const s of replay.sections) {
      const target = this.buffer[s.name];
      const Ctor = target.constructor as new (b: ArrayBuffer, o: number, n: number) => typeof target;
      target.set(new Ctor(replayBytes, s.byteOffset, s.byteLength / target.BYTES_PER_ELEMENT) as never);
    }
    this.buffer.size = replay.size;
    this.buffer.pos = replay.pos;

    this.transitions = state.transitions;
    this.trainTicks = state.trainTicks;
    this.gradientSteps = state.gradientSteps;
    this.rng.setState(state.rng);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }

  private assertAlive(): void {
    if (this.disposed) throw new InvalidOptionError('This DQN agent was disposed');
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** argmax of q over actions with mask 1 (illegal ones count as -Infinity); first wins ties; 0 when none is legal. */
/** Softmax over the legal entries of `z` (all entries when none is legal); illegal ones get 0. */
function maskedSoftmax(z: number[], mask: Uint8Array): number[] {
  const legal = z.map((_, a) => mask[a] === 1 || !mask.includes(1));
  const max = Math.max(...z.filter((_, a) => legal[a]));
  const e = z.map((v, a) => (legal[a] ? Math.exp(v - max) : 0));
  const sum = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / sum);
}

function maskedArgmax(q: Float32Array, mask: Uint8Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let k = 0; k < q.length; k++) {
    const v = mask[k] ? (q[k] as number) : -Infinity;
    if (best < 0 ? mask[k] : v > bestValue) {
      best = k;
      bestValue = v;
    }
  }
  return best < 0 ? 0 : best;
}

/** Mean Huber loss (delta 1) of TD errors, from basic ops that all have WASM gradients. */
function huber(error: tf.Tensor): tf.Scalar {
  const abs = error.abs();
  const quadratic = tf.minimum(abs, 1);
  const linear = abs.sub(quadratic);
  return quadratic.square().mul(0.5).add(linear).mean().asScalar();
}

function concatBytes(views: ArrayBufferView[]): Uint8Array {
  const total = views.reduce((n, v) => n + v.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const v of views) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  return out;
}

/** A Node Buffer's bytes as an ArrayBuffer of their own (aligned for typed-array views). */
function bytesOf(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}
