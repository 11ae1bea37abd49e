import { closeRecordings } from '../src/client/recording.ts';
import type { CommandModule } from 'yargs';
import { evaluateRunner } from '../agents/distributed/evaluate.ts';
import { tournamentMarkdown, writeTournament } from '../agents/tournament/report.ts';
import { TOURNAMENT_DEFAULTS, runTournament } from '../agents/tournament/tournament.ts';

interface EvaluateArgs {
  game: string;
  agents: string[];
  games: number;
  server: string;
  out: string;
  seed: number;
  parallel: number;
  record: string | undefined;
  anchor: string;
  'prior-draws': number;
  bootstrap: number;
  backend: string;
  progress: boolean;
  actors: number;
  queue: string | undefined;
  'queue-name': string;
  'queue-timeout': number;
}

const d = TOURNAMENT_DEFAULTS;

/** `game-gym evaluate`: a round robin of bots and checkpoints with Elo ratings (mean scores for single-player games). */
export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: 'evaluate',
  describe: 'Round robin of bots and checkpoints: win/draw/loss per pair with Wilson intervals and Elo ratings (mean scores for single-player games)',
  builder: (y) =>
    y
      .option('game', { type: 'string', default: d.game, describe: 'Game: a registered name or id (two-player games: round robin; single-player: mean scores)' })
      .option('agents', {
        type: 'array',
        string: true,
        default: [] as string[],
        describe: 'Comma- or space-separated bots of the game and checkpoint folders (a run folder: its best policy; its best/, checkpoint/ or checkpoint-<steps>/, or their agent/); default: the game\'s bots',
      })
      .option('games', { type: 'number', default: d.games, describe: 'Games per pair (per agent in single-player games); seats and first moves balanced' })
      .option('server', { type: 'string', default: d.server, describe: 'embedded (a fresh seeded server in process), embedded-tcp, or host:port of a running server (the reference too)' })
      .option('out', { type: 'string', default: 'experiments/results', describe: 'Folder for evaluate__<game>__<time>.json and .svg' })
      .option('seed', { type: 'number', default: d.seed, describe: 'Seed of the servers, bots and Elo bootstrap' })
      .option('record', { type: 'string', describe: 'Record the protocol traffic of every game to this file (serve it with game-gym replay)' })
      .option('parallel', { type: 'number', default: d.parallel, describe: 'Sessions played at once per match (policy calls batched)' })
      .option('anchor', { type: 'string', default: d.anchor, describe: 'Elo anchor: auto (random = 0 if present, else mean = 1500), mean (= 1500) or an agent label (= 0)' })
      .option('prior-draws', { type: 'number', default: d.priorDraws, describe: 'Virtual draws added to every pair in the Elo fit (keeps unbeaten agents finite)' })
      .option('bootstrap', { type: 'number', default: d.bootstrap, describe: 'Bootstrap resamples for the Elo 95% intervals (0: ±1.96 standard errors)' })
      .option('backend', { type: 'string', default: d.backend, choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'tfjs backend for dqn/ppo checkpoints (auto: tfjs-node if installed, else wasm, else cpu)' })
      .option('progress', { type: 'boolean', default: true, describe: 'Show a progress bar across pairs (--no-progress for logs)' })
      .option('actors', { type: 'number', default: 0, describe: 'Play the games in N actor processes (0: in this process); the same results' })
      .option('queue', { type: 'string', describe: 'Submit the games as jobs to Redis (redis://HOST:PORT) for `game-gym worker`s; the same results' })
      .option('queue-name', { type: 'string', default: 'game-gym', describe: 'Queue name for --queue' })
      .option('queue-timeout', { type: 'number', default: 60, describe: 'Seconds Redis may not answer before the run stops' }) as never,
  handler: async (args) => {
    const result = await runTournament({
      game: args.game,
      agents: args.agents,
      games: args.games,
      server: args.server,
      seed: args.seed,
      parallel: args.parallel,
      ...(args.record ? { record: args.record } : {}),
      anchor: args.anchor,
      priorDraws: args['prior-draws'],
      bootstrap: args.bootstrap,
      backend: args.backend as typeof d.backend,
    }, { progress: args.progress, runner: evaluateRunner({ actors: args.actors, queue: args.queue, queueName: args['queue-name'], queueTimeoutSeconds: args['queue-timeout'] }) });
    await closeRecordings();
    result.command = `game-gym ${process.argv.slice(2).join(' ')}`;
    console.log(tournamentMarkdown(result));
    console.log(`\n${result.gamesPlayed} games in ${result.seconds} s (${result.gamesPerSecond} games/s)`);
    const files = await writeTournament(result, args.out);
    console.log(`wrote ${files.json}`);
    console.log(`wrote ${files.svg}`);
  },
};
