// Test support shared by the learners' tests: a TicTacToe game against a seeded random
// opponent in process, and a loop that trains or evaluates a learner through real envs.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { makeEnv } from '../../src/env/env.ts';
import type { GameFramework } from '../../src/server/framework.ts';
import { SeededRng } from '../../src/core/rng.ts';
import { ownsLine } from '../../src/server/games/tictactoe.ts';
import { AsyncVectorEnv } from '../../src/vector/async-vector.ts';
import type { Learner, TransitionBatch } from '../agent.ts';

/** The TicTacToe observation of a board written as 9 characters: x mine, o theirs, . empty. */
export function obsOf(board: string): Float32Array {
  const obs = new Float32Array(27);
  for (let i = 0; i < 9; i++) obs[(board[i] === 'x' ? 0 : board[i] === 'o' ? 9 : 18) + i] = 1;
  return obs;
}
export function maskOf(board: string): Uint8Array {
  return Uint8Array.from(board.split(''), (c) => (c === '.' ? 1 : 0));
}
export function emptyBatch(): TransitionBatch {
  return { envIds: [], observations: [], masks: [], actions: [], rewards: [], nextObservations: [], nextMasks: [], terminated: [], truncated: [] };
}

/** A TicTacToe game against a seeded random opponent, in process, that can be cloned mid-game. */
export class LocalGame {
  board = new Int8Array(9); // 0 empty, 1 agent, 2 opponent
  constructor(readonly rng: SeededRng) {}
  clone(): LocalGame {
    const g = new LocalGame(new SeededRng(0));
    g.rng.setState(this.rng.getState());
    g.board = this.board.slice();
    return g;
  }
  reset(): void {
    this.board.fill(0);
    if (this.rng.next() < 0.5) this.opponent();
  }
  obs(): Float32Array {
    return obsOf(Array.from(this.board, (v) => (v === 1 ? 'x' : v === 2 ? 'o' : '.')).join(''));
  }
  mask(): Uint8Array {
    return Uint8Array.from(this.board, (v) => (v === 0 ? 1 : 0));
  }
  /** Plays the agent's move and the reply; reward and whether the game ended. */
  step(action: number): { reward: number; done: boolean } {
    this.board[action] = 1;
    if (this.wins(1)) return { reward: 1, done: true };
    if (!this.board.includes(0)) return { reward: 0, done: true };
    this.opponent();
    if (this.wins(2)) return { reward: -1, done: true };
    return { reward: 0, done: !this.board.includes(0) };
  }
  private opponent(): void {
    const empty = [...this.board.keys()].filter((i) => this.board[i] === 0);
    this.board[empty[this.rng.int(0, empty.length - 1)] as number] = 2;
  }
  private wins(p: number): boolean {
    return ownsLine(this.board, p);
  }
}

/** `steps` rounds of explore/record over in-process games (one per env, interleaved); the actions taken. */
export async function simulate(agent: Learner, games: LocalGame[], steps: number): Promise<number[]> {
  const taken: number[] = [];
  for (let s = 0; s < steps; s++) {
    const ids = games.map((_, i) => i).filter((i) => (s + i) % 3 !== 0); // a changing subset of envs each round
    const observations = ids.map((i) => (games[i] as LocalGame).obs());
    const masks = ids.map((i) => (games[i] as LocalGame).mask());
    const actions = await agent.explore(observations, masks, ids);
    const batch = emptyBatch();
    ids.forEach((id, k) => {
      const game = games[id] as LocalGame;
      const { reward, done } = game.step(actions[k] as number);
      batch.envIds.push(id);
      batch.observations.push(observations[k] as Float32Array);
      batch.masks.push(masks[k] as Uint8Array);
      batch.actions.push(actions[k] as number);
      batch.rewards.push(reward);
      batch.nextObservations.push(game.obs());
      batch.nextMasks.push(done ? new Uint8Array(9) : game.mask());
      batch.terminated.push(done);
      batch.truncated.push(false);
      if (done) game.reset();
    });
    taken.push(...actions);
    agent.record(batch);
    await agent.learn(s);
  }
  return taken;
}

export function vector(server: GameFramework, name: string, numEnvs: number, batchSize: number): AsyncVectorEnv {
  const envs = Array.from({ length: numEnvs }, (_, i) => makeEnv('TicTacToe', { server, seed: i + 1, session: `${name}-${i}` }));
  return new AsyncVectorEnv(envs, { batchSize });
}

export interface Results {
  games: number;
  wins: number;
  draws: number;
  losses: number;
}

