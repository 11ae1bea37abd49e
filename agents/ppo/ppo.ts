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
 * layers model's variables (the model holds them for saveModel) with dense
 * layers whose gradients avoid the slow kernels (agents/tf/dense.ts); Adam and the
 * gradient-norm clip run in JS on float32 copies of the weights, which also
 * makes Adam's state save and restore bit-exactly (tfjs's AdamOptimizer
 * recomputes its bias corrections with pow() on load: a restored run would
 * drift). The smoke run in ppo.test.ts (8 TicTacToe envs, 20k steps, 64-64
 * nets) takes about 10 s.
 *
 * This folder: config.ts (options and defaults), network.ts (the
 * actor-critic), checkpoint.ts (the agent folder's files), and this file,
 * the algorithm: rollout storage and GAE, acting, learning, saving.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { SeededRng } from '../../src/core/rng.ts';
import type { ActDetails, Learner, LearnerSpec, LearnStats, SaveOptions, TransitionBatch, WithActDetails } from '../agent.ts';
import { CheckpointError, LEARNER_DIR, POLICY_DIR, readHeader, restoreAgent, writeAgentFolder } from '../checkpoint.ts';
import { show } from '../config.ts';
import { checkLearnerSpec } from '../spec.ts';
import { Adam, clipScale } from '../tf/adam.ts';
import { initBackend } from '../tf/backend.ts';
import { loadModel, saveModel } from '../tf/io.ts';
import { concatFloats, floatsFrom64, logSoftmax, toBase64 } from '../tf/tensors.ts';
import * as checkpoint from './checkpoint.ts';
import { resolvePpoConfig, type PpoConfig } from './config.ts';
import { buildModel, forward, maskedLogProbs, networkOf, type Network } from './network.ts';

// ---------------------------------------------------------------------------
// 1. Rollout storage and GAE
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
// 2. The agent
// ---------------------------------------------------------------------------

/** One trainable weight: its variable and a float32 copy of its values, which Adam updates. */
interface Param {
  name: string;
  variable: tf.Variable;
  shape: number[];
  values: Float32Array;
}

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

/** PPO with a masked categorical policy; see the top of this file. */
export class PpoAgent implements Learner, WithActDetails {
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
    this.adam = new Adam(
      this.params.map((p) => p.values.length),
      config.learningRate,
      config.adamEpsilon,
    );
    this.buffers = Array.from({ length: spec.numEnvs }, () => []);
  }

  /** A fresh agent (starts the tfjs backend first). Throws InvalidOptionError on a bad spec or config. */
  static async create(spec: LearnerSpec, config: Partial<PpoConfig> = {}): Promise<PpoAgent> {
    const checked = checkLearnerSpec(spec, 2);
    const resolved = resolvePpoConfig(checked, config);
    await initBackend();
    return new PpoAgent(checked, resolved);
  }

  /** An agent restored from `save(dir)`: same weights, config and (when saved) Adam state, counters, rng and buffers. */
  static fromCheckpoint(dir: string): Promise<PpoAgent> {
    return restoreAgent(dir, 'ppo', (spec, config: PpoConfig) => PpoAgent.create(spec, config));
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

  /**
   * For collect: `probs` as `probabilities`, `logp` the log-probability of
   * the taken action, `value` the critic's V(s) divided by `rewardScale`
   * (reward units). One model call.
   */
  actDetails(observations: Float32Array[], masks: Uint8Array[], actions: number[]): ActDetails[] {
    const { logProbs, values } = this.evaluate(observations, masks);
    return logProbs.map((row, k) => ({
      probs: Array.from(row, Math.exp),
      logp: row[actions[k] as number] ?? Number.NEGATIVE_INFINITY,
      value: (values[k] as number) / this.cfg.rewardScale,
    }));
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
    const breaks = this.buffers.map((steps) => steps.map((s, t) => s.truncated || (!s.terminated && t + 1 < steps.length && !sameArray(s.nextObs, (steps[t + 1] as Step).obs))));
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
    flat.masks.set(
      maskRows(
        steps.map((s) => s.mask),
        A,
      ),
    );
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
            const [logits, value] = forward(this.net, obs, true);
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
   * Writes the agent folder: agent.json, policy/ (the actor-critic) and,
   * unless `learnerState` is false, learner/ (Adam's moments, counters, rng
   * state, pending explore results and the rollout buffers), so that a
   * checkpoint continues exactly.
   */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    this.assertLive();
    const O = this.spec.observationSize;
    const learnerState = (): checkpoint.PpoLearnerState => ({
      counters: { updates: this.updates, recorded: this.recorded, gradientSteps: this.gradientSteps },
      rng: this.rng.getState(),
      adam: { step: this.adam.step, weights: this.params.map((p) => ({ name: p.name, shape: p.shape })) },
      pending: [...this.pending].map(([envId, p]) => ({ envId, logProbs: toBase64(p.logProbs), value: p.value })),
      buffers: this.buffers.map((steps) => ({
        obs: toBase64(
          concatFloats(
            steps.map((s) => s.obs),
            O,
          ),
        ),
        nextObs: toBase64(
          concatFloats(
            steps.map((s) => s.nextObs),
            O,
          ),
        ),
        masks: toBase64(Uint8Array.from(steps.flatMap((s) => Array.from(s.mask)))),
        actions: steps.map((s) => s.action),
        rewards: steps.map((s) => s.reward),
        logProbs: steps.map((s) => s.logProb),
        values: steps.map((s) => s.value),
        terminated: steps.map((s) => (s.terminated ? 1 : 0)),
        truncated: steps.map((s) => (s.truncated ? 1 : 0)),
      })),
    });
    await writeAgentFolder(
      dir,
      { agent: 'ppo', config: this.config, spec: this.spec, steps: options.steps ?? this.recorded },
      (policyDir) => saveModel(this.model, policyDir),
      options.learnerState === false ? undefined : (learnerDir) => checkpoint.saveLearner(learnerDir, this.adam.toBytes(), learnerState()),
    );
  }

  /** Restores what `save` wrote (the policy only, when the folder has no learner state); the checkpoint's config replaces this agent's. */
  async load(dir: string): Promise<void> {
    this.assertLive();
    const header = await readHeader(dir, 'ppo');
    const savedSpec = header.spec as LearnerSpec;
    const { observationSize: O, actionCount: A, numEnvs } = this.spec;
    if (savedSpec.observationSize !== O || savedSpec.actionCount !== A || savedSpec.numEnvs !== numEnvs) {
      throw new InvalidOptionError(
        `The checkpoint in ${dir} is for observationSize ${savedSpec.observationSize}, actionCount ${savedSpec.actionCount}, numEnvs ${savedSpec.numEnvs}; this agent has ${O}, ${A}, ${numEnvs}`,
      );
    }
    const config = resolvePpoConfig(this.spec, header.config as PpoConfig);
    const model = await loadModel(path.join(dir, POLICY_DIR));
    let net: Network;
    let params: Param[];
    let adam: Adam;
    let saved: checkpoint.PpoLearnerState | undefined;
    try {
      net = networkOf(model, config);
      params = paramsOf(model);
      adam = new Adam(
        params.map((p) => p.values.length),
        config.learningRate,
        config.adamEpsilon,
      );
      if (header.learnerState) {
        const learner = await checkpoint.loadLearner(path.join(dir, LEARNER_DIR));
        saved = learner.state;
        const names = params.map((p) => p.name);
        if (JSON.stringify(names) !== JSON.stringify(saved.adam.weights.map((w) => w.name))) {
          throw new CheckpointError(`The model in ${dir} does not match its learner state (weights ${names.join(', ')})`);
        }
        try {
          adam.restore(learner.adamBytes, saved.adam.step);
        } catch (error) {
          throw new CheckpointError(`adam.bin in ${dir}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
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
    if (!saved) return;
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
