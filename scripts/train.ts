import type { CommandModule } from 'yargs';
import { TRAIN_DEFAULTS, train, type TrainConfig } from '../agents/training/trainer.ts';
import { AGENT_NAMES } from '../agents/training/registry.ts';
import { InvalidOptionError } from '../src/core/errors.ts';
import { readConfigFile } from './config-file.ts';
import { distributedExperience } from '../agents/distributed/options.ts';
import { stopOnCtrlC } from './ctrl-c.ts';

interface TrainArgs {
  game: string;
  agent: string;
  opponent: string;
  envs: number;
  steps: number | undefined;
  server: string;
  seed: number;
  out: string;
  'eval-every': number;
  'eval-games': number;
  'eval-opponents': string[];
  'checkpoint-every': number;
  'keep-checkpoints': number;
  'log-every': number;
  'run-name': string | undefined;
  'session-prefix': string | undefined;
  'keep-best': boolean;
  'opponent-mix': string;
  'pool-latest-ratio': number;
  'pool-size': number;
  'pool-snapshot-every': number;
  backend: string;
  players: number | undefined;
  'agent-config': string;
  resume: string | undefined;
  record: string | undefined;
  progress: boolean;
  actors: number;
  queue: string | undefined;
  run: string | undefined;
  'queue-timeout': number;
}

/** Builds the trainer's config from parsed flags (flags already include a --config file's values). */
export function trainConfigFromArgs(a: TrainArgs): Partial<TrainConfig> {
  const agentConfig = parseJsonFlag('agent-config', a['agent-config']) as Record<string, unknown>;
  return {
    game: a.game,
    agent: a.agent as TrainConfig['agent'],
    opponent: a.opponent as TrainConfig['opponent'],
    envs: a.envs,
    steps: a.steps,
    server: a.server,
    seed: a.seed,
    out: a.out,
    evalEvery: a['eval-every'],
    evalGames: a['eval-games'],
    evalOpponents: a['eval-opponents'],
    checkpointEvery: a['checkpoint-every'],
    keepCheckpoints: a['keep-checkpoints'],
    logEvery: a['log-every'],
    runName: a['run-name'] ?? null,
    sessionPrefix: a['session-prefix'] ?? null,
    keepBest: a['keep-best'],
    opponentMix: parseJsonFlag('opponent-mix', a['opponent-mix']) as Record<string, number>,
    poolLatestRatio: a['pool-latest-ratio'],
    poolSize: a['pool-size'],
    poolSnapshotEvery: a['pool-snapshot-every'],
    backend: a.backend as TrainConfig['backend'],
    players: a.players ?? null,
    agentConfig,
    record: a.record ?? null,
  };
}

/**
 * A flag that holds a JSON object. A config file may give the object itself;
 * given in both, yargs hands over an array of the flag's text and the file's
 * object split key by key: they are merged, the flag's keys winning.
 */
export function parseJsonFlag(name: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw new InvalidOptionError(`Expected --${name} to be a JSON object, got ${text}`);
    }
  };
  if (Array.isArray(value)) {
    const fromFile = value.filter((v) => typeof v === 'object' && v !== null);
    const fromFlags = value.filter((v): v is string => typeof v === 'string').map(parse);
    return Object.assign({}, ...fromFile, ...fromFlags);
  }
  return typeof value === 'string' ? parse(value) : value;
}

const d = TRAIN_DEFAULTS;

