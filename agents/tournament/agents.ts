import { existsSync } from 'node:fs';
import path from 'node:path';
import type { OpponentSpec } from '../../src/env/opponents.ts';
import { botPolicy } from '../../src/env/opponents.ts';
import type { Policy } from '../../src/env/policy.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { allBotNames, botNames, gameWithBot } from '../../src/games/registry.ts';
import { BOT_AGENT_KIND, BotAgent, isBotName, type BotName } from '../bots.ts';
import type { LearnerSpec } from '../agent.ts';
import { loadPolicy, POLICY_PATHS, resolveCheckpoint } from '../load-policy.ts';
import type { Learner } from '../agent.ts';
import { batchCalls } from '../training/batching.ts';
import { AGENT_NAMES, TFJS_AGENTS } from '../training/registry.ts';

/** What the agent list of a tournament may hold, for error messages. */
export const AGENT_HELP = `a bot of the game (random, or one its spec lists; game-gym games shows them) or ${POLICY_PATHS} (agent kinds: ${[BOT_AGENT_KIND, ...AGENT_NAMES].join(', ')})`;

/** A player of a tournament, ready to act. */
export interface TournamentAgent {
  /** Unique display name: the bot's name or the run folder's name (#2, #3 for repeats). */
  label: string;
  /** As given on the command line. */
  spec: string;
  /** 'bot' or the learner kind ('dqn', 'ppo', 'tabular-q', 'menace'). */
  kind: string;
  bot?: BotName;
  /** The checkpoint folder the agent was loaded from. */
  dir?: string;
  /** Plays the env's own seat (greedy: `act`). */
  policy: Policy<Float32Array>;
  /** Plays the other seat: the bot's policy, or the learner's greedy policy with its calls batched across sessions. */
  opponent(): OpponentSpec;
  /** Bots: a new instance seeded by `seed`, for a tournament unit that must not depend on the units played before it. */
  fresh?(seed: string): Policy<Float32Array>;
  dispose(): void;
}

/** Facts about the game the agents must fit. */
export interface AgentContext {
  game: string;
  observationSize: number;
  actionCount: number;
  seed: number;
}

/**
 * Turns the names on a tournament's agent list into agents: bot names
 * (checked against the game) and checkpoint folders (checked against the
 * game's observation and action sizes). Call `initBackend` first when a
 * checkpoint may hold a tfjs agent. Repeated entries get labels `x#2`, `x#3`.
 */
export async function resolveAgents(specs: string[], context: AgentContext): Promise<TournamentAgent[]> {
  const agents: TournamentAgent[] = [];
  const seen = new Map<string, number>();
  try {
    for (const [i, spec] of specs.entries()) {
      if (typeof spec !== 'string' || spec.trim() === '') throw new InvalidOptionError(`Expected agent ${i + 1} to be ${AGENT_HELP}, got ${JSON.stringify(spec)}`);
      const agent = await resolveOne(spec.trim(), context, `${context.seed}-${i}`);
      const count = (seen.get(agent.label) ?? 0) + 1;
      seen.set(agent.label, count);
      if (count > 1) agent.label = `${agent.label}#${count}`;
      agents.push(agent);
    }
  } catch (error) {
    for (const a of agents) a.dispose();
    throw error;
  }
  return agents;
}

async function resolveOne(spec: string, context: AgentContext, seed: string): Promise<TournamentAgent> {
  if (isBotName(spec, context.game) || (isBotName(spec) && !existsSync(spec))) return botEntry(spec, spec, context, seed);
  if (!existsSync(spec)) throw new InvalidOptionError(`Unknown agent ${JSON.stringify(spec)}: expected ${AGENT_HELP}; no such bot or folder`);
  const info = await resolveCheckpoint(spec);
  if (info.game !== undefined && info.game !== context.game) {
    throw new InvalidOptionError(`Checkpoint ${spec} was trained on ${info.game}, not ${context.game}`);
  }
  const run = path.basename(path.resolve(info.runDir ?? spec));
  // A run's best/ agent is named apart from its last checkpoint.
  const label = info.runDir && path.basename(path.dirname(path.resolve(info.agentDir))) === 'best' ? `${run}/best` : run;
  if (info.kind === BOT_AGENT_KIND) {
    const bot = await BotAgent.fromCheckpoint(info.agentDir);
    return { ...botEntry(bot.name, spec, context, seed), label, dir: info.agentDir };
  }
  const s = info.header.spec as LearnerSpec | null;
  if (s && (s.observationSize !== context.observationSize || s.actionCount !== context.actionCount)) {
    throw new InvalidOptionError(
      `Checkpoint ${spec} is for observationSize ${s.observationSize} and actionCount ${s.actionCount}; ${context.game} has ${context.observationSize} and ${context.actionCount}`,
    );
  }
  const learner: Learner = await loadPolicy(info.agentDir);
  const greedy: Policy<Float32Array> = { name: label, act: (o, m) => learner.act(o, m) };
  return {
    label,
    spec,
    kind: info.kind,
    dir: info.agentDir,
    policy: greedy,
    // One batcher per match, so that each match's sessions share model calls.
    opponent: () => batchCalls(greedy),
    dispose: () => learner.dispose(),
  };
}

function botEntry(bot: BotName, spec: string, context: AgentContext, seed: string): TournamentAgent {
  if (!isBotName(bot, context.game)) {
    throw new InvalidOptionError(
      `The ${bot} bot plays ${gameWithBot(bot) ?? 'no registered game'}, not ${context.game}; use ${botNames(context.game).join(' or ')} or a checkpoint`,
    );
  }
  // One policy object for both seats and every match: a bot's memo (minimax's) is filled once, not per session.
  const policy = botPolicy(context.game, bot, `tournament-${seed}`) as Policy<Float32Array>;
  return {
    label: bot,
    spec,
    kind: BOT_AGENT_KIND,
    bot,
    policy,
    opponent: () => policy,
    fresh: (unitSeed) => botPolicy(context.game, bot, `tournament-${seed}-${unitSeed}`) as Policy<Float32Array>,
    dispose: () => {},
  };
}

/** Whether any spec names a checkpoint of a tfjs agent (so the backend must start first). */
export async function needsTfjs(specs: string[]): Promise<boolean> {
  for (const spec of specs) {
    if (allBotNames().includes(spec) || !existsSync(spec)) continue;
    try {
      if (TFJS_AGENTS.includes((await resolveCheckpoint(spec)).kind)) return true;
    } catch {
      // resolveAgents reports it.
    }
  }
  return false;
}
