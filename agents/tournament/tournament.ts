import type { ResultCounts } from '../training/evaluate.ts';
import { machineInfo, type MachineInfo } from '../bench/bench.ts';
import { deriveSeed } from '../../src/core/seeds.ts';
import { makeEnv } from '../../src/env/env.ts';
import { flatDim } from '../../src/env/spaces.ts';
import { ProgressBar, configLines } from '../../src/core/progress.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import type { BackendName } from '../tf/backend.ts';
import type { Policy } from '../../src/env/policy.ts';
import { evaluatePolicy } from '../training/evaluate.ts';
import { wilson } from '../training/stats.ts';
import { AGENT_HELP, needsTfjs, resolveAgents, type TournamentAgent } from './agents.ts';
import { fitElo, type EloFit } from './elo.ts';
import { findGame } from '../../src/games/registry.ts';
import { parseOptions } from '../../src/core/options.ts';
import { TournamentConfigSchema, type TournamentConfig } from './config.ts';

export { TOURNAMENT_DEFAULTS, TournamentConfigSchema, type TournamentConfig } from './config.ts';

/** Checks a config and returns it with defaults filled in; throws InvalidOptionError with what is wrong. `label` names an option in errors (the CLI passes its flag names). */
export function resolveTournamentConfig(partial: Partial<TournamentConfig>, label: (key: string) => string = (key) => key): TournamentConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c = parseOptions(TournamentConfigSchema, defined, label);
  c.agents = c.agents
    .flatMap((a) => String(a).split(','))
    .map((a) => a.trim())
    .filter(Boolean);
  c.game = findGame(c.game)?.name ?? c.game;
  const bots = Object.keys(findGame(c.game)?.bots ?? { random: null });
  if (c.agents.length === 0) c.agents = [...bots.filter((b) => b !== 'random'), 'random'];
  if (!['embedded', 'embedded-tcp'].includes(c.server) && !/^\[?[^\]]+?\]?:\d+$/.test(c.server)) {
    throw new InvalidOptionError(`Expected ${label('server')} to be embedded, embedded-tcp or host:port, got ${c.server}`);
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
  /** Where the games are played (default: in this process, one unit after another). */
  runner?: UnitRunnerFactory;
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

  const opened = await openTournament(config, log);
  const { agents, backend, players } = opened;
  const labels = agents.map((a) => a.label);
  const units = tournamentUnits(config, agents.length, players);
  const pairs: PairResult[] = [];
  const scores: ScoreResult[] = [];
  let gamesPlayed = 0;
  let runner: UnitRunner | undefined;
  try {
    if (players === 2 && agents.length < 2)
      throw new InvalidOptionError(`A round robin needs at least 2 agents, got ${agents.length}: ${config.agents.join(', ')}; each is ${AGENT_HELP}`);
    runner = hooks.runner ? await hooks.runner(config, log) : localUnitRunner(opened, config);
    const bar =
      hooks.progress === false
        ? undefined
        : new ProgressBar(`${config.game} ${players === 1 ? 'scores' : 'round robin'}`, units.length ? units.reduce((a, u) => a + u.games, 0) : 0);
    const results: UnitResult[] = [];
    const seconds: number[] = [];
    await runner.play(units, (unit, r) => {
      results[unit.index] = r;
      seconds[unit.p] = (seconds[unit.p] ?? 0) + r.seconds;
      gamesPlayed += r.games;
      bar?.update(gamesPlayed, { done: `${results.filter(Boolean).length}/${units.length} shards` });
    });
    bar?.finish(gamesPlayed);
    // Results are put together in the units' order, whatever order they came back in.
    if (players === 1) {
      for (const [k, agent] of agents.entries()) {
        const parts = units.filter((u) => u.p === k).flatMap((u) => (results[u.index]?.score ? [results[u.index]?.score as ChunkScore] : []));
        scores.push({ agent: agent.label, ...poolScores(parts), seconds: round(seconds[k] ?? 0) });
      }
    } else {
      const matchups = agents.flatMap((a, i) => agents.slice(i + 1).map((b) => [a, b] as const));
      for (const [p, [a, b]] of matchups.entries()) {
        pairs.push(
          pairResult(
            a.label,
            b.label,
            units.filter((u) => u.p === p).map((u) => [u, results[u.index] as UnitResult] as const),
            seconds[p] ?? 0,
          ),
        );
      }
    }
  } finally {
    await runner?.close();
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
  } else if (pairs.length > 0) {
    const played = new Set(pairs.flatMap((p) => [p.a, p.b]));
    result.ratings = fitElo(
      pairs.map((p) => ({ a: p.a, b: p.b, wins: p.wins, draws: p.draws, losses: p.losses })),
      { agents: labels.filter((l) => played.has(l)), anchor: config.anchor, priorDraws: config.priorDraws, bootstrap: config.bootstrap, seed: config.seed },
    );
  }
  return result;
}

/** A tournament's agents, loaded in the process that plays its games. */
export interface OpenTournament {
  agents: TournamentAgent[];
  players: number;
  backend?: string;
  game: string;
}

/**
 * Checks the game, starts tfjs when a checkpoint needs it and loads the
 * agents: what every process that plays a tournament's games does first.
 */
export async function openTournament(config: TournamentConfig, log: (line: string) => void = () => {}): Promise<OpenTournament> {
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
  return { agents, players, game: config.game, ...(backend ? { backend } : {}) };
}

