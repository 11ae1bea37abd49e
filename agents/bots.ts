import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { botPolicy } from '../src/env/opponents.ts';
import type { Policy } from '../src/env/policy.ts';
import { InvalidOptionError } from '../src/protocol/errors.ts';
import type { LearnStats, Learner, TransitionBatch } from './agent.ts';
import { OptimalYahtzeePolicy } from './yahtzee/optimal.ts';

/**
 * The env package's bots behind the `Learner` interface, so the trainer and
 * evaluation treat bots and learners alike: `explore` and `act` are the bot's
 * policy; `record`, `learn` and `dispose` do nothing; `save` writes a
 * `config.json` naming the bot (`{ agent: 'bot', bot, seed }`), and `load`
 * checks that a checkpoint names this bot. Which game each bot suits:
 * 'random' any, 'minimax' TicTacToe, 'greedy' and 'optimal' Yahtzee.
 */

export const BOT_NAMES = ['random', 'minimax', 'greedy', 'optimal'] as const;
export type BotName = (typeof BOT_NAMES)[number];

/** The agent kind written into a bot's `config.json`. */
export const BOT_AGENT_KIND = 'bot';

/** Whether `x` names a bot. */
export function isBotName(x: unknown): x is BotName {
  return typeof x === 'string' && (BOT_NAMES as readonly string[]).includes(x);
}

/** The resolved config of a bot agent, as saved. */
export interface BotConfig {
  bot: BotName;
  seed: number;
}

/** A bot as a learner that never learns. */
export class BotAgent implements Learner {
  readonly name: BotName;
  readonly config: BotConfig;
  private readonly policy: Policy<Float32Array>;

  constructor(bot: BotName, seed = 0) {
    if (!isBotName(bot)) throw new InvalidOptionError(`Expected a bot name (${BOT_NAMES.join(', ')}), got ${JSON.stringify(bot)}`);
    if (!(typeof seed === 'number' && Number.isFinite(seed))) throw new InvalidOptionError(`Expected seed to be a finite number, got ${String(seed)}`);
    this.name = bot;
    this.config = { bot, seed };
    this.policy = namedBotPolicy(bot, seed);
  }

  /** The bot a checkpoint folder names. */
  static async fromCheckpoint(dir: string): Promise<BotAgent> {
    const saved = await readBotConfig(dir);
    return new BotAgent(saved.bot, saved.seed);
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

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'config.json'), `${JSON.stringify({ agent: BOT_AGENT_KIND, ...this.config }, null, 2)}\n`);
  }

  async load(dir: string): Promise<void> {
    const saved = await readBotConfig(dir);
    if (saved.bot !== this.name) throw new InvalidOptionError(`Checkpoint ${dir} holds the ${saved.bot} bot, not ${this.name}`);
  }

  dispose(): void {}
}

/**
 * A bot's policy by name: the env package's bots, and 'optimal' (exact
 * optimal solitaire Yahtzee from the solved table, loaded or solved on first use).
 */
export function namedBotPolicy(name: BotName, seed: number | string): Policy<Float32Array> {
  return name === 'optimal' ? new OptimalYahtzeePolicy() : (botPolicy(name, seed) as Policy<Float32Array>);
}

/** A bot as a `Learner` (explore = act = the bot's policy; nothing learns). */
export function botAgent(name: BotName, seed = 0): BotAgent {
  return new BotAgent(name, seed);
}

/** Whether a learner is a bot (it never learns, so a trainer can skip record/learn/save). */
export function isBotAgent(learner: Learner): learner is BotAgent {
  return learner instanceof BotAgent;
}

/** The agent kind a checkpoint folder's `config.json` names ('bot', 'tabular-q', 'menace', ...). */
export async function checkpointKind(dir: string): Promise<string> {
  const saved = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { agent?: unknown };
  if (typeof saved.agent !== 'string') throw new InvalidOptionError(`Checkpoint ${dir}: config.json names no agent`);
  return saved.agent;
}

async function readBotConfig(dir: string): Promise<BotConfig> {
  const saved = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { agent?: unknown; bot?: unknown; seed?: unknown };
  if (saved.agent !== BOT_AGENT_KIND || !isBotName(saved.bot)) {
    throw new InvalidOptionError(`Checkpoint ${dir} holds no bot (config.json: ${JSON.stringify(saved)})`);
  }
  return { bot: saved.bot, seed: typeof saved.seed === 'number' ? saved.seed : 0 };
}
