import { describe, expect, it } from 'vitest';
import { YAHTZEE_ADD, YAHTZEE_CROSS } from '../env/adapters/yahtzee.ts';
import { MinimaxPolicy, randomLegal } from '../env/bots.ts';
import { ClientStateError, IllegalMoveError, InvalidOptionError } from '../core/errors.ts';
import type { GameState } from '../protocol/messages.ts';
import { YAHTZEE_CATEGORIES, yahtzeeTotal } from '../server/games/yahtzee.ts';
import { SeededRng } from '../core/rng.ts';
import { SessionAEC, type AECLast } from './aec.ts';

/** SessionAEC over the in-process embedded server: every seat plays through a real client. */

interface GameRecord {
  /** Agents in the order they acted (non-null steps). */
  acted: string[];
  /** Agents in the order step(null) removed them. */
  removed: string[];
  /** The reward each agent saw in last() when it was done. */
  finalReward: Map<string, number>;
  /** The sum of every reward each agent saw in last(). */
  summed: Map<string, number>;
  /** Each agent's last state. */
  finalState: Map<string, GameState>;
}

/**
 * Plays one game through agentIter/last/step, checking the AEC contract on
 * the way; `choose` picks the action of an agent that must act.
 */
async function playGame(
  aec: SessionAEC,
  choose: (agent: string, last: AECLast<Float32Array>) => number,
  check: (agent: string, last: AECLast<Float32Array>) => void = () => {},
  maxIter = 1_000,
): Promise<GameRecord> {
  await aec.reset();
  expect(aec.agents).toEqual(aec.possibleAgents);
  const record: GameRecord = { acted: [], removed: [], finalReward: new Map(), summed: new Map(), finalState: new Map() };
  let iterations = 0;
  for (const agent of aec.agentIter(maxIter)) {
    iterations++;
    expect(agent).toBe(aec.agentSelection);
    expect(aec.agents).toContain(agent);
    const last = aec.last();
    expect(last.info.playerId).toBe(Number(agent.slice('player_'.length)));
    record.summed.set(agent, (record.summed.get(agent) ?? 0) + last.reward);
    record.finalState.set(agent, last.info.state);
    if (last.terminated || last.truncated) {
      expect(last.truncated).toBe(false);
      expect(last.info.state.gameover).toBe(true);
      expect(last.info.actionMask.every((m) => m === 0)).toBe(true);
      record.finalReward.set(agent, last.reward);
      // A done agent may not act.
      await expect(aec.step(0)).rejects.toThrow(ClientStateError);
      expect(aec.agentSelection).toBe(agent);
      await aec.step(null);
      record.removed.push(agent);
      expect(aec.agents).not.toContain(agent);
      continue;
    }
    // Nobody is removed while the game runs.
    expect(record.removed).toEqual([]);
    expect(last.info.state.gameover).toBe(false);
    expect(last.info.state.current).toContain(last.info.playerId);
    expect(last.info.actionMask.includes(1)).toBe(true);
    check(agent, last);
    record.acted.push(agent);
    await aec.step(choose(agent, last));
  }
  expect(iterations).toBeLessThan(maxIter);
  expect(aec.agents).toEqual([]);
  expect([...record.removed].sort()).toEqual([...aec.possibleAgents].sort());
  await expect(aec.step(null)).rejects.toThrow(ClientStateError);
  return record;
}

/** TicTacToe: the mask is exactly the empty cells, the observation is the board from the agent's side. */
function checkTicTacToe(_agent: string, last: AECLast<Float32Array>): void {
  const board = last.info.state.board as number[];
  const me = last.info.playerId;
  expect([...last.info.actionMask]).toEqual(board.map((v) => (v === -1 ? 1 : 0)));
  for (let i = 0; i < 9; i++) {
    const v = board[i];
    expect(last.observation[i]).toBe(v === me ? 1 : 0);
    expect(last.observation[9 + i]).toBe(v !== -1 && v !== me ? 1 : 0);
    expect(last.observation[18 + i]).toBe(v === -1 ? 1 : 0);
  }
  // TicTacToe pays only at the end.
  expect(last.reward).toBe(0);
}

