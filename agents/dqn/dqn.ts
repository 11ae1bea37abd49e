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
import { Adam, clipScale } from '../tf/adam.ts';
import { initBackend } from '../tf/backend.ts';
import { denseStack, denseStackGrads } from '../tf/dense.ts';
import { maskedSoftmax } from '../tf/tensors.ts';
import * as checkpoint from './checkpoint.ts';
import { resolveDqnConfig, type DqnConfig } from './config.ts';
import { buildQNetwork, denseLayers, qForward, weightsOf } from './network.ts';
import { ReplayBuffer } from './replay-buffer.ts';

/** Added to the Q values of illegal next actions in the target (finite, so 0 * it stays 0). */
const ILLEGAL = -1e9;

export class DqnAgent implements Learner, WithActDetails {
  readonly name = 'dqn';
  readonly spec: LearnerSpec;
  readonly config: DqnConfig;
  private online: tf.LayersModel;
  private target: tf.LayersModel;
  /** Adam and the gradient-norm clip run in JS on float32 copies of the online weights (`params`), as PPO's do: tfjs's AdamOptimizer ran about 150 small kernels a step. */
  private adam: Adam;
  private params: Float32Array[];
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
  private readonly bAction: Int32Array;
  /** dLoss/dQ for the minibatch (B x A). */
  private readonly bGradQ: Float32Array;
  /** The spec's symmetries as typed arrays (none unless augmentSymmetries). */
  private readonly symmetries: Array<{ observation: Int32Array; action: Int32Array }>;
  private readonly bRewards: Float32Array;
  private readonly bNotDone: Float32Array;
  private readonly bPenalty: Float32Array;

