import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomLegal } from '../../src/env/bots.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { SeededRng } from '../../src/core/rng.ts';
import type { LearnStats, Learner, LearnerSpec, SaveOptions, TransitionBatch } from '../agent.ts';
import { CheckpointError, LEARNER_DIR, POLICY_DIR, readHeader, restoreAgent, readJson, writeAgentFolder } from '../checkpoint.ts';
import { checkLearnerSpec } from '../spec.ts';
import { resolveMenaceConfig, type MenaceConfig } from './config.ts';

/**
 * MENACE (Machine Educable Noughts And Crosses Engine), Donald Michie's 1961
 * matchbox learner, for the TicTacToe adapter's observation (planes mine,
 * theirs, empty; Discrete(9)). It plays either seat.
 *
 * - One matchbox per board layout seen (the layout from the agent's own view,
 *   reduced by the board's 8 symmetries when `symmetry` is on, as in the
 *   original's 304 boxes; moves that a symmetry of the board makes equivalent
 *   share one bead count). A new box holds `initialBeads[n]` beads per legal
 *   move, n the agent's own move number (marks it already has: 0, 1, 2, ...;
 *   the last entry for later moves): 4/3/2/1 as in the classic machine.
 * - `explore` draws a move with probability proportional to its beads;
 *   `act` takes the move with most beads (ties: the lowest cell of the
 *   canonical board, so it is deterministic and consumes no randomness).
 * - `record` keeps each env's (box, move) pairs of the running episode; when
 *   the episode terminates, every played move gains `winBeads` (reward > 0),
 *   `drawBeads` (0) or `lossBeads` (< 0), never going below `minBeads`. A box
 *   left with no beads is refilled with its initial beads, as the classic
 *   rules do. A truncated episode has no result: its pairs are dropped unless
 *   `scoreTruncated` scores it by its last reward like a terminated one.
 *   Transitions with an all-zero mask (an env's post-episode step) add no pair.
 * - `learn` reports the episodes scored since the last call (null if none).
 *
 * An agent folder (agents/checkpoint.ts) holds agent.json, policy/boxes.json
 * (the matchboxes: what acting needs) and learner/state.json (running
 * episodes, counters, generator state).
 */

/** The agent kind written into `agent.json`. */
export const MENACE_NAME = 'menace';

/** Checks the spec: MENACE reads the TicTacToe adapter's 27-value observation and plays Discrete(9). */
export function checkMenaceSpec(spec: LearnerSpec): LearnerSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidOptionError(`Expected a learner spec object, got ${String(spec)}`);
  if (spec.observationSize !== 27) throw new InvalidOptionError(`Expected observationSize to be 27 (TicTacToe), got ${String(spec.observationSize)}`);
  if (spec.actionCount !== 9) throw new InvalidOptionError(`Expected actionCount to be 9 (TicTacToe), got ${String(spec.actionCount)}`);
  const checked = checkLearnerSpec(spec);
  return { observationSize: 27, actionCount: 9, numEnvs: checked.numEnvs, seed: checked.seed };
}

/** The 8 symmetries of the board: `SYMMETRIES[t][cell]` is where `cell` goes under t. */
const SYMMETRIES: ReadonlyArray<Int8Array> = [
  (r: number, c: number) => [r, c],
  (r: number, c: number) => [c, 2 - r],
  (r: number, c: number) => [2 - r, 2 - c],
  (r: number, c: number) => [2 - c, r],
  (r: number, c: number) => [r, 2 - c],
  (r: number, c: number) => [2 - r, c],
  (r: number, c: number) => [c, r],
  (r: number, c: number) => [2 - c, 2 - r],
].map((f) =>
  Int8Array.from({ length: 9 }, (_, i) => {
    const [r, c] = f(Math.floor(i / 3), i % 3) as [number, number];
    return r * 3 + c;
  }),
);
const IDENTITY = SYMMETRIES[0] as Int8Array;

/**
 * A board seen through its box: the box key (the canonical layout, a 9-char
 * string of '.', 'x' mine, 'o' theirs), the symmetry taking the real board
 * there, and the symmetries that leave the canonical layout unchanged.
 */
