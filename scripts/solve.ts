import type { CommandModule } from 'yargs';
import { SOLVED_GAME, defaultCacheDir, loadOrSolve } from '../agents/yahtzee/table.ts';
import { findGame } from '../src/games/registry.ts';
import { GameGymError, InvalidOptionError } from '../src/core/errors.ts';
import { ProgressBar } from '../src/core/progress.ts';

interface SolveArgs {
  game: string | undefined;
  'yahtzee-bonus': boolean;
  'cache-dir': string | undefined;
  fresh: boolean;
  progress: boolean;
}

/** `game-gym solve Yahtzee`: the exact optimal solitaire policy, cached on disk. */
export const solveCommand: CommandModule<object, SolveArgs> = {
  command: 'solve [game]',
  describe: "Compute the exact optimal solitaire policy of a game (Yahtzee) under the server's rules, cached on disk",
  builder: (y) =>
    y
      .positional('game', { type: 'string', describe: 'Game to solve: Yahtzee' })
      .option('yahtzee-bonus', {
        type: 'boolean',
        default: true,
        describe: "The server's 150-point rule (--no-yahtzee-bonus: standard solitaire Yahtzee without bonus or joker, published optimum 245.87)",
      })
      .option('cache-dir', { type: 'string', describe: 'Folder of the cache file (default: $GAME_GYM_CACHE_DIR, else experiments/cache in the repository)' })
      .option('fresh', { type: 'boolean', default: false, describe: 'Solve even when the cache has the solution (and overwrite it)' })
      .option('progress', { type: 'boolean', default: true, describe: 'Progress bar (--no-progress for logs)' }) as never,
  handler: async (args) => {
    try {
      await run(args);
    } catch (error) {
      // One line, no stack or help: the message says what to change.
      // Our errors and Node's file errors (EACCES, ENOSPC, ...) carry a code; anything else is a bug.
      if (!(error instanceof GameGymError) && typeof (error as { code?: unknown } | null)?.code !== 'string') throw error;
      console.error(`game-gym solve: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  },
};

async function run(args: SolveArgs): Promise<void> {
  if (args.game === undefined || findGame(args.game)?.name !== SOLVED_GAME) {
    throw new InvalidOptionError(`Expected game to be ${SOLVED_GAME} (the only game solve knows), got ${args.game === undefined ? 'nothing' : JSON.stringify(args.game)}`);
  }
  const cacheDir = args['cache-dir'] ?? defaultCacheDir();
  console.log(`game-gym solve ${JSON.stringify({ game: args.game, yahtzeeBonus: args['yahtzee-bonus'], cacheDir, fresh: args.fresh })}`);
  let bar: ProgressBar | undefined;
  let states = 0;
  let last = -1;
  const loaded = await loadOrSolve({
    cacheDir,
    yahtzeeBonus: args['yahtzee-bonus'],
    fresh: args.fresh,
    onProgress: (done, total) => {
      states = total;
      if (!args.progress && Math.floor((10 * done) / total) !== last) {
        last = Math.floor((10 * done) / total);
        console.log(`solved ${done} of ${total} states`);
      }
      if (args.progress) (bar ??= new ProgressBar('solving Yahtzee states', total)).update(done);
    },
  });
  bar?.finish(states);
  console.log(loaded.fromCache ? `read ${loaded.file}` : `solved in ${loaded.seconds.toFixed(1)} s, wrote ${loaded.file}`);
  console.log(`optimal expected score: ${loaded.solution.expected.toFixed(4)}`);
}
