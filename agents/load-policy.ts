import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Learner } from './agent.ts';
import { BOT_AGENT_KIND, BotAgent } from './bots.ts';
import { CheckpointError, HEADER_FILE, isDir, readHeader, readJson, runCheckpoints, type AgentHeader } from './checkpoint.ts';
import { AGENT_NAMES, loadLearner, type AgentName } from './training/registry.ts';

/** What a path given as an agent (`--policies`, `--agents`, `loadPolicy`) stands for. */
export interface CheckpointInfo {
  /** The agent folder (the one holding agent.json). */
  agentDir: string;
  /** The header's agent: 'bot' or a learner's name. */
  kind: string;
  header: AgentHeader;
  /** The training run folder, when the path was one or lies inside one. */
  runDir?: string;
  /** The game of the training run, when known. */
  game?: string;
}

/** The kinds of path `loadPolicy` accepts, for error messages. */
export const POLICY_PATHS = 'a run folder (its best policy, else its newest checkpoint), its best/, checkpoint/ or checkpoint-<steps>/, or an agent folder (with agent.json)';

/**
 * Finds the agent a path stands for: a run folder means its `best/` policy
 * (else its newest checkpoint, when it kept no best); `best/`,
 * `checkpoint/` and `checkpoint-<steps>/` mean their `agent/`; an agent
 * folder is itself. Reads and checks the header (CheckpointError, code
 * E_CHECKPOINT, for a missing folder, no checkpoint, an unknown agent kind
 * or another version).
 */
export async function resolveCheckpoint(p: string): Promise<CheckpointInfo> {
  if (!isDir(p)) throw new CheckpointError(`No checkpoint at ${p}: no such folder; expected ${POLICY_PATHS}`);
  let agentDir: string | undefined;
  let runDir: string | undefined;
  const hasAgent = (dir: string): boolean => existsSync(path.join(dir, HEADER_FILE));
  if (hasAgent(p)) {
    agentDir = p;
    const up = path.dirname(path.dirname(path.resolve(p)));
    if (path.basename(p) === 'agent' && existsSync(path.join(up, 'config.json'))) runDir = up;
  } else if (hasAgent(path.join(p, 'agent'))) {
    agentDir = path.join(p, 'agent');
    const up = path.dirname(path.resolve(p));
    if (existsSync(path.join(up, 'config.json'))) runDir = up;
  } else if (existsSync(path.join(p, 'config.json')) || (await runCheckpoints(p)).length > 0 || isDir(path.join(p, 'best'))) {
    runDir = p;
    const candidates = [path.join(p, 'best'), ...(await runCheckpoints(p))].map((d) => path.join(d, 'agent'));
    agentDir = candidates.find(hasAgent);
  }
  if (agentDir === undefined) {
    // Agent folders of version 1 named their agent in config.json (ppo.json for PPO), directly or in a run's best|checkpoint/agent/.
    const places = runDir ? ['best', 'checkpoint'].map((d) => path.join(p, d, 'agent')) : [p, path.join(p, 'agent')];
    const old = places.some((d) => ['config.json', 'ppo.json'].some((f) => existsSync(path.join(d, f))));
    throw new CheckpointError(old ? `${p} holds a checkpoint of an older format (no ${HEADER_FILE})` : `${p} holds no checkpoint; expected ${POLICY_PATHS}`);
  }
  const header = await readHeader(agentDir);
  if (header.agent !== BOT_AGENT_KIND && !(AGENT_NAMES as readonly string[]).includes(header.agent)) {
    throw new CheckpointError(`${agentDir} holds an agent of kind ${JSON.stringify(header.agent)}; known kinds: ${[BOT_AGENT_KIND, ...AGENT_NAMES].join(', ')}`);
  }
  const run = runDir ? await readJson<{ game?: unknown }>(path.join(runDir, 'config.json')).catch(() => undefined) : undefined;
  const game = typeof run?.game === 'string' ? run.game : undefined;
  return { agentDir, kind: header.agent, header, ...(runDir ? { runDir } : {}), ...(game ? { game } : {}) };
}

/**
 * Loads the policy a path stands for (see `resolveCheckpoint`), ready to act
 * (`act`; learners with their learner state too when the folder has it).
 * `agent` requires a kind (CheckpointError otherwise). Dispose it after use.
 */
export async function loadPolicy(p: string, options: { agent?: string } = {}): Promise<Learner> {
  const info = await resolveCheckpoint(p);
  if (options.agent !== undefined && info.kind !== options.agent) throw new CheckpointError(`${info.agentDir} holds a ${JSON.stringify(info.kind)} agent, not ${options.agent}`);
  if (info.kind === BOT_AGENT_KIND) return BotAgent.fromCheckpoint(info.agentDir);
  return loadLearner(info.kind as AgentName, info.agentDir);
}
