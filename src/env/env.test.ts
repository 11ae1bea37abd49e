import { afterEach, describe, expect, it } from 'vitest';
import { GameClient } from '../client/client.ts';
import { AbortError, ClientStateError, GameGymError, IllegalMoveError, InvalidOptionError } from '../core/errors.ts';
import { startChildServer, type ChildServer } from '../server/child.ts';
import { GameFramework } from '../server/framework.ts';
import type { Rng } from '../server/games/game.ts';
import { GameRegistry } from '../server/games/registry.ts';
import { YAHTZEE_CATEGORIES, YahtzeeGame } from '../server/games/yahtzee.ts';
import { SeededRng } from '../core/rng.ts';
import { TicTacToeAdapter } from './adapters/tictactoe.ts';
import { YAHTZEE_ADD, YAHTZEE_CROSS } from './adapters/yahtzee.ts';
import { randomLegal } from './bots.ts';
import { GameStuckError, makeEnv, makeSelfPlayEnvs, type WrappedGameEnv, type StepInfo, type StepResult } from './env.ts';
import type { Policy } from './policy.ts';

type TttEnv = WrappedGameEnv<Float32Array, number>;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function board(info: StepInfo): number[] {
  return info.state?.board as number[];
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Plays random legal actions to the end of the episode. */
async function finishEpisode(env: TttEnv | WrappedGameEnv<Float32Array, number>, info: StepInfo, rng: SeededRng): Promise<StepResult<Float32Array>> {
  for (;;) {
    const r = await env.step(randomLegal(info.actionMask, rng));
    if (r.terminated || r.truncated) return r;
    info = r.info;
  }
}

/** A player that joins a named TicTacToe session from outside and moves only when told. */
function stranger(server: GameFramework, session: string) {
  const client = new GameClient({ game: 'TicTacToe', server, session, players: 2, name: 'stranger' });
  return client;
}

describe('illegal actions', () => {
  it("'raise' throws the server's IllegalMoveError and the env is still usable", async () => {
    const env = makeEnv('TicTacToe', { server: new GameFramework({ seed: 4 }), seed: 1 });
    cleanups.push(() => env.close());
    const rng = new SeededRng('raise');
    let { info } = await env.reset();
    if (!board(info).some((v) => v !== -1)) info = (await env.step(randomLegal(info.actionMask, rng))).info;
    const occupied = board(info).findIndex((v) => v !== -1);
    const before = board(info).join();
    const error = await rejection(env.step(occupied));
    expect(error).toBeInstanceOf(IllegalMoveError);
    expect((error as IllegalMoveError).code).toBe('E_ILLEGAL_MOVE');
    expect((error as IllegalMoveError).value).toBe('position already occupied');
    expect((error as IllegalMoveError).message).toBe('Illegal move: position already occupied');
    const outside = await rejection(env.step(9));
    expect((outside as IllegalMoveError).value).toBe('invalid position');
    // Nothing changed; the next legal action plays on and the episode ends normally.
    expect(env.render()).toContain('your move');
    const r = await env.step(randomLegal(info.actionMask, rng));
    expect(r.info.illegalMoves).toBe(2);
    expect(board(r.info).filter((v) => v !== -1).length).toBeGreaterThan(before.split(',').filter((v) => v !== '-1').length);
    const end = r.terminated ? r : await finishEpisode(env, r.info, rng);
    expect(end.terminated).toBe(true);
    expect(end.info.episode?.outcome).not.toBe('truncated');
    const next = await env.reset();
    expect(next.info.illegalMoves).toBe(0);
  });

  it("'penalize' ends the episode with reward -1; the next reset starts a fresh game", async () => {
    const env = makeEnv('TicTacToe', { server: new GameFramework({ seed: 5 }), seed: 2, illegalAction: 'penalize' });
    cleanups.push(() => env.close());
    const rng = new SeededRng('penalize');
    let penalized = 0;
    for (let attempt = 0; attempt < 20 && penalized < 3; attempt++) {
      let { info } = await env.reset();
      expect(board(info).filter((v) => v !== -1).length).toBeLessThanOrEqual(1);
      // Two moves of ours, so the board holds at least three marks.
      let over = false;
      for (let i = 0; i < 2 && !over; i++) {
        const r = await env.step(randomLegal(info.actionMask, rng));
        over = r.terminated || r.truncated;
        info = r.info;
      }
      if (over) continue;
      const marks = board(info).filter((v) => v !== -1).length;
      expect(marks).toBeGreaterThanOrEqual(3);
      const mine = board(info).indexOf(env.playerId);
      const r = await env.step(mine);
      expect(r.reward).toBe(-1);
      expect(r.terminated).toBe(true);
      expect(r.truncated).toBe(false);
      expect(r.info.illegalMoves).toBe(1);
      expect(r.info.episode?.return).toBe(-1);
      expect(r.info.episode?.length).toBe(3);
      expect(r.info.episode?.outcome).toBe('illegal');
      expect(r.info.actionMask.every((v) => v === 0)).toBe(true);
      expect(board(r.info).filter((v) => v !== -1).length).toBe(marks);
      expect(await rejection(env.step(0))).toBeInstanceOf(ClientStateError);
      penalized++;
    }
    expect(penalized).toBe(3);
    // The leader restarted the unfinished game: a fresh board, and the opponent plays on in it.
    const { info } = await env.reset();
    expect(board(info).filter((v) => v !== -1).length).toBeLessThanOrEqual(1);
    expect(info.illegalMoves).toBe(0);
    const end = await finishEpisode(env, info, rng);
    expect(end.terminated).toBe(true);
    expect(['win', 'draw', 'loss']).toContain(end.info.episode?.outcome);
  });

  it("'penalize' in Yahtzee: a used category ends the episode, the next reset has an empty scorecard", async () => {
    const env = makeEnv('Yahtzee', { server: new GameFramework({ seed: 6 }), illegalAction: 'penalize', seed: 3 });
    cleanups.push(() => env.close());
    let { info } = await env.reset();
    const r1 = await env.step(YAHTZEE_CROSS + 0);
    expect(r1.reward).toBe(0);
    info = r1.info;
    expect((info.state?.scorecard as Record<string, number | null>).Ones).toBe(0);
    const r2 = await env.step(YAHTZEE_CROSS + 0);
    expect(r2.reward).toBe(-1);
    expect(r2.terminated).toBe(true);
    expect(r2.info.illegalMoves).toBe(1);
    const next = await env.reset();
    expect(Object.values(next.info.state?.scorecard as object).every((v) => v === null)).toBe(true);
  });

  it("'resample' plays a random legal action instead and counts it", async () => {
    const env = makeEnv('TicTacToe', { server: new GameFramework({ seed: 7 }), seed: 3, illegalAction: 'resample' });
    cleanups.push(() => env.close());
    const rng = new SeededRng('resample');
    let resampledEpisodes = 0;
    for (let episode = 0; episode < 10; episode++) {
      let { info } = await env.reset();
      expect(info.resampled).toBe(0);
      if (!board(info).some((v) => v !== -1)) {
        const r = await env.step(randomLegal(info.actionMask, rng));
        if (r.terminated) continue;
        info = r.info;
      }
      const occupied = board(info).findIndex((v) => v !== -1);
      const mineBefore = board(info).filter((v) => v === env.playerId).length;
      const r = await env.step(occupied);
      expect(r.info.resampled).toBe(1);
      expect(r.info.illegalMoves).toBe(1);
      // One mark of ours more, on a cell that was empty.
      expect(board(r.info).filter((v) => v === env.playerId).length).toBe(mineBefore + 1);
      expect(board(r.info)[occupied]).toBe(board(info)[occupied]);
      resampledEpisodes++;
      const end = r.terminated || r.truncated ? r : await finishEpisode(env, r.info, rng);
      expect(end.info.resampled).toBe(1);
      expect(end.terminated).toBe(true);
    }
    expect(resampledEpisodes).toBeGreaterThan(5);
  });
});

describe('self-play', () => {
  it('two envs of one session, stepped concurrently for 300 episodes: no deadlock, mirrored outcomes', { timeout: 60_000 }, async () => {
    const envs = makeSelfPlayEnvs('TicTacToe', { server: new GameFramework({ seed: 8 }), seed: 4 });
    cleanups.push(() => Promise.all(envs.map((e) => e.close())));
    expect(envs).toHaveLength(2);
    const [a, b] = envs as [TttEnv, TttEnv];
    expect(a.session).toBe(b.session);
    expect([a.leader, b.leader]).toEqual([true, false]);
    const run = async (env: TttEnv, seed: string): Promise<string[]> => {
      const rng = new SeededRng(seed);
      const outcomes: string[] = [];
      for (let episode = 0; episode < 300; episode++) {
        const { info } = await env.reset();
        const end = await finishEpisode(env, info, rng);
        if (!end.terminated || end.info.illegalMoves) throw new Error(`episode ${episode}: ${JSON.stringify(end.info.episode)} ${JSON.stringify(end.info.error)}`);
        outcomes.push(end.info.episode?.outcome as string);
      }
      return outcomes;
    };
    const [oa, ob] = await Promise.all([run(a, 'self-a'), run(b, 'self-b')]);
    expect(new Set([a.playerId, b.playerId])).toEqual(new Set([0, 1]));
    const mirror: Record<string, string> = { win: 'loss', loss: 'win', draw: 'draw' };
    expect(ob).toEqual(oa.map((o) => mirror[o]));
    const count = (xs: string[], x: string): number => xs.filter((o) => o === x).length;
    expect(count(oa, 'win')).toBe(count(ob, 'loss'));
    expect(count(oa, 'loss')).toBe(count(ob, 'win'));
    expect(count(oa, 'draw')).toBe(count(ob, 'draw'));
    expect(count(oa, 'win')).toBeGreaterThan(50);
    expect(count(ob, 'win')).toBeGreaterThan(50);
  });

  it('maxEpisodeSteps truncates the leader only', { timeout: 30_000 }, async () => {
    const server = new GameFramework({ seed: 9 });
    const leader = makeEnv('TicTacToe', { server, session: 'leader-only', opponents: 'external', leader: true, seed: 1 });
    const follower = makeEnv('TicTacToe', { server, session: 'leader-only', opponents: 'external', leader: false, maxEpisodeSteps: 1, seed: 2 });
    cleanups.push(() => Promise.all([leader.close(), follower.close()]));
    const run = async (env: TttEnv, seed: string) => {
      const rng = new SeededRng(seed);
      const ends: StepResult<Float32Array>[] = [];
      for (let episode = 0; episode < 40; episode++) {
        const { info } = await env.reset();
        ends.push(await finishEpisode(env, info, rng));
      }
      return ends;
    };
    const [, followerEnds] = await Promise.all([run(leader, 'l'), run(follower, 'f')]);
    expect(followerEnds.every((r) => r.terminated && !r.truncated)).toBe(true);
    expect(followerEnds.some((r) => (r.info.episode?.length ?? 0) > 1)).toBe(true);
  });
});

describe('failures become truncation', () => {
  const children: ChildServer[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) await c.stop();
  });

  it('a killed server truncates the episode; after a restart on the same port, reset rejoins', { timeout: 60_000 }, async () => {
    const child = await startChildServer({ seed: 1 });
    children.push(child);
    const env = makeEnv('TicTacToe', { server: `${child.host}:${child.port}`, timeoutMs: 3000, stateTimeoutMs: 500, seed: 1 });
    cleanups.push(() => env.close());
    const rng = new SeededRng('kill');
    const { info } = await env.reset();
    const firstSession = env.session;
    const exited = new Promise((resolve) => child.process.once('exit', resolve));
    child.process.kill('SIGKILL');
    await exited;
    const r = await env.step(randomLegal(info.actionMask, rng));
    expect(r.truncated).toBe(true);
    expect(r.terminated).toBe(false);
    expect(r.reward).toBe(0);
    expect(['E_CONN_REFUSED', 'E_CONN_RESET', 'E_TIMEOUT']).toContain(r.info.error?.code);
    expect(r.info.error?.message).toMatch(/127\.0\.0\.1|connect|refused|reset|closed|timed out/i);
    console.log(`killed server: ${r.info.error?.code}: ${r.info.error?.message}`);
    expect(r.info.episode?.outcome).toBe('truncated');
    expect(await rejection(env.step(0))).toBeInstanceOf(ClientStateError);
    // While the server is down, reset fails with the connection error, and can be tried again.
    const down = await rejection(env.reset());
    expect(down).toBeInstanceOf(GameGymError);
    expect((down as GameGymError).code).toBe('E_CONN_REFUSED');
    const again = await startChildServer({ port: child.port, seed: 1 });
    children.push(again);
    const back = await env.reset();
    expect(env.session).not.toBe(firstSession);
    expect(back.info.actionMask.includes(1)).toBe(true);
    const end = await finishEpisode(env, back.info, rng);
    expect(end.terminated).toBe(true);
  });

  it('a server lost between episodes: reset fails while it is down and rejoins once it is back', { timeout: 60_000 }, async () => {
    const child = await startChildServer({ seed: 2 });
    children.push(child);
    const env = makeEnv('Yahtzee', { server: `${child.host}:${child.port}`, timeoutMs: 3000, stateTimeoutMs: 500, seed: 1, maxEpisodeSteps: 2 });
    cleanups.push(() => env.close());
    const rng = new SeededRng('between');
    const { info } = await env.reset();
    const end = await finishEpisode(env as WrappedGameEnv<Float32Array, number>, info, rng);
    expect(end.truncated).toBe(true);
    expect(end.info.error).toBeUndefined();
    const exited = new Promise((resolve) => child.process.once('exit', resolve));
    child.process.kill('SIGKILL');
    await exited;
    const down = await rejection(env.reset());
    expect((down as GameGymError).code).toBe('E_CONN_REFUSED');
    const again = await startChildServer({ port: child.port, seed: 2 });
    children.push(again);
    const back = await env.reset();
    expect(back.info.state?.current_name).toBeDefined();
    const r = await env.step(randomLegal(back.info.actionMask, rng));
    expect(r.info.error).toBeUndefined();
  });

  it('an overwritten session while the env waits: truncated with E_SESSION_LOST', async () => {
    const server = new GameFramework({ seed: 10 });
    const session = 'overwrite-while-waiting';
    const env = makeEnv('TicTacToe', { server, session, opponents: 'external', seed: 1 });
    cleanups.push(
      () => env.close(),
      () => server.close(),
    );
    const resetting = env.reset();
    const outsider = stranger(server, session);
    const { playerId } = await outsider.join();
    // The outsider moves once if it starts, then never again: the env's step waits for it.
    const s = await outsider.state();
    if (s.current.includes(playerId)) await outsider.move({ position: 4 });
    const { info } = await resetting;
    const stepping = env.step(randomLegal(info.actionMask, new SeededRng('x')));
    await new Promise((r) => setTimeout(r, 30));
    const intruder = new GameClient({ game: 'TicTacToe', server, session, players: 2, name: 'intruder' });
    void intruder.join().catch(() => undefined);
    const r = await stepping;
    expect(r.truncated).toBe(true);
    expect(r.info.error?.code).toBe('E_SESSION_LOST');
    expect(r.info.error?.message).toBe('Game server error: framework: game session was overwritten');
  });

  it('an overwritten session between steps: the next step is truncated with E_SESSION_LOST, not a crash', async () => {
    const server = new GameFramework({ seed: 11 });
    const env = makeEnv('TicTacToe', { server, session: 'overwrite-between', seed: 1 });
    cleanups.push(
      () => env.close(),
      () => server.close(),
    );
    const { info } = await env.reset();
    const intruder = new GameClient({ game: 'TicTacToe', server, session: 'overwrite-between', players: 2, name: 'intruder' });
    void intruder.join().catch(() => undefined);
    const r = await env.step(randomLegal(info.actionMask, new SeededRng('y')));
    expect(r.truncated).toBe(true);
    expect(r.terminated).toBe(false);
    expect(r.info.error?.code).toBe('E_SESSION_LOST');
    // The move reached the new session of the same name, which does not know the env's key.
    expect(r.info.error?.message).toBe('Game server error: framework: invalid key (the session was replaced by a new one of the same name: overwritten)');
    expect(r.info.episode?.outcome).toBe('truncated');
  });
});

