/**
 * `game-gym collect`: self-play data from a server game.
 *
 * Every session plays every seat of its game (one env per seat, as
 * `makeSelfPlayEnvs` makes them), each seat through the policy of its player
 * id: a bot (random, minimax, greedy) or a learner checkpoint (greedy `act`,
 * or `explore` with `sample`; learner calls are batched across sessions).
 * Every step of every seat becomes a row:
 *
 *   episode_id int32, seat int32, policy string, ply int32, step int32,
 *   observation list<float>, action int32, mask list<bool>, reward float,
 *   terminated bool, truncated bool, probs list<float> (nullable),
 *   logp float (nullable), value float (nullable), values list<float>
 *   (nullable), state string (nullable)
 *
 * sorted by (episode_id, seat, step), in shards of `shardEpisodes` complete
 * episodes: `shard-00000.parquet` (Snappy; any Parquet reader) or
 * `shard-00000.jsonl.gz` (one JSON object per line), beside `manifest.json`
 * (schema, counts, resolved config, seeds, per-shard sizes and SHA-256).
 * Reading them needs no custom code; name the shards by glob, since
 * manifest.json sits beside them (a whole-folder Parquet read would try it):
 *
 *   polars.read_parquet('data/ttt-selfplay/shard-*.parquet')
 *   duckdb.sql("SELECT * FROM 'data/ttt-selfplay/shard-*.parquet'")
 *   pyarrow.dataset.dataset(glob.glob('data/ttt-selfplay/shard-*.parquet')).to_table()
 *   pandas.read_json('data/ttt-selfplay/shard-00000.jsonl.gz', lines=True)
 *
 * and in JS `readShard` in shards.ts (hyparquet / zlib).
 *
 * Episode ids are fixed by position: shard k holds ids k*shardEpisodes ...,
 * and session j of n plays the shard's episodes j, j+n, ... On the embedded
 * server each shard gets a fresh server seeded by the shard, fresh sessions
 * and fresh bots, so a shard plays the same whenever it is played: with bots
 * (and learners whose `act` is deterministic) a resumed collection is byte
 * for byte the uninterrupted one. Sessions on host:port servers live across
 * shards and are not reproducible from the seed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeSelfPlayEnvs, type StepInfo, type WrappedGameEnv } from '../../src/env/env.ts';
import { embeddedGames } from '../../src/games/registry.ts';
import { GameGymError, InvalidOptionError } from '../../src/core/errors.ts';
import { startChildServer } from '../../src/server/child.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { ProgressBar, compact, configLines } from '../../src/core/progress.ts';
import { COLLECT_DEFAULTS, DATA_KEYS, configDifferences, resolveCollectConfig, splitList, type CollectConfig } from './config.ts';
import { PolicyError, PolicySet, policyIdentity, policyIds, resolvePolicy, type Decider, type ResolvedPolicy } from './policies.ts';
import {
  COLUMNS,
  encodeShard,
  lockFolder,
  readManifest,
  removeIncomplete,
  sha256,
  shardFileName,
  verifyShards,
  writeFileDurable,
  writeManifest,
  type Manifest,
  type ShardEntry,
  type StepRow,
} from './shards.ts';
import { sleep } from '../../src/core/sleep.ts';

export { COLLECT_DEFAULTS, resolveCollectConfig, type CollectConfig } from './config.ts';

export { PolicyError };

/** Hooks of `collect`. */
export interface CollectHooks {
  /** Lines for the console (resolved config, resume notes, summary). Default: console.log. */
  log?: (line: string) => void;
  /** Show a progress bar on stderr. Default true. */
  progress?: boolean;
  /** Stops after the episodes being played; the incomplete shard is not written (a resume plays it again). */
  signal?: AbortSignal;
  /** Continue the collection in `out` (its config must match). Without it, an `out` that holds a manifest is refused. */
  resume?: boolean;
  /** Who plays the shards: default, this process (`localShardRunner`); see agents/distributed for actor processes and Redis jobs. */
  runner?: (config: CollectConfig, resolved: ResolvedPolicy[], log: (line: string) => void) => Promise<ShardRunner>;
}

