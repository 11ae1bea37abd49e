import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as a user gets it: `npm pack` (which builds dist/), the tarball installed into a plain Node
// project with no tsx and no TypeScript of its own, used from .mjs and type-checked from .ts.
const root = path.resolve(import.meta.dirname, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function run(command: string, args: string[], cwd: string, timeout = 120_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A consumer project depending on the tarball, with a lockfile made from the repository's (its runtime
 * packages only), so `npm ci --offline` installs them from the npm cache that installing the repository filled.
 */
function consumerProject(tarball: string): { pkg: object; lock: object } {
  const repoLock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; link?: boolean; [key: string]: unknown }>;
  };
  const own = repoLock.packages[''] as Record<string, unknown>;
  const dependencies = { 'game-server-gym': `file:${tarball}` };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies },
    'node_modules/game-server-gym': {
      version: own.version,
      resolved: `file:${tarball}`,
      license: own.license,
      dependencies: own.dependencies,
      optionalDependencies: own.optionalDependencies,
      bin: own.bin,
      engines: own.engines,
    },
  };
  for (const [key, entry] of Object.entries(repoLock.packages)) if (key !== '' && !entry.dev && !entry.link) packages[key] = entry;
  return {
    pkg: { name: 'consumer', version: '1.0.0', private: true, dependencies },
    lock: { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
  };
}

const SCRIPT = `
import path from 'node:path';
import { makeEnv, randomLegal, SeededRng } from 'game-server-gym';
import * as core from 'game-server-gym';
import { evaluatePolicy, loadPolicy, train } from 'game-server-gym/agents';

const env = makeEnv('TicTacToe', { opponents: 'random' });
const rng = new SeededRng(1);
let { info } = await env.reset({ seed: 1 });
let length = 0;
for (let done = false; !done; length++) {
  const r = await env.step(randomLegal(info.actionMask, rng));
  info = r.info;
  done = r.terminated || r.truncated;
}
await env.close();

const result = await train(
  { game: 'TicTacToe', agent: 'tabular-q', steps: 400, envs: 4, evalEvery: 400, evalGames: 20, checkpointEvery: 400, out: 'runs', seed: 3 },
  { progress: false, log: () => {} },
);
const agent = await loadPolicy(result.runDir);
const evaluation = await evaluatePolicy({ game: 'TicTacToe', policy: agent, opponent: 'random', games: 40, seed: 5 });

let deepImport = 'resolved';
try {
  await import('game-server-gym/src/env/seat.js');
} catch (error) {
  deepImport = error.code;
}
console.log(JSON.stringify({
  length,
  episode: info.episode,
  envSteps: result.envSteps,
  evaluation: { games: evaluation.games, wins: evaluation.wins, draws: evaluation.draws, losses: evaluation.losses },
  internals: ['Seat', 'clientOptionsFor', 'RequestReader', 'encodeResponse'].filter((name) => name in core),
  deepImport,
}));
`;

const CONSUMER_TS = `
import { makeEnv, type EnvOptions, type GameClientOptions } from 'game-server-gym';
import { evaluatePolicy, train, type EvaluationResult, type Learner, type TrainConfig } from 'game-server-gym/agents';
// @ts-expect-error Seat is internal: it is not part of the public API.
import { Seat } from 'game-server-gym';

const options: EnvOptions = { opponents: 'random' };
const client: Partial<GameClientOptions> = { game: 'TicTacToe' };
const config: Partial<TrainConfig> = { agent: 'tabular-q', steps: 100 };
// @ts-expect-error steps is a number.
const wrong: Partial<TrainConfig> = { steps: 'many' };

export async function use(policy: Learner): Promise<number> {
  const env = makeEnv('TicTacToe', options);
  const { info } = await env.reset({ seed: 1 });
  const step = await env.step(info.actionMask.indexOf(1));
  const result = await train(config, { progress: false });
  const evaluation: EvaluationResult = await evaluatePolicy({ game: 'TicTacToe', policy, opponent: 'random', games: 2 });
  void Seat; void wrong; void client;
  return step.reward + result.envSteps + evaluation.wins;
}
`;

describe('the packed package', () => {
  let dir: string;
  let project: string;
  let installed: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-package-'));
    const pack = run('npm', ['pack', '--silent', '--pack-destination', dir], root);
    expect(pack.stderr).not.toMatch(/npm error/);
    expect(pack.status).toBe(0);
    const tarball = path.join(dir, pack.stdout.trim().split('\n').pop() as string);
    project = path.join(dir, 'consumer');
    const { pkg, lock } = consumerProject(tarball);
    await mkdir(project);
    await writeFile(path.join(project, 'package.json'), JSON.stringify(pkg, null, 2));
    await writeFile(path.join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
    // Optional packages left out: tfjs-node's install downloads, and esbuild's binary (tsx) must not be needed.
    const install = run('npm', ['ci', '--offline', '--omit=optional', '--no-audit', '--no-fund'], project);
    if (install.status !== 0) throw new Error(`npm ci --offline in the consumer project failed (is the npm cache filled by npm ci here?):\n${install.stderr}`);
    installed = path.join(project, 'node_modules', 'game-server-gym');
  }, 180_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('ships compiled JavaScript with declarations and no TypeScript sources or tests', () => {
    const files = (readdirSync(installed, { recursive: true }) as string[]).map((f) => f.split(path.sep).join('/'));
    expect(files).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'dist/agents/index.js', 'dist/agents/index.d.ts', 'dist/scripts/cli.js']));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /test|testing|faults/.test(f))).toEqual([]);
    expect(existsSync(path.join(project, 'node_modules', 'typescript'))).toBe(false);
  });

  it('runs an env episode, a short training and an evaluation from a plain .mjs script', async () => {
    await writeFile(path.join(project, 'use.mjs'), SCRIPT);
    const r = run(process.execPath, ['use.mjs'], project);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out.length).toBeGreaterThanOrEqual(3);
    expect(out.episode.length).toBe(out.length);
    expect(out.envSteps).toBeGreaterThanOrEqual(400);
    expect(out.evaluation.games).toBe(40);
    expect(out.evaluation.wins + out.evaluation.draws + out.evaluation.losses).toBe(40);
    expect(out.internals).toEqual([]);
    expect(out.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 60_000);

  it('runs the script of the README\'s "Use it as a library"', async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it as a library'));
    const script = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(script).toBeDefined();
    await writeFile(path.join(project, 'play.mjs'), script as string);
    const r = run(process.execPath, ['play.mjs'], project);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^random play: \{ return: -?\d+, length: \d+, outcome: '\w+' \}$/m);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^wins \d+, draws \d+, losses \d+ of 200$/);
  }, 60_000);

  it('type-checks a .ts consumer against the declarations', async () => {
    await writeFile(path.join(project, 'consumer.ts'), CONSUMER_TS);
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        // tfjs's own declarations do not pass a strict check; ours are checked when they are built.
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      files: ['consumer.ts'],
    };
    await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const r = run(process.execPath, [tsc, '-p', '.'], project);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);

  it('runs the game-gym command from the compiled code', () => {
    const bin = path.join(project, 'node_modules', '.bin', 'game-gym');
    const help = run(bin, ['--help'], project);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/game-gym train/);
    const bad = run(bin, ['train', '--envs', '0', '--no-progress'], project);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual(['game-gym train: Expected --envs to be a positive integer, got 0 [E_INVALID_OPTION]']);
  }, 60_000);
});
