import { describe, expect, it } from 'vitest';
import { GameClient } from '../../client/client.ts';
import type { GameState } from '../../protocol/messages.ts';
import { GameFramework } from '../../server/framework.ts';
import { SeededRng } from '../../core/rng.ts';
import { randomLegal } from '../bots.ts';
import { makeEnv, type StepInfo } from '../env.ts';
import { TICTACTOE_LINES } from '../../server/games/tictactoe.ts';
import { TicTacToeAdapter } from './tictactoe.ts';

/** The winner read off the board itself (null: none). */
function boardWinner(board: number[]): number | null {
  for (const [a, b, c] of TICTACTOE_LINES) {
    if (board[a] !== -1 && board[a] === board[b] && board[a] === board[c]) return board[a] as number;
  }
  return null;
}

/** What is wrong with the 27 planes (mine, theirs, empty) against the server's board from `playerId`'s seat. */
function planeErrors(obs: Float32Array, state: GameState | null, playerId: number): string[] {
  if (!(obs instanceof Float32Array) || obs.length !== 27) return [`not 27 floats: ${String(obs)}`];
  const board = state?.board as number[];
  const errors: string[] = [];
  for (let i = 0; i < 9; i++) {
    const triple = [obs[i], obs[9 + i], obs[18 + i]];
    const ones = triple.filter((v) => v === 1).length;
    const zeros = triple.filter((v) => v === 0).length;
    const v = board[i];
    const want = v === -1 ? [0, 0, 1] : v === playerId ? [1, 0, 0] : [0, 1, 0];
    if (ones !== 1 || zeros !== 2 || triple.join() !== want.join()) {
      errors.push(`cell ${i} holds ${v} for player ${playerId}: planes ${triple.join()} (want ${want.join()})`);
    }
  }
  return errors;
}

function expectPlanes(obs: Float32Array, state: GameState | null, playerId: number): void {
  expect(planeErrors(obs, state, playerId)).toEqual([]);
}

/** The mask is the empty cells while a move is due, all zero at the end. */
function maskOk(info: StepInfo, done: boolean): boolean {
  const board = info.state?.board as number[];
  if (info.actionMask.length !== 9) return false;
  for (let i = 0; i < 9; i++) if (info.actionMask[i] !== (!done && board[i] === -1 ? 1 : 0)) return false;
  return true;
}