/** Where the shards still missing get played. */
export interface ShardRunnerHooks {
  /** Called as episodes are played, with the episodes and steps since the last call. */
  onPlayed: (episodes: number, steps: number) => void;
  /** Called once per shard written into `out` (in any order); the collection lists it in the manifest. */
  onShard: (entry: ShardEntry) => Promise<void>;
  signal?: AbortSignal;
}

/** Plays shards and writes each into the collection's folder (see `ShardPlayer.play`). */
export interface ShardRunner {
  /** Plays shards `from` .. `to - 1`; resolves true when every one is written, false when `hooks.signal` stopped it first. */
  run(from: number, to: number, hooks: ShardRunnerHooks): Promise<boolean>;
  /** Mean observations per batched learner call (null without learners or when unknown). */
  meanBatch(): number | null;
  close(): Promise<void>;
}

/** What a collection run reports. */
export interface CollectResult {
  out: string;
  /** The whole collection, as the manifest counts it. */
  episodes: number;
  steps: number;
  shards: number;
  bytes: number;
  /** Every episode of the config is written. */
  complete: boolean;
  /** The shard this run started at (0 unless resumed). */
  startShard: number;
  /** This run: seconds of play and writing, what it wrote, and what it played (with an incomplete shard it did not write). */
  seconds: number;
  written: { episodes: number; steps: number; shards: number; bytes: number };
  played: { episodes: number; steps: number };
  stepsPerSecond: number;
  episodesPerSecond: number;
  /** Mean observations per batched learner call (null without learners). */
  meanBatch: number | null;
}

/** Pauses before playing a lost episode again (about 16 s in all, on top of the client's own connection retries). */
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];
/** Errors after which an episode is played again in a new session. */
const TRANSIENT = ['E_CONN_REFUSED', 'E_CONN_RESET', 'E_TIMEOUT', 'E_SESSION_LOST', 'E_PROTOCOL'];

const TOOL = 'game-server-gym collect';

/** Seeds of the collection, for the manifest: how every random choice derives from `seed`. */
function seedsOf(config: CollectConfig): Record<string, unknown> {
  return {
    seed: config.seed,
    embedded_server: `each shard k plays on a fresh in-process server seeded "${config.seed}/shard-<k>" (first players, dice), in sessions named "collect-s<k>-j<session>-<n>"`,
    bots: `the bot of seat p in shard k (shared by the shard's sessions) is seeded "${config.seed}/shard-<k>/<p>" (a bot checkpoint appends "/<its seed>")`,
    remote_servers: 'sessions on host:port servers keep their own seeds and live across shards: their games are not reproducible from this seed',
    episodes: "session j of a shard with n sessions plays the shard's episodes j, j+n, j+2n, ...; episode id = shard * shardEpisodes + index in shard",
  };
}

/**
 * Plays `episodes` games of `game` across parallel sessions (every seat of
 * each session played through its policy) and writes every step of every
 * seat into shards of `shardEpisodes` complete episodes (Parquet or JSONL.gz)
 * plus `manifest.json` (schema, counts, config, seeds, checksums). Crash-safe:
 * shards and manifest are written to temporary names, fsynced and renamed;
 * `hooks.resume` continues a killed run without duplicated or lost episodes.
 */
export async function collect(partial: Partial<CollectConfig>, hooks: CollectHooks = {}): Promise<CollectResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const config = await resolveCollectConfig(partial);
  for (const line of configLines('collect (in full: "config" of manifest.json)', config)) log(line);

  const bySpec = new Map<string, Promise<ResolvedPolicy>>();
  const resolved = await Promise.all(
    config.policies.map((spec) => {
      if (!bySpec.has(spec)) bySpec.set(spec, resolvePolicy(spec, config.game));
      return bySpec.get(spec) as Promise<ResolvedPolicy>;
    }),
  );
  const ids = policyIds(resolved);
  resolved.forEach((p, seat) => log(`seat ${seat}: ${ids[seat]}: ${p.dir ? `${p.kind} checkpoint ${p.dir} (sha256 ${p.fingerprint?.slice(0, 12)}...)` : `${p.bot} bot`}`));

  const totalShards = Math.ceil(config.episodes / config.shardEpisodes);
  await mkdir(config.out, { recursive: true });
  const unlock = await lockFolder(config.out);
  try {
    return await collectLocked(config, resolved, totalShards, log, hooks);
  } finally {
    await unlock();
  }
}

