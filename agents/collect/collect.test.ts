import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Learner } from '../agent.ts';
import { initBackend } from '../tf/backend.ts';
import { createLearner } from '../training/registry.ts';
import { collect, measureCollection, type CollectConfig } from './collect.ts';
import { learnerDecider, policyIds, type ResolvedPolicy } from './policies.ts';
import { COLUMNS, readManifest, readShard, sha256File, type Manifest, type ReadRow } from './shards.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gsg-collect-test-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const quiet = { log: () => {}, progress: false };
const small = (out: string, extra: Partial<CollectConfig> = {}): Partial<CollectConfig> => ({
  game: 'TicTacToe',
  episodes: 300,
  shardEpisodes: 100,
  sessions: 8,
  out,
  ...extra,
});

/** Reads every shard of a collection, checking each against the manifest (size, sha256, rows, episode id range). */
async function readCollection(dir: string): Promise<{ manifest: Manifest; rows: ReadRow[] }> {
  const manifest = (await readManifest(dir)) as Manifest;
  expect(manifest).not.toBeNull();
  const rows: ReadRow[] = [];
  for (const s of manifest.shards) {
    const file = path.join(dir, s.file);
    expect((await stat(file)).size).toBe(s.bytes);
    expect(await sha256File(file)).toBe(s.sha256);
    const shardRows = await readShard(file);
    expect(shardRows.length).toBe(s.steps);
    const ids = new Set(shardRows.map((r) => r.episode_id));
    expect(ids.size).toBe(s.episodes);
    for (const id of ids) expect(id >= s.first_episode_id && id < s.first_episode_id + s.episodes).toBe(true);
    rows.push(...shardRows);
  }
  expect(manifest.counts.steps).toBe(rows.length);
  expect(manifest.counts.episodes).toBe(new Set(rows.map((r) => r.episode_id)).size);
  expect(manifest.counts.shards).toBe(manifest.shards.length);
  return { manifest, rows };
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** TicTacToe episodes as the data should hold them; returns each episode's final rewards by seat. */
function checkTicTacToeEpisodes(rows: ReadRow[], episodes: number, bots?: string[]): Map<number, number[]> {
  const finals = new Map<number, number[]>();
  // Rows of an episode are contiguous, ordered by seat then step.
  const seen = new Set<number>();
  let current = -1;
  for (const r of rows) {
    if (r.episode_id !== current) {
      expect(seen.has(r.episode_id), `episode ${r.episode_id} is split`).toBe(false);
      seen.add(r.episode_id);
      current = r.episode_id;
    }
  }
  expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: episodes }, (_, i) => i));
  const byEpisode = groupBy(rows, (r) => r.episode_id);
  for (const [id, eps] of byEpisode) {
    const seats = groupBy(eps, (r) => r.seat);
    expect([...seats.keys()].sort()).toEqual([0, 1]);
    const rewards: number[] = [];
    for (const [seat, steps] of [...seats].sort((a, b) => a[0] - b[0])) {
      expect(
        steps.map((r) => r.step),
        `episode ${id} seat ${seat}`,
      ).toEqual(steps.map((_, i) => i));
      expect(steps.filter((r) => r.terminated).length).toBe(1);
      expect(steps[steps.length - 1]?.terminated).toBe(true);
      expect(steps.some((r) => r.truncated)).toBe(false);
      for (const r of steps) {
        expect(r.observation.length).toBe(27);
        expect(r.mask.length).toBe(9);
        expect(Number.isInteger(r.action) && r.mask[r.action] === true, `episode ${id} seat ${seat} step ${r.step}: illegal action`).toBe(true);
        // The observation agrees with the mask: legal cells are the empty plane.
        expect(r.observation.slice(18)).toEqual(r.mask.map(Number));
        if (!r.terminated) expect(r.reward).toBe(0);
        if (bots) expect(r).toMatchObject({ probs: null, logp: null, value: null, values: null });
        if (bots) expect(r.policy).toBe(bots[seat]);
      }
      rewards[seat] = steps[steps.length - 1]?.reward as number;
    }
    // Plies number the moves of both seats 0, 1, 2, ... in turn: the seats alternate.
    const byPly = [...eps].sort((a, b) => a.ply - b.ply);
    expect(byPly.map((r) => r.ply)).toEqual(eps.map((_, i) => i));
    byPly.forEach((r, i) => i > 0 && expect(r.seat).not.toBe(byPly[i - 1]?.seat));
    const moves = (seats.get(0)?.length ?? 0) + (seats.get(1)?.length ?? 0);
    expect(moves >= 5 && moves <= 9).toBe(true);
    expect(Math.abs((seats.get(0)?.length ?? 0) - (seats.get(1)?.length ?? 0))).toBeLessThanOrEqual(1);
    expect((rewards[0] as number) + (rewards[1] as number)).toBe(0);
    finals.set(id, rewards);
  }
  return finals;
}