/**
 * Plays `games` episodes against the envs' random opponents: training
 * (explore, record, learn) or greedy evaluation (act). Next-step autoreset:
 * the result after an env's terminal step is its reset, which is not a
 * transition and is not recorded.
 */
export async function play(vec: AsyncVectorEnv, agent: Learner, games: number, train: boolean, seed: number): Promise<Results> {
  const { observations, infos } = await vec.reset({ seed });
  const obs = [...observations];
  const masks = infos.map((i) => i.actionMask);
  const ended = new Array<boolean>(vec.numEnvs).fill(false);
  const actionOf = new Array<number>(vec.numEnvs).fill(0);
  let ids = obs.map((_, i) => i);
  const results: Results = { games: 0, wins: 0, draws: 0, losses: 0 };
  let steps = 0;
  while (results.games < games) {
    const o = ids.map((i) => obs[i] as Float32Array);
    const m = ids.map((i) => masks[i] as Uint8Array);
    const actions = train ? await agent.explore(o, m, ids) : await agent.act(o, m);
    ids.forEach((id, k) => {
      const mask = masks[id] as Uint8Array;
      if (!ended[id] && !mask[actions[k] as number]) throw new Error(`Illegal action ${actions[k]} for env ${id}`);
      actionOf[id] = actions[k] as number;
    });
    vec.send(actions, ids);
    const b = await vec.recv();
    const batch = emptyBatch();
    b.envIds.forEach((id, k) => {
      const next = b.observations[k] as Float32Array;
      const nextMask = (b.infos[k] as { actionMask: Uint8Array }).actionMask;
      const terminated = b.terminated[k] === 1;
      const truncated = b.truncated[k] === 1;
      if (!ended[id]) {
        batch.envIds.push(id);
        batch.observations.push(obs[id] as Float32Array);
        batch.masks.push(masks[id] as Uint8Array);
        batch.actions.push(actionOf[id] as number);
        batch.rewards.push(b.rewards[k] as number);
        batch.nextObservations.push(next);
        batch.nextMasks.push(nextMask);
        batch.terminated.push(terminated);
        batch.truncated.push(truncated);
        if (terminated || truncated) {
          results.games++;
          const r = b.rewards[k] as number;
          if (r > 0) results.wins++;
          else if (r < 0) results.losses++;
          else results.draws++;
        }
        ended[id] = terminated || truncated;
      } else {
        ended[id] = false; // this result is the reset
      }
      obs[id] = next;
      masks[id] = nextMask;
    });
    ids = b.envIds;
    if (train && batch.envIds.length > 0) {
      steps += batch.envIds.length;
      agent.record(batch);
      await agent.learn(steps);
    }
  }
  // Let the steps still in flight finish, so the next reset starts clean.
  while (ids.length < vec.numEnvs) {
    const b = await vec.recv();
    ids = [...ids, ...b.envIds];
  }
  return results;
}

/**
 * Expects `loaded` (restored from `agent`'s checkpoint) to be the same agent: the same greedy actions on
 * 2,000 random boards, the same 300 steps of play from clones of `games`, and the same `files` when both are saved.
 * Returns the boards, their masks and the folder `agent` was saved to, for further checks.
 */
export async function expectSameAgent(
  agent: Learner & { save(dir: string): Promise<void> },
  loaded: Learner & { save(dir: string): Promise<void> },
  games: LocalGame[],
  files: string[],
  tempDir: () => Promise<string>,
): Promise<{ boards: Float32Array[]; masks: Uint8Array[]; savedDir: string }> {
  const rng = new SeededRng('boards');
  const boards: Float32Array[] = [];
  const masks: Uint8Array[] = [];
  for (let n = 0; n < 2000; n++) {
    const cells = Array.from({ length: 9 }, () => '.xo'[rng.int(0, 2)] as string).join('');
    if (!cells.includes('.')) continue;
    boards.push(obsOf(cells));
    masks.push(maskOf(cells));
  }
  expect(await loaded.act(boards, masks)).toEqual(await agent.act(boards, masks));

  const copies = games.map((g) => g.clone());
  const a = await simulate(agent, games, 300);
  const b = await simulate(loaded, copies, 300);
  expect(b).toEqual(a);
  const dirA = await tempDir();
  const dirB = await tempDir();
  await agent.save(dirA);
  await loaded.save(dirB);
  for (const file of files) {
    expect(await readFile(path.join(dirB, file), 'utf8')).toEqual(await readFile(path.join(dirA, file), 'utf8'));
  }
  return { boards, masks, savedDir: dirA };
}
