/** The typed arrays of the replay buffer, in the order they are saved. */
export const SECTIONS = ['obs', 'actions', 'rewards', 'nextObs', 'nextMasks', 'dones'] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * A ring of the last `capacity` transitions (s, a, r, s', legal(s'), done).
 * `done` is `terminated` only: a truncated episode's s' is bootstrapped from.
 */
export class ReplayBuffer {
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