/** `collect` once the policies are resolved and the output folder is locked. */
async function collectLocked(config: CollectConfig, resolved: ResolvedPolicy[], totalShards: number, log: (line: string) => void, hooks: CollectHooks): Promise<CollectResult> {
  const out = config.out;
  const identities = resolved.map(policyIdentity);
  const ids = policyIds(resolved);
  let manifest = await readManifest(out);
  if (manifest && !hooks.resume) {
    throw new InvalidOptionError(
      `${out} already holds a collection (manifest.json, ${manifest.shards.length} shard(s), ${manifest.status}): pass --resume to continue it, or choose another --out`,
    );
  }
  if (manifest) {
    const savedIdentities = manifest.policies.map((p) => p.identity);
    const diffs = configDifferences(
      manifest.config,
      config as unknown as Record<string, unknown>,
      DATA_KEYS.filter((k) => k !== 'policies'),
    );
    if (JSON.stringify(manifest.schema) !== JSON.stringify(COLUMNS)) {
      diffs.push(
        `columns: the collection has ${(manifest.schema ?? []).map((c) => c.name).join(', ')} (manifest version ${manifest.manifest_version}), this version writes ${COLUMNS.map((c) => c.name).join(', ')}`,
      );
    }
    if (JSON.stringify(savedIdentities) !== JSON.stringify(identities)) {
      diffs.push(
        `policies: the collection has ${JSON.stringify(manifest.config.policies)} (${savedIdentities.join(', ')}), this run ${JSON.stringify(config.policies)} (${identities.join(', ')})`,
      );
    }
    if (diffs.length) {
      throw new InvalidOptionError(
        `Cannot resume ${out} with a different config:\n  - ${diffs.join('\n  - ')}\nRun with the collection's config (manifest.json "config") or choose another --out.`,
      );
    }
    await verifyShards(out, manifest);
    const removed = await removeIncomplete(out, manifest);
    const first = manifest.shards.length * config.shardEpisodes;
    log(
      `resuming ${out}: ${manifest.shards.length} of ${totalShards} shard(s) verified (sha256), continuing at episode ${first}${removed.length ? `; removed incomplete ${removed.join(', ')}` : ''}`,
    );
    const moved = configDifferences(manifest.config, config as unknown as Record<string, unknown>, ['servers', 'backend']);
    if (moved.length) log(`note: ${moved.join('; ')}`);
    manifest.config = { ...(config as unknown as Record<string, unknown>) };
  } else {
    if (hooks.resume) log(`nothing to resume in ${out} (no manifest.json): starting a new collection`);
    const now = new Date().toISOString();
    manifest = {
      manifest_version: 2,
      tool: TOOL,
      status: 'running',
      format: config.format,
      config: { ...(config as unknown as Record<string, unknown>) },
      policies: resolved.map((p, seat) => ({
        seat,
        id: ids[seat],
        spec: p.spec,
        kind: p.kind,
        bot: p.bot ?? null,
        dir: p.dir ?? null,
        fingerprint: p.fingerprint ?? null,
        identity: policyIdentity(p),
      })),
      seeds: seedsOf(config),
      schema: COLUMNS,
      counts: { episodes: 0, steps: 0, shards: 0, bytes: 0, episodes_target: config.episodes, shards_target: totalShards },
      shards: [],
      created: now,
      updated: now,
    };
    await removeIncomplete(out, manifest);
    await writeManifest(out, manifest);
  }
  const startShard = manifest.shards.length;

  let started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const written = { episodes: 0, steps: 0, shards: 0, bytes: 0 };
  const played = { episodes: 0, steps: 0 };
  let runner: ShardRunner | undefined;
  let stoppedEarly = false;

  if (manifest.status !== 'complete') {
    runner = await (hooks.runner ?? localShardRunner)(config, resolved, log);
    started = performance.now(); // rates count play and writing, not loading the policies
    const remaining = config.episodes - startShard * config.shardEpisodes;
    const bar = hooks.progress === false ? undefined : new ProgressBar(`collect ${config.game} episodes`, remaining);
    const fields = (): Record<string, string> => ({
      'steps/s': compact(played.steps / Math.max(seconds(), 1e-9)),
      shard: `${Math.min(manifest.shards.length + 1, totalShards)}/${totalShards}`,
    });
    // Shards may finish in any order (actors, jobs): the manifest lists the complete ones from 0 on, without gaps.
    const finished = new Map<number, ShardEntry>();
    let writing = Promise.resolve();
    const onShard = (entry: ShardEntry): Promise<void> => {
      writing = writing.then(async () => {
        const m = manifest as Manifest;
        finished.set(entry.index, entry);
        for (let next = finished.get(m.shards.length); next; next = finished.get(m.shards.length)) {
          m.shards.push(next);
          finished.delete(next.index);
        }
        if (m.shards.length === totalShards) m.status = 'complete';
        await writeManifest(out, m);
        written.episodes += entry.episodes;
        written.steps += entry.steps;
        written.shards++;
        written.bytes += entry.bytes;
      });
      return writing;
    };
    try {
      const done = await runner.run(startShard, totalShards, {
        onPlayed: (episodes, steps) => {
          played.episodes += episodes;
          played.steps += steps;
          bar?.update(played.episodes, fields());
        },
        onShard,
        signal: hooks.signal,
      });
      await writing;
      stoppedEarly = !done;
      bar?.finish(played.episodes, fields());
    } finally {
      await runner.close();
    }
  }

  const s = seconds();
  const counts = manifest.counts;
  const result: CollectResult = {
    out,
    episodes: counts.episodes,
    steps: counts.steps,
    shards: counts.shards,
    bytes: counts.bytes,
    complete: manifest.status === 'complete',
    startShard,
    seconds: Math.round(s * 100) / 100,
    written,
    played,
    stepsPerSecond: Math.round(played.steps / Math.max(s, 1e-9)),
    episodesPerSecond: Math.round(played.episodes / Math.max(s, 1e-9)),
    meanBatch: runner?.meanBatch() ?? null,
  };
  if (stoppedEarly) log(`stopped: shard ${manifest.shards.length} and later ones are not listed; continue with --resume`);
  if (startShard === totalShards) log(`${out} is already complete`);
  log(summaryLine(result));
  return result;
}

