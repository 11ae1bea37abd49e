import { z } from 'zod';
import { DEFAULT_GAME } from '../../src/games/builtins.ts';
import { between, flag, integer, jsonObject, oneOf, positiveInt, text, textList } from '../../src/core/options.ts';
import { AGENT_NAMES } from './registry.ts';

const NAME = /^[\w.-]+$/;
const A_NAME = "a name of letters, digits, '.', '-' or '_'";

/** tfjs backends a run may ask for (auto: tfjs-node if installed, else wasm, else cpu). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

/**
 * Every option of a training run, its check, default and description, in
 * one place: `train` reads its defaults from here, `game-gym train` its flags
 * (`evalEvery` is `--eval-every`), and config files are checked against it.
 */
export const TrainConfigSchema = z
  .object({
    game: text().default(DEFAULT_GAME).describe('Game: a registered name or id (game-gym games lists them)'),
    agent: oneOf(AGENT_NAMES).default('dqn').describe('Learner'),
    opponent: text()
      .default('random')
      .describe(
        'Other seats: a bot of the game (random, or one game-gym games lists; name:option for options), a mix of bots drawn per game, the learner itself (self) or past snapshots (pool)',
      ),
    opponentMix: jsonObject(z.number({ error: 'a JSON object of bot shares' }))
      .default({})
      .describe('--opponent mix: JSON of bot shares, e.g. \'{"random":0.7,"minimax":0.3}\' (default: 70% random, 30% the game\'s last evaluation opponent)'),
    poolLatestRatio: between(0, 1).default(0.8).describe('--opponent pool: share of games against the latest policy'),
    poolSize: positiveInt().default(5).describe('--opponent pool: snapshots kept'),
    poolSnapshotEvery: positiveInt().default(20_000).describe('--opponent pool: env steps between snapshots'),
    envs: positiveInt().default(16).describe('Parallel sessions'),
    steps: positiveInt().default(200_000).describe("Env steps (transitions of the learner's seats) to train for; with --resume, the run's new total"),
    server: text().default('embedded').describe('embedded, embedded-tcp, or host:port of a running server (the reference too)'),
    seed: integer().default(1).describe('Base seed of the run: the agent, envs, opponents, evaluations and embedded server draw named streams from it'),
    out: text().default('experiments/runs').describe('Folder for run folders (game__agent__seed__time)'),
    evalEvery: positiveInt().default(25_000).describe('Env steps between evaluations'),
    evalGames: positiveInt().default(200).describe('Games per evaluation and opponent'),
    evalOpponents: textList().default([]).describe("Fixed evaluation opponents (default: the game spec's evaluation opponents)"),
    checkpointEvery: positiveInt().default(25_000).describe('Env steps between checkpoints'),
    keepCheckpoints: positiveInt().default(1).describe('Checkpoints kept: checkpoint/ (the newest) and N-1 older checkpoint-<steps>/'),
    logEvery: positiveInt().default(5_000).describe('Env steps between training log lines (metrics.jsonl, progress.csv; printed with --no-progress)'),
    keepBest: flag()
      .default(true)
      .describe('Save the agent of the best evaluation (mean over the evaluation opponents of win minus loss rate, or of the mean score) into best/ (--no-keep-best to skip)'),
    tensorboard: flag().default(true).describe('Write TensorBoard event files into <run>/tb/ (tensorboard --logdir <out>; --no-tensorboard to skip)'),
    backend: oneOf(BACKEND_CHOICES).default('auto').describe('tfjs backend (auto: tfjs-node if installed, else wasm, else cpu)'),
    players: positiveInt().nullable().default(null).describe("Seats per session (default: the game's usual)"),
    agentConfig: jsonObject(z.unknown()).default({}).describe("JSON object of the learner's config overrides, e.g. '{\"learningRate\":0.0005}'"),
    record: text().nullable().default(null).describe('Record the protocol traffic of the training sessions to this JSON Lines file (serve it with game-gym replay)'),
    runName: text(NAME, A_NAME).nullable().default(null).describe('Name of the run folder under --out (default game__agent__seed__time)'),
    sessionPrefix: text(NAME, A_NAME).nullable().default(null).describe('Name the sessions PREFIX-i and the learner seats learner-i (printed), so game-gym watch can follow them'),
  })
  .strict();

/** Everything a training run is made of; every field has a default (`TRAIN_DEFAULTS`). */
export type TrainConfig = z.output<typeof TrainConfigSchema>;

/** Defaults of every training option. */
export const TRAIN_DEFAULTS: TrainConfig = TrainConfigSchema.parse({});
