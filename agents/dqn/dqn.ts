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
 *
 * This folder: config.ts (options and defaults), network.ts (the Q-network),
 * replay-buffer.ts, checkpoint.ts (the agent folder's files), and this file,
 * the algorithm.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { randomLegal } from '../../src/env/bots.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { SeededRng } from '../../src/core/rng.ts';
import type { ActDetails, Learner, LearnerSpec, LearnStats, SaveOptions, TransitionBatch, WithActDetails } from '../agent.ts';
import { LEARNER_DIR, POLICY_DIR, readHeader, restoreAgent, writeAgentFolder } from '../checkpoint.ts';
import { checkLearnerSpec, scheduleSteps } from '../spec.ts';
import type { NamedTensor } from '../tf/adam.ts';
import { initBackend } from '../tf/backend.ts';
import { maskedSoftmax } from '../tf/tensors.ts';
import * as checkpoint from './checkpoint.ts';
import { resolveDqnConfig, type DqnConfig } from './config.ts';
import { buildQNetwork, qForward, qForwardTrain, weightsOf } from './network.ts';
import { ReplayBuffer } from './replay-buffer.ts';

/** Added to the Q values of illegal next actions in the target (finite, so 0 * it stays 0). */
const ILLEGAL = -1e9;

export class DqnAgent implements Learner, WithActDetails {
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
  /** The schedules' lengths in transitions (absolute, or fractions of the spec's totalSteps). */
  private readonly explorationSteps: number;
  private readonly learningRateDecaySteps: number;
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
    this.explorationSteps = scheduleSteps(config.explorationSteps, config.explorationFraction, spec, 'explorationFraction');
    this.learningRateDecaySteps = scheduleSteps(config.learningRateDecaySteps, config.learningRateDecayFraction, spec, 'learningRateDecayFraction');
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
    const checkedSpec = checkLearnerSpec(spec);
    const resolved = resolveDqnConfig(config.seed === undefined && Number.isInteger(spec.seed) ? { ...config, seed: spec.seed } : config);
    await initBackend();
    return new DqnAgent(checkedSpec, resolved);
  }

  /** An agent restored from `save(dir)`: ready to act, and to go on training exactly where it stopped when the folder has its learner state. */
  static fromCheckpoint(dir: string): Promise<DqnAgent> {
    return restoreAgent(dir, 'dqn', (spec, config: DqnConfig) => DqnAgent.create(spec, config));
  }

  // -------------------------------------------------------------------------
  // Acting
  // -------------------------------------------------------------------------

  /** Epsilon now: linear from epsilonStart to epsilonEnd over explorationSteps transitions. */
  get epsilon(): number {
    const { epsilonStart, epsilonEnd } = this.config;
    const explorationSteps = this.explorationSteps;
    if (this.transitions >= explorationSteps) return epsilonEnd;
    return epsilonStart + (epsilonEnd - epsilonStart) * (this.transitions / explorationSteps);
  }

  /** Adam's step size now: learningRate, or linear to learningRateEnd over learningRateDecaySteps transitions. */
  get learningRate(): number {
    const { learningRate, learningRateEnd } = this.config;
    const learningRateDecaySteps = this.learningRateDecaySteps;
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
    return this.qValues(observations).map((q, i) =>
      maskedSoftmax(
        Array.from(q, (v) => v / t),
        masks[i] as Uint8Array,
      ),
    );
  }

  /**
   * For collect: `probs` as `probabilities`, `logp` the log of the taken
   * action's probability under them, and `value` the expected Q under that
   * softmax policy, sum_a p(a) Q(s, a), divided by `rewardScale` (reward units).
   */
  actDetails(observations: Float32Array[], masks: Uint8Array[], actions: number[]): ActDetails[] {
    this.assertAlive();
    const t = this.config.probsTemperature;
    return this.qValues(observations).map((q, i) => {
      const mask = masks[i] as Uint8Array;
      const z = Array.from(q, (v) => v / t);
      const probs = maskedSoftmax(z, mask);
      const expected = probs.reduce((sum, p, a) => sum + p * (q[a] as number), 0);
      // log-softmax directly, so a very unlikely action gets a finite logp rather than log(0).
      const legal = z.filter((_, a) => mask[a] === 1 || !mask.includes(1));
      const max = Math.max(...legal);
      const logSum = max + Math.log(legal.reduce((sum, v) => sum + Math.exp(v - max), 0));
      const action = actions[i] as number;
      const logp = mask[action] === 1 || !mask.includes(1) ? (z[action] as number) - logSum : Number.NEGATIVE_INFINITY;
      return { probs, logp, value: expected / this.config.rewardScale };
    });
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
   * Writes the agent folder: agent.json, policy/ (the online network) and,
   * unless `learnerState` is false, learner/ (target network, Adam's moments,
   * replay buffer, counters and generator: see checkpoint.ts).
   */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    this.assertAlive();
    const header = { agent: 'dqn', config: this.config, spec: this.spec, steps: options.steps ?? this.transitions };
    await writeAgentFolder(
      dir,
      header,
      (policyDir) => checkpoint.savePolicy(policyDir, this.online),
      options.learnerState === false
        ? undefined
        : (learnerDir) =>
            checkpoint.saveLearner(learnerDir, this.target, this.optimizer, this.buffer, {
              transitions: this.transitions,
              trainTicks: this.trainTicks,
              gradientSteps: this.gradientSteps,
              rng: this.rng.getState(),
            }),
    );
  }

  /** Restores what `save` wrote (the policy only, when the folder has no learner state); same observation and action sizes. */
  async load(dir: string): Promise<void> {
    this.assertAlive();
    const header = await readHeader(dir, 'dqn');
    const spec = header.spec as LearnerSpec;
    if (spec.observationSize !== this.spec.observationSize || spec.actionCount !== this.spec.actionCount) {
      throw new InvalidOptionError(
        `The checkpoint in ${dir} is for observations of ${spec.observationSize} and ${spec.actionCount} actions, ` +
          `not ${this.spec.observationSize} and ${this.spec.actionCount}`,
      );
    }
    const online = await checkpoint.loadPolicy(path.join(dir, POLICY_DIR));
    if (!header.learnerState) {
      this.online.dispose();
      this.online = online;
      this.target.setWeights(online.getWeights());
      return;
    }
    const learner = await checkpoint.loadLearner(path.join(dir, LEARNER_DIR), this.buffer, this.config.learningRate);
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
    this.online = online;
    this.target = learner.target;
    this.optimizer = learner.optimizer;
    this.transitions = learner.counters.transitions;
    this.trainTicks = learner.counters.trainTicks;
    this.gradientSteps = learner.counters.gradientSteps;
    this.rng.setState(learner.counters.rng);
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
