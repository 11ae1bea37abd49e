import type { ResultCounts } from '../training/evaluate.ts';
import { machineInfo, type MachineInfo } from '../bench/bench.ts';
import { makeEnv } from '../../src/env/env.ts';
import { flatDim } from '../../src/env/spaces.ts';
import { ProgressBar, configLines } from '../../src/core/progress.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import type { BackendName } from '../tf/backend.ts';
import { evaluatePolicy } from '../training/evaluate.ts';
import { wilson } from '../training/stats.ts';
import { AGENT_HELP, needsTfjs, resolveAgents, type TournamentAgent } from './agents.ts';
import { fitElo, type EloFit } from './elo.ts';
import { DEFAULT_GAME } from '../../src/games/builtins.ts';
import { findGame } from '../../src/games/registry.ts';

/** Everything a tournament is made of; every field has a default (`TOURNAMENT_DEFAULTS`). */
export interface TournamentConfig {
  game: string;
  /** Bot names and checkpoint folders. Empty: the game's bots (its own ones, then random). */
  agents: string[];
  /** Games per pair (two-player games) or per agent (single-player games). */
  games: number;
  /** `embedded` (a fresh seeded in-process server per match), `embedded-tcp`, or `host:port` of a running server (the reference too). */
  server: string;
  seed: number;
  /** Sessions played at once within a match (their policy calls are batched). */
  parallel: number;
  /** Record the protocol traffic of every game to this JSON Lines file (see `game-gym replay`). */
  record?: string;
  /** Elo anchor: `auto` (random = 0 if present, else mean = 1500), `mean`, or an agent's label (= 0). */
  anchor: string;
  /** Virtual draws added to every pair in the Elo fit (keeps unbeaten agents finite). */
  priorDraws: number;
  /** Bootstrap resamples of the Elo intervals (0: ±1.96 standard errors). */
  bootstrap: number;
  backend: BackendName | 'auto';
}

/** Defaults of every tournament option. */
export const TOURNAMENT_DEFAULTS: TournamentConfig = {
  game: DEFAULT_GAME,
  agents: [],
  games: 1000,
  server: 'embedded',
  seed: 1,
  parallel: 16,
  record: undefined,
  anchor: 'auto',
  priorDraws: 1,
  bootstrap: 1000,
  backend: 'auto',
};

/** Checks a config (defaults filled in); throws InvalidOptionError with what is wrong. */
export function resolveTournamentConfig(partial: Partial<TournamentConfig>): TournamentConfig {
  const unknown = Object.keys(partial).filter((k) => !(k in TOURNAMENT_DEFAULTS));
  if (unknown.length) throw new InvalidOptionError(`Unknown evaluate option(s): ${unknown.join(', ')}`);
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<TournamentConfig>;
  const c: TournamentConfig = { ...TOURNAMENT_DEFAULTS, ...defined };
  c.agents = c.agents.flatMap((a) => String(a).split(',')).map((a) => a.trim()).filter(Boolean);
  c.game = findGame(c.game)?.name ?? c.game;
  const bots = Object.keys(findGame(c.game)?.bots ?? { random: null });
  if (c.agents.length === 0) c.agents = [...bots.filter((b) => b !== 'random'), 'random'];
  for (const key of ['games', 'parallel'] as const) {
    if (!(Number.isInteger(c[key]) && c[key] > 0)) throw new InvalidOptionError(`Expected ${key} to be a positive integer, got ${JSON.stringify(c[key])}`);
  }
  if (!Number.isInteger(c.seed)) throw new InvalidOptionError(`Expected seed to be an integer, got ${JSON.stringify(c.seed)}`);
  if (!(Number.isInteger(c.bootstrap) && c.bootstrap >= 0)) throw new InvalidOptionError(`Expected bootstrap to be a non-negative integer, got ${JSON.stringify(c.bootstrap)}`);
  if (!(Number.isFinite(c.priorDraws) && c.priorDraws >= 0)) throw new InvalidOptionError(`Expected priorDraws to be a non-negative number, got ${JSON.stringify(c.priorDraws)}`);
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(c.backend)) throw new InvalidOptionError(`Expected backend to be auto, tensorflow, wasm or cpu, got ${JSON.stringify(c.backend)}`);
  if (!['embedded', 'embedded-tcp'].includes(c.server) && !/^\[?[^\]]+?\]?:\d+$/.test(c.server)) {
    throw new InvalidOptionError(`Expected server to be embedded, embedded-tcp or host:port, got ${JSON.stringify(c.server)}`);
  }
  return c;
}

