// A small entry that runs `game-gym collect` alone (for tests that spawn a real collection): node --import tsx/esm agents/collect/main.ts collect [flags]
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { collectCommand } from '../../scripts/collect.ts';

await yargs(hideBin(process.argv)).scriptName('game-gym').command(collectCommand).demandCommand(1).strict().help().parseAsync();
