import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { InvalidOptionError } from '../../src/core/errors.ts';
import type { CollectFormat } from './config.ts';

/** One step of one seat: a row of a shard. */
export interface StepRow {
  episode_id: number;
  /** The seat's player id (the index of its policy in `--policies`). */
  seat: number;
  /** Id of the policy that chose the action (a bot's name, or a checkpoint's run and folder, e.g. `my-run/best`). */
  policy: string;
  /** Index of this move among all moves of the episode (every seat), from 0. */
  ply: number;
  /** The seat's own step index in the episode, from 0. */
  step: number;
  /** What the seat saw before acting. */
  observation: Float32Array | number[];
  action: number;
  /** True for each legal action when the seat acted. */
  mask: boolean[];
  /** What the seat got for this action (by the time it could act again, or the game ended). */
  reward: number;
  terminated: boolean;
  truncated: boolean;
  /** The policy's action probabilities, if it exposes them. */
  probs: number[] | null;
  /** Log-probability of the action taken under the policy, if it exposes it or its probabilities. */
  logp: number | null;
  /** The policy's value estimate of the observation, if it exposes one. */
  value: number | null;
  /** The policy's value of every action, if it exposes them (the optimal Yahtzee bot); 0 for illegal ones. */
  values: number[] | null;
  /** The raw server state the seat saw (JSON), with `--raw-state`. */
  state: string | null;
}

/** A column of the shards, as the manifest describes it. */
export interface ColumnInfo {
  name: keyof StepRow;
  /** Arrow-style type name. */
  type: string;
  /** The Parquet physical/logical type. */
  parquet: string;
  nullable: boolean;
  description: string;
}

/** The columns of every shard, in order (JSONL objects have the same keys). */
export const COLUMNS: ColumnInfo[] = [
  {
    name: 'episode_id',
    type: 'int32',
    parquet: 'INT32',
    nullable: false,
    description: "Episode id: shard index * shardEpisodes + the episode's index in its shard (the same ids after a resume)",
  },
  { name: 'seat', type: 'int32', parquet: 'INT32', nullable: false, description: 'Player id of the seat (index of its policy in config.policies)' },
  {
    name: 'policy',
    type: 'string',
    parquet: 'BYTE_ARRAY (UTF8)',
    nullable: false,
    description:
      'Id of the policy that chose the action: a bot\'s name (random, minimax, optimal, ...) or a checkpoint\'s run folder and folder (e.g. my-run/best); manifest.json "policies" maps ids to seats and checkpoints',
  },
  { name: 'ply', type: 'int32', parquet: 'INT32', nullable: false, description: 'Index of this move among all moves of the episode (every seat), from 0' },
  { name: 'step', type: 'int32', parquet: 'INT32', nullable: false, description: "The seat's own step index in the episode, from 0" },
  { name: 'observation', type: 'list<float>', parquet: 'LIST<FLOAT>', nullable: false, description: 'Flat observation the seat acted on' },
  { name: 'action', type: 'int32', parquet: 'INT32', nullable: false, description: 'Action taken' },
  { name: 'mask', type: 'list<bool>', parquet: 'LIST<BOOLEAN>', nullable: false, description: 'True for each legal action when the seat acted' },
  { name: 'reward', type: 'float', parquet: 'FLOAT', nullable: false, description: 'Reward of the seat for this step' },
  { name: 'terminated', type: 'bool', parquet: 'BOOLEAN', nullable: false, description: 'The game ended with this step' },
  { name: 'truncated', type: 'bool', parquet: 'BOOLEAN', nullable: false, description: 'The episode was cut short with this step (the game could not go on)' },
  {
    name: 'probs',
    type: 'list<float>',
    parquet: 'LIST<FLOAT>',
    nullable: true,
    description: "The policy's action probabilities (0 for illegal actions), null when the policy exposes none (DQN: softmax of Q at its probsTemperature; PPO: its policy)",
  },
  {
    name: 'logp',
    type: 'float',
    parquet: 'FLOAT',
    nullable: true,
    description: "Natural log of the probability of the action taken (the policy's own, else log(probs[action])), null without probs",
  },
  {
    name: 'value',
    type: 'float',
    parquet: 'FLOAT',
    nullable: true,
    description: "The policy's value estimate of the observation (PPO: its critic; DQN: expected Q under its probs; optimal bot: values[action]), null when the policy gives none",
  },
  {
    name: 'values',
    type: 'list<float>',
    parquet: 'LIST<FLOAT>',
    nullable: true,
    description:
      'Per action, its value to the policy, null when the policy exposes none; the optimal Yahtzee bot gives the expected points the seat still gains from this action to the end of its game under optimal play (0 for illegal actions: see mask)',
  },
  { name: 'state', type: 'string', parquet: 'BYTE_ARRAY (UTF8)', nullable: true, description: 'Raw server state (JSON) the seat acted on; null unless collected with --raw-state' },
];

