import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { GameGymError } from '../src/core/errors.ts';
import { loadPlugins } from '../src/games/plugins.ts';
import { benchCommand } from './bench.ts';
import { collectCommand } from './collect.ts';
import { evaluateCommand } from './evaluate.ts';
import { gamesCommand } from './games.ts';
import { plotCommand } from './plot.ts';
import { replayCommand } from './replay.ts';
import { serveCommand } from './serve.ts';
import { solveCommand } from './solve.ts';
import { startCommand } from './start.ts';
import { trainCommand } from './train.ts';
import { watchCommand } from './watch.ts';
import { workerCommand } from './worker.ts';
import { actorCommand } from './actor.ts';
import { typedText } from './options.ts';

/** A mistake in the command line itself: one line and exit code 2, as Unix tools do. */
class UsageError extends Error {}

const argv = hideBin(process.argv);
const debug = argv.includes('--debug');
const command = argv.find((a) => !a.startsWith('-'));

try {
  await yargs(argv)
    .scriptName('game-gym')
    .usage('$0 <command> [options]')
    .option('debug', { type: 'boolean', default: false, describe: 'Print the stack trace of an error' })
    .option('plugin', {
      type: 'array',
      string: true,
      alias: 'plugins',
      global: true,
      default: [] as string[],
      describe: 'A TS or JS file that registers games, adapters or bots (repeatable; "plugins" in config files)',
    })
    .middleware((args) => {
      // yargs turns a number flag given as text into NaN; say what was typed instead of "got null" later.
      // After validation, so flags from a command's schema have had their text put back (scripts/options.ts).
      for (const [key, value] of Object.entries(args)) {
        if (typeof value === 'number' && Number.isNaN(value) && !/[A-Z]/.test(key)) {
          throw new UsageError(`Expected --${key} to be a number, got ${typedText(key, argv)}`);
        }
      }
    })
    // Plugins load before any command runs, so their games, adapters and bots are known to every command.
    .middleware(async (args) => loadPlugins((args.plugin as string[] | undefined) ?? []))
    .command(serveCommand)
    .command(trainCommand)
    .command(evaluateCommand)
    .command(collectCommand)
    .command(plotCommand)
    .command(benchCommand)
    .command(startCommand)
    .command(replayCommand)
    .command(watchCommand)
    .command(workerCommand)
    .command(actorCommand)
    .command(solveCommand)
    .command(gamesCommand)
    .demandCommand(1, 'Name a command: serve, train, evaluate, collect, plot, bench, start, replay, watch, worker, actor, solve or games')
    .strict()
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error) => {
      // yargs' own errors (a flag without its value, say) are mistakes in the command line too.
      if (error && error.name !== 'YError') throw error;
      throw new UsageError(message ?? error?.message);
    })
    .parseAsync();
} catch (error) {
  const where = command ? `game-gym ${command}` : 'game-gym';
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const hint = error instanceof UsageError ? ` (see ${where} --help)` : '';
  const code = error instanceof GameGymError ? ` [${error.code}]` : '';
  console.error(`${where}: ${message}${code}${hint}`);
  if (debug && error instanceof Error) console.error(error.stack);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
