import { z } from 'zod';
import { DEFAULT_GAME } from '../../src/games/builtins.ts';
import { integer, nonNegativeInt, nonNegativeNumber, oneOf, positiveInt, text, textList } from '../../src/core/options.ts';
import { BACKEND_CHOICES } from '../training/config.ts';

/**
 * Every option of a tournament (`game-gym evaluate`), its check, default and
 * description, in one place: `runTournament` reads its defaults from here,
 * the command its flags.
 */
export const TournamentConfigSchema = z
  .object({
    game: text().default(DEFAULT_GAME).describe('Game: a registered name or id (two-player games: round robin; single-player: mean scores)'),
    agents: textList()
      .default([])
      .describe(
        "Comma- or space-separated bots of the game and checkpoint folders (a run folder: its best policy; its best/, checkpoint/ or checkpoint-<steps>/, or their agent/); default: the game's bots",
      ),
    games: positiveInt().default(1000).describe('Games per pair (per agent in single-player games); seats and first moves balanced'),
    server: text().default('embedded').describe('embedded (a fresh seeded server in process), embedded-tcp, or host:port of a running server (the reference too)'),
    seed: integer().default(1).describe('Base seed of the servers, bots and Elo bootstrap (named streams per match)'),
    parallel: positiveInt().default(16).describe('Sessions played at once per match (policy calls batched)'),
    record: text().optional().describe('Record the protocol traffic of every game to this file (serve it with game-gym replay)'),
    anchor: text().default('auto').describe('Elo anchor: auto (random = 0 if present, else mean = 1500), mean (= 1500) or an agent label (= 0)'),
    priorDraws: nonNegativeNumber().default(1).describe('Virtual draws added to every pair in the Elo fit (keeps unbeaten agents finite)'),
    bootstrap: nonNegativeInt().default(1000).describe('Bootstrap resamples for the Elo 95% intervals (0: ±1.96 standard errors)'),
    backend: oneOf(BACKEND_CHOICES).default('auto').describe('tfjs backend for dqn/ppo checkpoints (auto: tfjs-node if installed, else wasm, else cpu)'),
  })
  .strict();

/** Everything a tournament is made of; every field has a default (`TOURNAMENT_DEFAULTS`). */
export type TournamentConfig = z.output<typeof TournamentConfigSchema>;

/** Defaults of every tournament option. */
export const TOURNAMENT_DEFAULTS: TournamentConfig = TournamentConfigSchema.parse({});