/** The end-of-run summary. */
export function summaryLine(r: CollectResult): string {
  const batch = r.meanBatch !== null ? `, mean learner batch ${r.meanBatch.toFixed(1)}` : '';
  const run = `this run: wrote ${r.written.episodes} episodes, ${r.written.steps} steps in ${r.written.shards} shard(s) (${formatBytes(r.written.bytes)}) in ${r.seconds} s; played ${r.stepsPerSecond} steps/s, ${r.episodesPerSecond} episodes/s${batch}`;
  const total = `collection ${r.out}: ${r.episodes} episodes, ${r.steps} steps, ${r.shards} shard(s), ${formatBytes(r.bytes)}, ${r.complete ? 'complete' : 'incomplete'}`;
  return `${run}\n${total}`;
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/**
 * Plays whole shards in this process: the policies (loaded once) and one
 * `SessionWorker` per session. What actor processes and queue workers run too.
 */
export class ShardPlayer {
  readonly config: CollectConfig;
  private readonly policies: PolicySet;
  private readonly workers: SessionWorker[];

  private constructor(config: CollectConfig, policies: PolicySet) {
    this.config = config;
    this.policies = policies;
    const nonce = randomBytes(4).toString('hex');
    this.workers = Array.from({ length: config.sessions }, (_, j) => new SessionWorker(config, j, config.servers[j % config.servers.length] as string, nonce));
  }

  /** Loads the policies of a resolved config. */
  static async open(config: CollectConfig, resolved: ResolvedPolicy[], log?: (line: string) => void): Promise<ShardPlayer> {
    return new ShardPlayer(config, await PolicySet.load(resolved, { sample: config.sample, backend: config.backend, log }));
  }

  /**
   * Plays shard `shard` and writes it into `config.out` (temporary file,
   * fsync, rename: playing a shard twice leaves one whole file with the same
   * episode ids). Resolves with its manifest entry, or null when `signal`
   * stopped it first (nothing written).
   */
  async play(shard: number, signal: AbortSignal | undefined, onEpisode: (steps: number) => void): Promise<ShardEntry | null> {
    const config = this.config;
    const count = Math.min(config.shardEpisodes, config.episodes - shard * config.shardEpisodes);
    const episodes = await playShard(config, this.policies, this.workers, shard, count, signal, onEpisode);
    if (!episodes) return null;
    const rows = episodes.flat();
    const firstId = shard * config.shardEpisodes;
    const file = shardFileName(shard, config.format);
    const data = encodeShard(config.format, rows, {
      'game_gym.game': config.game,
      'game_gym.shard': String(shard),
      'game_gym.first_episode_id': String(firstId),
      'game_gym.episodes': String(count),
    });
    await writeFileDurable(path.join(config.out, file), data);
    return {
      index: shard,
      file,
      first_episode_id: firstId,
      episodes: count,
      steps: rows.length,
      bytes: data.byteLength,
      sha256: sha256(data),
      seed: `${config.seed}/shard-${shard}`,
    };
  }

  meanBatch(): number | null {
    return this.policies.meanBatch();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    this.policies.dispose();
  }
}

/** The default runner: plays the shards one after another in this process. */
export async function localShardRunner(config: CollectConfig, resolved: ResolvedPolicy[], log: (line: string) => void): Promise<ShardRunner> {
  const player = await ShardPlayer.open(config, resolved, log);
  return {
    async run(from, to, hooks) {
      for (let shard = from; shard < to; shard++) {
        const entry = await player.play(shard, hooks.signal, (steps) => hooks.onPlayed(1, steps));
        if (!entry) return false;
        await hooks.onShard(entry);
      }
      return true;
    },
    meanBatch: () => player.meanBatch(),
    close: () => player.close(),
  };
}

/**
 * Plays the `count` episodes of shard `shard` across the sessions: session j
 * plays the shard's episodes j, j+n, j+2n, ... Resolves with each episode's
 * rows (by episode index), or null when `signal` stopped it first.
 */
async function playShard(
  config: CollectConfig,
  policies: PolicySet,
  workers: SessionWorker[],
  shard: number,
  count: number,
  signal: AbortSignal | undefined,
  onEpisode: (rows: number) => void,
): Promise<StepRow[][] | null> {
  const n = Math.min(workers.length, count);
  const episodes = new Array<StepRow[]>(count);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) stop.abort();
  const embedded = workers.slice(0, n).some((w) => !w.remote);
  // A fresh in-process server per shard, seeded by the shard: what a shard plays does not depend on earlier shards.
  const framework = embedded
    ? new GameFramework({ seed: `${config.seed}/shard-${shard}`, games: embeddedGames(), maxSessions: 4 * n + 64, maxWaiting: 4 * n * (config.players ?? 2) + 64 })
    : undefined;
  const firstId = shard * config.shardEpisodes;
  const deciders = policies.shardDeciders(`${config.seed}/shard-${shard}`);
  const ids = policies.ids;
  let failure: unknown;
  try {
    const runs = workers.slice(0, n).map(async (worker, j) => {
      try {
        const locals: number[] = [];
        for (let local = j; local < count; local += n) locals.push(local);
        await worker.play(shard, locals, firstId, deciders, ids, framework, stop.signal, (local, rows) => {
          episodes[local] = rows;
          onEpisode(rows.length);
        });
      } catch (error) {
        // One session failed: stop the others (closing their envs ends what they wait for).
        failure ??= error;
        stop.abort();
        await Promise.all(workers.map((w) => w.close()));
      }
    });
    await Promise.all(runs);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const w of workers) if (!w.remote) await w.close();
    framework?.close();
  }
  if (failure !== undefined) throw failure;
  if (stop.signal.aborted) return null;
  return episodes;
}