interface View {
  key: string;
  toCanon: Int8Array;
  stabilizer: Int8Array[];
  /** The agent's own move number: its marks on the board. */
  stage: number;
}

/** A matchbox: the moves (canonical cells, one per class of equivalent moves) and their beads. */
export interface Matchbox {
  moves: number[];
  beads: number[];
}

function boardChars(obs: Float32Array): string[] {
  const cells: string[] = [];
  for (let i = 0; i < 9; i++) cells.push(obs[i] ? 'x' : obs[9 + i] ? 'o' : '.');
  return cells;
}

function transform(cells: string[], perm: Int8Array): string {
  const out = new Array<string>(9);
  for (let i = 0; i < 9; i++) out[perm[i] as number] = cells[i] as string;
  return out.join('');
}

function viewOf(obs: Float32Array, symmetry: boolean): View {
  const cells = boardChars(obs);
  const stage = cells.filter((c) => c === 'x').length;
  if (!symmetry) return { key: cells.join(''), toCanon: IDENTITY, stabilizer: [IDENTITY], stage };
  const keys = SYMMETRIES.map((perm) => transform(cells, perm));
  let best = 0;
  for (let t = 1; t < 8; t++) if ((keys[t] as string) < (keys[best] as string)) best = t;
  const key = keys[best] as string;
  const canon = key.split('');
  const stabilizer = SYMMETRIES.filter((perm) => transform(canon, perm) === key);
  return { key, toCanon: SYMMETRIES[best] as Int8Array, stabilizer, stage };
}

/** The class representative of a canonical cell: the lowest cell a board symmetry maps it to. */
function representative(view: View, cell: number): number {
  let rep = cell;
  for (const perm of view.stabilizer) rep = Math.min(rep, perm[cell] as number);
  return rep;
}

/** The mask in canonical cells. */
function canonicalMask(view: View, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(9);
  for (let i = 0; i < 9; i++) if (mask[i]) out[view.toCanon[i] as number] = 1;
  return out;
}

/** The real cell to play for a box move: its lowest legal equivalent, mapped back; -1 if none is legal. */
function realCell(view: View, move: number, cmask: Uint8Array): number {
  let cell = -1;
  for (const perm of view.stabilizer) {
    const c = perm[move] as number;
    if (cmask[c] && (cell < 0 || c < cell)) cell = c;
  }
  return cell < 0 ? -1 : view.toCanon.indexOf(cell);
}

interface Counts {
  episodes: number;
  wins: number;
  draws: number;
  losses: number;
  refills: number;
}

interface SavedState {
  episodes: Record<string, Array<[string, number]>>;
  total: Counts;
  pending: Counts;
  rng: number[];
}

const zeroCounts = (): Counts => ({ episodes: 0, wins: 0, draws: 0, losses: 0, refills: 0 });

export class MenaceAgent implements Learner {
  readonly name = MENACE_NAME;
  private spec: LearnerSpec;
  private cfg: MenaceConfig;
  private boxes = new Map<string, Matchbox>();
  /** Each env's (box key, move) pairs of its running episode. */
  private episodes = new Map<number, Array<[string, number]>>();
  private rng: SeededRng;
  private total = zeroCounts();
  private pending = zeroCounts();

  private constructor(spec: LearnerSpec, config: MenaceConfig) {
    this.spec = spec;
    this.cfg = config;
    this.rng = new SeededRng(`menace-${spec.seed}`);
  }

  static create(spec: LearnerSpec, config: Partial<MenaceConfig> = {}): MenaceAgent {
    return new MenaceAgent(checkMenaceSpec(spec), resolveMenaceConfig(config));
  }

  static fromCheckpoint(dir: string): Promise<MenaceAgent> {
    return restoreAgent(dir, MENACE_NAME, (spec, config: MenaceConfig) => MenaceAgent.create(spec, config));
  }

  get config(): MenaceConfig {
    return { ...this.cfg, initialBeads: [...this.cfg.initialBeads] };
  }

  /** Number of matchboxes. */
  get boxCount(): number {
    return this.boxes.size;
  }

  /** Episodes scored, and their results, since creation. */
  get counts(): Readonly<Counts> {
    return { ...this.total };
  }

