import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GameServer } from '../../src/server/server.ts';
import { botAgent } from '../bots.ts';
import { wilson } from '../training/stats.ts';
import { createLearner } from '../training/registry.ts';
import { tournamentMarkdown, writeTournament } from './report.ts';
import { chunks, poolScores, resolveTournamentConfig, runTournament, type PairResult, type TournamentResult } from './tournament.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tournament-'));
  dirs.push(dir);
  return dir;
}

const quiet = { progress: false, log: () => {} };
const pairOf = (r: TournamentResult, a: string, b: string): PairResult => {
  const p = r.pairs.find((x) => x.a === a && x.b === b);
  if (!p) throw new Error(`no pair ${a} vs ${b}`);
  return p;
};
const eloOf = (r: TournamentResult, agent: string): number => r.ratings?.ratings.find((x) => x.agent === agent)?.elo ?? NaN;

// Random vs random TicTacToe with first moves balanced: the first mover wins 58.49%, the second 28.81%, 12.70% draws.
const RANDOM_WIN = (0.5849 + 0.2881) / 2;
const RANDOM_DRAW = 0.127;

describe('runTournament on TicTacToe', () => {
  let result: TournamentResult;

  it('plays a round robin of minimax, random and random: minimax >> random, never loses', async () => {
    result = await runTournament({ agents: ['minimax', 'random', 'random'], games: 300, bootstrap: 200 }, quiet);
    expect(result.mode).toBe('round-robin');
    expect(result.agents.map((a) => a.label)).toEqual(['minimax', 'random', 'random#2']);
    expect(result.pairs.map((p) => `${p.a} vs ${p.b}`)).toEqual(['minimax vs random', 'minimax vs random#2', 'random vs random#2']);
    expect(result.gamesPlayed).toBe(900);
    for (const p of result.pairs) {
      expect(p.games).toBe(300);
      expect(p.wins + p.draws + p.losses).toBe(300);
      // Seats and first moves balanced: a moved first in half the games.
      expect(p.aFirst?.games).toBe(150);
      expect(p.aSecond?.games).toBe(150);
      // The reported intervals are Wilson's and contain the observed rates.
      expect(p.winInterval).toEqual(wilson(p.wins, p.games));
      expect(p.drawInterval).toEqual(wilson(p.draws, p.games));
      expect(p.lossInterval).toEqual(wilson(p.losses, p.games));
      for (const [rate, [lo, hi]] of [
        [p.winRate, p.winInterval],
        [p.drawRate, p.drawInterval],
        [p.lossRate, p.lossInterval],
      ] as const) {
        expect(rate).toBeGreaterThanOrEqual(lo);
        expect(rate).toBeLessThanOrEqual(hi);
      }
    }
    for (const b of ['random', 'random#2']) {
      const p = pairOf(result, 'minimax', b);
      expect(p.losses).toBe(0);
      expect(p.lossInterval[0]).toBe(0); // contains the true loss rate, 0
      expect(p.winRate).toBeGreaterThan(0.85);
      expect(p.aFirst?.winRate).toBeGreaterThan(p.aSecond?.winRate as number);
    }
    // Random vs random: the true rates lie in the Wilson intervals (99.9% ones here, so the test is not flaky).
    const rr = pairOf(result, 'random', 'random#2');
    const wide = (k: number): [number, number] => wilson(k, rr.games, 3.29);
    expect(wide(rr.wins)[0]).toBeLessThan(RANDOM_WIN);
    expect(wide(rr.wins)[1]).toBeGreaterThan(RANDOM_WIN);
    expect(wide(rr.losses)[0]).toBeLessThan(RANDOM_WIN);
    expect(wide(rr.losses)[1]).toBeGreaterThan(RANDOM_WIN);
    expect(wide(rr.draws)[0]).toBeLessThan(RANDOM_DRAW);
    expect(wide(rr.draws)[1]).toBeGreaterThan(RANDOM_DRAW);

    const ratings = result.ratings;
    expect(ratings?.anchor).toBe('random = 0');
    expect(eloOf(result, 'random')).toBe(0);
    expect(eloOf(result, 'minimax')).toBeGreaterThan(400);
    expect(Math.abs(eloOf(result, 'random#2'))).toBeLessThan(120);
    const minimax = ratings?.ratings.find((x) => x.agent === 'minimax');
    expect(minimax?.low).toBeGreaterThan(300);
    expect(minimax?.games).toBe(600);
  }, 30_000);

  it('prints Markdown and writes the JSON and the SVG', async () => {
    const md = tournamentMarkdown(result);
    expect(md).toMatch(/\| minimax \| random \| 300 \|/);
    expect(md).toMatch(/### Elo \(random = 0; bootstrap \(200 resamples/);
    expect(md).toMatch(/\| 1 \| minimax \|/);
    const dir = await tempDir();
    const files = await writeTournament(result, path.join(dir, 'out'));
    expect(path.basename(files.json)).toMatch(/^evaluate__TicTacToe__\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect(files.svg).toBe(files.json.replace(/\.json$/, '.svg'));
    const json = JSON.parse(await readFile(files.json, 'utf8')) as TournamentResult;
    expect(json.pairs).toHaveLength(3);
    expect(json.ratings?.ratings).toHaveLength(3);
    expect(json.config.games).toBe(300);
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(typeof json.date).toBe('string');
    const svg = await readFile(files.svg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Elo');
    expect(svg).toContain('minimax vs random');
  });

  it('plays checkpoints: a tabular-q run folder and a saved bot', async () => {
    const dir = await tempDir();
    const run = path.join(dir, 'TicTacToe__tabular-q__1__x');
    const learner = await createLearner('tabular-q', { observationSize: 27, actionCount: 9, numEnvs: 1, seed: 1 });
    await learner.save(path.join(run, 'checkpoint', 'agent'));
    learner.dispose();
    await writeFile(path.join(run, 'config.json'), JSON.stringify({ game: 'TicTacToe', agent: 'tabular-q' }));
    const botDir = path.join(dir, 'saved-minimax');
    await botAgent('minimax').save(botDir);
    const r = await runTournament({ agents: [run, botDir, 'random'], games: 40, bootstrap: 0 }, quiet);
    expect(r.agents.map((a) => [a.label, a.kind])).toEqual([
      ['TicTacToe__tabular-q__1__x', 'tabular-q'],
      ['saved-minimax', 'bot'],
      ['random', 'bot'],
    ]);
    expect(r.agents[0]?.dir).toBe(path.join(run, 'checkpoint', 'agent'));
    expect(pairOf(r, 'saved-minimax', 'random').losses).toBe(0);
    expect(pairOf(r, 'TicTacToe__tabular-q__1__x', 'saved-minimax').wins).toBe(0);
    expect(r.ratings?.interval).toBe('±1.96 se');
    // The run's checkpoint/ folder works too.
    const r2 = await runTournament({ agents: [path.join(run, 'checkpoint'), 'random'], games: 10, bootstrap: 0 }, quiet);
    expect(r2.agents[0]?.label).toBe('TicTacToe__tabular-q__1__x');
    // Once the run has a best/ agent (keepBest), the run folder means it; it is told apart from the last checkpoint.
    const best = await createLearner('tabular-q', { observationSize: 27, actionCount: 9, numEnvs: 1, seed: 2 });
    await best.save(path.join(run, 'best', 'agent'), { learnerState: false });
    best.dispose();
    const r3 = await runTournament({ agents: [run, path.join(run, 'checkpoint')], games: 10, bootstrap: 0 }, quiet);
    expect(r3.agents.map((a) => [a.label, a.dir])).toEqual([
      ['TicTacToe__tabular-q__1__x/best', path.join(run, 'best', 'agent')],
      ['TicTacToe__tabular-q__1__x', path.join(run, 'checkpoint', 'agent')],
    ]);
  }, 30_000);

  it('plays against a server at host:port', async () => {
    const server = await GameServer.start({ port: 0, seed: 5 });
    try {
      const { port } = server.address;
      const r = await runTournament({ agents: ['minimax', 'random'], games: 40, server: `127.0.0.1:${port}`, bootstrap: 0 }, quiet);
      expect(r.pairs[0]?.games).toBe(40);
      expect(r.pairs[0]?.losses).toBe(0);
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe('runTournament on Yahtzee (single player)', () => {
  it('reports mean scores: greedy > 150, random < 50, no pairs', async () => {
    const r = await runTournament({ game: 'Yahtzee', agents: ['greedy', 'random'], games: 40 }, quiet);
    expect(r.mode).toBe('single-player');
    expect(r.pairs).toEqual([]);
    expect(r.ratings).toBeUndefined();
    const greedy = r.scores?.find((s) => s.agent === 'greedy');
    const random = r.scores?.find((s) => s.agent === 'random');
    expect(greedy?.games).toBe(40);
    expect(greedy?.mean).toBeGreaterThan(150);
    expect(random?.mean).toBeLessThan(50);
    expect(greedy?.low).toBeLessThan(greedy?.mean as number);
    expect(greedy?.high).toBeGreaterThan(greedy?.mean as number);
    expect(tournamentMarkdown(r)).toMatch(/\| 1 \| greedy \| 40 \|/);
    // Each Yahtzee agent's mean as a percentage of the exact optimum.
    expect(r.optimum).toBeCloseTo(284.7862, 4);
    expect(greedy?.percentOfOptimum).toBeCloseTo((100 * (greedy?.mean as number)) / (r.optimum as number), 1);
    expect(tournamentMarkdown(r)).toContain('| % of optimum |');
    expect(tournamentMarkdown(r)).toContain('Optimum (exact, solitaire');
    const files = await writeTournament(r, await tempDir());
    expect(path.basename(files.json)).toMatch(/^evaluate__Yahtzee__/);
    expect(await readFile(files.svg, 'utf8')).toContain('mean score');
  }, 30_000);
});

describe('agents and options', () => {
  it('rejects bad agent names, listing what is allowed', async () => {
    await expect(runTournament({ agents: ['minimax', 'bogus'], games: 2 }, quiet)).rejects.toThrow(
      /Unknown agent "bogus": expected a bot of the game \(random, or one its spec lists; game-gym games shows them\) or a run folder \(its best policy/,
    );
    await expect(runTournament({ agents: ['greedy', 'random'], games: 2 }, quiet)).rejects.toThrow(/greedy bot plays Yahtzee, not TicTacToe; use random or minimax/);
    await expect(runTournament({ game: 'Yahtzee', agents: ['minimax'], games: 2 }, quiet)).rejects.toThrow(/minimax bot plays TicTacToe, not Yahtzee/);
    const empty = await tempDir();
    await expect(runTournament({ agents: [empty, 'random'], games: 2 }, quiet)).rejects.toThrow(/holds no checkpoint; expected a run folder/);
    const alien = await tempDir();
    await mkdir(path.join(alien, 'checkpoint', 'agent'), { recursive: true });
    await writeFile(path.join(alien, 'checkpoint', 'agent', 'agent.json'), JSON.stringify({ agent: 'alphazero', version: 2 }));
    await expect(runTournament({ agents: [alien, 'random'], games: 2 }, quiet)).rejects.toThrow(/kind "alphazero"; known kinds: bot, dqn, ppo, tabular-q, menace/);
    const yahtzeeRun = await tempDir();
    await botAgent('random').save(path.join(yahtzeeRun, 'checkpoint', 'agent'));
    await writeFile(path.join(yahtzeeRun, 'config.json'), JSON.stringify({ game: 'Yahtzee', agent: 'dqn' }));
    await expect(runTournament({ agents: [yahtzeeRun, 'random'], games: 2 }, quiet)).rejects.toThrow(/trained on Yahtzee, not TicTacToe/);
    await expect(runTournament({ agents: ['random'], games: 2 }, quiet)).rejects.toThrow(/at least 2 agents/);
    await expect(runTournament({ agents: ['minimax', 'random'], games: 2, anchor: 'nobody' }, quiet)).rejects.toThrow(
      /anchor to be auto, mean or one of the agents \(minimax, random\)/,
    );
  });

  it('resolves and checks the config', () => {
    const c = resolveTournamentConfig({ agents: ['a,b', 'c'] });
    expect(c.agents).toEqual(['a', 'b', 'c']);
    expect(resolveTournamentConfig({}).agents).toEqual(['minimax', 'random']);
    expect(resolveTournamentConfig({ game: 'Yahtzee' }).agents).toEqual(['greedy', 'optimal', 'random']);
    expect(() => resolveTournamentConfig({ games: 0 })).toThrow(/games to be a positive integer/);
    expect(() => resolveTournamentConfig({ server: 'nowhere' })).toThrow(/server to be embedded, embedded-tcp or host:port/);
    expect(() => resolveTournamentConfig({ bogus: 1 } as never)).toThrow(/^Unknown option bogus \(known: game, agents, /);
  });

  it('splits matches into even chunks and pools chunk scores exactly', () => {
    expect(chunks(500, 16)).toEqual([72, 72, 72, 72, 72, 72, 68]);
    expect(chunks(5000, 16)).toEqual(new Array(10).fill(500));
    expect(chunks(150, 16)).toEqual([76, 74]);
    expect(chunks(7, 16)).toEqual([7]);
    for (const [g, p] of [
      [1000, 16],
      [333, 4],
      [1, 1],
      [10_000, 64],
    ] as const)
      expect(chunks(g, p).reduce((a, b) => a + b, 0)).toBe(g);
    // Two chunks of known games: [1, 3] and [5, 7, 9].
    const part = (xs: number[]): { games: number; mean: number; high: number } => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
      return { games: xs.length, mean: m, high: m + (1.96 * sd) / Math.sqrt(xs.length) };
    };
    const pooled = poolScores([part([1, 3]), part([5, 7, 9])]);
    const all = part([1, 3, 5, 7, 9]);
    expect(pooled.mean).toBeCloseTo(all.mean, 12);
    expect(pooled.high).toBeCloseTo(all.high, 12);
  });
});
