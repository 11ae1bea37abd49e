import type { CommandModule } from 'yargs';
import { plotRuns } from '../agents/training/compare.ts';

interface PlotArgs {
  runs: string[];
  metric: string;
  opponent: string;
  x: string;
  out: string;
  title: string | undefined;
}

/** `game-gym plot`: several runs' evaluation curves on one SVG. */
export const plotCommand: CommandModule<object, PlotArgs> = {
  command: 'plot',
  describe: 'Draw the evaluation curves of several training runs on one SVG chart',
  builder: (y) =>
    y
      .option('runs', { type: 'array', string: true, demandOption: true, describe: 'Run folders to compare' })
      .option('metric', {
        type: 'string',
        default: 'rates',
        choices: ['rates', 'winRate', 'drawRate', 'lossRate', 'meanScore'],
        describe: 'Evaluation metric (rates: win, draw and loss rates, a panel each)',
      })
      .option('opponent', { type: 'string', default: 'random', describe: 'Evaluation opponent' })
      .option('x', { type: 'string', default: 'episodes', choices: ['step', 'episodes'], describe: 'x axis: env steps or training games' })
      .option('out', { type: 'string', default: 'experiments/results/compare.svg', describe: 'SVG file to write' })
      .option('title', { type: 'string', describe: 'Chart title' }) as never,
  handler: async (args) => {
    console.log(`game-gym plot ${JSON.stringify(args, ['runs', 'metric', 'opponent', 'x', 'out'])}`);
    const r = await plotRuns({ runs: args.runs, metric: args.metric as never, opponent: args.opponent, x: args.x as never, out: args.out, title: args.title });
    console.log(`wrote ${r.file} (${r.points} points)`);
  },
};