  /** The box an observation is played from (a copy; undefined before it is first met), and its key. */
  matchbox(observation: Float32Array): (Matchbox & { key: string }) | undefined {
    const view = viewOf(observation, this.cfg.symmetry);
    const box = this.boxes.get(view.key);
    return box && { key: view.key, moves: [...box.moves], beads: [...box.beads] };
  }

  /** Beads per real cell for an observation (0 for cells not in its box; equivalent cells show their class's count). */
  beadsByCell(observation: Float32Array): number[] {
    const view = viewOf(observation, this.cfg.symmetry);
    const box = this.boxes.get(view.key);
    const out = new Array<number>(9).fill(0);
    if (!box) return out;
    for (let i = 0; i < 9; i++) {
      const k = box.moves.indexOf(representative(view, view.toCanon[i] as number));
      if (k >= 0) out[i] = box.beads[k] as number;
    }
    return out;
  }

  act(observations: Float32Array[], masks: Uint8Array[]): number[] {
    return observations.map((obs, i) => this.choose(obs, masks[i] as Uint8Array, false));
  }

  explore(observations: Float32Array[], masks: Uint8Array[], _envIds: number[]): number[] {
    return observations.map((obs, i) => this.choose(obs, masks[i] as Uint8Array, true));
  }

  record(batch: TransitionBatch): void {
    for (let k = 0; k < batch.actions.length; k++) {
      const envId = batch.envIds[k] as number;
      const mask = batch.masks[k] as Uint8Array;
      if (mask.includes(1)) {
        const obs = batch.observations[k] as Float32Array;
        const view = viewOf(obs, this.cfg.symmetry);
        const box = this.boxFor(view, mask);
        const action = batch.actions[k] as number;
        const move = action >= 0 && action < 9 ? representative(view, view.toCanon[action] as number) : -1;
        if (box.moves.includes(move)) {
          let pairs = this.episodes.get(envId);
          if (!pairs) this.episodes.set(envId, (pairs = []));
          pairs.push([view.key, move]);
        }
      }
      if (batch.terminated[k] || (batch.truncated[k] && this.cfg.scoreTruncated)) {
        this.score(this.episodes.get(envId) ?? [], batch.rewards[k] as number);
        this.episodes.delete(envId);
      } else if (batch.truncated[k]) {
        this.episodes.delete(envId);
      }
    }
  }

