import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchCommand } from './bench.ts';
import { collectCommand } from './collect.ts';
import { evaluateCommand } from './evaluate.ts';
import { plotCommand } from './plot.ts';
import { serveCommand } from './serve.ts';
import { startCommand } from './start.ts';
import { trainCommand } from './train.ts';

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
  .demandCommand(1, 'Name a command: serve, train, evaluate, collect, plot, bench or start (see --help)')
  .strict()
  .help()
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .parseAsync();