  private constructor(spec: LearnerSpec, config: DqnConfig) {
    this.spec = spec;
    this.config = config;
    this.online = buildQNetwork(spec, config, config.seed);
    this.target = buildQNetwork(spec, config, config.seed);
    this.target.setWeights(this.online.getWeights());
    this.params = paramsOf(this.online);
    this.adam = newAdam(this.params, config);
    this.buffer = new ReplayBuffer(config.bufferSize, spec.observationSize, spec.actionCount);
    this.rng = new SeededRng(`dqn-${config.seed}`);
    this.explorationSteps = scheduleSteps(config.explorationSteps, config.explorationFraction, spec, 'explorationFraction');
    this.learningRateDecaySteps = scheduleSteps(config.learningRateDecaySteps, config.learningRateDecayFraction, spec, 'learningRateDecayFraction');
    const B = config.batchSize;
    this.bObs = new Float32Array(B * spec.observationSize);
    this.bNextObs = new Float32Array(B * spec.observationSize);
    this.bAction = new Int32Array(B);
    this.bGradQ = new Float32Array(B * spec.actionCount);
    this.symmetries = config.augmentSymmetries ? (spec.symmetries ?? []).map((s) => ({ observation: Int32Array.from(s.observation), action: Int32Array.from(s.action) })) : [];
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
    this.params = paramsOf(this.online);
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

  /**
   * One Adam step on a uniformly sampled minibatch; then, every
   * targetUpdateInterval steps, target <- online. The backend runs the three
   * forward passes and the hand-written backward pass of the online network
   * (`denseStackGrads`); the TD targets, the loss and its gradient with
   * respect to Q (B x A numbers), the gradient clip and Adam run here in JS.
   */
  private trainStep(): { loss: number; qMean: number } {
    const { batchSize: B, gamma, doubleDqn, maxGradNorm } = this.config;
    const O = this.spec.observationSize;
    const A = this.spec.actionCount;
    this.sample(B, O, A);
    const variables = weightsOf(this.online);
    const layers = denseLayers(variables);
    let grads: Float32Array[] = [];
    let loss = 0;
    let qSum = 0;
    tf.tidy(() => {
      const nextObs = tf.tensor2d(this.bNextObs, [B, O]);
      const nextQTarget = qForward(weightsOf(this.target), nextObs).dataSync() as Float32Array;
      const nextQOnline = doubleDqn ? (qForward(variables, nextObs).dataSync() as Float32Array) : undefined;
      const outputs = denseStack(layers, tf.tensor2d(this.bObs, [B, O]));
      const q = (outputs.at(-1) as tf.Tensor2D).dataSync() as Float32Array;
      const dq = this.bGradQ.fill(0);
      for (let b = 0; b < B; b++) {
        // TD target, no gradient: y = r + gamma * (1 - done) * Q_target(s', a*), a* over the legal actions of s'.
        const row = b * A;
        let nextValue: number;
        if (nextQOnline) {
          let best = 0;
          for (let k = 1; k < A; k++) if (nextQOnline[row + k]! + this.bPenalty[row + k]! > nextQOnline[row + best]! + this.bPenalty[row + best]!) best = k;
          nextValue = nextQTarget[row + best]!;
        } else {
          nextValue = -Infinity;
          for (let k = 0; k < A; k++) nextValue = Math.max(nextValue, nextQTarget[row + k]! + this.bPenalty[row + k]!);
        }
        const y = this.bRewards[b]! + gamma * this.bNotDone[b]! * nextValue;
        const action = this.bAction[b]!;
        const qa = q[row + action]!;
        const error = qa - y;
        qSum += qa;
        if (this.config.loss === 'huber') {
          const abs = Math.abs(error);
          loss += abs <= 1 ? 0.5 * error * error : abs - 0.5;
          dq[row + action] = Math.max(-1, Math.min(1, error)) / B;
        } else {
          loss += error * error;
          dq[row + action] = (2 * error) / B;
        }
      }
      const tensors = denseStackGrads(layers, outputs, tf.tensor2d(dq, [B, A]));
      grads = tensors.map((t) => t.dataSync() as Float32Array);
    });
    // Clip the global gradient norm, step Adam on the JS copies, write the weights back.
    this.adam.apply(this.params, grads, Number.isFinite(maxGradNorm) ? clipScale(grads, maxGradNorm) : 1, this.learningRate);
    tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(this.params[i] as Float32Array, v.shape))));
    this.gradientSteps++;
    if (this.gradientSteps % this.config.targetUpdateInterval === 0) this.target.setWeights(this.online.getWeights());
    return { loss: loss / B, qMean: qSum / B };
  }

  /** Fills the minibatch arrays with B transitions drawn uniformly from the buffer, each in a random symmetry of the game when augmenting. */
  private sample(B: number, O: number, A: number): void {
    const buf = this.buffer;
    const symmetries = this.symmetries;
    for (let b = 0; b < B; b++) {
      const i = this.rng.int(0, buf.size - 1);
      this.bRewards[b] = buf.rewards[i] as number;
      this.bNotDone[b] = buf.dones[i] ? 0 : 1;
      if (symmetries.length === 0) {
        this.bObs.set(buf.obs.subarray(i * O, (i + 1) * O), b * O);
        this.bNextObs.set(buf.nextObs.subarray(i * O, (i + 1) * O), b * O);
        this.bAction[b] = buf.actions[i] as number;
        for (let k = 0; k < A; k++) this.bPenalty[b * A + k] = buf.nextMasks[i * A + k] ? 0 : ILLEGAL;
        continue;
      }
      const { observation: from, action: to } = symmetries[this.rng.int(0, symmetries.length - 1)] as { observation: Int32Array; action: Int32Array };
      const src = i * O;
      const dst = b * O;
      for (let j = 0; j < O; j++) {
        const at = src + from[j]!;
        this.bObs[dst + j] = buf.obs[at]!;
        this.bNextObs[dst + j] = buf.nextObs[at]!;
      }
      this.bAction[b] = to[buf.actions[i]!]!;
      for (let k = 0; k < A; k++) this.bPenalty[b * A + to[k]!] = buf.nextMasks[i * A + k] ? 0 : ILLEGAL;
    }
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
            checkpoint.saveLearner(learnerDir, this.target, this.adam, weightsOf(this.online), this.buffer, {
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
    const params = paramsOf(online);
    if (!header.learnerState) {
      this.online.dispose();
      this.online = online;
      this.params = params;
      this.target.setWeights(online.getWeights());
      return;
    }
    const adam = newAdam(params, this.config);
    let learner: Awaited<ReturnType<typeof checkpoint.loadLearner>>;
    try {
      learner = await checkpoint.loadLearner(path.join(dir, LEARNER_DIR), this.buffer, adam);
    } catch (error) {
      online.dispose();
      throw error;
    }
    this.online.dispose();
    this.target.dispose();
    this.online = online;
    this.params = params;
    this.target = learner.target;
    this.adam = adam;
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
  }

  private assertAlive(): void {
    if (this.disposed) throw new InvalidOptionError('This DQN agent was disposed');
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Float32 copies of a network's weights, in `weightsOf` order. */
function paramsOf(model: tf.LayersModel): Float32Array[] {
  return weightsOf(model).map((v) => Float32Array.from(v.dataSync() as Float32Array));
}

/** Adam as tfjs's AdamOptimizer was configured before (its epsilon is the backend's, 1e-7 in float32). */
function newAdam(params: Float32Array[], config: DqnConfig): Adam {
  return new Adam(
    params.map((p) => p.length),
    config.learningRate,
    tf.backend().epsilon(),
  );
}

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
