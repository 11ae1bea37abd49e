import { closeRecordings } from '../src/client/recording.ts';
import type { CommandModule } from 'yargs';
import { evaluateRunner } from '../agents/distributed/evaluate.ts';
import { tournamentMarkdown, writeTournament } from '../agents/tournament/report.ts';
import { TournamentConfigSchema } from '../agents/tournament/config.ts';
import { resolveTournamentConfig, runTournament } from '../agents/tournament/tournament.ts';
import { flag, nonNegativeInt, positiveInt, text } from '../src/core/options.ts';
import { addOptions, flagName, optionsFromArgs } from './options.ts';

/** The flags of `game-gym evaluate`: the tournament and where its report goes. */
export const EvaluateCommandSchema = TournamentConfigSchema.extend({
  out: text().default('experiments/results').describe('Folder for evaluate__<game>__<time>.json and .svg'),
  progress: flag().default(true).describe('Show a progress bar across pairs (--no-progress for logs)'),
  actors: nonNegativeInt().default(0).describe('Play the games in N actor processes (0: in this process); the same results'),
  queue: text().optional().describe('Submit the games as jobs to Redis (redis://HOST:PORT) for `game-gym worker`s; the same results'),
  queueName: text().default('game-gym').describe('Queue name for --queue'),
  queueTimeout: positiveInt().default(60).describe('Seconds Redis may not answer before the run stops'),
});

/** `game-gym evaluate`: a round robin of bots and checkpoints with Elo ratings (mean scores for single-player games). */
export const evaluateCommand: CommandModule<object, Record<string, unknown>> = {
  command: 'evaluate',
  describe: 'Round robin of bots and checkpoints: win/draw/loss per pair with Wilson intervals and Elo ratings (mean scores for single-player games)',
  builder: (y) => addOptions(y, EvaluateCommandSchema, { config: 'JSON or YAML config file of evaluate options; flags override it' }),
  handler: async (args) => {
    const { out, progress, actors, queue, queueName, queueTimeout, ...options } = optionsFromArgs(EvaluateCommandSchema, args);
    const runner = evaluateRunner({ actors, queue, queueName, queueTimeoutSeconds: queueTimeout });
    const result = await runTournament(resolveTournamentConfig(options, flagName), { progress, runner });
    await closeRecordings();
    result.command = `game-gym ${process.argv.slice(2).join(' ')}`;
    console.log(tournamentMarkdown(result));
    console.log(`\n${result.gamesPlayed} games in ${result.seconds} s (${result.gamesPerSecond} games/s)`);
    const files = await writeTournament(result, out);
    console.log(`wrote ${files.json}`);
    console.log(`wrote ${files.svg}`);
  },
};