/** `game-gym train`: trains an agent through many sessions at once. */
export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train an agent on a server game (async vector env, batched inference, eval, checkpoints, resume)',
  builder: (y) =>
    y
      .option('config', { type: 'string', describe: 'JSON or YAML config file (e.g. experiments/configs/start.json, or a run\'s config.json); flags override it', config: true, configParser: readConfigFile })
      .option('game', { type: 'string', default: d.game, describe: 'Game: a registered name or id (game-gym games lists them)' })
      .option('agent', { type: 'string', default: d.agent, choices: AGENT_NAMES, describe: 'Learner' })
      .option('opponent', { type: 'string', default: d.opponent, describe: 'Other seats: a bot of the game (random, or one game-gym games lists; name:option for options), a mix of bots drawn per game, the learner itself (self) or past snapshots (pool)' })
      .option('opponent-mix', { type: 'string', default: JSON.stringify(d.opponentMix), describe: '--opponent mix: JSON of bot shares, e.g. \'{"random":0.7,"minimax":0.3}\' (default: 70% random, 30% the game\'s last evaluation opponent)' })
      .option('envs', { type: 'number', default: d.envs, describe: 'Parallel sessions' })
      .option('steps', { type: 'number', describe: `Env steps to train for (default ${d.steps}); with --resume, the run's new total` })
      .option('server', { type: 'string', default: d.server, describe: 'embedded, embedded-tcp, or host:port of a running server (the reference too)' })
      .option('seed', { type: 'number', default: d.seed, describe: 'Seed of the agent, envs and server' })
      .option('out', { type: 'string', default: d.out, describe: 'Folder for run folders (game__agent__seed__time)' })
      .option('eval-every', { type: 'number', default: d.evalEvery, describe: 'Env steps between evaluations' })
      .option('eval-games', { type: 'number', default: d.evalGames, describe: 'Games per evaluation and opponent' })
      .option('eval-opponents', { type: 'array', string: true, default: [] as string[], describe: 'Fixed evaluation opponents (default: the game spec\'s evaluation opponents)' })
      .option('checkpoint-every', { type: 'number', default: d.checkpointEvery, describe: 'Env steps between checkpoints' })
      .option('keep-checkpoints', { type: 'number', default: d.keepCheckpoints, describe: 'Checkpoints kept: checkpoint/ (the newest) and N-1 older checkpoint-<steps>/' })
      .option('run-name', { type: 'string', describe: 'Name of the run folder under --out (default game__agent__seed__time)' })
      .option('session-prefix', { type: 'string', describe: 'Name the sessions PREFIX-i and the learner seats learner-i (printed), so game-gym watch can follow them' })
      .option('log-every', { type: 'number', default: d.logEvery, describe: 'Env steps between training log lines (metrics.jsonl, progress.csv; printed with --no-progress)' })
      .option('keep-best', { type: 'boolean', default: d.keepBest, describe: 'Save the agent of the best evaluation into best/ (--no-keep-best to skip)' })
      .option('pool-latest-ratio', { type: 'number', default: d.poolLatestRatio, describe: '--opponent pool: share of games against the latest policy' })
      .option('pool-size', { type: 'number', default: d.poolSize, describe: '--opponent pool: snapshots kept' })
      .option('pool-snapshot-every', { type: 'number', default: d.poolSnapshotEvery, describe: '--opponent pool: env steps between snapshots' })
      .option('backend', { type: 'string', default: d.backend, choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'tfjs backend (auto: tfjs-node if installed, else wasm, else cpu)' })
      .option('players', { type: 'number', describe: 'Seats per session (default: the game\'s usual)' })
      .option('agent-config', { type: 'string', default: '{}', describe: 'JSON object of agent config overrides, e.g. \'{"learningRate":0.0005}\'' })
      .option('record', { type: 'string', describe: 'Record the protocol traffic of the training sessions to this file (serve it with game-gym replay)' })
      .option('resume', { type: 'string', describe: 'Continue the run in this folder from its last checkpoint' })
      .option('progress', { type: 'boolean', default: true, describe: 'Show a progress bar (--no-progress for logs)' })
      .option('actors', { type: 'number', default: 0, describe: 'Play in N actor processes (--envs sessions each) that send transitions to this learner (0: all in this process; dqn)' })
      .option('queue', { type: 'string', describe: 'Learn from `game-gym actor`s on any machine through Redis (redis://HOST:PORT); needs --run' })
      .option('run', { type: 'string', describe: 'With --queue: the run name the actors join (game-gym actor --queue URL --run NAME)' })
      .option('queue-timeout', { type: 'number', default: 60, describe: 'With --queue: seconds Redis may not answer before the learner stops (continue with --resume)' }) as never,
  handler: async (args) => {
    // The first Ctrl-C stops at the next batch and saves a checkpoint to resume from; a second one quits.
    const stop = stopOnCtrlC('saving a checkpoint');
    const experience = distributedExperience(args);
    const result = await train(trainConfigFromArgs(args), { progress: args.progress, signal: stop.signal, ...(experience ? { experience } : {}) }, args.resume);
    if (stop.signal.aborted) process.exit(130); // the trainer printed where the checkpoint is
    console.log(`done: ${result.envSteps} env steps, ${result.episodes} episodes in ${result.seconds} s on ${result.backend}`);
    console.log(`run folder: ${result.runDir} (config.json, metrics.jsonl, curve.svg, checkpoint/${result.best ? ', best/' : ''})`);
    if (result.best) console.log(`best evaluation: step ${result.best.step}, score ${result.best.score.toFixed(3)}; agent in ${result.best.dir}`);
  },
};