/** One seat's part of an episode. */
interface SeatResult {
  seat: number;
  rows: StepRow[];
  /** Why the episode was cut short, when the session was lost or the game got stuck. */
  error?: { code: string; message: string };
}

/**
 * One session: an env for every seat (self-play style), each acting through
 * the policy of its player id. Sessions on the embedded server are made anew
 * for every shard; sessions on host:port servers live across shards.
 */
class SessionWorker {
  readonly remote: boolean;
  private envs: Array<WrappedGameEnv<Float32Array, number>> | null = null;
  private opened = 0;
  private readonly config: CollectConfig;
  private readonly index: number;
  private readonly server: string;
  private readonly nonce: string;

  constructor(config: CollectConfig, index: number, server: string, nonce: string) {
    this.config = config;
    this.index = index;
    this.server = server;
    this.nonce = nonce;
    this.remote = server !== 'embedded';
  }

  async play(
    shard: number,
    locals: number[],
    firstId: number,
    deciders: Decider[],
    ids: string[],
    framework: GameFramework | undefined,
    signal: AbortSignal,
    onEpisode: (local: number, rows: StepRow[]) => void,
  ): Promise<void> {
    // Embedded sessions are new in every shard, named by shard, session and attempt: a resumed shard plays the same.
    if (!this.remote) this.opened = 0;
    for (const local of locals) {
      // In process, whole games resolve as microtasks: yield to the event loop between episodes, so that
      // timers, signals (Ctrl-C) and output get their turn.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal.aborted) return;
      for (let attempt = 0; ; attempt++) {
        let lost: { code: string; message: string } | undefined;
        try {
          if (!this.envs) this.open(shard, framework);
          const seats = await this.playEpisode(firstId + local, deciders, ids);
          if (signal.aborted) return;
          lost = seats.find((s) => s.error && s.error.code !== 'E_GAME_STUCK')?.error;
          if (!lost) {
            onEpisode(
              local,
              seats.flatMap((s) => s.rows),
            );
            break;
          }
        } catch (error) {
          if (signal.aborted) return;
          if (!(error instanceof GameGymError && TRANSIENT.includes(error.code))) throw error;
          lost = { code: error.code, message: error.message };
        }
        // The session was lost (the server restarted or is restarting, a connection reset, a timeout):
        // play the episode again in a new session, after a pause that doubles each time.
        await this.close();
        if (attempt >= RETRY_DELAYS_MS.length) {
          throw new GameGymError(
            lost.code,
            `Session ${this.index} (${this.server}) lost its game ${attempt + 1} times in a row at episode ${firstId + local}: ${lost.message}. Continue with --resume once the server is back.`,
          );
        }
        await sleep(RETRY_DELAYS_MS[attempt] as number, signal);
        if (signal.aborted) return;
      }
    }
  }

