import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchCommand } from './bench.ts';
import { collectCommand } from './collect.ts';
import { evaluateCommand } from './evaluate.ts';
import { plotCommand } from './plot.ts';
import { replayCommand } from './replay.ts';
import { serveCommand } from './serve.ts';
import { startCommand } from './start.ts';
import { trainCommand } from './train.ts';
import { watchCommand } from './watch.ts';

await yargs(hideBin(process.argv))
  .scriptName('game-gym')
  .usage('$0 <command> [options]')
  .command(serveCommand)
  .command(trainCommand)
  .command(evaluateCommand)
  .command(collectCommand)
  .command(plotCommand)
  .command(benchCommand)
  .command(startCommand)
  .command(replayCommand)
  .command(watchCommand)
  .demandCommand(1, 'Name a command: serve, train, evaluate, collect, plot, bench, start, replay or watch (see --help)')
  .strict()
  // A CLI error is one line: no help dump, no stack trace.
  .fail((message, err) => {
    console.error(err?.message ?? message);
    process.exit(1);
  })
  .help()
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .parseAsync();