/** A Parquet schema element, as the writer types it (it bundles its own hyparquet version). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

const list = (name: string, element: 'FLOAT' | 'BOOLEAN', nullable: boolean): SchemaElement[] => [
  { name, repetition_type: nullable ? 'OPTIONAL' : 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: element, repetition_type: 'REQUIRED' },
];

/** The Parquet schema of the shards: flat columns, standard 3-level lists. */
export const PARQUET_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: COLUMNS.length },
  { name: 'episode_id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'seat', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'policy', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'ply', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'step', type: 'INT32', repetition_type: 'REQUIRED' },
  ...list('observation', 'FLOAT', false),
  { name: 'action', type: 'INT32', repetition_type: 'REQUIRED' },
  ...list('mask', 'BOOLEAN', false),
  { name: 'reward', type: 'FLOAT', repetition_type: 'REQUIRED' },
  { name: 'terminated', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
  { name: 'truncated', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
  ...list('probs', 'FLOAT', true),
  { name: 'logp', type: 'FLOAT', repetition_type: 'OPTIONAL' },
  { name: 'value', type: 'FLOAT', repetition_type: 'OPTIONAL' },
  ...list('values', 'FLOAT', true),
  { name: 'state', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
];

/**
 * Encodes rows as one Parquet file (Snappy, one row group per 100,000 rows,
 * min/max statistics on the scalar columns). No timestamps: the same rows
 * give the same bytes.
 */
export function encodeParquet(rows: StepRow[], metadata: Record<string, string> = {}): Uint8Array {
  const column = <T>(f: (r: StepRow) => T): T[] => rows.map(f);
  const buffer = parquetWriteBuffer({
    schema: PARQUET_SCHEMA,
    columnData: [
      { name: 'episode_id', data: column((r) => r.episode_id) },
      { name: 'seat', data: column((r) => r.seat) },
      { name: 'policy', data: column((r) => r.policy) },
      { name: 'ply', data: column((r) => r.ply) },
      { name: 'step', data: column((r) => r.step) },
      { name: 'observation', data: column((r) => Array.from(r.observation)), statistics: false },
      { name: 'action', data: column((r) => r.action) },
      { name: 'mask', data: column((r) => r.mask), statistics: false },
      { name: 'reward', data: column((r) => r.reward) },
      { name: 'terminated', data: column((r) => r.terminated) },
      { name: 'truncated', data: column((r) => r.truncated) },
      { name: 'probs', data: column((r) => r.probs), statistics: false },
      { name: 'logp', data: column((r) => r.logp) },
      { name: 'value', data: column((r) => r.value) },
      { name: 'values', data: column((r) => r.values), statistics: false },
      { name: 'state', data: column((r) => r.state) },
    ],
    rowGroupSize: 100_000,
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    createdBy: 'game-server-gym collect',
  });
  return new Uint8Array(buffer);
}

/** One row as the plain JSON object of a JSONL line (same keys as the Parquet columns). */
export function rowToJson(r: StepRow): Record<string, unknown> {
  return {
    episode_id: r.episode_id,
    seat: r.seat,
    policy: r.policy,
    ply: r.ply,
    step: r.step,
    observation: Array.from(r.observation),
    action: r.action,
    mask: r.mask,
    reward: r.reward,
    terminated: r.terminated,
    truncated: r.truncated,
    probs: r.probs,
    logp: r.logp,
    value: r.value,
    values: r.values,
    state: r.state,
  };
}

/** Encodes rows as gzipped JSON lines (one object per step). Deterministic: gzip headers carry no time. */
export function encodeJsonlGz(rows: StepRow[]): Uint8Array {
  const text = rows.map((r) => JSON.stringify(rowToJson(r))).join('\n');
  return gzipSync(rows.length ? `${text}\n` : '');
}

/** Encodes a shard in a format. */
export function encodeShard(format: CollectFormat, rows: StepRow[], metadata: Record<string, string> = {}): Uint8Array {
  return format === 'parquet' ? encodeParquet(rows, metadata) : encodeJsonlGz(rows);
}

/** A shard row read back: plain arrays, plain numbers. */
export type ReadRow = Omit<StepRow, 'observation'> & { observation: number[] };

/** Reads a shard (either format) back into rows. */
export async function readShard(file: string): Promise<ReadRow[]> {
  const data = await readFile(file);
  if (file.endsWith('.jsonl.gz')) {
    return gunzipSync(data)
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ReadRow);
  }
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file: buffer })) as ReadRow[];
}

