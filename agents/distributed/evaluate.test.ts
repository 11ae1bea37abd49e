import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTournament, type TournamentResult } from '../tournament/tournament.ts';
import { actorUnitRunner, queueUnitRunner } from './evaluate.ts';
import { removeQueue, spawnCli, type Cli } from '../testing/distributed.ts';
import { waitFor } from '../../src/testing/wait.ts';

// The machine's Redis (CI starts it, see .ci/run); the test uses a queue of its own and removes it.
const REDIS = 'redis://127.0.0.1:6379';

let root: string;
const workers: Cli[] = [];
const queues: string[] = [];
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gsg-evaluate-dist-'));
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  for (const name of queues) await removeQueue(REDIS, name);
  await rm(root, { recursive: true, force: true });
}, 30_000);

const quiet = { log: () => {}, progress: false };
const config = { game: 'TicTacToe', agents: ['minimax', 'random', 'random'], games: 160, parallel: 4, bootstrap: 100, seed: 7 };
/** What must not depend on where the games were played: every count and rating. */
const table = (r: TournamentResult) => ({
  pairs: r.pairs.map(({ seconds: _s, ...rest }) => rest),
  ratings: r.ratings,
  gamesPlayed: r.gamesPlayed,
});

let single: Promise<TournamentResult> | undefined;
const reference = (): Promise<TournamentResult> => (single ??= runTournament(config, quiet));

describe('evaluate --actors and --queue', () => {
  it('gives, from 2 actor processes, the same table (counts and Elo) as one process', async () => {
    const one = await reference();
    expect(one.gamesPlayed).toBe(480);
    const actors = await runTournament(config, { ...quiet, runner: actorUnitRunner(2) });
    expect(table(actors)).toEqual(table(one));
    // A different seed plays different games: the comparison can fail.
    const other = await runTournament({ ...config, seed: 8 }, { ...quiet, runner: actorUnitRunner(2) });
    expect(table(other)).not.toEqual(table(one));
  }, 120_000);

  it('gives, through Redis jobs played by a game-gym worker, the same table as one process', async () => {
    const name = `gg-test-${randomBytes(6).toString('hex')}`;
    queues.push(name);
    const worker = spawnCli(['worker', '--queue', REDIS, '--queue-name', name]);
    workers.push(worker);
    const lines: string[] = [];
    const queued = await runTournament(config, { progress: false, log: (l) => lines.push(l), runner: queueUnitRunner(REDIS, name, 60_000) });
    expect(table(queued)).toEqual(table(await reference()));
    expect(lines.join('\n')).toContain(`start workers with: game-gym worker --queue ${REDIS} --queue-name ${name}`);
    await waitFor(() => /job evaluate-\w+-unit-\d+: unit/.test(worker.output()), 'the worker to log its jobs', 5_000, 50);
  }, 120_000);

  it('refuses --record with --actors, in one line', async () => {
    const cli = spawnCli(['evaluate', '--actors', '2', '--record', path.join(root, 'r.jsonl'), '--games', '10', '--out', root, '--no-progress']);
    expect(await cli.exited).toBe(1);
    expect(cli.output().trim().split('\n').at(-1)).toBe(
      'game-gym evaluate: Expected no --record with --actors: record in one process (without --actors or --queue) [E_INVALID_OPTION]',
    );
  }, 30_000);
});