/** Yahtzee dice always 1 1 1 1 1; the player who starts after naming is `starter`. */
class AllOnesRng implements Rng {
  constructor(private readonly starter: number) {}
  next(): number {
    return 0;
  }
  int(min: number, max: number): number {
    return min === 1 && max === 6 ? 1 : Math.min(max, min + this.starter);
  }
}

describe('a stuck multiplayer Yahtzee game', () => {
  const YAHTZEE = YAHTZEE_CATEGORIES.indexOf('Yahtzee');

  /** Takes Yahtzee (50, then the 150 bonus) when `bonus()`, else crosses out the first free category. */
  function chooser(bonus: () => boolean): (mask: Uint8Array) => number {
    return (mask) => {
      if (bonus() && mask[YAHTZEE_ADD + YAHTZEE]) return YAHTZEE_ADD + YAHTZEE;
      const cross = mask.indexOf(1, YAHTZEE_CROSS);
      return cross >= 0 ? cross : mask.indexOf(1);
    };
  }

  async function stuckGame(starter: number, envTakesBonus: boolean) {
    // Every roll is a Yahtzee. The player who takes the 150 bonus needs 14 turns for 13 categories,
    // so the other one, when it started, finds its card full on its own turn.
    const games = new GameRegistry();
    games.register({ name: 'Yahtzee', minPlayers: 1, maxPlayers: 8, create: (players) => new YahtzeeGame(players, new AllOnesRng(starter)) });
    const server = new GameFramework({ games });
    const botChoose = chooser(() => !envTakesBonus);
    const bot: Policy<Float32Array> = { name: 'scripted', act: (_obs, masks) => masks.map((m) => botChoose(m)) };
    const env = makeEnv('Yahtzee', { server, players: 2, opponents: bot, timeoutMs: 20_000, seed: 1 });
    cleanups.push(
      () => env.close(),
      () => server.close(),
    );
    const envChoose = chooser(() => envTakesBonus);
    let { info } = await env.reset();
    expect(env.playerId).toBe(0);
    const results: StepResult<Float32Array>[] = [];
    for (let t = 0; t < 20; t++) {
      const r = await env.step(envChoose(info.actionMask));
      results.push(r);
      info = r.info;
      if (r.terminated || r.truncated) break;
    }
    return { env, results };
  }

  it('the env seat stuck on its own turn: truncated with E_GAME_STUCK', { timeout: 30_000 }, async () => {
    const { env, results } = await stuckGame(0, false);
    const last = results[results.length - 1]!;
    expect(results).toHaveLength(13);
    expect(last.truncated).toBe(true);
    expect(last.terminated).toBe(false);
    expect(last.info.error?.code).toBe('E_GAME_STUCK');
    expect(last.info.error?.message).toBe('Yahtzee: this seat has no legal move on its turn, so the game cannot end');
    expect(Object.values(last.info.state?.scorecard as object).every((v) => v !== null)).toBe(true);
    expect(last.info.state?.gameover).toBe(false);
    // The leader restarts: the next episode is a fresh game.
    const next = await env.reset();
    expect(Object.values(next.info.state?.scorecard as object).every((v) => v === null)).toBe(true);
    const r = await env.step(YAHTZEE_ADD + YAHTZEE);
    expect(r.reward).toBe(50);
  });

  it('the bot seat stuck: the env is told and truncates with E_GAME_STUCK rather than hang', { timeout: 30_000 }, async () => {
    const { env, results } = await stuckGame(1, true);
    const last = results[results.length - 1]!;
    expect(results).toHaveLength(13);
    expect(last.truncated).toBe(true);
    expect(last.info.error?.code).toBe('E_GAME_STUCK');
    expect(last.info.error?.message).toBe('Yahtzee: another seat has no legal move on its turn, so the game cannot end');
    expect((last.info.state?.scorecard as Record<string, number>).Yahtzee).toBe(150);
    const next = await env.reset();
    expect(Object.values(next.info.state?.scorecard as object).every((v) => v === null)).toBe(true);
    expect(next.info.actionMask.includes(1)).toBe(true);
  });

  it('GameStuckError is a GameGymError with code E_GAME_STUCK', () => {
    const e = new GameStuckError('why');
    expect(e).toBeInstanceOf(GameGymError);
    expect(e.code).toBe('E_GAME_STUCK');
    expect(e.message).toBe('why');
  });
});

