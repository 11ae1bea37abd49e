import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomLegal } from '../../src/env/bots.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { SeededRng } from '../../src/core/rng.ts';
import type { LearnStats, Learner, LearnerSpec, SaveOptions, TransitionBatch } from '../agent.ts';
import { CheckpointError, LEARNER_DIR, POLICY_DIR, readHeader, restoreAgent, readJson, writeAgentFolder } from '../checkpoint.ts';
import { checkLearnerSpec, scheduleSteps } from '../spec.ts';
import { resolveTabularQConfig, type TabularQConfig } from './config.ts';

/**
 * Tabular one-step Q-learning (Watkins) for games whose observations repeat
 * exactly, such as TicTacToe. No tensors: the table maps an observation's
 * bytes to one Float32 value per action.
 *
 * - `explore` is epsilon-greedy over the legal actions, epsilon falling
 *   linearly from `epsilonStart` to `epsilonEnd` over `epsilonDecaySteps`
 *   recorded transitions; greedy ties are broken at random.
 * - `act` is greedy over the legal actions; ties go to the lowest action, so
 *   it is deterministic and consumes no randomness.
 * - `record` applies Q(s,a) += alpha (r + gamma max_a' Q(s',a') - Q(s,a)) to
 *   each transition in batch order, the max over the next state's legal
 *   actions, 0 when the episode terminated. A truncated episode bootstraps
 *   from its next observation; as envs send an all-zero mask with it, the max
 *   is then over every action. Transitions of different envs may interleave:
 *   each is self-contained.
 * - `learn` reports what `record` did since the last call (null if nothing).
 *
 * An agent folder (agents/checkpoint.ts) holds agent.json, policy/table.json
 * (what acting needs) and learner/state.json (counters, generator state), so
 * a loaded agent acts and continues exactly as the saved one would have.
 */

/** The agent kind written into `agent.json`. */
export const TABULAR_Q_NAME = 'tabular-q';

/** The table key of an observation: its Float32 bytes in base64 (exact, and a JSON-safe string). */
export function observationKey(observation: Float32Array): string {
  return Buffer.from(observation.buffer, observation.byteOffset, observation.byteLength).toString('base64');
}

interface SavedState {
  transitions: number;
  rng: number[];
  pending: { updates: number; absTdError: number };
}

export class TabularQAgent implements Learner {
  readonly name = TABULAR_Q_NAME;
  private spec: LearnerSpec;
  private cfg: TabularQConfig;
  private table = new Map<string, Float32Array>();
  private rng: SeededRng;
  /** Transitions recorded so far: the clock of the epsilon schedule. */
  private transitions = 0;
  /** Updates and summed |TD error| since the last `learn`. */
  private pending = { updates: 0, absTdError: 0 };
  /** The epsilon schedule's length in transitions (absolute, or a fraction of the spec's totalSteps). */
  private decaySteps: number;

  private constructor(spec: LearnerSpec, config: TabularQConfig) {
    this.spec = spec;
    this.cfg = config;
    this.rng = new SeededRng(`tabular-q-${spec.seed}`);
    this.decaySteps = scheduleSteps(config.epsilonDecaySteps, config.epsilonDecayFraction, spec, 'epsilonDecayFraction');
  }

  static create(spec: LearnerSpec, config: Partial<TabularQConfig> = {}): TabularQAgent {
    return new TabularQAgent(checkLearnerSpec(spec), resolveTabularQConfig(config));
  }

  static fromCheckpoint(dir: string): Promise<TabularQAgent> {
    return restoreAgent(dir, TABULAR_Q_NAME, (spec, config: TabularQConfig) => TabularQAgent.create(spec, config));
  }

  get config(): TabularQConfig {
    return { ...this.cfg };
  }

  /** Number of observations in the table. */
  get tableSize(): number {
    return this.table.size;
  }

  /** Transitions recorded so far. */
  get steps(): number {
    return this.transitions;
  }

  /** The exploration rate for the next decision. */
  get epsilon(): number {
    const { epsilonStart, epsilonEnd } = this.cfg;
    const epsilonDecaySteps = this.decaySteps;
    if (epsilonDecaySteps === 0 || this.transitions >= epsilonDecaySteps) return epsilonEnd;
    return epsilonStart + (epsilonEnd - epsilonStart) * (this.transitions / epsilonDecaySteps);
  }

  /** The action values of an observation (a copy; `initialQ` everywhere if unseen). */
  qValues(observation: Float32Array): Float32Array {
    const row = this.table.get(observationKey(observation));
    return row ? row.slice() : new Float32Array(this.spec.actionCount).fill(this.cfg.initialQ);
  }

  act(observations: Float32Array[], masks: Uint8Array[]): number[] {
    return observations.map((obs, i) => this.greedy(this.table.get(observationKey(obs)), masks[i] as Uint8Array, null));
  }

  explore(observations: Float32Array[], masks: Uint8Array[], _envIds: number[]): number[] {
    const epsilon = this.epsilon;
    return observations.map((obs, i) => {
      const mask = masks[i] as Uint8Array;
      if (this.rng.next() < epsilon) return randomLegal(mask, this.rng);
      return this.greedy(this.table.get(observationKey(obs)), mask, this.rng);
    });
  }