function checkTicTacToeEnd(aec: SessionAEC, g: GameRecord): 'win' | 'draw' {
  // Agents alternate.
  for (let k = 1; k < g.acted.length; k++) expect(g.acted[k]).not.toBe(g.acted[k - 1]);
  expect(g.acted.length).toBeGreaterThanOrEqual(5);
  expect(g.acted.length).toBeLessThanOrEqual(9);
  const [a, b] = aec.possibleAgents as [string, string];
  const ra = g.finalReward.get(a) as number;
  const rb = g.finalReward.get(b) as number;
  expect(ra + rb).toBe(0);
  const winner = (g.finalState.get(a) as GameState).winner as number | null;
  if (winner === null) {
    expect([ra, rb]).toEqual([0, 0]);
    expect(g.acted.length).toBe(9);
    return 'draw';
  }
  expect(g.finalReward.get(`player_${winner}`)).toBe(1);
  // The winner moved last.
  expect(g.acted.at(-1)).toBe(`player_${winner}`);
  expect([ra, rb].sort()).toEqual([-1, 1]);
  return 'win';
}

describe('SessionAEC for TicTacToe', () => {
  it('plays 200 random games: alternating agents, legal masks, zero-sum rewards, done agents removed', async () => {
    const aec = new SessionAEC('TicTacToe');
    expect(aec.possibleAgents).toEqual(['player_0', 'player_1']);
    const rng = new SeededRng('aec-random');
    const results = { win: 0, draw: 0 };
    const starters = new Set<string>();
    for (let game = 0; game < 200; game++) {
      const g = await playGame(aec, (_a, last) => randomLegal(last.info.actionMask, rng), checkTicTacToe, 50);
      results[checkTicTacToeEnd(aec, g)]++;
      starters.add(g.acted[0] as string);
    }
    expect(results.win + results.draw).toBe(200);
    expect(results.win).toBeGreaterThan(0);
    expect(results.draw).toBeGreaterThan(0);
    // The server draws the first player: both agents start some games.
    expect(starters.size).toBe(2);
    expect(aec.observationSpace('player_0').shape).toEqual([27]);
    expect(aec.actionSpace('player_1').contains(8)).toBe(true);
    expect(() => aec.observationSpace('player_2')).toThrow(InvalidOptionError);
    await aec.close();
  }, 20_000);

  it('with MinimaxPolicy on both sides every game is a draw', async () => {
    const aec = new SessionAEC('TicTacToe');
    const policies = new Map([
      ['player_0', new MinimaxPolicy(1)],
      ['player_1', new MinimaxPolicy(2)],
    ]);
    for (let game = 0; game < 30; game++) {
      const g = await playGame(aec, (agent, last) => (policies.get(agent) as MinimaxPolicy).act([last.observation], [last.info.actionMask])[0] as number, checkTicTacToe, 50);
      expect(checkTicTacToeEnd(aec, g)).toBe('draw');
    }
    await aec.close();
  });

  it('step(null) for an agent that must act throws, and leaves the game as it was', async () => {
    const aec = new SessionAEC('TicTacToe');
    await aec.reset();
    const agent = aec.agentSelection;
    const before = aec.last();
    await expect(aec.step(null)).rejects.toThrow(ClientStateError);
    expect(aec.agentSelection).toBe(agent);
    expect(aec.agents).toEqual(['player_0', 'player_1']);
    expect(aec.last().info.state.board).toEqual(before.info.state.board);
    const cell = before.info.actionMask.indexOf(1);
    await aec.step(cell);
    expect(aec.agentSelection).not.toBe(agent);
    const next = aec.last();
    expect(next.info.actionMask[cell]).toBe(0);
    expect((next.info.state.board as number[])[cell]).toBe(Number(agent.slice(7)));
    // The server refuses a taken cell; the same agent is still to act, and can go on.
    const other = aec.agentSelection;
    await expect(aec.step(cell)).rejects.toThrow(IllegalMoveError);
    expect(aec.agentSelection).toBe(other);
    const free = aec.last().info.actionMask.indexOf(1);
    await aec.step(free);
    expect(aec.agentSelection).toBe(agent);
    expect((aec.last().info.state.board as number[])[free]).toBe(Number(other.slice(7)));
    // reset() mid-game starts a fresh game.
    await aec.reset();
    expect((aec.last().info.state.board as number[]).every((v) => v === -1)).toBe(true);
    await aec.close();
  });

  it('validates its options', () => {
    expect(() => new SessionAEC('NoSuchGame')).toThrow(InvalidOptionError);
    expect(() => new SessionAEC('TicTacToe', { players: 0 })).toThrow(InvalidOptionError);
    expect(() => new SessionAEC('TicTacToe', { players: 1.5 })).toThrow(InvalidOptionError);
  });
});

