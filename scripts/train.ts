import type { CommandModule } from 'yargs';
import { TrainConfigSchema } from '../agents/training/config.ts';
import { resolveTrainConfig, train } from '../agents/training/trainer.ts';
import { distributedExperience } from '../agents/distributed/options.ts';
import { flag, nonNegativeInt, positiveInt, text } from '../src/core/options.ts';
import { addOptions, flagName, optionsFromArgs } from './options.ts';
import { stopOnCtrlC } from './ctrl-c.ts';

/** The flags of `game-gym train`: the training config and how to run it. */
export const TrainCommandSchema = TrainConfigSchema.extend({
  resume: text().optional().describe("Continue the run in this folder (or its checkpoint/) from its last checkpoint, with the run's own config; --steps sets its new total"),
  progress: flag().default(true).describe('Show a progress bar (--no-progress for log lines)'),
  actors: nonNegativeInt().default(0).describe('Play in N actor processes (--envs sessions each) that send transitions to this learner (0: all in this process; dqn)'),
  queue: text().optional().describe('Learn from `game-gym actor`s on any machine through Redis (redis://HOST:PORT); needs --run'),
  run: text().optional().describe('With --queue: the run name the actors join (game-gym actor --queue URL --run NAME)'),
  queueTimeout: positiveInt().default(60).describe('With --queue: seconds Redis may not answer before the learner stops (continue with --resume)'),
});

/** `game-gym train`: trains an agent through many sessions at once. */
export const trainCommand: CommandModule<object, Record<string, unknown>> = {
  command: 'train',
  describe: 'Train an agent on a server game (async vector env, batched inference, eval, checkpoints, resume)',
  builder: (y) => addOptions(y, TrainCommandSchema, { config: "JSON or YAML config file (e.g. experiments/configs/start.json, or a run's config.json); flags override it" }),
  handler: async (args) => {
    const { resume, progress, actors, queue, run, queueTimeout, ...options } = optionsFromArgs(TrainCommandSchema, args);
    // A resumed run keeps its own config; only a typed --steps extends it.
    const config = resume ? (args.steps === undefined ? {} : { steps: options.steps }) : resolveTrainConfig(options, flagName);
    // Actors and queue are checked against the config before anything is created (a resume's config is checked by the trainer).
    const checked =
      'agent' in config
        ? { agent: config.agent, opponent: config.opponent, record: config.record ?? undefined, server: config.server, 'session-prefix': config.sessionPrefix ?? undefined }
        : {};
    const experience = distributedExperience({ actors, queue, run, 'queue-timeout': queueTimeout, ...checked });
    // The first Ctrl-C stops at the next batch and saves a checkpoint to resume from; a second one quits.
    const stop = stopOnCtrlC('saving a checkpoint');
    const result = await train(config, { progress, signal: stop.signal, ...(experience ? { experience } : {}) }, resume);
    if (stop.signal.aborted) process.exit(130); // the trainer printed where the checkpoint is
    console.log(`done: ${result.envSteps} env steps, ${result.episodes} episodes in ${result.seconds} s on ${result.backend}`);
    console.log(`run folder: ${result.runDir} (config.json, metrics.jsonl, curve.svg, checkpoint/${result.best ? ', best/' : ''})`);
    if (result.best) console.log(`best evaluation: step ${result.best.step}, score ${result.best.score.toFixed(3)}; agent in ${result.best.dir}`);
  },
};