/** Win/draw/loss counts of the first-named agent with rates and 95% Wilson intervals. */
export interface Outcomes extends ResultCounts {
  drawInterval: [number, number];
}

/** One pair of a round robin, from `a`'s point of view. */
export interface PairResult extends Outcomes {
  a: string;
  b: string;
  /** The games in which `a` moved first (games whose spec balances first moves), and second. */
  aFirst?: Outcomes;
  aSecond?: Outcomes;
  seconds: number;
}

/** One agent of a single-player game. */
export interface ScoreResult {
  agent: string;
  games: number;
  mean: number;
  low: number;
  high: number;
  seconds: number;
  /** Yahtzee: the mean as a percentage of the optimal expected score. */
  percentOfOptimum?: number;
}

/** An agent as recorded. */
export interface AgentInfo {
  label: string;
  spec: string;
  kind: string;
  dir?: string;
}

/** What `runTournament` returns (and what the JSON record holds). */
export interface TournamentResult {
  name: 'evaluate';
  date: string;
  game: string;
  mode: 'round-robin' | 'single-player';
  config: TournamentConfig;
  agents: AgentInfo[];
  pairs: PairResult[];
  ratings?: EloFit;
  scores?: ScoreResult[];
  /** Yahtzee: the optimal expected score of a solitaire game under the server's rules (`game-gym solve Yahtzee`). */
  optimum?: number;
  gamesPlayed: number;
  seconds: number;
  gamesPerSecond: number;
  backend?: string;
  machine: MachineInfo;
  command?: string;
}

/** Hooks of `runTournament`. */
export interface TournamentHooks {
  /** Lines for the console (resolved config, backend). Default: console.log. */
  log?: (line: string) => void;
  /** A progress bar on stderr across pairs. Default true. */
  progress?: boolean;
}

/**
 * Plays a round robin between bots and checkpoints on a two-player game
 * (every pair `games` games: each agent hosts half of them, and within each
 * half moves first in half of the games where the spec balances them), with Wilson intervals
 * per pair and Elo ratings fitted to all games; or, for a single-player game,
 * each agent's mean score with its 95% interval.
 */