describe('SessionAEC for Yahtzee with 2 players', () => {
  it('submits the names in reset, completes games, and each agent’s rewards sum to its final total', async () => {
    const aec = new SessionAEC('Yahtzee', { players: 2 });
    expect(aec.possibleAgents).toEqual(['player_0', 'player_1']);
    const rng = new SeededRng('aec-yahtzee');
    const yahtzeeAdd = YAHTZEE_ADD + YAHTZEE_CATEGORIES.indexOf('Yahtzee');
    // Random legal actions, but never "add points" to Yahtzee: a second Yahtzee (the 150 bonus)
    // can leave a seat with a full card and no legal move, which SessionAEC does not handle.
    // Half the time it scores points where it can, so totals are not all zero.
    const choose = (_agent: string, last: AECLast<Float32Array>): number => {
      const mask = Uint8Array.from(last.info.actionMask);
      mask[yahtzeeAdd] = 0;
      const adds = Uint8Array.from(mask, (m, i) => (i >= YAHTZEE_ADD && i < YAHTZEE_CROSS ? m : 0));
      if (adds.includes(1) && rng.next() < 0.5) return randomLegal(adds, rng);
      return randomLegal(mask.includes(1) ? mask : last.info.actionMask, rng);
    };
    let positive = 0;
    for (let game = 0; game < 4; game++) {
      let afterReset: AECLast<Float32Array> | undefined;
      const turns = new Map<string, number>();
      const g = await playGame(
        aec,
        choose,
        (agent, last) => {
          afterReset ??= last;
          // Names are in: the game is past its naming phase, one player at a time.
          expect(last.info.state.current).toEqual([last.info.playerId]);
          expect(['aec-0', 'aec-1']).toContain(last.info.state.current_name);
          expect(last.info.state.dice).toHaveLength(5);
          turns.set(agent, (turns.get(agent) ?? 0) + 1);
        },
        2_000,
      );
      expect(afterReset).toBeDefined();
      expect(afterReset?.reward).toBe(0);
      expect(turns.size).toBe(2);
      const ranking = (g.finalState.get('player_0') as GameState).ranking as Record<string, number>;
      expect(Object.keys(ranking).sort()).toEqual(['aec-0', 'aec-1']);
      const totals: number[] = [];
      for (const agent of aec.possibleAgents) {
        const state = g.finalState.get(agent) as GameState;
        const card = state.scorecard as Record<string, number | null>;
        expect(YAHTZEE_CATEGORIES.every((c) => card[c] !== null)).toBe(true);
        const total = yahtzeeTotal(card);
        expect(g.summed.get(agent)).toBe(total);
        if (total > 0) positive++;
        totals.push(total);
      }
      expect(totals.sort((x, y) => x - y)).toEqual(Object.values(ranking).sort((x, y) => x - y));
      // The agents take turns: 13 categories each, at least one action per turn.
      expect(g.acted.filter((a) => a === 'player_0').length).toBeGreaterThanOrEqual(13);
      expect(g.acted.filter((a) => a === 'player_1').length).toBeGreaterThanOrEqual(13);
    }
    expect(positive).toBeGreaterThan(0);
    await aec.close();
  }, 20_000);
});
