import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { evaluatePolicy, type EvaluationResult } from '../agents/training/evaluate.ts';
import { loadLearner } from '../agents/training/registry.ts';
import { getGame } from '../src/games/registry.ts';
import { evaluationTable } from '../agents/training/report.ts';
import { TRAIN_DEFAULTS, train } from '../agents/training/trainer.ts';
import { trainConfigFromArgs } from './train.ts';

interface StartArgs {
  config: string;
  'eval-games': number;
  steps: number | undefined;
}

/** `game-gym start` (npm start): the main job. Trains the config's agent (DQN on the default game), then evaluates it against the game's evaluation opponents. */
export const startCommand: CommandModule<object, StartArgs> = {
  command: 'start',
  describe: 'Main job: train the agent of experiments/configs/start.json (DQN on TicTacToe, mostly against the random bot) on the embedded server, then evaluate it',
  builder: (y) =>
    y
      .option('config', { type: 'string', default: 'experiments/configs/start.json', describe: 'Training config of the main job' })
      .option('eval-games', { type: 'number', default: 1000, describe: 'Final evaluation games per opponent (first moves balanced)' })
      .option('steps', { type: 'number', describe: 'Override the env steps of the config' }) as never,
  handler: async (args) => {
    const file = JSON.parse(readFileSync(args.config, 'utf8')) as Record<string, unknown>;
    const config = trainConfigFromArgs({
      'agent-config': '{}',
      'eval-opponents': [],
      ...file,
      ...(args.steps ? { steps: args.steps } : {}),
    } as never);
    for (const key of Object.keys(config) as Array<keyof typeof config>) if (config[key] === undefined) delete config[key];
    const started = performance.now();
    const result = await train(config, { progress: true });
    // The agent of the best evaluation during training (fresh games and seeds here), else the last one.
    const agentDir = result.best?.dir ?? path.join(result.runDir, 'checkpoint', 'agent');
    const agent = await loadLearner(config.agent ?? 'dqn', agentDir);
    const final: EvaluationResult[] = [];
    const game = getGame(config.game ?? TRAIN_DEFAULTS.game);
    for (const opponent of game.evalOpponents) {
      final.push(await evaluatePolicy({ game: game.name, policy: agent, opponent, games: args['eval-games'], seed: 12345 }));
    }
    agent.dispose();
    const which = result.best ? `the best evaluated agent (step ${result.best.step} of ${result.envSteps})` : 'the final agent';
    console.log(`\nFinal evaluation of ${which}, greedy, ${args['eval-games']} fresh games per opponent, first moves balanced:\n`);
    console.log(evaluationTable(final));
    console.log(`\ntrained ${result.envSteps} env steps (${result.episodes} games) in ${result.seconds} s on ${result.backend}; whole job ${((performance.now() - started) / 1000).toFixed(0)} s`);
    console.log(`learning curve: ${path.join(result.runDir, 'curve.svg')}`);
    console.log(`model evaluated: ${agentDir}`);
    console.log(`last checkpoint (resume with game-gym train --resume): ${path.join(result.runDir, 'checkpoint')}`);
    console.log(`metrics: ${path.join(result.runDir, 'metrics.jsonl')}`);
  },
};
