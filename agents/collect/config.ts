import { makeEnv } from '../../src/env/env.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import type { BackendName } from '../tf/backend.ts';
import { DEFAULT_GAME } from '../../src/games/builtins.ts';
import { findGame } from '../../src/games/registry.ts';

/** Output formats of `collect`. */
export const COLLECT_FORMATS = ['parquet', 'jsonl.gz'] as const;
export type CollectFormat = (typeof COLLECT_FORMATS)[number];

/** Everything a collection is made of; every field has a default (`COLLECT_DEFAULTS`). */
export interface CollectConfig {
  game: string;
  /**
   * One policy per seat (player id 0, 1, ...), or one for every seat: a bot
   * name (random, minimax, greedy) or a checkpoint folder (a run folder or
   * its checkpoint/agent folder). Resolved configs hold one per seat.
   */
  policies: string[];
  /** Seats per session; null = the game's usual (its spec's default). Resolved configs hold the number. */
  players: number | null;
  /** Parallel sessions (each plays every seat of its game). */
  sessions: number;
  /** Episodes (games) to collect in all. */
  episodes: number;
  /** Complete episodes per shard file (the last shard may hold fewer). */
  shardEpisodes: number;
  /** Where sessions live: `embedded` (in process) and/or `host:port`; sessions are spread over them round robin. */
  servers: string[];
  format: CollectFormat;
  /** The output folder (shards and manifest.json). */
  out: string;
  /** Also record the raw server state of every step (JSON string column `state`). */
  rawState: boolean;
  /** Learners sample their actions (`explore`) instead of acting greedily (`act`). Bots are unaffected. */
  sample: boolean;
  seed: number;
  /** tfjs backend for tfjs learners (dqn, ppo); unused otherwise. */
  backend: BackendName | 'auto';
  /** Record the protocol traffic of every session to this JSON Lines file (see `game-gym replay`). */
  record: string | null;
}

/** Defaults of every collect option. */
export const COLLECT_DEFAULTS: CollectConfig = {
  game: DEFAULT_GAME,
  policies: ['random'],
  players: null,
  sessions: 64,
  episodes: 10_000,
  shardEpisodes: 10_000,
  servers: ['embedded'],
  format: 'parquet',
  out: 'data/collect',
  rawState: false,
  sample: false,
  seed: 1,
  backend: 'auto',
  record: null,
};

/**
 * The options that define the data: a resume must match them exactly.
 * `out` (where), `servers` (sessions may move to another server after a crash)
 * and `backend` (numerics only) may differ.
 */
export const DATA_KEYS = ['game', 'players', 'policies', 'sessions', 'episodes', 'shardEpisodes', 'format', 'rawState', 'sample', 'seed'] as const;

const HOST_PORT = /^\[?([^\]]+?)\]?:(\d+)$/;
const MAX_EPISODES = 2 ** 31 - 1;

/** Splits a comma-separated list ("a, b,c") into its non-empty items. */
export function splitList(value: string | string[]): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Checks a config (defaults filled in, players and one policy per seat resolved); throws InvalidOptionError with what is wrong. */
export async function resolveCollectConfig(partial: Partial<CollectConfig>): Promise<CollectConfig> {
  const unknown = Object.keys(partial).filter((k) => !(k in COLLECT_DEFAULTS));
  if (unknown.length) throw new InvalidOptionError(`Unknown collect option(s): ${unknown.join(', ')}`);
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<CollectConfig>;
  const c: CollectConfig = { ...COLLECT_DEFAULTS, ...defined };
  const positiveInt = (key: 'sessions' | 'episodes' | 'shardEpisodes', max = Number.MAX_SAFE_INTEGER): void => {
    const v = c[key];
    if (!(typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max)) {
      throw new InvalidOptionError(`Expected ${key} to be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got ${JSON.stringify(v)}`);
    }
  };
  positiveInt('sessions');
  positiveInt('episodes', MAX_EPISODES);
  positiveInt('shardEpisodes', MAX_EPISODES);
  if (!(typeof c.seed === 'number' && Number.isSafeInteger(c.seed))) throw new InvalidOptionError(`Expected seed to be an integer, got ${JSON.stringify(c.seed)}`);
  if (!COLLECT_FORMATS.includes(c.format)) throw new InvalidOptionError(`Expected format to be one of ${COLLECT_FORMATS.join(', ')}, got ${JSON.stringify(c.format)}`);
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(c.backend)) {
    throw new InvalidOptionError(`Expected backend to be auto, tensorflow, wasm or cpu, got ${JSON.stringify(c.backend)}`);
  }
  if (typeof c.out !== 'string' || c.out.length === 0) throw new InvalidOptionError(`Expected out to be a folder path, got ${JSON.stringify(c.out)}`);
  for (const key of ['rawState', 'sample'] as const) {
    if (typeof c[key] !== 'boolean') throw new InvalidOptionError(`Expected ${key} to be a boolean, got ${JSON.stringify(c[key])}`);
  }
  c.servers = splitList(c.servers);
  if (c.servers.length === 0) throw new InvalidOptionError('Expected at least one server ("embedded" or host:port)');
  for (const s of c.servers) {
    if (s !== 'embedded' && !HOST_PORT.test(s)) throw new InvalidOptionError(`Expected each server to be "embedded" or host:port, got ${JSON.stringify(s)}`);
  }
  c.policies = splitList(c.policies);
  if (c.policies.length === 0) throw new InvalidOptionError('Expected at least one policy (a bot name or a checkpoint folder)');

  c.game = findGame(c.game)?.name ?? c.game;
  // The game's adapter decides the usual number of seats (and whether the game exists at all).
  const probe = makeEnv<Float32Array, number>(c.game, c.players === null ? {} : { players: c.players });
  const players = probe.players;
  await probe.close();
  c.players = players;
  if (c.policies.length === 1) c.policies = new Array<string>(players).fill(c.policies[0] as string);
  if (c.policies.length !== players) {
    throw new InvalidOptionError(`Expected one policy per seat of ${c.game} (${players}), or one for all seats, got ${c.policies.length}: ${c.policies.join(',')}`);
  }
  return c;
}

/** The differences between a saved config and a new one in the options that define the data (`DATA_KEYS`), as readable lines. */
export function configDifferences(saved: Record<string, unknown>, current: Record<string, unknown>, keys: readonly string[] = DATA_KEYS): string[] {
  return keys.flatMap((key) => {
    const a = JSON.stringify(saved[key]);
    const b = JSON.stringify(current[key]);
    return a === b ? [] : [`${key}: the collection has ${a}, this run ${b}`];
  });
}