  private open(shard: number, framework: GameFramework | undefined): void {
    const name = this.remote ? `collect-${this.nonce}-j${this.index}-${this.opened}` : `collect-s${shard}-j${this.index}-${this.opened}`;
    this.opened++;
    this.envs = makeSelfPlayEnvs<Float32Array, number>(this.config.game, {
      server: this.remote ? this.server : (framework as GameFramework),
      players: this.config.players as number,
      session: name,
      seed: this.config.seed,
      illegalAction: 'raise',
      record: this.config.record ?? undefined,
    });
  }

  /** Plays one episode in every seat at once; an exception closes the session (so no seat waits forever) and propagates. */
  private async playEpisode(episodeId: number, deciders: Decider[], ids: string[]): Promise<SeatResult[]> {
    const envs = this.envs as Array<WrappedGameEnv<Float32Array, number>>;
    // Turns are taken one at a time: numbering the moves as the seats make them gives each its ply.
    const plies = { next: 0 };
    let firstError: { error: unknown } | undefined;
    const settled = await Promise.allSettled(
      envs.map((env) =>
        this.playSeat(env, episodeId, deciders, ids, plies).catch(async (error: unknown) => {
          // The first error is the cause; closing the session makes the other seats fail too.
          firstError ??= { error };
          await this.close();
          throw error;
        }),
      ),
    );
    if (firstError) throw firstError.error;
    const seats = settled.map((s) => (s as PromiseFulfilledResult<SeatResult>).value).sort((a, b) => a.seat - b.seat);
    if (new Set(seats.map((s) => s.seat)).size !== seats.length) throw new PolicyError(`Session ${this.index}: two seats got the same player id`);
    return seats;
  }

