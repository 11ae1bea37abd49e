import '../src/games/builtins.ts';
import { allBotNames, gameWithBot, isBot, makeBot } from '../src/games/registry.ts';
import type { Policy } from '../src/env/policy.ts';
import { InvalidOptionError } from '../src/core/errors.ts';
import type { LearnStats, Learner, SaveOptions, TransitionBatch } from './agent.ts';
import { CheckpointError, readHeader, writeAgentFolder } from './checkpoint.ts';
// Registers the optimal Yahtzee bot with the game registry.
import './yahtzee/optimal.ts';

/**
 * The env package's bots behind the `Learner` interface, so the trainer and
 * evaluation treat bots and learners alike: `explore` and `act` are the bot's
 * policy; `record`, `learn` and `dispose` do nothing; `save` writes an agent
 * folder whose header names the bot (`{ agent: 'bot', config: { bot, seed,
 * game } }`, an empty policy/), and `load` checks that it names this bot. Bots come from the game registry:
 * `random` plays any game, the others the games whose specs list them.
 */

/** A bot's name as a game spec lists it, with an optional `:option` (e.g. `lookahead:2`). */
export type BotName = string;

/** The agent kind written into a bot's `agent.json`. */
export const BOT_AGENT_KIND = 'bot';

/** Whether `x` names a bot of `game` (of any registered game when no game is given). */
export function isBotName(x: unknown, game?: string): x is BotName {
  if (typeof x !== 'string') return false;
  return game === undefined ? gameWithBot(x) !== undefined : isBot(game, x);
}

/** The resolved config of a bot agent, as saved. */
export interface BotConfig {
  bot: BotName;
  seed: number;
  /** The game whose bot it is. */
  game: string;
}

/** A bot as a learner that never learns. */
export class BotAgent implements Learner {
  readonly name: BotName;
  readonly config: BotConfig;
  private readonly policy: Policy<Float32Array>;

  /** `game` defaults to the first registered game with a bot of that name. */
  constructor(bot: BotName, seed = 0, game?: string) {
    if (!isBotName(bot, game)) throw new InvalidOptionError(`Expected a bot name (${game === undefined ? allBotNames().join(', ') : `of ${game}`}), got ${JSON.stringify(bot)}`);
    if (!(typeof seed === 'number' && Number.isFinite(seed))) throw new InvalidOptionError(`Expected seed to be a finite number, got ${String(seed)}`);
    this.name = bot;
    this.config = { bot, seed, game: game ?? (gameWithBot(bot) as string) };
    this.policy = makeBot(this.config.game, bot, seed);
  }

  /** The bot a checkpoint folder names. */
  static async fromCheckpoint(dir: string): Promise<BotAgent> {
    const saved = await readBotConfig(dir);
    return new BotAgent(saved.bot, saved.seed, saved.game);
  }

  act(observations: Float32Array[], masks: Uint8Array[]): number[] | Promise<number[]> {
    return this.policy.act(observations, masks);
  }

  explore(observations: Float32Array[], masks: Uint8Array[], _envIds: number[]): number[] | Promise<number[]> {
    return this.policy.act(observations, masks);
  }

  record(_batch: TransitionBatch): void {}

  async learn(_envSteps: number): Promise<LearnStats | null> {
    return null;
  }

  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    await writeAgentFolder(dir, { agent: BOT_AGENT_KIND, config: this.config, spec: null, steps: options.steps ?? 0 }, async () => {});
  }

  async load(dir: string): Promise<void> {
    const saved = await readBotConfig(dir);
    if (saved.bot !== this.name) throw new InvalidOptionError(`Checkpoint ${dir} holds the ${saved.bot} bot, not ${this.name}`);
  }

  dispose(): void {}
}

/** A bot as a `Learner` (explore = act = the bot's policy; nothing learns). */
export function botAgent(name: BotName, seed = 0, game?: string): BotAgent {
  return new BotAgent(name, seed, game);
}

/** Whether a learner is a bot (it never learns, so a trainer can skip record/learn/save). */
export function isBotAgent(learner: Learner): learner is BotAgent {
  return learner instanceof BotAgent;
}

/** The agent kind an agent folder's header names ('bot', 'tabular-q', 'menace', ...). */
export async function checkpointKind(dir: string): Promise<string> {
  return (await readHeader(dir)).agent;
}

async function readBotConfig(dir: string): Promise<BotConfig> {
  const header = await readHeader(dir);
  const saved = header.config as { bot?: unknown; seed?: unknown; game?: unknown };
  const game = typeof saved.game === 'string' ? saved.game : undefined;
  if (header.agent !== BOT_AGENT_KIND || !isBotName(saved.bot, game)) {
    throw new CheckpointError(`Checkpoint ${dir} holds no bot (agent.json: ${JSON.stringify({ agent: header.agent, config: header.config })})`);
  }
  return { bot: saved.bot, seed: typeof saved.seed === 'number' ? saved.seed : 0, game: game ?? (gameWithBot(saved.bot) as string) };
}
