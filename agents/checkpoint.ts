/**
 * The checkpoint contract every saved agent folder follows:
 *
 *     agent.json   the header: {agent, version, config, spec, steps, learnerState}
 *     policy/      what acting needs (weights, table, matchboxes)
 *     learner/     what resuming needs (optimizer, replay buffer or rollouts,
 *                  counters, random generator); absent in a run's best/
 *
 * The header is written last, so a folder with one is complete. A run folder
 * holds `checkpoint/` (the newest: `agent/` + `trainer.json`), older ones as
 * `checkpoint-<steps>/` (`--keep-checkpoints`), and `best/` (`agent/` with the
 * policy only, + `eval.json`).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GameGymError } from '../src/core/errors.ts';
import type { LearnerSpec } from './agent.ts';

/** The version of the layout above; folders of another version are refused. */
export const CHECKPOINT_VERSION = 2;
export const HEADER_FILE = 'agent.json';
export const POLICY_DIR = 'policy';
export const LEARNER_DIR = 'learner';

/** A checkpoint cannot be used: no such folder, no checkpoint in it, another agent or another version. */
export class CheckpointError extends GameGymError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CHECKPOINT', message, options);
  }
}

/** The header of an agent folder (`agent.json`). */
export interface AgentHeader {
  /** 'dqn', 'ppo', 'tabular-q', 'menace' or 'bot'. */
  agent: string;
  version: number;
  /** The resolved config (every field). */
  config: object;
  /** What the learner was built for (null for a bot). */
  spec: LearnerSpec | null;
  /** Env steps (or recorded transitions) when saved. */
  steps: number;
  /** Whether `learner/` is there (false: policy only, it can act but not resume). */
  learnerState: boolean;
}

/**
 * Writes an agent folder: `writePolicy(policy/)`, then `writeLearner(learner/)`
 * when given, then the header. A stale `learner/` from an earlier save is removed.
 */
export async function writeAgentFolder(
  dir: string,
  header: Omit<AgentHeader, 'version' | 'learnerState'>,
  writePolicy: (policyDir: string) => Promise<void>,
  writeLearner?: (learnerDir: string) => Promise<void>,
): Promise<void> {
  await mkdir(path.join(dir, POLICY_DIR), { recursive: true });
  await rm(path.join(dir, HEADER_FILE), { force: true });
  await rm(path.join(dir, LEARNER_DIR), { recursive: true, force: true });
  await writePolicy(path.join(dir, POLICY_DIR));
  if (writeLearner) {
    await mkdir(path.join(dir, LEARNER_DIR), { recursive: true });
    await writeLearner(path.join(dir, LEARNER_DIR));
  }
  const full: AgentHeader = {
    agent: header.agent,
    version: CHECKPOINT_VERSION,
    config: header.config,
    spec: header.spec,
    steps: header.steps,
    learnerState: writeLearner !== undefined,
  };
  await writeFile(path.join(dir, HEADER_FILE), `${JSON.stringify(full, null, 2)}\n`);
}

/** Reads and checks an agent folder's header; `agent` names the kind expected. Throws CheckpointError. */
export async function readHeader(dir: string, agent?: string): Promise<AgentHeader> {
  if (!isDir(dir)) throw new CheckpointError(`No checkpoint at ${dir}: no such folder`);
  const file = path.join(dir, HEADER_FILE);
  if (!existsSync(file)) {
    const old = ['config.json', 'ppo.json'].some((f) => existsSync(path.join(dir, f)));
    throw new CheckpointError(
      old ? `${dir} holds a checkpoint of an older format (no ${HEADER_FILE}); this version reads version ${CHECKPOINT_VERSION}` : `${dir} holds no agent (no ${HEADER_FILE})`,
    );
  }
  let header: Partial<AgentHeader>;
  try {
    header = JSON.parse(await readFile(file, 'utf8')) as Partial<AgentHeader>;
  } catch (error) {
    throw new CheckpointError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (header.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`${dir} holds a version ${JSON.stringify(header.version)} checkpoint; this version reads version ${CHECKPOINT_VERSION}`);
  }
  if (typeof header.agent !== 'string') throw new CheckpointError(`${file} names no agent`);
  if (agent !== undefined && header.agent !== agent) throw new CheckpointError(`${dir} holds a ${JSON.stringify(header.agent)} agent, not ${agent}`);
  return header as AgentHeader;
}

/** Reads a JSON file of an agent folder, as a CheckpointError when it is missing or broken. */
export async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new CheckpointError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** A run folder's checkpoints, newest first: `checkpoint/` then `checkpoint-<steps>/` by steps. */
export async function runCheckpoints(runDir: string): Promise<string[]> {
  if (!isDir(runDir)) return [];
  const history = (await readdir(runDir))
    .map((name) => ({ name, steps: /^checkpoint-(\d+)$/.exec(name)?.[1] }))
    .filter((e): e is { name: string; steps: string } => e.steps !== undefined && isDir(path.join(runDir, e.name)))
    .sort((a, b) => Number(b.steps) - Number(a.steps))
    .map((e) => path.join(runDir, e.name));
  return isDir(path.join(runDir, 'checkpoint')) ? [path.join(runDir, 'checkpoint'), ...history] : history;
}

/**
 * Writes a run's newest checkpoint through `write(tmp)`: the previous
 * `checkpoint/` becomes `checkpoint-<its steps>/` (when `keep` > 1), the new
 * one is renamed into place, and only the newest `keep` are kept. A crash
 * leaves whole checkpoints only (the newest may then be `checkpoint-<steps>/`).
 */
export async function writeRunCheckpoint(runDir: string, keep: number, write: (tmp: string) => Promise<void>): Promise<void> {
  const dir = path.join(runDir, 'checkpoint');
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await write(tmp);
  if (isDir(dir)) {
    const steps = await checkpointSteps(dir);
    const aside = keep > 1 && steps !== undefined ? path.join(runDir, `checkpoint-${steps}`) : `${dir}.old`;
    await rm(aside, { recursive: true, force: true });
    await rename(dir, aside);
    await rename(tmp, dir);
    await rm(`${dir}.old`, { recursive: true, force: true });
  } else {
    await rename(tmp, dir);
  }
  for (const old of (await runCheckpoints(runDir)).slice(keep)) await rm(old, { recursive: true, force: true });
}

/** The env steps a run checkpoint was taken at (its agent header's), if readable. */
async function checkpointSteps(dir: string): Promise<number | undefined> {
  try {
    return (await readHeader(path.join(dir, 'agent'))).steps;
  } catch {
    return undefined;
  }
}

/** Writes a folder through `write(tmp)` and swaps it in with renames, so a crash leaves the old folder or the new one, never half of one. */
export async function saveAtomically(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await write(tmp);
  await rm(`${dir}.old`, { recursive: true, force: true });
  if (existsSync(dir)) await rename(dir, `${dir}.old`);
  await rename(tmp, dir);
  await rm(`${dir}.old`, { recursive: true, force: true });
}

/** Restores an agent saved with `save(dir)`: `create` makes it from the header's spec and config, then it loads the folder. */
export async function restoreAgent<A extends { load(dir: string): Promise<void> }, C>(
  dir: string,
  agent: string,
  create: (spec: LearnerSpec, config: C) => A | Promise<A>,
): Promise<A> {
  const header = await readHeader(dir, agent);
  const restored = await create(header.spec as LearnerSpec, header.config as C);
  await restored.load(dir);
  return restored;
}
