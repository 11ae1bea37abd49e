import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Policy } from '../../src/env/policy.ts';
import { GameGymError, InvalidOptionError } from '../../src/core/errors.ts';
import type { BackendName } from '../tf/backend.ts';
import type { Learner } from '../agent.ts';
import { botPolicy } from '../../src/env/opponents.ts';
import { botNames } from '../../src/games/registry.ts';
import { BOT_AGENT_KIND, isBotName, type BotName } from '../bots.ts';
import { hasActDetails } from '../agent.ts';
import { loadPolicy, resolveCheckpoint } from '../load-policy.ts';
import { TFJS_AGENTS, type AgentName } from '../training/registry.ts';

/** A policy broke the rules (an illegal or malformed action): the data would be wrong, so the run stops. */
export class PolicyError extends GameGymError {
  constructor(message: string) {
    super('E_POLICY', message);
  }
}

/**
 * A learner may expose the distribution it acts from: one row of action
 * probabilities per observation (illegal actions 0). `collect` records it in
 * the `probs` column; policies without it get null there.
 */
export interface WithProbabilities {
  probabilities(observations: Float32Array[], masks: Uint8Array[]): number[][] | Promise<number[][]>;
}

/**
 * A policy may expose its value of every action (the optimal Yahtzee bot:
 * expected points still to come); `collect` records it in the `values`
 * column, illegal actions as 0.
 */
export interface WithActionValues {
  actionValues(observations: Float32Array[], masks: Uint8Array[]): ArrayLike<number>[] | Promise<ArrayLike<number>[]>;
}

/** Whether a policy exposes `actionValues`. */
export function hasActionValues(policy: unknown): policy is WithActionValues {
  return typeof (policy as Partial<WithActionValues> | null)?.actionValues === 'function';
}

/** Whether a policy exposes `probabilities`. */
export function hasProbabilities(policy: unknown): policy is WithProbabilities {
  return typeof (policy as Partial<WithProbabilities> | null)?.probabilities === 'function';
}

/** One seat's policy as resolved from its `--policies` entry, before loading. */
export interface ResolvedPolicy {
  /** The entry as given. */
  spec: string;
  /** 'bot' or the learner's agent name. */
  kind: 'bot' | AgentName;
  /** The bot (by name, or the one a bot checkpoint names). */
  bot?: BotName;
  /** The game whose bot it is. */
  game?: string;
  /** A bot checkpoint's seed (mixed into the per-session bot seeds). */
  botSeed?: number;
  /** Absolute path of the agent folder (the one holding agent.json). */
  dir?: string;
  /** SHA-256 over the checkpoint folder's files (names and contents): a resume refuses a changed checkpoint. */
  fingerprint?: string;
}

/**
 * The id of each seat's policy, for collect's `policy` column: a bot's name
 * (`random`), or a checkpoint's run folder and folder (`my-run/best`, the
 * trailing `agent/` dropped). Different policies with the same id get `#2`,
 * `#3`, ... in seat order; a policy in several seats keeps one id.
 */
export function policyIds(resolved: ResolvedPolicy[]): string[] {
  const byIdentity = new Map<string, string>();
  const taken = new Map<string, number>();
  return resolved.map((p) => {
    const identity = policyIdentity(p);
    const known = byIdentity.get(identity);
    if (known) return known;
    let base = p.bot && !p.dir ? p.bot : checkpointId(p.dir ?? p.spec);
    const n = (taken.get(base) ?? 0) + 1;
    taken.set(base, n);
    if (n > 1) base = `${base}#${n}`;
    byIdentity.set(identity, base);
    return base;
  });
}

function checkpointId(dir: string): string {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  if (parts.length > 1 && parts[parts.length - 1] === 'agent') parts.pop();
  const last = parts[parts.length - 1] ?? dir;
  // best/ and checkpoint/ (or a numbered checkpoint) say little without their run folder.
  return /^(best|checkpoint)([-_]\d+)?$/.test(last) && parts.length > 1 ? `${parts[parts.length - 2]}/${last}` : last;
}