  private async playSeat(env: WrappedGameEnv<Float32Array, number>, episodeId: number, deciders: Decider[], ids: string[], plies: { next: number }): Promise<SeatResult> {
    const first = await env.reset();
    let observation = first.observation;
    let info: StepInfo = first.info;
    const seat = info.playerId;
    const decider = deciders[seat];
    if (!decider) throw new PolicyError(`Session ${this.index}: player id ${seat} has no policy (${deciders.length} seats)`);
    const rows: StepRow[] = [];
    // A seat whose game ended before its first turn has no step.
    if (!info.actionMask.includes(1) || info.state?.gameover) return { seat, rows };
    for (let step = 0; ; step++) {
      if (!(observation instanceof Float32Array)) {
        throw new InvalidOptionError(`${this.config.game}'s observations are not flat Float32Arrays: collect needs a game with a numeric observation`);
      }
      const mask = info.actionMask;
      const { action, probs, logp, value, values } = await decider.decide(observation, mask);
      if (!(Number.isInteger(action) && action >= 0 && action < mask.length && mask[action] === 1)) {
        throw new PolicyError(
          `Policy ${decider.name} (seat ${seat}) chose action ${JSON.stringify(action)}, which its mask does not allow (legal: ${[...mask.keys()].filter((i) => mask[i]).join(', ')})`,
        );
      }
      const ply = plies.next++;
      const r = await env.step(action);
      rows.push({
        episode_id: episodeId,
        seat,
        policy: ids[seat] as string,
        ply,
        step,
        observation,
        action,
        mask: Array.from(mask, (m) => m === 1),
        reward: r.reward,
        terminated: r.terminated,
        truncated: r.truncated,
        probs,
        logp,
        value,
        values,
        state: this.config.rawState ? JSON.stringify(info.state) : null,
      });
      if (r.terminated || r.truncated) return r.info.error ? { seat, rows, error: r.info.error } : { seat, rows };
      observation = r.observation;
      info = r.info;
    }
  }

  async close(): Promise<void> {
    const envs = this.envs;
    this.envs = null;
    if (envs) await Promise.all(envs.map((e) => e.close()));
  }
}

/** Options of `measureCollection`. */
export interface CollectionBenchOptions {
  sessions: number;
  seconds: number;
  /** `embedded` (in process, default), `child` (the embedded server in a child process, over TCP) or host:port[,host:port...]. */
  server?: string;
  game?: string;
  /** Default: random in every seat. */
  policies?: string[];
  format?: CollectConfig['format'];
  /** Episodes per shard (default 1000, so that writing is part of the measurement). */
  shardEpisodes?: number;
  seed?: number;
  /** Who plays the shards (default: this process; see `CollectHooks.runner`). */
  runner?: CollectHooks['runner'];
}

/** What `measureCollection` measured. */
export interface CollectionBenchRow {
  game: string;
  server: string;
  sessions: number;
  format: string;
  seconds: number;
  episodes: number;
  steps: number;
  stepsPerSecond: number;
  episodesPerSecond: number;
  /** Bytes written per step (over the shards completed). */
  bytesPerStep: number | null;
}

/**
 * Collection throughput: runs `collect` into a temporary folder for
 * `seconds` (play, encoding and durable writes of shards) and reports steps
 * (rows) and episodes per second. For the bench.
 */
export async function measureCollection(options: CollectionBenchOptions): Promise<CollectionBenchRow> {
  const server = options.server ?? 'embedded';
  const seed = options.seed ?? 1;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-collect-bench-'));
  const child = server === 'child' ? await startChildServer({ seed, maxConnections: 65_536 }) : undefined;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // The clock starts once the runner is ready: loading policies and starting actor processes is not play.
  const runner: CollectHooks['runner'] = async (c, r, l) => {
    const ready = await (options.runner ?? localShardRunner)(c, r, l);
    timer = setTimeout(() => controller.abort(), options.seconds * 1000);
    return ready;
  };
  try {
    const r = await collect(
      {
        game: options.game ?? COLLECT_DEFAULTS.game,
        policies: options.policies ?? ['random'],
        sessions: options.sessions,
        episodes: 2 ** 31 - 1,
        shardEpisodes: options.shardEpisodes ?? 1000,
        servers: child ? [`${child.host}:${child.port}`] : splitList(server),
        format: options.format ?? 'parquet',
        out: dir,
        seed,
      },
      { log: () => {}, progress: false, signal: controller.signal, runner },
    );
    return {
      game: options.game ?? COLLECT_DEFAULTS.game,
      server,
      sessions: options.sessions,
      format: options.format ?? 'parquet',
      seconds: r.seconds,
      episodes: r.played.episodes,
      steps: r.played.steps,
      stepsPerSecond: r.stepsPerSecond,
      episodesPerSecond: r.episodesPerSecond,
      bytesPerStep: r.written.steps ? Math.round((100 * r.written.bytes) / r.written.steps) / 100 : null,
    };
  } finally {
    clearTimeout(timer);
    await child?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
