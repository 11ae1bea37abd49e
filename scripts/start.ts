import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { z } from 'zod';
import { evaluatePolicy, type EvaluationResult } from '../agents/training/evaluate.ts';
import { loadPolicy } from '../agents/load-policy.ts';
import { evaluationTable } from '../agents/training/report.ts';
import { TrainConfigSchema } from '../agents/training/config.ts';
import { resolveTrainConfig, train } from '../agents/training/trainer.ts';
import type { OpponentSpec } from '../src/env/opponents.ts';
import { integer, positiveInt, text } from '../src/core/options.ts';
import { addOptions, flagName, optionsFromArgs, readOptionsFile } from './options.ts';

const DEFAULT_CONFIG = 'experiments/configs/start.json';

/** The main job's config: `config` when it exists; the default one falls back to the copy shipped with the package (run outside the repository). */
function startConfigFile(config: string): string {
  if (config !== DEFAULT_CONFIG || existsSync(config)) return config;
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Sources sit in scripts/, compiled code in dist/scripts/.
  const shipped = [path.join(here, '..', DEFAULT_CONFIG), path.join(here, '..', '..', DEFAULT_CONFIG)].find((f) => existsSync(f));
  return shipped ?? config;
}

/** The flags of `game-gym start`. */
export const StartCommandSchema = z
  .object({
    config: text().default(DEFAULT_CONFIG).describe('Training config of the main job (JSON or YAML, as train --config)'),
    evalGames: positiveInt().default(10_000).describe('Final evaluation games per opponent (first moves balanced)'),
    steps: positiveInt().optional().describe('Override the env steps of the config'),
    seed: integer().optional().describe('Override the seed of the config'),
  })
  .strict();

/** `game-gym start` (npm start): the main job. Trains as its config says (DQN on TicTacToe vs random and 30% minimax), then evaluates the kept agent on the config's game against its evaluation opponents. */
export const startCommand: CommandModule<object, Record<string, unknown>> = {
  command: 'start',
  describe: 'Main job: train the agent of experiments/configs/start.json (DQN on TicTacToe, mostly against the random bot) on the embedded server, then evaluate it',
  builder: (y) => addOptions(y, StartCommandSchema),
  handler: async (args) => {
    const options = optionsFromArgs(StartCommandSchema, args);
    const file = readOptionsFile(startConfigFile(options.config), TrainConfigSchema);
    // Flags over the file, checked before anything is created.
    const config = resolveTrainConfig(
      { ...file, ...(options.steps === undefined ? {} : { steps: options.steps }), ...(options.seed === undefined ? {} : { seed: options.seed }) },
      flagName,
    );
    const games = options.evalGames;
    const started = performance.now();
    const result = await train(config, { progress: true });
    // The agent of the best evaluation during training (fresh games and seeds here), else the last one.
    const agentDir = result.best?.dir ?? path.join(result.runDir, 'checkpoint', 'agent');
    const agent = await loadPolicy(agentDir);
    const final: EvaluationResult[] = [];
    // The config's game against its evaluation opponents (TicTacToe: random and minimax).
    const { game, evalOpponents, players } = config;
    for (const opponent of evalOpponents) {
      final.push(await evaluatePolicy({ game, policy: agent, opponent: opponent as OpponentSpec, games, seed: 12345, players: players ?? undefined }));
    }
    agent.dispose();
    const which = result.best ? `the best evaluated agent (step ${result.best.step} of ${result.envSteps})` : 'the final agent';
    console.log(`\nFinal evaluation of ${which}, greedy, ${games} fresh games per opponent (first moves balanced in two-player games):\n`);
    console.log(evaluationTable(final));
    console.log(
      `\ntrained ${result.envSteps} env steps (${result.episodes} games) in ${result.seconds} s on ${result.backend}; whole job ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    console.log(`learning curve: ${path.join(result.runDir, 'curve.svg')}`);
    console.log(`model evaluated: ${agentDir}`);
    console.log(`last checkpoint: ${path.join(result.runDir, 'checkpoint')} (continue with: game-gym train --resume ${result.runDir})`);
    console.log(`metrics: ${path.join(result.runDir, 'metrics.jsonl')}`);
  },
};