/** File name of shard `index`. */
export function shardFileName(index: number, format: CollectFormat): string {
  return `shard-${String(index).padStart(5, '0')}.${format}`;
}

const SHARD_FILE = /^shard-(\d+)\.(parquet|jsonl\.gz)$/;
const TEMP_FILE = /^(manifest\.json|shard-\d+\.(parquet|jsonl\.gz))\.tmp$/;

/** SHA-256 of bytes, hex. */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, hex (streamed). */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Writes a file so that a crash leaves either the old file or the complete
 * new one: to `<file>.tmp`, fsync, rename over `file`, fsync the folder.
 */
export async function writeFileDurable(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await syncFolder(path.dirname(file));
}

/** fsyncs a folder, so a rename in it survives a power loss (a no-op where folders cannot be opened, e.g. Windows). */
async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported on this platform: the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

/** One complete shard, as listed in the manifest. */
export interface ShardEntry {
  index: number;
  file: string;
  /** Episode ids first_episode_id .. first_episode_id + episodes - 1. */
  first_episode_id: number;
  episodes: number;
  /** Rows (steps of all seats). */
  steps: number;
  bytes: number;
  sha256: string;
  /** Seed of the shard's embedded server and bots (see manifest.seeds). */
  seed: string;
}

/** `manifest.json` of a collection. */
export interface Manifest {
  manifest_version: 2;
  tool: string;
  /** 'running' until the last shard is written, then 'complete'. */
  status: 'running' | 'complete';
  format: CollectFormat;
  /** The resolved config (what a resume must match, see DATA_KEYS). */
  config: Record<string, unknown>;
  /** Each seat's policy: spec as given, kind, checkpoint folder and content hash. */
  policies: Array<Record<string, unknown>>;
  seeds: Record<string, unknown>;
  schema: ColumnInfo[];
  counts: { episodes: number; steps: number; shards: number; bytes: number; episodes_target: number; shards_target: number };
  shards: ShardEntry[];
  created: string;
  updated: string;
}

/** Reads `<dir>/manifest.json` (null when there is none). */
export async function readManifest(dir: string): Promise<Manifest | null> {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Manifest;
  } catch (error) {
    throw new InvalidOptionError(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Recomputes the manifest's counts from its shards and writes it durably (temp file, fsync, rename). */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  manifest.counts = {
    ...manifest.counts,
    episodes: manifest.shards.reduce((a, s) => a + s.episodes, 0),
    steps: manifest.shards.reduce((a, s) => a + s.steps, 0),
    shards: manifest.shards.length,
    bytes: manifest.shards.reduce((a, s) => a + s.bytes, 0),
  };
  manifest.updated = new Date().toISOString();
  await writeFileDurable(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Checks every shard the manifest lists: present, of its size and checksum. Throws InvalidOptionError naming the first bad one. */
export async function verifyShards(dir: string, manifest: Manifest): Promise<void> {
  for (const [k, s] of manifest.shards.entries()) {
    if (s.index !== k) throw new InvalidOptionError(`${path.join(dir, 'manifest.json')}: shard ${k} is listed with index ${s.index}`);
    const file = path.join(dir, s.file);
    if (!existsSync(file)) throw new InvalidOptionError(`Shard ${file} is listed in the manifest but missing`);
    const size = (await stat(file)).size;
    const sum = await sha256File(file);
    if (size !== s.bytes || sum !== s.sha256) {
      throw new InvalidOptionError(
        `Shard ${file} does not match the manifest (${size} bytes, sha256 ${sum}; expected ${s.bytes} bytes, sha256 ${s.sha256}): the file was changed or damaged. Restore it, or delete it and every later shard and their entries in manifest.json to collect them again.`,
      );
    }
  }
}

/**
 * Removes what a killed run can leave behind: temporary files, and shard
 * files the manifest does not list (written, but killed before the manifest
 * named them; their episodes are collected again). Returns the removed names.
 */
export async function removeIncomplete(dir: string, manifest: Manifest): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const listed = new Set(manifest.shards.map((s) => s.file));
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (TEMP_FILE.test(name) || (SHARD_FILE.test(name) && !listed.has(name))) {
      await rm(path.join(dir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Takes `<dir>/.lock` for this process: refuses when another live process
 * holds it (two runs writing one collection would corrupt it); a lock left by
 * a killed process is taken over. Returns the release function.
 */
export async function lockFolder(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, '.lock');
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new InvalidOptionError(`${dir} is being written by another collect process (pid ${pid}, ${file}); wait for it or stop it first`);
      }
      await rm(file, { force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