/** What identifies a policy for resume checks: the bot's name, or the checkpoint's kind and content hash. */
export function policyIdentity(p: ResolvedPolicy): string {
  return p.dir ? `${p.kind}:sha256:${p.fingerprint}` : `bot:${p.bot}`;
}

/**
 * Resolves a `--policies` entry: a bot name, or a checkpoint folder read by
 * `resolveCheckpoint` (a run folder is its best policy; its `best/`,
 * `checkpoint/`, `checkpoint-<steps>/` or their `agent/` work too). Bot names win over folders of the same
 * name (write ./random for a folder).
 */
export async function resolvePolicy(spec: string, game: string): Promise<ResolvedPolicy> {
  if (isBotName(spec, game)) return { spec, kind: 'bot', bot: spec, game };
  if (!existsSync(spec)) {
    throw new InvalidOptionError(`Policy ${JSON.stringify(spec)} is neither a bot of ${game} (${botNames(game).join(', ')}) nor a checkpoint folder: no such folder`);
  }
  const info = await resolveCheckpoint(spec);
  const dir = path.resolve(info.agentDir);
  const fingerprint = await folderFingerprint(dir);
  if (info.kind === BOT_AGENT_KIND) {
    const saved = info.header.config as { bot?: unknown; seed?: unknown };
    if (!isBotName(saved.bot, game)) throw new InvalidOptionError(`Checkpoint ${dir} names no bot of ${game}: ${JSON.stringify(saved.bot)}`);
    return { spec, kind: 'bot', bot: saved.bot, game, botSeed: typeof saved.seed === 'number' ? saved.seed : 0, dir, fingerprint };
  }
  return { spec, kind: info.kind as AgentName, dir, fingerprint };
}

/** SHA-256 over every file of a folder (sorted relative paths and contents). */
export async function folderFingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) {
        const data = await readFile(path.join(dir, child));
        hash.update(`${child}\0${data.length}\0`);
        hash.update(data);
      }
    }
  };
  await walk('');
  return hash.digest('hex');
}

/** A chosen action and what the policy tells about it (null where it tells nothing). */
export interface Decision {
  action: number;
  probs: number[] | null;
  /** Log-probability of `action` under the policy. */
  logp: number | null;
  /** The policy's value estimate of the observation. */
  value: number | null;
  values: number[] | null;
}

/** Picks the action of one seat for one observation. */
export interface Decider {
  readonly name: string;
  decide(observation: Float32Array, mask: Uint8Array): Decision | Promise<Decision>;
}

/**
 * Gathers single-observation decisions made in the same tick (one per
 * session and seat) into one batched call of `run`: one model call for many
 * sessions instead of many small ones.
 */
