import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEnv } from '../src/env/env.ts';
import { InvalidOptionError } from '../src/core/errors.ts';
import { GameFramework } from '../src/server/framework.ts';
import { SeededRng } from '../src/core/rng.ts';
import { AsyncVectorEnv } from '../src/vector/async-vector.ts';
import type { Learner } from './agent.ts';
import { BotAgent, botAgent, checkpointKind, isBotAgent, isBotName } from './bots.ts';
import { MenaceAgent } from './menace/menace.ts';
import { TabularQAgent } from './tabular-q/tabular-q.ts';
import { allBotNames } from '../src/games/registry.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bots-'));
  dirs.push(dir);
  return dir;
}

/**
 * Plays `games` episodes of `game` with a learner's `explore` (training) or
 * `act` (evaluation) in a lock-step vector, checking every action against its
 * mask and handing every result to `record` (bots ignore it). Results are
 * from the envs' point of view.
 */
async function play(
  game: string,
  learner: Learner,
  games: number,
  explore: boolean,
  server: GameFramework,
): Promise<{ wins: number; draws: number; losses: number; games: number; returns: number[] }> {
  const envs = Array.from({ length: 4 }, (_, i) => makeEnv(game, { server, seed: i, session: `${learner.name}-${game}-${explore}-${i}` }));
  const vec = new AsyncVectorEnv(envs);
  try {
    const { observations, infos } = await vec.reset({ seed: 1 });
    let obs = observations;
    let masks = infos.map((i) => i.actionMask);
    const ended = new Array<boolean>(4).fill(false);
    const out = { wins: 0, draws: 0, losses: 0, games: 0, returns: [] as number[] };
    while (out.games < games) {
      const ids = [0, 1, 2, 3];
      const actions = explore ? await learner.explore(obs, masks, ids) : await learner.act(obs, masks);
      actions.forEach((a, k) => {
        if (!ended[k]) expect(masks[k]?.[a], `action ${a} of ${learner.name} must be legal`).toBe(1);
      });
      const b = await vec.step(actions);
      learner.record({
        envIds: ids,
        observations: obs,
        masks,
        actions,
        rewards: Array.from(b.rewards),
        nextObservations: b.observations,
        nextMasks: b.infos.map((i) => i.actionMask),
        terminated: Array.from(b.terminated, Boolean),
        truncated: Array.from(b.truncated, Boolean),
      });
      expect(await learner.learn(out.games)).toBeNull();
      b.envIds.forEach((id, k) => {
        if (!ended[id] && (b.terminated[k] || b.truncated[k])) {
          out.games++;
          const r = b.rewards[k] as number;
          out.returns.push(b.infos[k]?.episode?.return ?? 0);
          if (r > 0) out.wins++;
          else if (r < 0) out.losses++;
          else out.draws++;
          ended[id] = true;
        } else ended[id] = false;
      });
      obs = b.observations;
      masks = b.infos.map((i) => i.actionMask);
    }
    return out;
  } finally {
    await vec.close();
  }
}