  record(batch: TransitionBatch): void {
    const { alpha, gamma, initialQ } = this.cfg;
    for (let k = 0; k < batch.actions.length; k++) {
      const action = batch.actions[k] as number;
      if (!(Number.isInteger(action) && action >= 0 && action < this.spec.actionCount)) {
        throw new InvalidOptionError(`Expected actions from 0 to ${this.spec.actionCount - 1}, got ${action}`);
      }
      let target = batch.rewards[k] as number;
      if (!batch.terminated[k]) {
        const next = this.table.get(observationKey(batch.nextObservations[k] as Float32Array));
        target += gamma * (next ? maxOver(next, batch.nextMasks[k] as Uint8Array) : initialQ);
      }
      const row = this.row(batch.observations[k] as Float32Array);
      const tdError = target - (row[action] as number);
      row[action] = (row[action] as number) + alpha * tdError;
      this.transitions++;
      this.pending.updates++;
      this.pending.absTdError += Math.abs(tdError);
    }
  }

  async learn(_envSteps: number): Promise<LearnStats | null> {
    if (this.pending.updates === 0) return null;
    const stats: LearnStats = {
      updates: this.pending.updates,
      meanAbsTdError: this.pending.absTdError / this.pending.updates,
      epsilon: this.epsilon,
      tableSize: this.table.size,
    };
    this.pending = { updates: 0, absTdError: 0 };
    return stats;
  }

  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    const table: Record<string, number[]> = {};
    for (const [key, row] of this.table) table[key] = Array.from(row);
    const state: SavedState = { transitions: this.transitions, rng: this.rng.getState(), pending: { ...this.pending } };
    await writeAgentFolder(
      dir,
      { agent: TABULAR_Q_NAME, config: this.cfg, spec: this.spec, steps: options.steps ?? this.transitions },
      (policyDir) => writeFile(path.join(policyDir, 'table.json'), JSON.stringify(table)),
      options.learnerState === false ? undefined : (learnerDir) => writeFile(path.join(learnerDir, 'state.json'), JSON.stringify(state)),
    );
  }

  /** Restores what `save` wrote (the table only, when the folder has no learner state). */
  async load(dir: string): Promise<void> {
    const header = await readHeader(dir, TABULAR_Q_NAME);
    const spec = checkLearnerSpec(header.spec as LearnerSpec);
    const config = resolveTabularQConfig(header.config as TabularQConfig);
    const saved = await readJson<Record<string, number[]>>(path.join(dir, POLICY_DIR, 'table.json'));
    const table = new Map<string, Float32Array>();
    for (const [key, values] of Object.entries(saved)) {
      if (!Array.isArray(values) || values.length !== spec.actionCount) {
        throw new CheckpointError(`Checkpoint ${dir}: expected ${spec.actionCount} values per table row, got ${JSON.stringify(values)}`);
      }
      table.set(key, Float32Array.from(values));
    }
    const state = header.learnerState ? await readJson<SavedState>(path.join(dir, LEARNER_DIR, 'state.json')) : undefined;
    this.spec = spec;
    this.cfg = config;
    this.decaySteps = scheduleSteps(config.epsilonDecaySteps, config.epsilonDecayFraction, spec, 'epsilonDecayFraction');
    this.table = table;
    if (!state) return;
    this.rng.setState(state.rng);
    this.transitions = state.transitions;
    this.pending = { ...state.pending };
  }

  dispose(): void {}

  private row(observation: Float32Array): Float32Array {
    const key = observationKey(observation);
    let row = this.table.get(key);
    if (!row) {
      row = new Float32Array(this.spec.actionCount).fill(this.cfg.initialQ);
      this.table.set(key, row);
    }
    return row;
  }

  /** The best legal action of a row (unseen: `initialQ` everywhere); ties at random with `rng`, else the lowest. 0 if nothing is legal. */
  private greedy(row: Float32Array | undefined, mask: Uint8Array, rng: SeededRng | null): number {
    let best = -Infinity;
    let first = -1;
    let ties = 0;
    for (let a = 0; a < mask.length; a++) {
      if (!mask[a]) continue;
      const q = row ? (row[a] as number) : this.cfg.initialQ;
      if (q > best) {
        best = q;
        first = a;
        ties = 1;
      } else if (q === best) ties++;
    }
    if (first < 0) return 0;
    if (rng === null || ties === 1) return first;
    let k = rng.int(0, ties - 1);
    for (let a = first; a < mask.length; a++) {
      if (mask[a] && (row ? (row[a] as number) : this.cfg.initialQ) === best && k-- === 0) return a;
    }
    return first;
  }
}

/** The max of a row over the legal actions of `mask`, or over every action when none is legal (a truncated step's mask). */
function maxOver(row: Float32Array, mask: Uint8Array): number {
  let best = -Infinity;
  for (let a = 0; a < row.length; a++) if (mask[a]) best = Math.max(best, row[a] as number);
  if (best === -Infinity) for (let a = 0; a < row.length; a++) best = Math.max(best, row[a] as number);
  return best;
}
