import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gameGym } from './testing/cli.ts';

/** A shard as any Parquet reader sees it: its schema elements by column name, and its rows. */
async function readParquet(file: string): Promise<{ schema: Map<string, Record<string, unknown>>; rows: Array<Record<string, unknown>> }> {
  const data = await readFile(file);
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(buffer);
  // A list column's elements are named "element": key them by their column.
  const schema = new Map<string, Record<string, unknown>>();
  let column = '';
  for (const e of metadata.schema) {
    if (e.name !== 'list' && e.name !== 'element') column = e.name;
    schema.set(e.name === 'element' ? `${column}.element` : e.name, e as unknown as Record<string, unknown>);
  }
  return { schema, rows: (await parquetReadObjects({ file: buffer })) as Array<Record<string, unknown>> };
}

describe('game-gym collect columns', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-collect-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes policy, ply, logp and value columns and boolean masks; its output fits a narrow terminal', async () => {
    const out = path.join(dir, 'bots');
    const r = gameGym(['collect', '--policies', 'minimax,random', '--episodes', '20', '--shard-episodes', '10', '--sessions', '2', '--out', out], { COLUMNS: '50' });
    expect(r.stderr).not.toMatch(/Error|at /);
    expect(r.status).toBe(0);
    // The resolved config as short lines, the progress lines (stderr, not a terminal here) within $COLUMNS.
    const first = r.stdout.split('\n')[0] as string;
    expect(first).toMatch(/^collect /);
    for (const line of r.stdout.split('\n').slice(0, 5)) expect(line.length, line).toBeLessThan(50);
    const progress = r.stderr.split('\n').filter(Boolean);
    expect(progress.length).toBeGreaterThan(2);
    for (const line of progress) expect(line.length, line).toBeLessThan(50);

    const { schema, rows } = await readParquet(path.join(out, 'shard-00000.parquet'));
    expect(schema.get('mask.element')).toMatchObject({ type: 'BOOLEAN' });
    expect(schema.get('policy')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' });
    expect(schema.get('ply')).toMatchObject({ type: 'INT32', repetition_type: 'REQUIRED' });
    expect(schema.get('logp')).toMatchObject({ type: 'FLOAT', repetition_type: 'OPTIONAL' });
    expect(schema.get('value')).toMatchObject({ type: 'FLOAT', repetition_type: 'OPTIONAL' });
    expect(rows.length).toBeGreaterThan(50);
    for (const row of rows) {
      expect(row.policy).toBe(row.seat === 0 ? 'minimax' : 'random');
      expect(row).toMatchObject({ probs: null, logp: null, value: null });
      expect((row.mask as boolean[]).every((m) => typeof m === 'boolean')).toBe(true);
      expect((row.mask as boolean[])[row.action as number]).toBe(true);
    }
    // Each episode's plies are 0..n-1, the seats taking turns.
    const episode = rows.filter((row) => row.episode_id === 3).sort((a, b) => (a.ply as number) - (b.ply as number));
    expect(episode.map((row) => row.ply)).toEqual(episode.map((_, i) => i));
    episode.forEach((row, i) => i > 0 && expect(row.seat).not.toBe(episode[i - 1]?.seat));
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as { schema: Array<{ name: string; type: string }>; policies: Array<{ id: string }> };
    expect(manifest.policies.map((p) => p.id)).toEqual(['minimax', 'random']);
    expect(manifest.schema.find((c) => c.name === 'mask')?.type).toBe('list<bool>');
  }, 180_000);

  it('fills probs, logp and value from a DQN run, named by its run folder and best/', async () => {
    const runs = path.join(dir, 'runs');
    const trained = gameGym(['train', '--agent', 'dqn', '--steps', '200', '--envs', '2', '--eval-games', '2', '--out', runs, '--run-name', 'tiny-dqn', '--no-progress']);
    expect(trained.status, trained.stderr).toBe(0);
    const out = path.join(dir, 'dqn');
    const r = gameGym(['collect', '--policies', `${path.join(runs, 'tiny-dqn')},random`, '--episodes', '10', '--sessions', '2', '--out', out, '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
    const { rows } = await readParquet(path.join(out, 'shard-00000.parquet'));
    const dqn = rows.filter((row) => row.seat === 0);
    expect(dqn.length).toBeGreaterThan(10);
    for (const row of dqn) {
      expect(row.policy).toBe('tiny-dqn/best');
      const probs = row.probs as number[];
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(row.logp as number).toBeCloseTo(Math.log(probs[row.action as number] as number), 4);
      // DQN's value: the expected Q under its probs.
      expect(Number.isFinite(row.value)).toBe(true);
    }
    for (const row of rows.filter((x) => x.seat === 1)) expect(row).toMatchObject({ policy: 'random', probs: null, logp: null });
  }, 240_000);
});