describe('the hot path of step', () => {
  /** A TicTacToe env vs the random bot on its own embedded server, closed after the test. */
  function inProcessEnv(seed: number): TttEnv {
    const server = new GameFramework({ seed });
    cleanups.push(() => server.close());
    const env = makeEnv('TicTacToe', { server, seed });
    cleanups.push(() => env.close());
    return env;
  }

  it("observations stay the caller's: 600 steps keep their own arrays (beyond a shared block)", async () => {
    const env = inProcessEnv(3);
    const rng = new SeededRng('keep');
    const kept: Array<{ obs: Float32Array; copy: number[]; mask: Uint8Array; maskCopy: number[] }> = [];
    let { observation, info } = await env.reset({ seed: 3 });
    while (kept.length < 600) {
      kept.push({ obs: observation, copy: [...observation], mask: info.actionMask, maskCopy: [...info.actionMask] });
      const r = await env.step(randomLegal(info.actionMask, rng));
      ({ observation, info } = r.terminated || r.truncated ? await env.reset() : r);
    }
    for (const k of kept) {
      expect([...k.obs]).toEqual(k.copy);
      expect([...k.mask]).toEqual(k.maskCopy);
    }
  });

  it('waits for the turn without a new AbortController per step', async () => {
    const env = inProcessEnv(4);
    const rng = new SeededRng('signals');
    let { info } = await env.reset({ seed: 4 });
    const Original = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        created++;
      }
    };
    let steps = 0;
    try {
      for (; steps < 200; steps++) {
        const r = await env.step(randomLegal(info.actionMask, rng));
        ({ info } = r.terminated || r.truncated ? await env.reset() : r);
      }
    } finally {
      globalThis.AbortController = Original;
    }
    expect(steps).toBe(200);
    expect(created).toBe(0);
  });
});

