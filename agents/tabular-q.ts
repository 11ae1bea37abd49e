import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomLegal } from '../src/env/bots.ts';
import { InvalidOptionError } from '../src/core/errors.ts';
import { SeededRng } from '../src/core/rng.ts';
import type { LearnStats, Learner, LearnerSpec, TransitionBatch } from './agent.ts';

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
 * A checkpoint folder holds `config.json` (agent kind, spec, config) and
 * `state.json` (table, counters, generator state), so a loaded agent acts and
 * continues exactly as the saved one would have.
 */

/** Options of `TabularQAgent`; every field has a default (`TABULAR_Q_DEFAULTS`). */
export interface TabularQConfig {
  /** Learning rate, in (0, 1]. */
  alpha: number;
  /** Discount, in [0, 1]. */
  gamma: number;
  /** Value of every table entry before its first update. */
  initialQ: number;
  /** Exploration rate at the start, in [0, 1]. */
  epsilonStart: number;
  /** Exploration rate after the decay, in [0, 1]. */
  epsilonEnd: number;
  /** Recorded transitions over which epsilon falls linearly (0: `epsilonEnd` at once). */
  epsilonDecaySteps: number;
}

export const TABULAR_Q_DEFAULTS: Readonly<TabularQConfig> = Object.freeze({
  alpha: 0.5,
  gamma: 0.95,
  initialQ: 0,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  epsilonDecaySteps: 20_000,
});

/** The agent kind written into `config.json`. */
export const TABULAR_Q_NAME = 'tabular-q';

/** Fills in defaults and checks every field; throws InvalidOptionError on anything else. */
export function resolveTabularQConfig(config: Partial<TabularQConfig> = {}): TabularQConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidOptionError(`Expected the tabular-q config to be an object, got ${JSON.stringify(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!(key in TABULAR_Q_DEFAULTS)) {
      throw new InvalidOptionError(`Unknown tabular-q option ${JSON.stringify(key)}; expected one of ${Object.keys(TABULAR_Q_DEFAULTS).join(', ')}`);
    }
  }
  const c: TabularQConfig = { ...TABULAR_Q_DEFAULTS };
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) (c as unknown as Record<string, unknown>)[key] = value;
  }
  const inRange = (name: keyof TabularQConfig, ok: (x: number) => boolean, range: string): void => {
    const x = c[name];
    if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) {
      throw new InvalidOptionError(`Expected ${name} to be a number ${range}, got ${JSON.stringify(x) ?? String(x)}`);
    }
  };
  inRange('alpha', (x) => x > 0 && x <= 1, 'in (0, 1]');
  inRange('gamma', (x) => x >= 0 && x <= 1, 'in [0, 1]');
  inRange('initialQ', () => true, '(finite)');
  inRange('epsilonStart', (x) => x >= 0 && x <= 1, 'in [0, 1]');
  inRange('epsilonEnd', (x) => x >= 0 && x <= 1, 'in [0, 1]');
  inRange('epsilonDecaySteps', (x) => Number.isInteger(x) && x >= 0, '(a non-negative integer)');
  return c;
}

/** Checks the facts a learner is built for. */
export function checkLearnerSpec(spec: LearnerSpec): LearnerSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidOptionError(`Expected a learner spec object, got ${String(spec)}`);
  for (const name of ['observationSize', 'actionCount', 'numEnvs'] as const) {
    const x = spec[name];
    if (!(typeof x === 'number' && Number.isInteger(x) && x > 0)) {
      throw new InvalidOptionError(`Expected ${name} to be a positive integer, got ${JSON.stringify(x) ?? String(x)}`);
    }
  }
  if (!(typeof spec.seed === 'number' && Number.isFinite(spec.seed))) {
    throw new InvalidOptionError(`Expected seed to be a finite number, got ${JSON.stringify(spec.seed) ?? String(spec.seed)}`);
  }
  return { observationSize: spec.observationSize, actionCount: spec.actionCount, numEnvs: spec.numEnvs, seed: spec.seed };
}

/** The table key of an observation: its Float32 bytes in base64 (exact, and a JSON-safe string). */
export function observationKey(observation: Float32Array): string {
  return Buffer.from(observation.buffer, observation.byteOffset, observation.byteLength).toString('base64');
}

interface SavedConfig {
  agent: string;
  spec: LearnerSpec;
  config: TabularQConfig;
}

interface SavedState {
  table: Record<string, number[]>;
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

  private constructor(spec: LearnerSpec, config: TabularQConfig) {
    this.spec = spec;
    this.cfg = config;
    this.rng = new SeededRng(`tabular-q-${spec.seed}`);
  }

  static create(spec: LearnerSpec, config: Partial<TabularQConfig> = {}): TabularQAgent {
    return new TabularQAgent(checkLearnerSpec(spec), resolveTabularQConfig(config));
  }

  static async fromCheckpoint(dir: string): Promise<TabularQAgent> {
    const saved = await readConfig(dir);
    const agent = TabularQAgent.create(saved.spec, saved.config);
    await agent.load(dir);
    return agent;
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
    const { epsilonStart, epsilonEnd, epsilonDecaySteps } = this.cfg;
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

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const table: Record<string, number[]> = {};
    for (const [key, row] of this.table) table[key] = Array.from(row);
    const state: SavedState = { table, transitions: this.transitions, rng: this.rng.getState(), pending: { ...this.pending } };
    const config: SavedConfig = { agent: TABULAR_Q_NAME, spec: this.spec, config: this.cfg };
    await writeFile(path.join(dir, 'state.json'), JSON.stringify(state));
    await writeFile(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  async load(dir: string): Promise<void> {
    const saved = await readConfig(dir);
    const spec = checkLearnerSpec(saved.spec);
    const config = resolveTabularQConfig(saved.config);
    const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as SavedState;
    const table = new Map<string, Float32Array>();
    for (const [key, values] of Object.entries(state.table)) {
      if (!Array.isArray(values) || values.length !== spec.actionCount) {
        throw new InvalidOptionError(`Checkpoint ${dir}: expected ${spec.actionCount} values per table row, got ${JSON.stringify(values)}`);
      }
      table.set(key, Float32Array.from(values));
    }
    this.rng.setState(state.rng);
    this.spec = spec;
    this.cfg = config;
    this.table = table;
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

async function readConfig(dir: string): Promise<SavedConfig> {
  const saved = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as SavedConfig;
  if (saved.agent !== TABULAR_Q_NAME) {
    throw new InvalidOptionError(`Checkpoint ${dir} holds a ${JSON.stringify(saved.agent)} agent, not ${TABULAR_Q_NAME}`);
  }
  return saved;
}