// Collections of a few hundred games take a second or two, more on a busy machine.
vi.setConfig({ testTimeout: 20_000 });

describe('collect', () => {
  it('random vs random: manifest, Parquet shards read back, well-formed episodes', async () => {
    const out = path.join(root, 'rr');
    const result = await collect(small(out, { policies: ['random', 'random'] }), quiet);
    expect(result).toMatchObject({ complete: true, episodes: 300, shards: 3 });
    const { manifest, rows } = await readCollection(out);
    expect(manifest.status).toBe('complete');
    expect(manifest.counts).toMatchObject({ episodes: 300, shards: 3, episodes_target: 300, shards_target: 3, steps: rows.length, bytes: result.bytes });
    expect(manifest.shards.map((s) => s.file)).toEqual(['shard-00000.parquet', 'shard-00001.parquet', 'shard-00002.parquet']);
    expect(manifest.schema.map((c) => c.name)).toEqual(COLUMNS.map((c) => c.name));
    expect(manifest.config).toMatchObject({ game: 'TicTacToe', policies: ['random', 'random'], players: 2, sessions: 8, seed: 1 });
    expect(manifest.seeds.seed).toBe(1);
    expect(Object.keys(rows[0] as object).sort()).toEqual(COLUMNS.map((c) => c.name).sort());
    const finals = checkTicTacToeEpisodes(rows, 300, ['random', 'random']);
    // Random players: both seats win some games.
    const wins0 = [...finals.values()].filter((r) => r[0] === 1).length;
    expect(wins0).toBeGreaterThan(50);
    expect(wins0).toBeLessThan(250);
    // Only this collection's files are in the folder.
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'shard-00000.parquet', 'shard-00001.parquet', 'shard-00002.parquet']);
  });

  it('minimax vs random: minimax never loses, and the same seed gives the same bytes', async () => {
    const out = path.join(root, 'mr');
    await collect(small(out, { policies: ['minimax', 'random'] }), quiet);
    const { manifest, rows } = await readCollection(out);
    const finals = checkTicTacToeEpisodes(rows, 300, ['minimax', 'random']);
    expect(manifest.policies.map((p) => p.id)).toEqual(['minimax', 'random']);
    const results = [...finals.values()].map((r) => r[0]);
    expect(results.every((r) => r === 1 || r === 0)).toBe(true);
    expect(results.filter((r) => r === 1).length).toBeGreaterThan(200);
    // Each seat starts about half the games: the seat with more steps moved first.
    const again = path.join(root, 'mr-again');
    await collect(small(again, { policies: ['minimax', 'random'] }), quiet);
    expect((await readManifest(again))?.shards.map((s) => s.sha256)).toEqual(manifest.shards.map((s) => s.sha256));
  });

  it('jsonl.gz shards read back with zlib, with the raw state', async () => {
    const out = path.join(root, 'jsonl');
    await collect(small(out, { episodes: 150, policies: ['random'], format: 'jsonl.gz', rawState: true }), quiet);
    const manifest = (await readManifest(out)) as Manifest;
    expect(manifest.shards.map((s) => s.file)).toEqual(['shard-00000.jsonl.gz', 'shard-00001.jsonl.gz']);
    expect(manifest.shards.map((s) => s.episodes)).toEqual([100, 50]);
    const rows: ReadRow[] = [];
    for (const s of manifest.shards) {
      const lines = gunzipSync(await readFile(path.join(out, s.file)))
        .toString('utf8')
        .trim()
        .split('\n');
      expect(lines.length).toBe(s.steps);
      rows.push(...lines.map((l) => JSON.parse(l) as ReadRow));
    }
    expect(Object.keys(rows[0] as object)).toEqual(COLUMNS.map((c) => c.name));
    checkTicTacToeEpisodes(rows, 150, ['random', 'random']);
    const { rows: viaReader } = await readCollection(out);
    expect(viaReader).toEqual(rows);
    for (const r of rows) {
      const state = JSON.parse(r.state as string) as { board: number[]; current: number[]; gameover: boolean };
      expect(state.gameover).toBe(false);
      expect(state.current).toContain(r.seat);
      // The board is what the seat saw: its own marks in plane 0, empty cells in plane 2.
      expect(state.board.map((v) => (v === r.seat ? 1 : 0))).toEqual(r.observation.slice(0, 9));
      expect(state.board.map((v) => (v === -1 ? 1 : 0))).toEqual(r.observation.slice(18));
    }
  });

  it('plays learner checkpoints (a run folder), sampling with --sample', async () => {
    const run = path.join(root, 'run-tq');
    const learner = await createLearner('tabular-q', { observationSize: 27, actionCount: 9, numEnvs: 1, seed: 3 });
    await learner.save(path.join(run, 'checkpoint', 'agent'));
    learner.dispose();
    // As the trainer leaves it: the run's own config.json beside checkpoint/ is not a checkpoint.
    await writeFile(path.join(run, 'config.json'), JSON.stringify({ game: 'TicTacToe', agent: 'tabular-q', steps: 100 }));
    const out = path.join(root, 'tq');
    const r = await collect(small(out, { episodes: 60, shardEpisodes: 30, policies: [run, 'random'], sample: true }), quiet);
    expect(r.complete).toBe(true);
    expect(r.meanBatch).toBeGreaterThan(1);
    const { manifest, rows } = await readCollection(out);
    expect(manifest.policies[0]).toMatchObject({ kind: 'tabular-q', dir: path.join(run, 'checkpoint', 'agent') });
    expect(String(manifest.policies[0]?.identity)).toMatch(/^tabular-q:sha256:[0-9a-f]{64}$/);
    expect(manifest.policies.map((p) => p.id)).toEqual(['run-tq/checkpoint', 'random']);
    expect(new Set(rows.map((r) => `${r.seat} ${r.policy}`))).toEqual(new Set(['0 run-tq/checkpoint', '1 random']));
    checkTicTacToeEpisodes(rows, 60);
  });

  it('batches learner calls across sessions and records probabilities when the learner has them', async () => {
    const calls: number[] = [];
    const fake = {
      name: 'fake',
      act: (obs: Float32Array[], masks: Uint8Array[]) => {
        calls.push(obs.length);
        return masks.map((m) => m.indexOf(1));
      },
      probabilities: (_obs: Float32Array[], masks: Uint8Array[]) => masks.map((m) => Array.from(m, (x) => x / m.reduce((a, b) => a + b, 0))),
    } as unknown as Learner;
    const decider = learnerDecider(fake, false);
    const mask = Uint8Array.from([0, 1, 1, 0, 0, 0, 0, 0, 0]);
    const decisions = await Promise.all(Array.from({ length: 5 }, () => decider.decide(new Float32Array(27), mask)));
    expect(calls).toEqual([5]);
    expect(decisions[0]).toEqual({ action: 1, probs: [0, 0.5, 0.5, 0, 0, 0, 0, 0, 0], logp: Math.log(0.5), value: null, values: null });
  });

  it('takes probs, logp and value from the act result in each of its shapes, and checks them', async () => {
    const mask = Uint8Array.from([0, 1, 1, 0, 0, 0, 0, 0, 0]);
    const probs = [0, 0.25, 0.75, 0, 0, 0, 0, 0, 0];
    const decide = (act: unknown): Promise<unknown> => learnerDecider({ name: 'fake', act: () => act } as unknown as Learner, false).decide(new Float32Array(27), mask);
    // One object per observation; logp computed from probs when absent.
    expect(await decide([{ action: 2, probs, value: 0.5 }])).toEqual({ action: 2, probs, logp: Math.log(0.75), value: 0.5, values: null });
    // Parallel arrays; the policy's own logp wins.
    expect(await decide({ actions: [1], probs: [Float32Array.from(probs)], logp: [-1.5], value: [-0.25] })).toEqual({ action: 1, probs, logp: -1.5, value: -0.25, values: null });
    // Plain actions, details from actDetails (as DQN and PPO give them) for the actions taken.
    const explained = {
      name: 'fake',
      act: () => [2],
      actDetails: (_o: unknown, _m: unknown, actions: number[]) => actions.map((a) => ({ probs, logp: Math.log(probs[a] as number), value: 1.5 })),
    };
    expect(await learnerDecider(explained as unknown as Learner, false).decide(new Float32Array(27), mask)).toEqual({
      action: 2,
      probs,
      logp: Math.log(0.75),
      value: 1.5,
      values: null,
    });
    // Plain actions without probabilities: nulls.
    expect(await decide([2])).toEqual({ action: 2, probs: null, logp: null, value: null, values: null });
    await expect(decide([{ action: 1, logp: 0.5 }])).rejects.toThrow(/fake gave logp 0.5: expected a log-probability/);
    await expect(decide({ actions: [1], value: [Number.NaN] })).rejects.toThrow(/fake gave value NaN: expected a finite number/);
    await expect(decide([1, 2])).rejects.toThrow(/fake returned 2 actions for 1 observations/);
  });

  it('names policies by bot or by run folder, unique per policy', () => {
    const ck = (dir: string, fingerprint: string): ResolvedPolicy => ({ spec: dir, kind: 'dqn', dir: path.resolve(dir), fingerprint });
    expect(
      policyIds([
        { spec: 'random', kind: 'bot', bot: 'random' },
        ck('runs/a/best/agent', '1'),
        ck('runs/a/checkpoint', '2'),
        ck('other/a/best/agent', '3'),
        ck('runs/a/best/agent', '1'),
        ck('saved-dqn', '4'),
      ]),
    ).toEqual(['random', 'a/best', 'a/checkpoint', 'a/best#2', 'a/best', 'saved-dqn']);
  });

  it('fills probs from DQN (softmax of Q) and PPO (its policy) checkpoints: a distribution over the legal actions', async () => {
    await initBackend('auto');
    const dirs: string[] = [];
    for (const agent of ['dqn', 'ppo'] as const) {
      const learner = await createLearner(agent, { observationSize: 27, actionCount: 9, numEnvs: 1, seed: 5 });
      const dir = path.join(root, `probs-${agent}`);
      await learner.save(dir);
      learner.dispose();
      dirs.push(dir);
    }
    const out = path.join(root, 'probs');
    await collect(small(out, { episodes: 20, shardEpisodes: 20, sessions: 4, policies: dirs }), quiet);
    const { rows } = await readCollection(out);
    const acting = rows.filter((r) => r.probs !== null);
    expect(acting.length).toBeGreaterThan(40);
    for (const r of acting) {
      const probs = r.probs as number[];
      const mask = Array.from(r.mask as ArrayLike<number | boolean>, Number);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(r.logp).toBeCloseTo(Math.log(probs[r.action] as number), 4);
      expect(r.value === null || Number.isFinite(r.value)).toBe(true);
      probs.forEach((p, a) => (mask[a] ? expect(p).toBeGreaterThanOrEqual(0) : expect(p).toBe(0)));
    }
  }, 120_000);

  it('refuses an existing collection without --resume, a different config, unknown policies and damaged shards', async () => {
    const out = path.join(root, 'refuse');
    await collect(small(out, { episodes: 200 }), quiet);
    await expect(collect(small(out, { episodes: 200 }), quiet)).rejects.toThrow(/already holds a collection.*--resume/);
    await expect(collect(small(out, { episodes: 200, sessions: 4, policies: ['minimax', 'random'] }), { ...quiet, resume: true })).rejects.toThrow(
      /different config:[\s\S]*sessions: the collection has 8, this run 4[\s\S]*policies/,
    );
    await expect(collect(small(path.join(root, 'nope'), { policies: ['no-such-folder'] }), quiet)).rejects.toThrow(/neither a bot .* nor a checkpoint folder/);
    await expect(collect(small(path.join(root, 'nope'), { policies: ['random', 'random', 'random'] }), quiet)).rejects.toThrow(/one policy per seat/);
    // Another live process holding the folder is refused; a lock a killed process left is taken over.
    await writeFile(path.join(out, '.lock'), String(process.ppid));
    await expect(collect(small(out, { episodes: 200 }), { ...quiet, resume: true })).rejects.toThrow(/being written by another collect process/);
    await writeFile(path.join(out, '.lock'), '2147483646');
    // A complete collection resumes to nothing.
    const again = await collect(small(out, { episodes: 200 }), { ...quiet, resume: true });
    expect(again).toMatchObject({ complete: true, episodes: 200, written: { episodes: 0 } });
    expect(existsSync(path.join(out, '.lock'))).toBe(false);
    // A changed shard is found.
    const file = path.join(out, 'shard-00001.parquet');
    const bytes = await readFile(file);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await writeFile(file, bytes);
    await expect(collect(small(out, { episodes: 200 }), { ...quiet, resume: true })).rejects.toThrow(/shard-00001.parquet does not match the manifest/);
  });

  it('resume discards what a killed run left (temp files, a shard the manifest does not list) and plays it again', async () => {
    const out = path.join(root, 'partial');
    const reference = path.join(root, 'partial-reference');
    await collect(small(reference), quiet);
    // Stop after the first shard, then fake what a kill -9 leaves: a half-written temp file and a shard renamed before the manifest named it.
    const stop = new AbortController();
    const poll = setInterval(() => {
      void readManifest(out)
        .then((m) => {
          if (m && m.shards.length >= 1) stop.abort();
        })
        .catch(() => {});
    }, 2);
    try {
      await collect(small(out), { ...quiet, signal: stop.signal });
    } finally {
      clearInterval(poll);
    }
    const partial = (await readManifest(out)) as Manifest;
    expect(partial.status).toBe('running');
    expect(partial.shards.length).toBeLessThan(3);
    const next = partial.shards.length;
    await writeFile(path.join(out, `shard-0000${next}.parquet`), 'not a complete shard');
    await writeFile(path.join(out, `shard-0000${next + 1}.parquet.tmp`), 'half');
    await writeFile(path.join(out, 'manifest.json.tmp'), '{');
    const lines: string[] = [];
    const r = await collect(small(out), { ...quiet, resume: true, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/removed incomplete/);
    expect(r).toMatchObject({ complete: true, startShard: next, episodes: 300 });
    const { rows } = await readCollection(out);
    checkTicTacToeEpisodes(rows, 300);
    expect((await readdir(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Bots on the embedded server: the resumed collection is byte for byte the uninterrupted one.
    expect((await readManifest(out))?.shards.map((s) => s.sha256)).toEqual((await readManifest(reference))?.shards.map((s) => s.sha256));
  });

  it('survives kill -9 of a real collection process: --resume completes it without duplicated or missing episodes', async () => {
    const out = path.join(root, 'killed');
    const cli = fileURLToPath(new URL('../../scripts/game-gym.js', import.meta.url));
    const flags = ['collect', '--episodes', '1000', '--shard-episodes', '100', '--sessions', '8', '--policies', 'random,minimax', '--out', out, '--no-progress'];
    const run = (extra: string[]): { exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>; kill: () => void } => {
      const child = spawn(process.execPath, [cli, ...flags, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      return {
        exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, output }))),
        kill: () => child.kill('SIGKILL'),
      };
    };

    const first = run([]);
    let finished = false;
    void first.exited.then(() => (finished = true));
    // Kill it as soon as a shard is complete.
    for (;;) {
      const m = existsSync(path.join(out, 'manifest.json')) ? await readManifest(out).catch(() => null) : null;
      if (m && m.shards.length >= 1) break;
      if (finished) throw new Error(`the collection exited before a shard was written: ${(await first.exited).output}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    first.kill();
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const partial = (await readManifest(out)) as Manifest;
    expect(partial.status).toBe('running');
    expect(partial.shards.length).toBeGreaterThanOrEqual(1);
    expect(partial.shards.length).toBeLessThan(10);

    // The same flags without --resume are refused; with it the run completes.
    const refused = await run([]).exited;
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/already holds a collection/);
    const resumed = await run(['--resume']).exited;
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.output).toMatch(/resuming .*verified/);
    expect(resumed.output).toMatch(/collection .*: 1000 episodes/);

    const { manifest, rows } = await readCollection(out);
    expect(manifest.status).toBe('complete');
    expect(manifest.counts).toMatchObject({ episodes: 1000, shards: 10 });
    // Every id once, none missing, each episode complete.
    const finals = checkTicTacToeEpisodes(rows, 1000);
    expect(finals.size).toBe(1000);
    // The shards written before the kill were kept as they were.
    expect(manifest.shards.slice(0, partial.shards.length)).toEqual(partial.shards);
    expect((await readdir(out)).filter((f) => !f.startsWith('shard-') && f !== 'manifest.json')).toEqual([]);
  }, 120_000);

  it('measures collection throughput', async () => {
    const row = await measureCollection({ sessions: 8, seconds: 1, shardEpisodes: 100 });
    expect(row).toMatchObject({ game: 'TicTacToe', server: 'embedded', sessions: 8, format: 'parquet' });
    expect(row.steps).toBeGreaterThan(100);
    expect(row.stepsPerSecond).toBeGreaterThan(100);
    expect(row.bytesPerStep).toBeGreaterThan(1);
  });
});