export async function runTournament(partial: Partial<TournamentConfig>, hooks: TournamentHooks = {}): Promise<TournamentResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const config = resolveTournamentConfig(partial);
  for (const line of configLines('evaluate', config)) log(line);
  const started = performance.now();
  const date = new Date().toISOString();

  let probe;
  try {
    probe = makeEnv<Float32Array, number>(config.game, {});
  } catch (error) {
    throw new InvalidOptionError(`Cannot evaluate on game ${JSON.stringify(config.game)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const context = { game: config.game, observationSize: flatDim(probe.observationSpace), actionCount: flatDim(probe.actionSpace), seed: config.seed };
  const players = probe.players;
  await probe.close();
  if (players > 2) throw new InvalidOptionError(`evaluate plays one- and two-player games; ${config.game} has ${players} players`);

  let backend: string | undefined;
  if (await needsTfjs(config.agents)) {
    // Imported only when needed: loading tfjs takes seconds and bots and tabular agents do without it.
    const { describeBackend, initBackend } = await import('../tf/backend.ts');
    const choice = await initBackend(config.backend);
    backend = choice.name;
    log(describeBackend(choice));
  }
  const agents = await resolveAgents(config.agents, context);
  const labels = agents.map((a) => a.label);
  if (players === 2 && !['auto', 'mean', ...labels].includes(config.anchor)) {
    for (const a of agents) a.dispose();
    throw new InvalidOptionError(`Expected anchor to be auto, mean or one of the agents (${labels.join(', ')}), got ${JSON.stringify(config.anchor)}`);
  }
  const server = config.server === 'embedded' ? undefined : config.server;
  const pairs: PairResult[] = [];
  const scores: ScoreResult[] = [];
  let gamesPlayed = 0;
  try {
    if (players === 1) {
      const bar = hooks.progress === false ? undefined : new ProgressBar(`${config.game} scores`, agents.length * config.games);
      for (const [k, agent] of agents.entries()) {
        const t0 = performance.now();
        const parts: Array<{ games: number; mean: number; high: number }> = [];
        for (const [c, size] of chunks(config.games, config.parallel).entries()) {
          const r = await evaluatePolicy({ game: config.game, policy: agent.policy, opponent: 'random', games: size, server, seed: matchSeed(config.seed, k, 0, c), parallel: config.parallel, record: config.record });
          if (r.score) parts.push({ games: r.games, mean: r.score.mean, high: r.score.high });
          gamesPlayed += r.games;
          bar?.update(gamesPlayed, { agent: agent.label });
        }
        scores.push({ agent: agent.label, ...poolScores(parts), seconds: round((performance.now() - t0) / 1000) });
      }
      bar?.finish(gamesPlayed);
    } else {
      if (agents.length < 2) throw new InvalidOptionError(`A round robin needs at least 2 agents, got ${agents.length}: ${config.agents.join(', ')}; each is ${AGENT_HELP}`);
      const matchups = agents.flatMap((a, i) => agents.slice(i + 1).map((b) => [a, b] as const));
      const bar = hooks.progress === false ? undefined : new ProgressBar(`${config.game} round robin`, matchups.length * config.games);
      for (const [p, [a, b]] of matchups.entries()) {
        const pair = await playPair(a, b, config, p, server, (n) => {
          gamesPlayed += n;
          bar?.update(gamesPlayed, { pair: `${p + 1}/${matchups.length} ${a.label} vs ${b.label}` });
        });
        pairs.push(pair);
      }
      bar?.finish(gamesPlayed);
    }
  } finally {
    for (const a of agents) a.dispose();
  }

  const seconds = (performance.now() - started) / 1000;
  const result: TournamentResult = {
    name: 'evaluate',
    date,
    game: config.game,
    mode: players === 1 ? 'single-player' : 'round-robin',
    config,
    agents: agents.map((a) => ({ label: a.label, spec: a.spec, kind: a.kind, ...(a.dir ? { dir: a.dir } : {}) })),
    pairs,
    gamesPlayed,
    seconds: round(seconds),
    gamesPerSecond: Math.round(gamesPlayed / Math.max(seconds, 1e-9)),
    ...(backend ? { backend } : {}),
    machine: machineInfo(),
  };
  if (players === 1) {
    result.scores = scores;
    const optimum = findGame(config.game)?.optimum;
    if (optimum !== undefined) {
      result.optimum = optimum;
      for (const s of scores) s.percentOfOptimum = round((100 * s.mean) / optimum);
    }
  }
  else if (pairs.length > 0) {
    const played = new Set(pairs.flatMap((p) => [p.a, p.b]));
    result.ratings = fitElo(
      pairs.map((p) => ({ a: p.a, b: p.b, wins: p.wins, draws: p.draws, losses: p.losses })),
      { agents: labels.filter((l) => played.has(l)), anchor: config.anchor, priorDraws: config.priorDraws, bootstrap: config.bootstrap, seed: config.seed },
    );
  }
  return result;
}

/**
 * One pair: `a` hosts half the games (its seat is the env's, `b` the
 * opponent seat) and `b` the other half, so neither side's seat is favoured;
 * evaluatePolicy balances first moves within each half where the game spec says so.
 */
async function playPair(
  a: TournamentAgent,
  b: TournamentAgent,
  config: TournamentConfig,
  p: number,
  server: string | undefined,
  onGames: (n: number) => void,
): Promise<PairResult> {
  const t0 = performance.now();
  const tallies = { all: zero(), first: zero(), second: zero() };
  const halves = [Math.ceil(config.games / 2), Math.floor(config.games / 2)];
  let balanced = false;
  for (const [h, games] of halves.entries()) {
    const [host, guest] = h === 0 ? [a, b] : [b, a];
    for (const [c, size] of chunks(games, config.parallel).entries()) {
      const r = await evaluatePolicy({ game: config.game, policy: host.policy, opponent: guest.opponent(), games: size, server, seed: matchSeed(config.seed, p, h, c), parallel: config.parallel, record: config.record });
      // The host's wins are a's wins in the first half and a's losses in the second.
      add(tallies.all, r, h === 1);
      if (r.moveFirst && r.moveSecond) {
        balanced = true;
        add(h === 0 ? tallies.first : tallies.second, r.moveFirst, h === 1);
        add(h === 0 ? tallies.second : tallies.first, r.moveSecond, h === 1);
      }
      onGames(r.games);
    }
  }
  return {
    a: a.label,
    b: b.label,
    ...outcomes(tallies.all),
    ...(balanced ? { aFirst: outcomes(tallies.first), aSecond: outcomes(tallies.second) } : {}),
    seconds: round((performance.now() - t0) / 1000),
  };
}

type Tally = { wins: number; draws: number; losses: number };

function zero(): Tally {
  return { wins: 0, draws: 0, losses: 0 };
}

function add(t: Tally, r: { wins: number; draws: number; losses: number }, flip: boolean): void {
  t.wins += flip ? r.losses : r.wins;
  t.draws += r.draws;
  t.losses += flip ? r.wins : r.losses;
}

function outcomes(t: Tally): Outcomes {
  const games = t.wins + t.draws + t.losses;
  const rate = (k: number): number => (games ? k / games : 0);
  return {
    games,
    ...t,
    winRate: rate(t.wins),
    drawRate: rate(t.draws),
    lossRate: rate(t.losses),
    winInterval: wilson(t.wins, games),
    drawInterval: wilson(t.draws, games),
    lossInterval: wilson(t.losses, games),
  };
}

/**
 * Splits `games` into up to 10 chunks (so the progress bar moves within a
 * pair) of even sizes (so first moves stay balanced), each at least a few
 * rounds of `parallel` sessions.
 */
export function chunks(games: number, parallel: number): number[] {
  const count = Math.max(1, Math.min(10, Math.floor(games / Math.max(2, 4 * parallel))));
  let size = Math.ceil(games / count);
  size += size % 2;
  const out: number[] = [];
  for (let left = games; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}

/** A distinct, reproducible seed per (pair or agent, half, chunk). */
function matchSeed(seed: number, p: number, h: number, c: number): number {
  return ((seed * 1000 + p) * 2 + h) * 16 + c;
}

/**
 * Pools chunks' mean scores into one mean with its 95% normal interval.
 * evaluatePolicy reports each chunk's mean and 95% interval (mean ± 1.96
 * sd/√n), from which each chunk's sample variance follows; the pooled
 * variance is (Σ (n_c - 1) s_c² + Σ n_c (m_c - m)²) / (N - 1), exactly what
 * the games' own scores would give.
 */
export function poolScores(parts: Array<{ games: number; mean: number; high: number }>): { games: number; mean: number; low: number; high: number } {
  const parts1 = parts.filter((p) => p.games > 0);
  const n = parts1.reduce((a, p) => a + p.games, 0);
  if (n === 0) return { games: 0, mean: NaN, low: NaN, high: NaN };
  const mean = parts1.reduce((a, p) => a + p.games * p.mean, 0) / n;
  let squares = 0;
  for (const p of parts1) {
    const sd = p.games > 1 ? ((p.high - p.mean) / 1.96) * Math.sqrt(p.games) : 0;
    squares += (p.games - 1) * sd * sd + p.games * (p.mean - mean) ** 2;
  }
  const half = n > 1 ? 1.96 * Math.sqrt(squares / (n - 1) / n) : 0;
  return { games: n, mean, low: mean - half, high: mean + half };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