  async learn(_envSteps: number): Promise<LearnStats | null> {
    if (this.pending.episodes === 0) return null;
    const p = this.pending;
    this.pending = zeroCounts();
    return {
      episodes: p.episodes,
      winRate: p.wins / p.episodes,
      drawRate: p.draws / p.episodes,
      lossRate: p.losses / p.episodes,
      refills: p.refills,
      boxes: this.boxes.size,
    };
  }

  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    const state: SavedState = {
      episodes: Object.fromEntries([...this.episodes].map(([id, pairs]) => [String(id), pairs])),
      total: this.total,
      pending: this.pending,
      rng: this.rng.getState(),
    };
    await writeAgentFolder(
      dir,
      { agent: MENACE_NAME, config: this.cfg, spec: this.spec, steps: options.steps ?? this.total.episodes },
      (policyDir) => writeFile(path.join(policyDir, 'boxes.json'), JSON.stringify(Object.fromEntries(this.boxes))),
      options.learnerState === false ? undefined : (learnerDir) => writeFile(path.join(learnerDir, 'state.json'), JSON.stringify(state)),
    );
  }

  /** Restores what `save` wrote (the matchboxes only, when the folder has no learner state). */
  async load(dir: string): Promise<void> {
    const header = await readHeader(dir, MENACE_NAME);
    const spec = checkMenaceSpec(header.spec as LearnerSpec);
    const config = resolveMenaceConfig(header.config as MenaceConfig);
    const saved = await readJson<Record<string, Matchbox>>(path.join(dir, POLICY_DIR, 'boxes.json'));
    const boxes = new Map<string, Matchbox>();
    for (const [key, box] of Object.entries(saved)) {
      if (!(Array.isArray(box.moves) && Array.isArray(box.beads) && box.moves.length === box.beads.length)) {
        throw new CheckpointError(`Checkpoint ${dir}: malformed matchbox ${JSON.stringify(key)}`);
      }
      boxes.set(key, { moves: [...box.moves], beads: [...box.beads] });
    }
    const state = header.learnerState ? await readJson<SavedState>(path.join(dir, LEARNER_DIR, 'state.json')) : undefined;
    this.spec = spec;
    this.cfg = config;
    this.boxes = boxes;
    if (!state) return;
    this.rng.setState(state.rng);
    this.episodes = new Map(Object.entries(state.episodes).map(([id, pairs]) => [Number(id), pairs.map(([k, m]) => [k, m] as [string, number])]));
    this.total = { ...state.total };
    this.pending = { ...state.pending };
  }

  dispose(): void {}

  private initialBeads(stage: number): number {
    const beads = this.cfg.initialBeads;
    return beads[Math.min(stage, beads.length - 1)] as number;
  }

  /** The box of a view, made with the initial beads for each class of legal move if new. */
  private boxFor(view: View, mask: Uint8Array): Matchbox {
    let box = this.boxes.get(view.key);
    if (!box) {
      box = this.freshBox(view, mask);
      this.boxes.set(view.key, box);
    }
    return box;
  }

  private freshBox(view: View, mask: Uint8Array): Matchbox {
    const cmask = canonicalMask(view, mask);
    const moves: number[] = [];
    for (let c = 0; c < 9; c++) {
      const rep = representative(view, c);
      if (cmask[c] && !moves.includes(rep)) moves.push(rep);
    }
    moves.sort((a, b) => a - b);
    return { moves, beads: moves.map(() => this.initialBeads(view.stage)) };
  }

  /** A legal cell: drawn by beads (`explore`) or the fullest move (greedy). 0 if nothing is legal. */
  private choose(obs: Float32Array, mask: Uint8Array, explore: boolean): number {
    if (!mask.includes(1)) return 0;
    const view = viewOf(obs, this.cfg.symmetry);
    // Greedy play does not add boxes: an unseen board acts as a fresh box would.
    const box = explore ? this.boxFor(view, mask) : (this.boxes.get(view.key) ?? this.freshBox(view, mask));
    const cmask = canonicalMask(view, mask);
    const cells: number[] = [];
    const beads: number[] = [];
    box.moves.forEach((move, k) => {
      const cell = realCell(view, move, cmask);
      if (cell >= 0) {
        cells.push(cell);
        beads.push(box.beads[k] as number);
      }
    });
    if (cells.length === 0) return explore ? randomLegal(mask, this.rng) : mask.indexOf(1);
    if (!explore) {
      let best = 0;
      for (let k = 1; k < cells.length; k++) if ((beads[k] as number) > (beads[best] as number)) best = k;
      return cells[best] as number;
    }
    const total = beads.reduce((a, b) => a + b, 0);
    if (total <= 0) return cells[this.rng.int(0, cells.length - 1)] as number;
    let r = this.rng.int(0, total - 1);
    for (let k = 0; k < cells.length; k++) {
      r -= beads[k] as number;
      if (r < 0) return cells[k] as number;
    }
    return cells[cells.length - 1] as number;
  }

  /** Adds the outcome's beads to every played move; refills boxes left empty. */
  private score(pairs: Array<[string, number]>, reward: number): void {
    const delta = reward > 0 ? this.cfg.winBeads : reward < 0 ? this.cfg.lossBeads : this.cfg.drawBeads;
    for (const counts of [this.total, this.pending]) {
      counts.episodes++;
      if (reward > 0) counts.wins++;
      else if (reward < 0) counts.losses++;
      else counts.draws++;
    }
    for (const [key, move] of pairs) {
      const box = this.boxes.get(key);
      const k = box ? box.moves.indexOf(move) : -1;
      if (!box || k < 0) continue;
      box.beads[k] = Math.max(this.cfg.minBeads, (box.beads[k] as number) + delta);
      if (box.beads.every((b) => b <= 0)) {
        const stage = key.split('').filter((c) => c === 'x').length;
        box.beads = box.moves.map(() => this.initialBeads(stage));
        this.total.refills++;
        this.pending.refills++;
      }
    }
  }
}