/**
 * A shard of a tournament: a chunk of the games of one pair's half (or of
 * one agent's scores) with its own seed. A unit plays the same in any
 * process: a fresh server seeded by the unit, fresh bots seeded by the
 * unit, the agents' greedy policies.
 */
export interface MatchUnit {
  index: number;
  /** The pair (two-player games) or the agent (single-player games). */
  p: number;
  /** Half of the pair: 0 with the pair's first agent hosting, 1 with the second. */
  h: number;
  c: number;
  games: number;
  /** Agent indexes: the host plays the env's seat, the guest (null: no other seat) the other. */
  host: number;
  guest: number | null;
  seed: number;
}

type Tally = { wins: number; draws: number; losses: number };
type ChunkScore = { games: number; mean: number; high: number };

/** What a unit played, from its host's point of view. */
export interface UnitResult extends Tally {
  games: number;
  moveFirst?: Tally;
  moveSecond?: Tally;
  score?: ChunkScore;
  seconds: number;
}

/** The units of a tournament, in the order a single process plays them. */
export function tournamentUnits(config: TournamentConfig, agentCount: number, players: number): MatchUnit[] {
  const units: MatchUnit[] = [];
  const push = (u: Omit<MatchUnit, 'index'>): void => void units.push({ index: units.length, ...u });
  if (players === 1) {
    for (let k = 0; k < agentCount; k++) {
      for (const [c, games] of chunks(config.games, config.parallel).entries()) push({ p: k, h: 0, c, games, host: k, guest: null, seed: matchSeed(config.seed, k, 0, c) });
    }
    return units;
  }
  let p = 0;
  for (let i = 0; i < agentCount; i++) {
    for (let j = i + 1; j < agentCount; j++, p++) {
      // Each agent hosts half the games, so neither side's seat is favoured; evaluatePolicy balances first moves within each half.
      const halves = [Math.ceil(config.games / 2), Math.floor(config.games / 2)];
      for (const [h, half] of halves.entries()) {
        for (const [c, games] of chunks(half, config.parallel).entries())
          push({ p, h, c, games, host: h === 0 ? i : j, guest: h === 0 ? j : i, seed: matchSeed(config.seed, p, h, c) });
      }
    }
  }
  return units;
}

/** Plays one unit with the loaded agents. */
export async function playUnit(unit: MatchUnit, opened: OpenTournament, config: TournamentConfig): Promise<UnitResult> {
  const server = config.server === 'embedded' ? undefined : config.server;
  const host = opened.agents[unit.host] as TournamentAgent;
  const guest = unit.guest === null ? undefined : (opened.agents[unit.guest] as TournamentAgent);
  // Bots start afresh in every unit, seeded by it, so a unit does not depend on the units played before it in the same process.
  const fresh = (a: TournamentAgent, seat: string): Policy<Float32Array> | undefined => a.fresh?.(`${config.seed}-${unit.index}-${seat}`);
  const r = await evaluatePolicy({
    game: config.game,
    policy: fresh(host, 'host') ?? host.policy,
    opponent: guest ? (fresh(guest, 'guest') ?? guest.opponent()) : 'random',
    games: unit.games,
    server,
    seed: unit.seed,
    parallel: config.parallel,
    record: config.record,
  });
  const tally = (t: Tally): Tally => ({ wins: t.wins, draws: t.draws, losses: t.losses });
  return {
    games: r.games,
    ...tally(r),
    ...(r.moveFirst && r.moveSecond ? { moveFirst: tally(r.moveFirst), moveSecond: tally(r.moveSecond) } : {}),
    ...(r.score ? { score: { games: r.games, mean: r.score.mean, high: r.score.high } } : {}),
    seconds: r.seconds,
  };
}

/** Plays a tournament's units somewhere: in this process, actor processes (`--actors`) or Redis jobs (`--queue`). */
export interface UnitRunner {
  /** Plays every unit, calling `onResult` as each is done (in any order). */
  play(units: MatchUnit[], onResult: (unit: MatchUnit, result: UnitResult) => void): Promise<void>;
  close(): Promise<void>;
}

/** Makes a runner for a tournament (given its resolved config). */
export type UnitRunnerFactory = (config: TournamentConfig, log: (line: string) => void) => Promise<UnitRunner>;

function localUnitRunner(opened: OpenTournament, config: TournamentConfig): UnitRunner {
  return {
    play: async (units, onResult) => {
      for (const unit of units) onResult(unit, await playUnit(unit, opened, config));
    },
    close: async () => {},
  };
}

/** A pair's result from its units, from `a`'s point of view. */
function pairResult(a: string, b: string, played: ReadonlyArray<readonly [MatchUnit, UnitResult]>, seconds: number): PairResult {
  const tallies = { all: zero(), first: zero(), second: zero() };
  let balanced = false;
  for (const [unit, r] of played) {
    // The host's wins are a's wins in the first half and a's losses in the second.
    const flip = unit.h === 1;
    add(tallies.all, r, flip);
    if (r.moveFirst && r.moveSecond) {
      balanced = true;
      add(flip ? tallies.second : tallies.first, r.moveFirst, flip);
      add(flip ? tallies.first : tallies.second, r.moveSecond, flip);
    }
  }
  return {
    a,
    b,
    ...outcomes(tallies.all),
    ...(balanced ? { aFirst: outcomes(tallies.first), aSecond: outcomes(tallies.second) } : {}),
    seconds: round(seconds),
  };
}

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
  return deriveSeed(seed, 'match', p, h, c);
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