export class BatchedDecider implements Decider {
  readonly name: string;
  /** Batched calls made, and observations decided: their ratio is the mean batch size. */
  calls = 0;
  decided = 0;
  private queue: Array<{ obs: Float32Array; mask: Uint8Array; resolve: (d: Decision) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private readonly run: (observations: Float32Array[], masks: Uint8Array[]) => Promise<Decision[]>;

  constructor(name: string, run: (observations: Float32Array[], masks: Uint8Array[]) => Promise<Decision[]>) {
    this.name = name;
    this.run = run;
  }

  decide(observation: Float32Array, mask: Uint8Array): Promise<Decision> {
    return new Promise((resolve, reject) => {
      this.queue.push({ obs: observation, mask, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    this.calls++;
    this.decided += batch.length;
    try {
      const decisions = await this.run(
        batch.map((q) => q.obs),
        batch.map((q) => q.mask),
      );
      if (decisions.length !== batch.length) throw new PolicyError(`${this.name} returned ${decisions.length} decisions for ${batch.length} observations`);
      batch.forEach((q, k) => q.resolve(decisions[k] as Decision));
    } catch (error) {
      for (const q of batch) q.reject(error);
    }
  }
}

/**
 * What a learner may say about one choice, in its `act` / `explore` result:
 * `probs` (its action distribution, 0 for illegal actions), `logp` (log of
 * the probability of the action taken) and `value` (its value estimate of
 * the observation).
 */
export interface ActInfo {
  probs?: ArrayLike<number> | null;
  logp?: number | null;
  value?: number | null;
}

/**
 * Reads the actions and, where present, `probs`, `logp` and `value` from an
 * `act` / `explore` result in any of its shapes: `number[]`, one
 * `{action, probs?, logp?, value?}` per observation, or
 * `{actions, probs?, logp?, value?}` with one entry per observation.
 */
export function readActResult(name: string, result: unknown, count: number): Array<ActInfo & { action: number }> {
  const fail = (what: string): never => {
    throw new PolicyError(`${name} returned ${what} for ${count} observations`);
  };
  if (Array.isArray(result)) {
    if (result.length !== count) fail(`${result.length} actions`);
    return result.map((r: unknown) => (typeof r === 'number' ? { action: r } : { ...(r as ActInfo), action: (r as { action: number } | null)?.action as number }));
  }
  const batch = result as { actions?: unknown; probs?: unknown; logp?: unknown; value?: unknown } | null;
  if (!batch || !Array.isArray(batch.actions)) return fail(JSON.stringify(result)?.slice(0, 80) ?? String(result));
  if (batch.actions.length !== count) fail(`${batch.actions.length} actions`);
  const column = (field: unknown): ArrayLike<unknown> | undefined => (field == null ? undefined : (field as ArrayLike<unknown>));
  const [probs, logp, value] = [column(batch.probs), column(batch.logp), column(batch.value)];
  return (batch.actions as number[]).map((action, k) => ({
    action,
    probs: probs?.[k] as ActInfo['probs'],
    logp: logp?.[k] as ActInfo['logp'],
    value: value?.[k] as ActInfo['value'],
  }));
}

/**
 * A learner's batched decisions: greedy `act`, or `explore` when sampling;
 * `probs`, `logp` and `value` from its act result, its `actDetails` or its
 * `probabilities`, whichever it has (the first that gives a field wins).
 */
export function learnerDecider(learner: Learner, sample: boolean): BatchedDecider {
  return new BatchedDecider(learner.name, async (observations, masks) => {
    const result: unknown = sample
      ? await learner.explore(
          observations,
          masks,
          observations.map(() => 0),
        )
      : await learner.act(observations, masks);
    const infos = readActResult(learner.name, result, observations.length);
    const details = hasActDetails(learner)
      ? await learner.actDetails(
          observations,
          masks,
          infos.map((i) => i.action),
        )
      : null;
    const needProbs = infos.some((info, k) => (info.probs ?? details?.[k]?.probs) == null) && hasProbabilities(learner);
    const probs = needProbs ? await (learner as unknown as WithProbabilities).probabilities(observations, masks) : null;
    return infos.map((info, k) => {
      const d = details?.[k];
      return decision(learner.name, info.action, info.probs ?? d?.probs ?? probs?.[k] ?? null, info.logp ?? d?.logp ?? null, info.value ?? d?.value ?? null, null);
    });
  });
}

/** A decision with checked fields; `logp` from `probs` when the policy gave probabilities but no log-probability. */
function decision(name: string, action: number, probsRow: unknown, logp: unknown, value: unknown, values: number[] | null): Decision {
  const probs = probsRow == null ? null : checkedProbs(name, probsRow);
  if (logp !== null && !(typeof logp === 'number' && logp <= 0 && !Number.isNaN(logp)))
    throw new PolicyError(`${name} gave logp ${shown(logp)}: expected a log-probability (a number <= 0)`);
  if (value !== null && !(typeof value === 'number' && Number.isFinite(value))) throw new PolicyError(`${name} gave value ${shown(value)}: expected a finite number`);
  const p = probs?.[action];
  return { action, probs, logp: logp ?? (p === undefined ? null : Math.log(p)), value, values };
}

const shown = (x: unknown): string => (typeof x === 'number' ? String(x) : JSON.stringify(x));

function checkedProbs(name: string, row: unknown): number[] {
  if (!(Array.isArray(row) || ArrayBuffer.isView(row))) throw new PolicyError(`${name} returned probs ${JSON.stringify(row)} instead of a row of numbers`);
  const out = Array.from(row as ArrayLike<number>, Number);
  if (!out.every((p) => Number.isFinite(p))) throw new PolicyError(`${name} returned a non-finite probability: ${JSON.stringify(out)}`);
  return out;
}

/** A bot's decisions (one observation at a time; bots are cheap), without probabilities; with action values when it has them. */
export function botDecider(policy: Policy<Float32Array>): Decider {
  return {
    name: policy.name,
    async decide(observation, mask) {
      const [action] = (await policy.act([observation], [mask])) as number[];
      if (!hasActionValues(policy)) return decision(policy.name, action as number, null, null, null, null);
      const [row] = await policy.actionValues([observation], [mask]);
      const values = Array.from(row as ArrayLike<number>, (v, a) => (mask[a] ? v : 0));
      if (!values.every(Number.isFinite)) throw new PolicyError(`${policy.name}.actionValues gave a non-finite value to a legal action: ${JSON.stringify(values)}`);
      // The action's value is the policy's value of the observation when it picks the best action (the optimal bot).
      return decision(policy.name, action as number, null, null, values[action as number] ?? null, values);
    },
  };
}

/**
 * The policies of a collection, loaded: learners once (shared by every
 * session and seat that plays them, so their calls batch together), bots made
 * anew for every shard and seat, seeded by both (shared by the shard's
 * sessions: minimax's memo is built once per shard), so that a shard plays
 * the same whether or not earlier shards were played in the same process.
 */
export class PolicySet {
  readonly resolved: ResolvedPolicy[];
  /** The id of each seat's policy (see `policyIds`). */
  readonly ids: string[];
  private readonly deciders = new Map<string, BatchedDecider>();
  private readonly learners: Learner[] = [];

  private constructor(resolved: ResolvedPolicy[]) {
    this.resolved = resolved;
    this.ids = policyIds(resolved);
  }

  /** Loads the learners among the resolved policies (starting the tfjs backend first when one needs it). */
  static async load(resolved: ResolvedPolicy[], options: { sample: boolean; backend: BackendName | 'auto'; log?: (line: string) => void }): Promise<PolicySet> {
    const set = new PolicySet(resolved);
    let backendStarted = false;
    try {
      for (const p of resolved) {
        if (p.kind === 'bot' || !p.dir || set.deciders.has(p.dir)) continue;
        if (TFJS_AGENTS.includes(p.kind) && !backendStarted) {
          backendStarted = true;
          // Imported here: tfjs is heavy, and bots and tabular learners do not need it.
          const { describeBackend, initBackend } = await import('../tf/backend.ts');
          options.log?.(describeBackend(await initBackend(options.backend)));
        }
        const learner = await loadPolicy(p.dir);
        set.learners.push(learner);
        set.deciders.set(p.dir, learnerDecider(learner, options.sample));
      }
    } catch (error) {
      set.dispose();
      throw error;
    }
    return set;
  }

  /** The deciders of every seat (by player id) for one shard; `seed` seeds its bots (with the seat appended). */
  shardDeciders(seed: string): Decider[] {
    return this.resolved.map((_, seat) => this.decider(seat, `${seed}/${seat}`));
  }

  /** The decider of a seat; `seed` seeds a bot. */
  decider(seat: number, seed: string): Decider {
    const p = this.resolved[seat];
    if (!p) throw new InvalidOptionError(`No policy for seat ${seat} (${this.resolved.length} given)`);
    if (p.kind === 'bot') return botDecider(botPolicy(p.game as string, p.bot as BotName, p.botSeed === undefined ? seed : `${seed}/${p.botSeed}`));
    return this.deciders.get(p.dir as string) as BatchedDecider;
  }

  /** Mean number of observations per batched learner call (null without learners). */
  meanBatch(): number | null {
    let calls = 0;
    let decided = 0;
    for (const d of this.deciders.values()) {
      calls += d.calls;
      decided += d.decided;
    }
    return calls ? decided / calls : null;
  }

  dispose(): void {
    for (const l of this.learners) l.dispose();
    this.learners.length = 0;
  }
}
