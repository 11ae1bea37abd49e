import { registerAdapter } from '../env/adapter.ts';
import { RandomPolicy } from '../env/bots.ts';
import { GameGymError, InvalidOptionError } from '../core/errors.ts';
import type { GameState } from '../protocol/messages.ts';
import type { GameDefinition } from '../server/games/game.ts';
import { GameRegistry } from '../server/games/registry.ts';
import type { AdapterFactory } from '../env/adapter.ts';
import type { Policy } from '../env/policy.ts';

/** A bad game spec, or a name or id that another game already has. */
export class GameSpecError extends GameGymError {
  constructor(message: string) {
    super('E_GAME_SPEC', message);
  }
}

/** No registered game has this name or id. */
export class UnknownGameError extends GameGymError {
  constructor(message: string) {
    super('E_UNKNOWN_GAME', message);
  }
}

/** Makes a bot for one game; `option` is what follows the colon in `name:option` (e.g. a depth). */
export type BotFactory = (options: { seed: number | string; option?: string }) => Policy<any>;

/**
 * All the toolkit knows of one game. Built-in games and plugins register
 * the same way (`register(spec)`).
 */
export interface GameSpec {
  /** The name clients pass as `game` to the server (case-sensitive). */
  name: string;
  /** Gymnasium-style ids for `make(id)`; default `[name + '-v0']`. */
  ids?: string[];
  /** One line for `game-gym games`. */
  description?: string;
  /** Rules for the embedded server; absent when the game lives only on a remote server. */
  rules?: GameDefinition;
  /** Seats per session: the usual number, and the limits the game allows. */
  players: { default: number; min: number; max: number };
  /** A fresh adapter for one seat (see `simpleAdapter` for the plain-functions form). */
  adapter: AdapterFactory<any, any>;
  /** Bots by name; `random` (masked random) is there for every game. */
  bots?: Record<string, BotFactory>;
  /** The fixed opponents of training evaluations; default all its bots. */
  evalOpponents?: string[];
  /**
   * Two-player games: whether `state` is the opening (no move made yet).
   * When given, evaluation balances seats and first moves with it.
   */
  isOpening?: (state: GameState) => boolean;
  /** `'outcome'`: win / draw / loss; `'score'`: a score per seat. */
  results: 'outcome' | 'score';
  /** Score games: the best expected score of solitaire play, where known; evaluation and curves show it as a yardstick. */
  optimum?: number;
  /**
   * Exact expected win / draw / loss rates of a greedy policy against some of
   * the game's bots (first moves balanced), by bot name. Keeping the best agent
   * during training uses them in place of played games, which are noisy.
   */
  exactEvaluations?: Record<string, (policy: Policy<Float32Array>) => Promise<OutcomeRates>>;
}

/** Expected win, draw and loss rates (they sum to 1). */
export interface OutcomeRates {
  winRate: number;
  drawRate: number;
  lossRate: number;
}

/** A registered game with every default filled in. */
export interface RegisteredGame extends Required<Omit<GameSpec, 'rules' | 'isOpening' | 'description' | 'optimum' | 'exactEvaluations'>> {
  description: string;
  optimum: number | undefined;
  exactEvaluations: GameSpec['exactEvaluations'];
  rules: GameDefinition | undefined;
  isOpening: ((state: GameState) => boolean) | undefined;
  /** The plugin file that registered it, or 'built-in'. */
  source: string;
}

const randomBot: BotFactory = ({ seed }) => new RandomPolicy(seed);
const games = new Map<string, RegisteredGame>();
const byId = new Map<string, RegisteredGame>();
let currentSource = 'built-in';

/** Runs `fn` with registrations attributed to `source` (a plugin file). */
export async function withSource<T>(source: string, fn: () => Promise<T>): Promise<T> {
  const previous = currentSource;
  currentSource = source;
  try {
    return await fn();
  } finally {
    currentSource = previous;
  }
}

const isPositiveInt = (x: unknown): x is number => Number.isInteger(x) && (x as number) > 0;