describe('order of calls, options, truncation, close', () => {
  it('step before reset and after the end throws ClientStateError; so do both after close', async () => {
    const env = makeEnv('TicTacToe', { server: new GameFramework({ seed: 12 }), seed: 1 });
    const before = await rejection(env.step(0));
    expect(before).toBeInstanceOf(ClientStateError);
    expect((before as ClientStateError).code).toBe('E_CLIENT_STATE');
    expect(env.playerId).toBe(-1);
    expect(env.render()).toBe('(no game yet: call reset())');
    const { info } = await env.reset();
    const end = await finishEpisode(env, info, new SeededRng('order'));
    expect(end.terminated).toBe(true);
    for (let i = 0; i < 2; i++) expect(await rejection(env.step(0))).toBeInstanceOf(ClientStateError);
    await env.close();
    await env.close();
    expect(((await rejection(env.reset())) as Error).message).toBe('This env is closed');
    expect(((await rejection(env.step(0))) as Error).message).toBe('This env is closed');
  });

  it('options are validated with clear messages', async () => {
    const bad: Array<[() => unknown, string]> = [
      [() => makeEnv('TicTacToe', { maxEpisodeSteps: 0 }), 'Expected maxEpisodeSteps to be a positive integer, got 0'],
      [() => makeEnv('TicTacToe', { maxEpisodeSteps: 2.5 }), 'Expected maxEpisodeSteps to be a positive integer, got 2.5'],
      [() => makeEnv('TicTacToe', { players: 0 }), 'Expected players to be a positive integer, got 0'],
      [() => makeEnv('Yahtzee', { players: 1.5 }), 'Expected players to be a positive integer, got 1.5'],
      [() => makeEnv('TicTacToe', { illegalAction: 'ignore' as never }), 'Expected illegalAction to be one of raise, penalize, resample, got "ignore"'],
      [() => makeEnv('Yahtzee', { players: 3, opponents: ['random'] }), 'Expected 2 opponents for 3 players, got 1'],
      [() => makeEnv('Chess'), 'No adapter is registered for game "Chess"; pass options.adapter, call registerAdapter, or register a game spec (a --plugin)'],
      [() => makeEnv('Yahtzee', { adapter: () => new TicTacToeAdapter() as never }), 'The adapter is for TicTacToe, not Yahtzee'],
      [() => makeEnv('TicTacToe', { opponents: 'grandmaster' as never }), 'Expected an opponent of random, minimax, external, a policy or { mix }, got "grandmaster"'],
    ];
    for (const [make, message] of bad) {
      let caught: unknown;
      try {
        make();
      } catch (error) {
        caught = error;
      }
      expect(caught, message).toBeInstanceOf(InvalidOptionError);
      expect((caught as InvalidOptionError).code).toBe('E_INVALID_OPTION');
      expect((caught as Error).message).toBe(message);
    }
    // The server spec is resolved at the first reset.
    const env = makeEnv('TicTacToe', { server: 'nowhere' });
    const error = await rejection(env.reset());
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toBe('Expected server to be "embedded", "embedded-tcp", a GameFramework or "host:port", got "nowhere"');
  });

  it('maxEpisodeSteps truncates the episode of a leader', async () => {
    const env = makeEnv('Yahtzee', { server: new GameFramework({ seed: 13 }), maxEpisodeSteps: 5, seed: 1 });
    cleanups.push(() => env.close());
    const rng = new SeededRng('max');
    for (let episode = 0; episode < 3; episode++) {
      let { info } = await env.reset();
      expect(Object.values(info.state?.scorecard as object).every((v) => v === null)).toBe(true);
      let sum = 0;
      for (let t = 1; ; t++) {
        const r = await env.step(randomLegal(info.actionMask, rng));
        sum += r.reward;
        info = r.info;
        if (t < 5) {
          expect(r.truncated || r.terminated).toBe(false);
          continue;
        }
        expect(r.truncated).toBe(true);
        expect(r.terminated).toBe(false);
        expect(r.info.error).toBeUndefined();
        expect(r.info.episode).toEqual({ return: sum, length: 5, outcome: 'truncated' });
        expect(r.info.actionMask.every((v) => v === 0)).toBe(true);
        expect(await rejection(env.step(0))).toBeInstanceOf(ClientStateError);
        break;
      }
    }
  });

  it('close() stops the bot seats', async () => {
    const server = new GameFramework({ seed: 14 });
    const env = makeEnv('Yahtzee', { server, players: 3, opponents: 'greedy', seed: 1 });
    cleanups.push(() => server.close());
    const { info } = await env.reset();
    await env.step(randomLegal(info.actionMask, new SeededRng('close')));
    const bots = [...env.opponentSeats];
    expect(bots).toHaveLength(2);
    await env.close();
    expect(env.opponentSeats).toHaveLength(0);
    for (const bot of bots) expect(bot.error).toBeUndefined();
    // Nobody waits on the server any more, and nobody asks it anything.
    expect(server.waitingCount).toBe(0);
    const requests = bots.map((b) => b.seat.client.stats.requests);
    await new Promise((r) => setTimeout(r, 100));
    expect(bots.map((b) => b.seat.client.stats.requests)).toEqual(requests);
    expect(server.waitingCount).toBe(0);
  });

  it('close() aborts a pending wait for another seat', async () => {
    const server = new GameFramework({ seed: 15 });
    const session = 'close-while-waiting';
    const env = makeEnv('TicTacToe', { server, session, opponents: 'external', seed: 1 });
    cleanups.push(() => server.close());
    const resetting = env.reset();
    const outsider = stranger(server, session);
    await outsider.join();
    // The outsider never moves: either the reset or the first step waits for it.
    const first = await Promise.race([resetting, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
    const pending: Promise<unknown> = first ? env.step(randomLegal(first.info.actionMask, new SeededRng('z'))) : resetting;
    const settled = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await env.close();
    const outcome = await settled;
    expect(outcome).toBeInstanceOf(AbortError);
    expect((outcome as AbortError).code).toBe('E_ABORTED');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('close() aborts a reset that waits for other players to join', async () => {
    const server = new GameFramework({ seed: 16 });
    const env = makeEnv('TicTacToe', { server, session: 'nobody-comes', opponents: 'external', seed: 1 });
    cleanups.push(() => server.close());
    const settled = env.reset().then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(server.waitingCount).toBe(1);
    await env.close();
    const outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r('still pending'), 1000))]);
    expect(outcome).toBeInstanceOf(AbortError);
    expect(server.waitingCount).toBe(0);
  });

  it("render shows the seat's view", async () => {
    const env = makeEnv('Yahtzee', { server: new GameFramework({ seed: 17 }), seed: 1 });
    cleanups.push(() => env.close());
    await env.reset();
    const text = env.render();
    expect(text).toMatch(/^dice: [1-6] [1-6] [1-6] [1-6] [1-6] {3}rolls left: 2\n/);
    expect(text).toContain('total');
  });
});
