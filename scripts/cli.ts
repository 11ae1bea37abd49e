import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { GameGymError } from '../src/protocol/errors.ts';
import { loadPlugins } from '../src/games/plugins.ts';
import { benchCommand } from './bench.ts';
import { collectCommand } from './collect.ts';
import { evaluateCommand } from './evaluate.ts';
import { gamesCommand } from './games.ts';
import { plotCommand } from './plot.ts';
import { replayCommand } from './replay.ts';
import { serveCommand } from './serve.ts';
import { startCommand } from './start.ts';
import { trainCommand } from './train.ts';
import { watchCommand } from './watch.ts';

/** A flag yargs refused (unknown, missing, wrong choice). */
class UsageError extends Error {}

try {
  await yargs(hideBin(process.argv))
    .scriptName('game-gym')
    .usage('$0 <command> [options]')
    .option('plugin', {
      type: 'array',
      string: true,
      alias: 'plugins',
      global: true,
      default: [] as string[],
      describe: 'A TS or JS file that registers games, adapters or bots (repeatable; "plugins" in config files)',
    })
    // Plugins load before any command runs, so their games, adapters and bots are known to every command.
    .middleware(async (argv) => loadPlugins((argv.plugin as string[] | undefined) ?? []))
    .command(serveCommand)
    .command(trainCommand)
    .command(evaluateCommand)
    .command(collectCommand)
    .command(plotCommand)
    .command(benchCommand)
    .command(startCommand)
    .command(replayCommand)
    .command(watchCommand)
    .command(gamesCommand)
    .demandCommand(1, 'Name a command: serve, train, evaluate, collect, plot, bench, start, replay, watch or games (see --help)')
    .strict()
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message);
    })
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .parseAsync();
} catch (error) {
  // The toolkit's own errors are the user's to fix: one line, no stack trace.
  if (!(error instanceof GameGymError) && !(error instanceof UsageError)) throw error;
  console.error(`game-gym: ${error.message}`);
  process.exitCode = 1;
}