/** Checks a spec and adds it. Throws `GameSpecError` on a bad spec or a name or id already taken. */
export function register(spec: GameSpec): RegisteredGame {
  const where = (msg: string): GameSpecError => new GameSpecError(`game spec ${JSON.stringify(spec?.name ?? null)}: ${msg}`);
  if (spec === null || typeof spec !== 'object') throw new GameSpecError(`Expected a game spec object, got ${JSON.stringify(spec)}`);
  if (typeof spec.name !== 'string' || !/^\S+$/.test(spec.name)) throw where('expected name to be a non-empty string without spaces');
  const ids = spec.ids ?? [`${spec.name}-v0`];
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || !/^[\w.:/-]+-v\d+$/.test(id))) {
    throw where(`expected ids to be strings like "${spec.name}-v0", got ${JSON.stringify(spec.ids)}`);
  }
  const p = spec.players as GameSpec['players'] | undefined;
  if (!p || !isPositiveInt(p.min) || !isPositiveInt(p.max) || !isPositiveInt(p.default) || p.min > p.default || p.default > p.max) {
    throw where(`expected players to be { default, min, max } with 1 <= min <= default <= max, got ${JSON.stringify(spec.players)}`);
  }
  if (typeof spec.adapter !== 'function') throw where('expected adapter to be a function that makes an adapter');
  if (spec.rules !== undefined && (typeof spec.rules !== 'object' || spec.rules.name !== spec.name || typeof spec.rules.create !== 'function')) {
    throw where(`expected rules to be a game definition named ${JSON.stringify(spec.name)} with a create function`);
  }
  if (spec.results !== 'outcome' && spec.results !== 'score') throw where(`expected results to be "outcome" or "score", got ${JSON.stringify(spec.results)}`);
  const bots: Record<string, BotFactory> = { random: randomBot, ...(spec.bots ?? {}) };
  for (const [name, make] of Object.entries(bots)) {
    if (!/^[\w-]+$/.test(name) || typeof make !== 'function') throw where(`expected bot ${JSON.stringify(name)} to be a function under a name of letters, digits, - or _`);
  }
  const evalOpponents = spec.evalOpponents ?? Object.keys(bots);
  for (const bot of evalOpponents)
    if (!(botName(bot) in bots)) throw where(`evalOpponents names ${JSON.stringify(bot)}, which is not one of its bots (${Object.keys(bots).join(', ')})`);
  if (spec.isOpening !== undefined && typeof spec.isOpening !== 'function') throw where('expected isOpening to be a function of the state');
  if (spec.optimum !== undefined && !Number.isFinite(spec.optimum)) throw where(`expected optimum to be a finite number, got ${JSON.stringify(spec.optimum)}`);
  const taken = [spec.name, ...ids].map((key) => games.get(key) ?? byId.get(key)).find(Boolean);
  if (taken) throw where(`its name or an id clashes with ${taken.name} (ids ${taken.ids.join(', ')}), registered by ${taken.source}`);
  const game: RegisteredGame = {
    name: spec.name,
    ids,
    description: spec.description ?? '',
    rules: spec.rules,
    players: { ...p },
    adapter: spec.adapter,
    bots,
    evalOpponents,
    isOpening: spec.isOpening,
    results: spec.results,
    optimum: spec.optimum,
    exactEvaluations: spec.exactEvaluations,
    source: currentSource,
  };
  games.set(game.name, game);
  for (const id of ids) byId.set(id, game);
  registerAdapter(game.name, game.adapter);
  return game;
}

/** The game with this name or id, or undefined. */
export function findGame(nameOrId: string): RegisteredGame | undefined {
  return games.get(nameOrId) ?? byId.get(nameOrId);
}

/** The game with this name or id; throws `UnknownGameError` listing the registered ones. */
export function getGame(nameOrId: string): RegisteredGame {
  const game = findGame(nameOrId);
  if (!game)
    throw new UnknownGameError(
      `Unknown game ${JSON.stringify(nameOrId)}: registered are ${[...games.values()].map((g) => `${g.name} (${g.ids.join(', ')})`).join(', ')}; a plugin (--plugin) can add one`,
    );
  return game;
}

/** Every registered game, in registration order. */
export function listGames(): RegisteredGame[] {
  return [...games.values()];
}

/** The bot part of a `name:option` spec. */
export function botName(spec: string): string {
  const i = spec.indexOf(':');
  return i < 0 ? spec : spec.slice(0, i);
}

/** Whether `spec` (`name` or `name:option`) is a bot of the game. Games not registered have the random bot only. */
export function isBot(game: string, spec: unknown): spec is string {
  if (typeof spec !== 'string') return false;
  const g = findGame(game);
  return g ? botName(spec) in g.bots : spec === 'random';
}

/** Names of a game's bots (`random` only for games not registered). */
export function botNames(game: string): string[] {
  const g = findGame(game);
  return g ? Object.keys(g.bots) : ['random'];
}

/** Every bot name of the registered games, without repeats. */
export function allBotNames(): string[] {
  return [...new Set(listGames().flatMap((g) => Object.keys(g.bots)))];
}

/** The first registered game with a bot of this name (`name` or `name:option`), or undefined. */
export function gameWithBot(spec: string): string | undefined {
  return listGames().find((g) => botName(spec) in g.bots)?.name;
}

/** Makes the bot `name` or `name:option` of a game; throws `InvalidOptionError` when it has none such. */
export function makeBot(game: string, spec: string, seed: number | string): Policy<any> {
  const make = findGame(game)?.bots[botName(spec)] ?? (spec === 'random' ? randomBot : undefined);
  if (!make) throw new InvalidOptionError(`${game} has no bot ${JSON.stringify(spec)}; its bots: ${botNames(game).join(', ')}`);
  const i = spec.indexOf(':');
  try {
    return make(i < 0 ? { seed } : { seed, option: spec.slice(i + 1) });
  } catch (error) {
    // A bad option is the caller's to fix: a clear option error, not the bot's stack.
    throw new InvalidOptionError(`${game}'s bot ${JSON.stringify(spec)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A server game registry holding the rules of every registered game that has them (built-ins and plugins), for the embedded server. */
export function embeddedGames(): GameRegistry {
  const registry = new GameRegistry();
  for (const game of games.values()) if (game.rules) registry.register(game.rules);
  return registry;
}

/** Adds a bot to a registered game (a plugin's bot for a built-in game, say). Throws `GameSpecError` if the name is taken. */
export function registerBot(game: string, name: string, factory: BotFactory): void {
  const g = getGame(game);
  if (!/^[\w-]+$/.test(name) || typeof factory !== 'function')
    throw new GameSpecError(`bot ${JSON.stringify(name)} of ${g.name}: expected a function under a name of letters, digits, - or _`);
  if (name in g.bots) throw new GameSpecError(`bot ${JSON.stringify(name)} of ${g.name}: the name is taken (registered by ${g.source})`);
  g.bots[name] = factory;
}
