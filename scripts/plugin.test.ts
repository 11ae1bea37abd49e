// The CLI with --plugin, spawned for real: every command on the Connect Four example plugin, a
// trainer that has only the adapter against a second server process that has the rules, and
// plugins that fail to load.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEnv } from '../src/env/env.ts';
import { closeRecordings } from '../src/client/recording.ts';
import { loadPlugin } from '../src/games/plugins.ts';
import { SeededRng } from '../src/core/rng.ts';
import { randomLegal } from '../src/env/bots.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const PLUGIN = path.join(ROOT, 'experiments', 'plugins', 'connect-four.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/game-gym.js', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`game-gym ${args.join(' ')} still running after ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running command and resolves with it and its port once it prints that it listens. */
function listening(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/game-gym.js', ...args], { cwd: ROOT });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`game-gym ${args.join(' ')} did not listen within 90 s: ${out}`)), 90_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`game-gym ${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('game-gym with --plugin', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof listening>>;
  let remoteOnly: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-plugin-'));
    // Plugins are ES modules: outside this repository they need .mts/.mjs or a "type": "module" package.
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    // A plugin with the adapter and bots but not the rules: the game lives on the server process.
    remoteOnly = path.join(dir, 'remote-connect-four.ts');
    await writeFile(
      remoteOnly,
      `import connectFour from ${JSON.stringify(PLUGIN)};\n` +
        `export default (gym) => connectFour({ ...gym, register: (spec) => gym.register({ ...spec, rules: undefined }) });\n`,
    );
    server = await listening(['serve', '--port', '0', '--seed', '7', '--plugin', PLUGIN]);
  }, 120_000);

  afterAll(async () => {
    if (server) await stopped(server.child);
    await rm(dir, { recursive: true, force: true });
  });

  it("games lists the plugin's game beside the built-ins, and serve hosts it", async () => {
    expect(server.output()).toMatch(/games: TicTacToe, Yahtzee, Echo, Chat, ConnectFour\)/);
    const r = await cli(['games', '--plugin', PLUGIN, '--json']);
    expect(r.stderr).toBe('');
    const games = JSON.parse(r.stdout) as Array<{ name: string; ids: string[]; bots: string[]; rules: string; observation: string; action: string }>;
    expect(games.map((g) => g.name)).toEqual(['TicTacToe', 'Yahtzee', 'Echo', 'Chat', 'ConnectFour']);
    expect(games[4]).toMatchObject({ ids: ['ConnectFour-v0'], bots: ['random', 'lookahead'], rules: 'embedded', observation: 'Box(0, 1, [126])', action: 'Discrete(7)' });
    const remote = await cli(['games', '--plugin', remoteOnly]);
    expect(remote.stdout).toMatch(/\| ConnectFour \| .* \| remote only \|/);
  }, 180_000);

  it('trains with only the adapter against the server process that has the rules, recording the traffic', async () => {
    const out = path.join(dir, 'runs');
    const common = [
      'train',
      '--plugin',
      remoteOnly,
      '--game',
      'ConnectFour-v0',
      '--agent',
      'ppo',
      '--steps',
      '200',
      '--envs',
      '2',
      '--eval-every',
      '200',
      '--eval-games',
      '4',
      '--checkpoint-every',
      '200',
      '--out',
      out,
      '--no-progress',
    ];
    const remote = await cli([...common, '--server', `127.0.0.1:${server.port}`, '--opponent', 'lookahead:1']);
    expect(remote.stderr.replace(/.*tfjs.*\n?/g, '')).toBe('');
    expect(remote.code).toBe(0);
    expect(remote.stdout).toMatch(/eval @ 2\d\d steps: vs random W\/D\/L .* vs lookahead:2/);
    // Without the server the rules are nowhere: the embedded server does not know the game.
    const embedded = await cli([...common, '--opponent', 'random']);
    expect(embedded.code).toBe(1);
    expect(embedded.stderr.trim().split('\n')).toHaveLength(1);
    expect(embedded.stderr).toMatch(/^game-gym train: .*framework: no such game( \[E_[A-Z_]+\])?$/m);
  }, 180_000);

  it('trains DQN in self-play on the embedded server, evaluates with Elo, and collects Parquet', async () => {
    const out = path.join(dir, 'runs-dqn');
    const train = await cli([
      'train',
      '--plugin',
      PLUGIN,
      '--game',
      'ConnectFour',
      '--agent',
      'dqn',
      '--opponent',
      'self',
      '--steps',
      '200',
      '--envs',
      '2',
      '--eval-every',
      '200',
      '--eval-games',
      '4',
      '--checkpoint-every',
      '200',
      '--out',
      out,
      '--no-progress',
    ]);
    expect(train.code).toBe(0);
    const run = path.join(out, readdirSync(out)[0] as string);
    const evaluate = await cli([
      'evaluate',
      '--plugin',
      PLUGIN,
      '--game',
      'ConnectFour-v0',
      '--agents',
      `${run},random,lookahead:2`,
      '--games',
      '6',
      '--bootstrap',
      '20',
      '--out',
      dir,
      '--no-progress',
    ]);
    expect(evaluate.stderr.replace(/.*tfjs.*\n?/g, '')).toBe('');
    expect(evaluate.code).toBe(0);
    expect(evaluate.stdout).toMatch(/### Elo/);
    expect(evaluate.stdout).toMatch(/\| lookahead:2 \|/);
    const data = path.join(dir, 'data');
    const collect = await cli([
      'collect',
      '--plugin',
      PLUGIN,
      '--game',
      'ConnectFour',
      '--policies',
      'random,lookahead:2',
      '--episodes',
      '6',
      '--sessions',
      '2',
      '--shard-episodes',
      '3',
      '--out',
      data,
      '--no-progress',
    ]);
    expect(collect.stderr).toBe('');
    expect(collect.code).toBe(0);
    expect(existsSync(path.join(data, 'manifest.json'))).toBe(true);
    expect(readdirSync(data).filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
  }, 180_000);

  it("watches a session of the plugin's game and replays its recording (same outcome)", async () => {
    await loadPlugin(PLUGIN);
    const traffic = path.join(dir, 'traffic.jsonl');
    // A deterministic game: seeded server, named session and players, seeded choices.
    const play = async (port: number, record?: string): Promise<string> => {
      const env = makeEnv<Float32Array, number>('ConnectFour', { server: `127.0.0.1:${port}`, session: 'demo', name: 'alice', seed: 3, ...(record ? { record } : {}) });
      const rng = new SeededRng('watch');
      let { info } = await env.reset();
      for (let done = false; !done;) {
        const r = await env.step(randomLegal(info.actionMask, rng));
        info = r.info;
        done = r.terminated || r.truncated;
      }
      const outcome = String(info.episode?.outcome);
      await env.close();
      return outcome;
    };
    const watch = cli(['watch', '--plugin', PLUGIN, '--game', 'ConnectFour-v0', '--session', 'demo', '--name', 'alice', '--port', String(server.port), '--until-gameover']);
    await new Promise((r) => setTimeout(r, 1500));
    const outcome = await play(server.port, traffic);
    await closeRecordings();
    const watched = await watch;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/X|O/);
    expect(watched.stdout).toMatch(/^([.XO] ){6}[.XO]$/m);

    const replay = await listening(['replay', traffic, '--port', '0', '--plugin', PLUGIN]);
    expect(replay.output()).toMatch(/games: ConnectFour/);
    // The same game again, answered from the recording.
    expect(await play(replay.port)).toBe(outcome);
    await stopped(replay.child);
  }, 180_000);

  it('a plugin that throws, clashes or has a bad spec gets one error line naming the file and the fault', async () => {
    const write = async (name: string, body: string): Promise<string> => {
      const file = path.join(dir, name);
      await writeFile(file, body);
      return file;
    };
    const cases: Array<[string, RegExp]> = [
      [await write('throws.ts', "throw new Error('boom');\n"), /failed to load: boom$/],
      [
        await write(
          'clash.js',
          "export default (gym) => gym.register({ name: 'Tic', ids: ['TicTacToe-v0'], players: { default: 2, min: 2, max: 2 }, adapter: () => null, results: 'outcome' });\n",
        ),
        /game spec "Tic": its name or an id clashes with TicTacToe \(ids TicTacToe-v0\), registered by built-in$/,
      ],
      [
        await write('bad.ts', "export default (gym) => gym.register({ name: 'Bad', players: { default: 3, min: 1, max: 2 }, adapter: () => null, results: 'outcome' });\n"),
        /game spec "Bad": expected players to be \{ default, min, max \} with 1 <= min <= default <= max, got/,
      ],
      [await write('empty.ts', 'export const nothing = 1;\n'), /registered no game, adapter or bot/],
    ];
    for (const [file, fault] of cases) {
      const r = await cli(['games', '--plugin', file]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`game-gym games: plugin ${file}: `);
      expect((lines[0] as string).replace(/ \[E_PLUGIN\]$/, '')).toMatch(fault);
    }
  }, 180_000);
});
