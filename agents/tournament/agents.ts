import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { OpponentSpec } from '../../src/env/opponents.ts';
import { botPolicy } from '../../src/env/opponents.ts';
import type { Policy } from '../../src/env/policy.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { allBotNames, botNames, gameWithBot } from '../../src/games/registry.ts';
import { BOT_AGENT_KIND, BotAgent, checkpointKind, isBotName, type BotName } from '../bots.ts';
import type { Learner } from '../agent.ts';
import { batchCalls } from '../training/batching.ts';
import { AGENT_NAMES, loadLearner, type AgentName } from '../training/registry.ts';

/** Learners that need tfjs (and so `initBackend` before loading). */
export const TFJS_AGENTS: readonly string[] = ['dqn', 'ppo'];

/** What the agent list of a tournament may hold, for error messages. */
export const AGENT_HELP = `a bot of the game (random, or one its spec lists; game-gym games shows them) or a checkpoint folder: a training run folder (its last checkpoint), its checkpoint/ or best/ (the best evaluated agent), or their agent/ (agent kinds: ${[BOT_AGENT_KIND, ...AGENT_NAMES].join(', ')})`;

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

/** Where a checkpoint folder's agent lives and what kind it is. */
export interface CheckpointInfo {
  /** The folder holding the agent's own files (config.json or ppo.json). */
  agentDir: string;
  kind: string;
  /** The training run folder, when the spec was one or lies inside one. */
  runDir?: string;
  /** The saved learner spec, when the checkpoint records it. */
  spec?: { observationSize?: number; actionCount?: number };
  /** The game of the training run, when known. */
  game?: string;
}

/**
 * Finds the agent inside a checkpoint folder: a run folder (its
 * `checkpoint/agent/`), a run's `checkpoint/` (its `agent/`), or the agent
 * folder itself. The kind comes from the agent's `config.json` (`agent`
 * field), or `ppo.json` for PPO, or the run's `config.json`.
 */
export async function inspectCheckpoint(dir: string): Promise<CheckpointInfo> {
  const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();
  if (!isDir(dir)) throw new InvalidOptionError(`Unknown agent ${JSON.stringify(dir)}: expected ${AGENT_HELP}; no such folder`);
  let agentDir = dir;
  let runDir: string | undefined;
  if (isDir(path.join(dir, 'checkpoint', 'agent'))) {
    runDir = dir;
    agentDir = path.join(dir, 'checkpoint', 'agent');
  } else if (isDir(path.join(dir, 'agent'))) {
    runDir = path.dirname(path.resolve(dir));
    agentDir = path.join(dir, 'agent');
  } else if (path.basename(path.resolve(dir)) === 'agent' && ['checkpoint', 'best'].includes(path.basename(path.dirname(path.resolve(dir))))) {
    runDir = path.dirname(path.dirname(path.resolve(dir)));
  }
  const run = runDir ? await readJson(path.join(runDir, 'config.json')) : undefined;
  const game = typeof run?.game === 'string' ? run.game : undefined;
  let kind: string | undefined;
  let spec: CheckpointInfo['spec'];
  if (existsSync(path.join(agentDir, 'config.json'))) {
    kind = await checkpointKind(agentDir);
    spec = (await readJson(path.join(agentDir, 'config.json')))?.spec as CheckpointInfo['spec'];
  } else if (existsSync(path.join(agentDir, 'ppo.json'))) {
    kind = 'ppo';
    spec = (await readJson(path.join(agentDir, 'ppo.json')))?.spec as CheckpointInfo['spec'];
  } else if (typeof run?.agent === 'string') {
    kind = run.agent;
  }
  if (kind === undefined) {
    throw new InvalidOptionError(`Folder ${dir} holds no checkpoint (no config.json or ppo.json in ${agentDir}); expected ${AGENT_HELP}`);
  }
  if (kind !== BOT_AGENT_KIND && !(AGENT_NAMES as readonly string[]).includes(kind)) {
    throw new InvalidOptionError(`Checkpoint ${dir} holds an agent of kind ${JSON.stringify(kind)}; known kinds: ${[BOT_AGENT_KIND, ...AGENT_NAMES].join(', ')}`);
  }
  return { agentDir, kind, ...(runDir ? { runDir } : {}), ...(spec ? { spec } : {}), ...(game ? { game } : {}) };
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
  const info = await inspectCheckpoint(spec);
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
  const s = info.spec;
  if (s && (s.observationSize !== context.observationSize || s.actionCount !== context.actionCount)) {
    throw new InvalidOptionError(
      `Checkpoint ${spec} is for observationSize ${s.observationSize} and actionCount ${s.actionCount}; ${context.game} has ${context.observationSize} and ${context.actionCount}`,
    );
  }
  const learner: Learner = await loadLearner(info.kind as AgentName, info.agentDir);
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
    throw new InvalidOptionError(`The ${bot} bot plays ${gameWithBot(bot) ?? 'no registered game'}, not ${context.game}; use ${botNames(context.game).join(' or ')} or a checkpoint`);
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

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidOptionError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Whether any spec names a checkpoint of a tfjs agent (so the backend must start first). */
export async function needsTfjs(specs: string[]): Promise<boolean> {
  for (const spec of specs) {
    if (allBotNames().includes(spec) || !existsSync(spec)) continue;
    try {
      if (TFJS_AGENTS.includes((await inspectCheckpoint(spec)).kind)) return true;
    } catch {
      // resolveAgents reports it.
    }
  }
  return false;
}