describe('bot agents', () => {
  it('names bots', () => {
    expect(allBotNames()).toEqual(['random', 'minimax', 'greedy', 'optimal']);
    expect(isBotName('minimax')).toBe(true);
    expect(isBotName('minimax', 'TicTacToe')).toBe(true);
    expect(isBotName('minimax', 'Yahtzee')).toBe(false);
    expect(isBotName('menace')).toBe(false);
    expect(isBotName(3)).toBe(false);
    expect(() => botAgent('perfect' as never)).toThrow(new InvalidOptionError('Expected a bot name (random, minimax, greedy, optimal), got "perfect"'));
    expect(() => botAgent('greedy', 0, 'TicTacToe')).toThrow(new InvalidOptionError('Expected a bot name (of TicTacToe), got "greedy"'));
    expect(() => botAgent('random', Number.NaN)).toThrow(InvalidOptionError);
    const bot = botAgent('minimax', 7);
    expect(bot.name).toBe('minimax');
    expect(bot.config).toEqual({ bot: 'minimax', seed: 7, game: 'TicTacToe' });
    expect(isBotAgent(bot)).toBe(true);
    expect(isBotAgent(MenaceAgent.create({ observationSize: 27, actionCount: 9, numEnvs: 1, seed: 0 }))).toBe(false);
  });

  it('random and minimax never pick a masked action (thousands of random masks)', async () => {
    const rng = new SeededRng('bot-masks');
    for (const name of ['random', 'minimax'] as const) {
      const bot = botAgent(name, 1);
      for (let n = 0; n < 3000; n++) {
        // A random TicTacToe board; the mask is its empty cells or, for random, any non-empty subset.
        const obs = new Float32Array(27);
        const mask = new Uint8Array(9);
        for (let i = 0; i < 9; i++) {
          const v = rng.int(0, 2);
          obs[v * 9 + i] = 1;
          mask[i] = v === 2 ? 1 : 0;
        }
        if (name === 'random') for (let i = 0; i < 9; i++) mask[i] = rng.next() < 0.3 ? 1 : 0;
        if (!mask.includes(1)) {
          const i = rng.int(0, 8);
          mask[i] = 1;
          obs
            .fill(0, i, i + 1)
            .fill(0, 9 + i, 10 + i)
            .fill(1, 18 + i, 19 + i);
        }
        const [explored] = (await bot.explore([obs], [mask], [0])) as number[];
        const [greedy] = (await bot.act([obs], [mask])) as number[];
        expect(mask[explored as number]).toBe(1);
        expect(mask[greedy as number]).toBe(1);
      }
    }
  });

  it('play TicTacToe and Yahtzee through real envs with legal actions only', async () => {
    const server = new GameFramework({ seed: 3 });
    const random = await play('TicTacToe', botAgent('random', 1), 400, true, server);
    const minimax = await play('TicTacToe', botAgent('minimax', 1), 200, false, server);
    const greedy = await play('Yahtzee', botAgent('greedy'), 4, true, server);
    const randomYahtzee = await play('Yahtzee', botAgent('random', 2), 4, false, server);
    console.log(
      `random vs random: ${random.wins}/${random.draws}/${random.losses} W/D/L of ${random.games}; ` +
        `minimax vs random: ${minimax.wins}/${minimax.draws}/${minimax.losses}; ` +
        `Yahtzee scores greedy ${greedy.returns.join(', ')}, random ${randomYahtzee.returns.join(', ')}`,
    );
    // Random against random wins ~43% here: first player (58%) half the time, second (29%) otherwise.
    expect(random.wins / random.games).toBeGreaterThan(0.33);
    expect(random.wins / random.games).toBeLessThan(0.53);
    expect(minimax.losses).toBe(0);
    expect(minimax.wins / minimax.games).toBeGreaterThan(0.75);
    expect(greedy.games).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('saves an agent.json naming the bot and loads it back', async () => {
    const dir = await tempDir();
    const bot = botAgent('minimax', 5);
    await bot.save(dir);
    expect(JSON.parse(await readFile(path.join(dir, 'agent.json'), 'utf8'))).toEqual({
      agent: 'bot',
      version: 2,
      config: { bot: 'minimax', seed: 5, game: 'TicTacToe' },
      spec: null,
      steps: 0,
      learnerState: false,
    });
    expect(await checkpointKind(dir)).toBe('bot');
    const loaded = await BotAgent.fromCheckpoint(dir);
    expect(loaded.config).toEqual(bot.config);
    await expect(loaded.load(dir)).resolves.toBeUndefined();
    await expect(botAgent('random').load(dir)).rejects.toThrow(/holds the minimax bot, not random/);
    expect(await bot.learn(0)).toBeNull();
    bot.dispose();

    const spec = { observationSize: 27, actionCount: 9, numEnvs: 1, seed: 0 };
    const qDir = await tempDir();
    await TabularQAgent.create(spec).save(qDir);
    expect(await checkpointKind(qDir)).toBe('tabular-q');
    const menaceDir = await tempDir();
    await MenaceAgent.create(spec).save(menaceDir);
    expect(await checkpointKind(menaceDir)).toBe('menace');
    await expect(BotAgent.fromCheckpoint(menaceDir)).rejects.toMatchObject({ code: 'E_CHECKPOINT' });
  });
});