describe('TicTacToe env', () => {
  it('300 random masked episodes: no illegal move, +1/0/-1 rewards matching the outcome, planes from the seat', { timeout: 60_000 }, async () => {
    const env = makeEnv('TicTacToe', { seed: 5 });
    const rng = new SeededRng('ttt-random-300');
    const outcomes = { win: 0, draw: 0, loss: 0 };
    let theirsAtReset = 0;
    let illegal = 0;
    const problems: string[] = [];
    try {
      for (let episode = 0; episode < 300; episode++) {
        const first = await env.reset();
        expect(first.info.playerId).toBe(env.playerId);
        expect(first.info.currentPlayers).toEqual([env.playerId]);
        problems.push(...planeErrors(first.observation, first.info.state, env.playerId));
        if (!maskOk(first.info, false)) problems.push(`reset mask ${first.info.actionMask.join()}`);
        if ((first.info.state?.board as number[]).some((v) => v !== -1)) theirsAtReset++;
        let info = first.info;
        let rewards = 0;
        let steps = 0;
        for (;;) {
          const action = randomLegal(info.actionMask, rng);
          const result = await env.step(action);
          steps++;
          rewards += result.reward;
          illegal += (result.info.illegalMoves ?? 0) + (result.info.resampled ?? 0);
          const board = result.info.state?.board as number[];
          if (board[action] !== env.playerId) problems.push(`cell ${action} played but holds ${board[action]}`);
          problems.push(...planeErrors(result.observation, result.info.state, env.playerId));
          const done = result.terminated || result.truncated;
          if (!maskOk(result.info, done)) problems.push(`mask ${result.info.actionMask.join()} for board ${board.join()}`);
          info = result.info;
          if (!done) {
            if (result.reward !== 0 || result.info.episode || result.info.currentPlayers.join() !== String(env.playerId)) {
              problems.push(`mid-episode step: reward ${result.reward}, episode ${JSON.stringify(result.info.episode)}, current ${result.info.currentPlayers.join()}`);
            }
            continue;
          }
          expect(result.truncated).toBe(false);
          expect(result.terminated).toBe(true);
          expect(result.info.state?.gameover).toBe(true);
          const stats = result.info.episode;
          expect(stats).toBeDefined();
          const outcome = stats?.outcome;
          expect(['win', 'draw', 'loss']).toContain(outcome);
          expect(result.reward).toBe(outcome === 'win' ? 1 : outcome === 'loss' ? -1 : 0);
          // The outcome is the board's: the winner's three in a row, or a full board.
          const winner = boardWinner(board);
          expect(result.info.state?.winner ?? null).toBe(winner);
          if (winner === null) {
            expect(outcome).toBe('draw');
            expect(board.includes(-1)).toBe(false);
          } else {
            expect(outcome).toBe(winner === env.playerId ? 'win' : 'loss');
          }
          expect(stats?.return).toBe(rewards);
          expect(stats?.length).toBe(steps);
          outcomes[outcome as 'win' | 'draw' | 'loss']++;
          break;
        }
      }
    } finally {
      await env.close();
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(illegal).toBe(0);
    // Random against random: every result occurs, the opponent starts about half the games.
    expect(outcomes.win).toBeGreaterThan(60);
    expect(outcomes.loss).toBeGreaterThan(30);
    expect(outcomes.draw).toBeGreaterThan(5);
    expect(theirsAtReset).toBeGreaterThan(90);
    expect(theirsAtReset).toBeLessThan(210);
  });

  it('the planes are from the seat: player 1 sees its own marks as "mine"', async () => {
    // An external client starts the session, so the env joins second and is player 1.
    const server = new GameFramework({ seed: 7 });
    const session = 'planes-player-1';
    const outsider = new GameClient({ game: 'TicTacToe', server, session, players: 2, name: 'outsider' });
    const outsiderJoined = outsider.join();
    const env = makeEnv('TicTacToe', { server, session, opponents: 'external', seed: 1 });
    const rng = new SeededRng('outsider');
    let stop = false;
    const outsiderLoop = (async () => {
      await outsiderJoined;
      for (;;) {
        const state = await outsider.state();
        if (stop) return;
        if (state.gameover || !state.current.includes(outsider.playerId)) continue;
        const board = state.board as number[];
        const empty = board.flatMap((v, i) => (v === -1 ? [i] : []));
        await outsider.move({ position: empty[rng.int(0, empty.length - 1)] as number });
      }
    })();
    try {
      let seenTheirs = 0;
      for (let episode = 0; episode < 10; episode++) {
        let { observation, info } = await env.reset();
        expect(env.playerId).toBe(1);
        for (;;) {
          expectPlanes(observation, info.state, 1);
          const board = info.state?.board as number[];
          seenTheirs += board.filter((v) => v === 0).length;
          const result = await env.step(randomLegal(info.actionMask, rng));
          expect(result.info.illegalMoves).toBe(0);
          ({ observation, info } = result);
          if (result.terminated || result.truncated) {
            expectPlanes(observation, info.state, 1);
            const winner = boardWinner(info.state?.board as number[]);
            expect(result.reward).toBe(winner === null ? 0 : winner === 1 ? 1 : -1);
            break;
          }
        }
      }
      expect(seenTheirs).toBeGreaterThan(0);
    } finally {
      stop = true;
      await env.close();
      server.close();
      await outsiderLoop.catch(() => undefined);
    }
  });

  it('symmetries are the 8 rotations and reflections: they map boards, moves, masks and wins consistently', () => {
    const adapter = new TicTacToeAdapter();
    const seat = { playerId: 0, players: 2, name: '' };
    const symmetries = adapter.symmetries();
    expect(symmetries).toHaveLength(8);
    expect(new Set(symmetries.map((s) => s.action.join())).size).toBe(8);
    expect(symmetries[0]!.action).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const rng = new SeededRng('symmetries');
    for (let trial = 0; trial < 50; trial++) {
      const board = Array.from({ length: 9 }, () => rng.int(-1, 1));
      const state = { board, winner: null, current: [0], gameover: false } as GameState;
      for (const { observation, action } of symmetries) {
        // The board moved by the symmetry, built cell by cell: cell c goes to action[c].
        const moved = new Array<number>(9);
        board.forEach((v, c) => (moved[action[c]!] = v));
        const movedState = { ...state, board: moved } as GameState;
        const obs = adapter.observe(state, seat);
        expect(Array.from(observation, (i) => obs[i])).toEqual(Array.from(adapter.observe(movedState, seat)));
        const mask = adapter.actionMask(state, seat);
        const movedMask = adapter.actionMask(movedState, seat);
        for (let c = 0; c < 9; c++) expect(movedMask[action[c]!]).toBe(mask[c]);
        // Lines stay lines: a random board may hold lines of both players, so compare who has one.
        const lineOwners = (cells: number[]): string => [0, 1].filter((p) => TICTACTOE_LINES.some((l) => l.every((c) => cells[c] === p))).join();
        expect(lineOwners(moved)).toBe(lineOwners(board));
      }
    }
  });

  it('render shows X for the seat and O for the other', () => {
    const adapter = new TicTacToeAdapter();
    const state = { board: [1, -1, -1, -1, 0, -1, -1, -1, -1], winner: null, current: [1], gameover: false } as GameState;
    expect(adapter.render(state, { playerId: 1, players: 2, name: '' })).toBe(' X . .\n . O .\n . . .\nyour move (X)');
    expect(adapter.render(state, { playerId: 0, players: 2, name: '' })).toBe(' O . .\n . X .\n . . .\nwaiting for O');
  });
});
