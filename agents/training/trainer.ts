import { appendFile, mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeRecordings } from '../../src/client/recording.ts';
import { makeEnv, makeSelfPlayEnvs, type StepInfo, type WrappedGameEnv } from '../../src/env/env.ts';
import type { OpponentSpec } from '../../src/env/opponents.ts';
import type { Policy } from '../../src/env/policy.ts';
import { flatDim } from '../../src/env/spaces.ts';
import { botNames, embeddedGames, findGame, isBot } from '../../src/games/registry.ts';
import { AbortError, GameGymError, InvalidOptionError, ServerLostError } from '../../src/core/errors.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { GameServer } from '../../src/server/server.ts';
import { parseOptions } from '../../src/core/options.ts';
import { deriveSeed } from '../../src/core/seeds.ts';
import { ProgressBar, compact, configLines } from '../../src/core/progress.ts';
import { initBackend, describeBackend } from '../tf/backend.ts';
import { AsyncVectorEnv, VectorEnvError } from '../../src/vector/async-vector.ts';
import { exploreFrom, pushTransition, type Learner, type LearnerSpec, type TransitionBatch } from '../agent.ts';
import { batchCalls } from './batching.ts';
import { writeCurveSvg, type CurvePoint } from './curve.ts';
import { evaluatePolicy, type EvaluationResult } from './evaluate.ts';
import { TensorBoardWriter } from './tensorboard.ts';
import { TrainConfigSchema, type TrainConfig } from './config.ts';
import { createLearner, loadLearner, validateAgentConfig } from './registry.ts';
import { runCheckpoints, saveAtomically, writeRunCheckpoint } from '../checkpoint.ts';
import { sleep } from '../../src/core/sleep.ts';

/** Who the learner plays against while training: a bot of the game (`name` or `name:option`), a mix, itself, or past snapshots. */
export type TrainOpponent = string;

export { TRAIN_DEFAULTS, TrainConfigSchema, type TrainConfig } from './config.ts';

/**
 * Checks a config and returns it with defaults filled in; throws
 * InvalidOptionError with what is wrong. `label` names an option in errors
 * (the CLI passes its flag names).
 */
export function resolveTrainConfig(partial: Partial<TrainConfig>, label: (key: string) => string = (key) => key): TrainConfig {
  // Keys left undefined (flags not given) take their defaults.
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c = parseOptions(TrainConfigSchema, given, label);
  const game = findGame(c.game);
  if (game) c.game = game.name;
  if (c.evalOpponents.length === 0) c.evalOpponents = game ? [...game.evalOpponents] : ['random'];
  if (Object.keys(c.opponentMix).length === 0) {
    const strongest = c.evalOpponents.filter((b) => b !== 'random').at(-1);
    c.opponentMix = strongest ? { random: 0.7, [strongest]: 0.3 } : { random: 1 };
  }
  const bots = botNames(c.game);
  if (!isBot(c.game, c.opponent) && !['mix', 'self', 'pool'].includes(c.opponent)) {
    throw new InvalidOptionError(`Expected ${label('opponent')} to be ${[...bots, 'mix', 'self'].join(', ')} or pool, got ${c.opponent}`);
  }
  for (const [bot, weight] of Object.entries(c.opponentMix)) {
    if (!isBot(c.game, bot) || !(weight >= 0)) {
      throw new InvalidOptionError(`Expected ${label('opponentMix')} to map bots of ${c.game} (${bots.join(', ')}) to non-negative weights, got ${JSON.stringify(c.opponentMix)}`);
    }
  }
  for (const bot of c.evalOpponents) {
    if (!isBot(c.game, bot)) throw new InvalidOptionError(`Expected ${label('evalOpponents')} to be bots of ${c.game} (${bots.join(', ')}), got ${bot}`);
  }
  if (c.opponent === 'self' && c.envs % 2 !== 0) throw new InvalidOptionError(`Expected ${label('envs')} to be even for self-play (two seats per session), got ${c.envs}`);
  return c;
}

/** What a finished run reports. */
export interface TrainResult {
  runDir: string;
  envSteps: number;
  episodes: number;
  seconds: number;
  backend: string;
  finalEval: EvaluationResult[];
  /** With keepBest: where the best evaluated agent was saved, at which step, and its evaluation score. */
  best: { dir: string; step: number; score: number } | null;
}

/** Hooks of `train`. */
export interface TrainHooks {
  /** Lines for the console (resolved config, backend, evaluations). Default: console.log. */
  log?: (line: string) => void;
  /** Show a progress bar on stderr. Default true. */
  progress?: boolean;
  signal?: AbortSignal;
  /**
   * Pauses before an env whose server went away joins again (the run stops
   * with `ServerLostError` after the last). Default about 16 s in all, as
   * `collect`; on top of the client's own connection retries.
   */
  reconnectDelaysMs?: number[];
  /** Experience from elsewhere (`--actors`, `--queue`): this process then only learns, evaluates and checkpoints. */
  experience?: ExperienceSourceFactory;
}

/** How an episode ended, as the training log counts it. */
export interface EpisodeEnd {
  return: number;
  length: number;
  /** win, draw, loss, score:<n> or truncated. */
  outcome: string;
}

/** An episode's end from the info of its last step. */
export function episodeEnd(info: StepInfo): EpisodeEnd {
  const o = info.episode?.outcome;
  return { return: info.episode?.return ?? 0, length: info.episode?.length ?? 0, outcome: typeof o === 'string' ? o : typeof o === 'object' ? `score:${o.score}` : 'truncated' };
}

/** Transitions played by actors elsewhere, for a learner in this process. */
export interface ExperienceSource {
  /** Calls `learn` with each batch of transitions (and the episodes it ends) as it arrives, until `done()` holds or the signal fires. */
  run(learn: (batch: TransitionBatch, ends: EpisodeEnd[]) => Promise<void>, done: () => boolean, signal?: AbortSignal): Promise<void>;
  /** Numbers for the training log (policyLag: learner version minus acting version, averaged). */
  stats(): Record<string, number>;
  close(): Promise<void>;
}

/** Starts the actors of a run; `agent` is the learner whose weights they act with. */
export type ExperienceSourceFactory = (run: { config: TrainConfig; spec: LearnerSpec; agent: Learner; runDir: string; log: (line: string) => void }) => Promise<ExperienceSource>;

/** Errors after which an env joins a new session instead of ending the run. */
const TRANSIENT = ['E_CONN_REFUSED', 'E_CONN_RESET', 'E_TIMEOUT', 'E_SESSION_LOST', 'E_PROTOCOL'];
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];
/**
 * The loop yields to the event loop every this many batches, so Ctrl-C is
 * seen even when every await resolves at once (in process). Counted, not
 * timed: where the loop yields changes which envs a batch holds, and a run
 * must not depend on the clock to be reproducible from its seed.
 */
const YIELD_EVERY_BATCHES = 32;

interface TrainerState {
  envSteps: number;
  episodes: number;
  seconds: number;
  nextEval: number;
  nextCheckpoint: number;
  nextSnapshot: number;
  recent: string[];
  /** Score and step of the best evaluation so far (keepBest). */
  best?: { step: number; score: number };
}

const RECENT = 1000;
const EPISODE_WINDOW = 100;
const PROGRESS_COLUMNS = [
  'step',
  'seconds',
  'episodes',
  'stepsPerSecond',
  'meanReturn',
  'meanLength',
  'winRate',
  'drawRate',
  'lossRate',
  'meanScore',
  'loss',
  'epsilon',
  'entropy',
  'learningRate',
];

/** Appends one row to a run's progress.csv (fixed columns, empty where a value does not apply), writing the header first. */
async function appendProgressCsv(file: string, row: Record<string, unknown>): Promise<void> {
  const head = existsSync(file) ? '' : `${PROGRESS_COLUMNS.join(',')}\n`;
  const cell = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
  await appendFile(file, `${head}${PROGRESS_COLUMNS.map((c) => cell(row[c])).join(',')}\n`);
}

/**
 * Trains a learner on a server game through many sessions at once (an
 * AsyncVectorEnv with batched inference), evaluating against fixed opponents,
 * saving checkpoints, and writing `config.json`, `metrics.jsonl` and
 * `curve.svg` into the run folder. `resumeDir` continues a run exactly where
 * its last checkpoint left it (episodes in flight then are replayed from
 * their start).
 */
export async function train(partial: Partial<TrainConfig>, hooks: TrainHooks = {}, resumeDir?: string): Promise<TrainResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  let config: TrainConfig;
  let runDir: string;
  let state: TrainerState;
  let resumeFrom: string | undefined;
  if (resumeDir) {
    // The run folder (its newest checkpoint), or one of its checkpoint/, checkpoint-<steps>/ (the paths a run prints).
    const named = path.resolve(resumeDir);
    const isCheckpoint = /^checkpoint(-\d+)?$/.test(path.basename(named));
    runDir = isCheckpoint ? path.dirname(named) : resumeDir;
    resumeFrom = isCheckpoint ? named : (await runCheckpoints(runDir)).find((d) => existsSync(path.join(d, 'trainer.json')));
    if (!existsSync(path.join(runDir, 'config.json')) || resumeFrom === undefined || !existsSync(path.join(resumeFrom, 'trainer.json'))) {
      throw new InvalidOptionError(`Nothing to resume in ${resumeDir}: expected a run folder with config.json and checkpoint/trainer.json, or one of its checkpoint folders`);
    }
    config = resolveTrainConfig(JSON.parse(await readFile(path.join(runDir, 'config.json'), 'utf8')) as Partial<TrainConfig>);
    state = JSON.parse(await readFile(path.join(resumeFrom, 'trainer.json'), 'utf8')) as TrainerState;
    // --steps on a resume is the run's new total.
    if (partial.steps !== undefined && partial.steps !== config.steps) {
      config = resolveTrainConfig({ ...config, steps: partial.steps });
      await writeFile(path.join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    }
    if (state.envSteps >= config.steps) {
      throw new InvalidOptionError(`The run in ${runDir} has already trained ${state.envSteps} of its ${config.steps} env steps: pass --steps with a larger total to extend it`);
    }
    await truncateMetrics(path.join(runDir, 'metrics.jsonl'), state.envSteps);
    // An extended run was evaluated at its old end already: the next evaluation comes later.
    while (state.nextEval <= state.envSteps) state.nextEval += config.evalEvery;
  } else {
    config = resolveTrainConfig(partial);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    runDir = path.join(config.out, config.runName ?? `${config.game}__${config.agent}__${config.seed}__${stamp}`);
    if (existsSync(path.join(runDir, 'config.json'))) {
      throw new InvalidOptionError(`Run folder ${runDir} holds a run already: continue it with --resume ${runDir}, or choose another --run-name`);
    }
    // Everything checked before the run folder exists: a refused run leaves nothing behind.
    await validateAgentConfig(config.agent, config.agentConfig);
    await mkdir(runDir, { recursive: true });
    await writeFile(path.join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    state = { envSteps: 0, episodes: 0, seconds: 0, nextEval: config.evalEvery, nextCheckpoint: config.checkpointEvery, nextSnapshot: config.poolSnapshotEvery, recent: [] };
  }
  for (const line of configLines(`${resumeDir ? 'resuming' : 'training'} (in full: config.json of the run folder)`, config)) log(line);
  const backend = await initBackend(config.backend);
  log(describeBackend(backend));

  const spec = await learnerSpec(config);
  const agent: Learner = resumeFrom ? await loadLearner(config.agent, path.join(resumeFrom, 'agent')) : await createLearner(config.agent, spec, config.agentConfig);
  // Logged once the learner is ready (its modules loaded): the next thing the run does is play.
  log(`run folder: ${runDir}`);

  const pool: Learner[] = [];
  const snapshotDir = path.join(os.tmpdir(), `gsg-pool-${process.pid}-${Date.now()}`);
  // The embedded server is the run's own, seeded like the run, in process or behind a loopback port.
  const embedded = config.server === 'embedded' || config.server === 'embedded-tcp';
  const remote = hooks.experience ? await hooks.experience({ config, spec, agent, runDir, log }) : undefined;
  // With remote actors, the sessions are theirs.
  const ownServer = embedded && !remote ? new GameFramework({ seed: deriveSeed(config.seed, 'server'), games: embeddedGames() }) : undefined;
  const ownTcp = config.server === 'embedded-tcp' && !remote ? await GameServer.start({ port: 0, framework: ownServer }) : undefined;
  // Sessions on the run's own server have fixed names: the server seeds each session's draws by its name.
  const sessionPrefix = config.sessionPrefix ?? (embedded ? 'train' : null);
  const envs = remote ? [] : makeTrainingEnvs(config, ownTcp ? `${ownTcp.address.host}:${ownTcp.address.port}` : (ownServer ?? config.server), agent, pool, sessionPrefix);
  const vector = remote ? undefined : new AsyncVectorEnv(envs, { batchSize: Math.max(1, Math.floor(config.envs / 2)) });
  if (config.sessionPrefix && !remote) {
    const [host, port] = ownTcp
      ? [ownTcp.address.host, ownTcp.address.port]
      : [config.server.slice(0, config.server.lastIndexOf(':')), config.server.slice(config.server.lastIndexOf(':') + 1)];
    const where = `--host ${host} --port ${port}`;
    const seat = config.opponent === 'self' ? 'seat-0' : 'learner-0';
    log(
      `sessions: ${envs[0]?.session} .. ${envs.at(-1)?.session}` +
        (ownServer && !ownTcp
          ? ' (in process: use --server embedded-tcp to watch them)'
          : `; watch one: game-gym watch --game ${config.game} --session ${envs[0]?.session} --name ${seat} ${where}`),
    );
  }
  const bar = hooks.progress === false ? undefined : new ProgressBar(`${config.game} ${config.agent}`, config.steps);
  const metricsFile = path.join(runDir, 'metrics.jsonl');
  const tensorboard = config.tensorboard ? TensorBoardWriter.create(path.join(runDir, 'tb')) : undefined;
  const started = performance.now() - state.seconds * 1000;
  const seconds = (): number => (performance.now() - started) / 1000;
  let lastStats: Record<string, number> | null = null;
  // Returns and lengths of the last episodes, for the training log lines (as SB3's ep_rew_mean).
  const window: Array<{ ret: number; len: number }> = [];
  let nextLog = (Math.floor(state.envSteps / config.logEvery) + 1) * config.logEvery;
  const logTrain = async (): Promise<void> => {
    const mean = (f: (e: { ret: number; len: number }) => number): number | null => (window.length ? round(window.reduce((a, e) => a + f(e), 0) / window.length) : null);
    const row = {
      step: state.envSteps,
      seconds: round(seconds()),
      episodes: state.episodes,
      stepsPerSecond: Math.round(state.envSteps / seconds()),
      meanReturn: mean((e) => e.ret),
      meanLength: mean((e) => e.len),
      ...rates(state.recent),
    };
    await appendFile(metricsFile, `${JSON.stringify({ type: 'train', ...row, learner: lastStats ?? {} })}\n`);
    await appendProgressCsv(path.join(runDir, 'progress.csv'), { ...row, ...(lastStats ?? {}) });
    const { step, seconds: _, ...train } = row;
    await tensorboard?.scalars(step, { ...prefixed('train', train), ...prefixed('learner', lastStats ?? {}) });
    if (!bar)
      log(
        `step ${row.step}: ${row.episodes} episodes, mean return ${row.meanReturn ?? '-'}, mean length ${row.meanLength ?? '-'}, ${row.stepsPerSecond} steps/s${Object.entries(
          summary(state.recent, lastStats),
        )
          .map(([k, v]) => `, ${k} ${v}`)
          .join('')}`,
      );
  };
  let finalEval: EvaluationResult[] = [];

  const last = {
    obs: new Array<Float32Array | undefined>(config.envs),
    mask: new Array<Uint8Array | undefined>(config.envs),
    action: new Array<number>(config.envs).fill(0),
    pendingReset: new Array<boolean>(config.envs).fill(true),
  };

  const evaluate = async (): Promise<EvaluationResult[]> => {
    const results: EvaluationResult[] = [];
    for (const opponent of config.evalOpponents) {
      // A game with no embedded rules lives only on the training server, so it is evaluated there.
      const evalServer = findGame(config.game)?.rules ? undefined : config.server;
      const r = await evaluatePolicy({
        game: config.game,
        policy: agent,
        opponent: opponent as OpponentSpec,
        games: config.evalGames,
        seed: deriveSeed(config.seed, 'eval', state.envSteps),
        players: config.players ?? undefined,
        server: evalServer,
      });
      const exactly = findGame(config.game)?.exactEvaluations?.[opponent];
      if (exactly) r.exact = await exactly(agent);
      results.push(r);
      await appendFile(
        metricsFile,
        `${JSON.stringify({ type: 'eval', step: state.envSteps, episodes: state.episodes, seconds: round(seconds()), opponent, winRate: r.winRate, drawRate: r.drawRate, lossRate: r.lossRate, games: r.games, meanScore: r.score?.mean, exact: r.exact })}\n`,
      );
      await tensorboard?.scalars(state.envSteps, prefixed(`eval/${opponent}`, { winRate: r.winRate, drawRate: r.drawRate, lossRate: r.lossRate, meanScore: r.score?.mean }));
    }
    const score = evaluationScore(results);
    const improved = config.keepBest && (state.best === undefined || score > state.best.score);
    log(`\n${evalLine(state.envSteps, results)}${improved ? ` (best so far, saved to ${path.join(runDir, 'best')})` : ''}`);
    if (improved) {
      state.best = { step: state.envSteps, score };
      // best/ holds what acting needs only: no optimizer, no replay buffer.
      await saveAtomically(path.join(runDir, 'best'), async (tmp) => {
        await agent.save(path.join(tmp, 'agent'), { learnerState: false, steps: state.envSteps });
        await writeFile(path.join(tmp, 'eval.json'), `${JSON.stringify({ step: state.envSteps, score, results }, null, 2)}\n`);
      });
    }
    return results;
  };

  const checkpoint = (): Promise<void> =>
    writeRunCheckpoint(runDir, config.keepCheckpoints, async (tmp) => {
      await agent.save(path.join(tmp, 'agent'), { steps: state.envSteps });
      await writeFile(path.join(tmp, 'trainer.json'), JSON.stringify({ ...state, seconds: seconds() }));
    });

  const countEpisode = (end: EpisodeEnd | undefined): void => {
    state.episodes++;
    if (end) {
      window.push({ ret: end.return, len: end.length });
      if (window.length > EPISODE_WINDOW) window.shift();
    }
    state.recent.push(end?.outcome ?? 'truncated');
    if (state.recent.length > RECENT) state.recent.shift();
  };

  // After every batch: progress, pool snapshots, log lines, evaluations and checkpoints when due.
  const afterBatch = async (): Promise<void> => {
    bar?.update(state.envSteps, summary(state.recent, lastStats));
    if (state.envSteps >= state.nextSnapshot && config.opponent === 'pool') {
      state.nextSnapshot += config.poolSnapshotEvery;
      const dir = path.join(snapshotDir, String(state.envSteps));
      await agent.save(dir, { learnerState: false });
      pool.push(await loadLearner(config.agent, dir));
      if (pool.length > config.poolSize) pool.shift()?.dispose();
    }
    // The last evaluation is the final one, after the loop.
    const evalDue = state.envSteps >= state.nextEval && state.envSteps < config.steps;
    if (state.envSteps >= nextLog || evalDue) {
      while (nextLog <= state.envSteps) nextLog += config.logEvery;
      await logTrain();
    }
    if (evalDue) {
      state.nextEval += config.evalEvery;
      await evaluate();
      await writeCurve(runDir, config);
    }
    if (state.envSteps >= state.nextCheckpoint) {
      state.nextCheckpoint += config.checkpointEvery;
      await checkpoint();
    }
  };

  const delays = hooks.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
  // Envs whose server went away: how often in a row, and when they join again.
  const failures = new Map<number, number>();
  const retryAt = new Map<number, number>();
  let lostEpisodes = 0;
  let batches = 0;
  let serverLost: ServerLostError | undefined;

  try {
    if (remote) {
      await remote.run(
        async (t, ends) => {
          state.envSteps += t.envIds.length;
          for (const end of ends) countEpisode(end);
          agent.record(t);
          const stats = await agent.learn(state.envSteps);
          lastStats = { ...(stats ?? lastStats ?? {}), ...remote.stats() };
          await afterBatch();
        },
        () => state.envSteps >= config.steps,
        hooks.signal,
      );
    }
    vector?.asyncReset({ seed: deriveSeed(config.seed, 'reset', state.episodes) });
    while (vector && state.envSteps < config.steps) {
      if (++batches % YIELD_EVERY_BATCHES === 0) await new Promise((resolve) => setImmediate(resolve));
      if (hooks.signal?.aborted) break;
      const now = performance.now();
      for (const [id, at] of retryAt) {
        if (at > now) continue;
        retryAt.delete(id);
        last.pendingReset[id] = true;
        vector.send([0], [id]); // the env failed, so this starts its reset; the action is ignored
      }
      if (retryAt.size === config.envs) {
        await sleep(Math.min(...retryAt.values()) - performance.now(), hooks.signal);
        continue;
      }
      let batch;
      try {
        batch = await vector.recv({ signal: hooks.signal });
      } catch (error) {
        if (error instanceof AbortError) break;
        const cause = error instanceof VectorEnvError ? error.cause : undefined;
        if (!(error instanceof VectorEnvError) || !(cause instanceof GameGymError) || !TRANSIENT.includes(cause.code)) throw error;
        const n = (failures.get(error.envId) ?? 0) + 1;
        failures.set(error.envId, n);
        if (n > delays.length) {
          serverLost = new ServerLostError(
            `Lost the game server ${config.server} (${cause.code}: ${cause.message}) and it did not come back within ${round(delays.reduce((a, b) => a + b, 0) / 1000)} s; checkpoint saved at ${state.envSteps} env steps; continue with: game-gym train --resume ${runDir}`,
            { cause },
          );
          break;
        }
        if (n === 1 && failures.size === 1)
          log(`\nlost the game server (${cause.code}): joining new sessions, retrying for up to ${round(delays.reduce((a, b) => a + b, 0) / 1000)} s`);
        retryAt.set(error.envId, performance.now() + (delays[n - 1] as number));
        continue;
      }
      const t: TransitionBatch = { envIds: [], observations: [], masks: [], actions: [], rewards: [], nextObservations: [], nextMasks: [], terminated: [], truncated: [] };
      batch.envIds.forEach((id, k) => {
        const obs = batch.observations[k] as Float32Array;
        const info = batch.infos[k]!;
        if (last.pendingReset[id]) {
          last.pendingReset[id] = false;
        } else {
          const terminated = batch.terminated[k] === 1;
          const truncated = batch.truncated[k] === 1;
          pushTransition(t, id, last, id, batch, k);
          state.envSteps++;
          if (terminated || truncated) {
            last.pendingReset[id] = true;
            countEpisode(info.episode ? episodeEnd(info) : undefined);
          }
        }
        last.obs[id] = obs;
        last.mask[id] = info.actionMask;
        if (info.error) lostEpisodes++;
        if (failures.delete(id) && failures.size === 0) log(`\nback on the game server; ${lostEpisodes} episodes lost so far, counted as truncated`);
      });
      if (t.envIds.length > 0) {
        agent.record(t);
        lastStats = (await agent.learn(state.envSteps)) ?? lastStats;
      }

      const acting = batch.envIds.filter((id) => !last.pendingReset[id]);
      const chosen = await exploreFrom(agent, acting, last);
      const actions = batch.envIds.map((id) => {
        const k = acting.indexOf(id);
        const a = k >= 0 ? (chosen[k] as number) : 0; // ignored: the env resets (next-step autoreset)
        last.action[id] = a;
        return a;
      });
      vector.send(actions, batch.envIds);
      await afterBatch();
    }
    bar?.finish(state.envSteps, summary(state.recent, lastStats));
    await checkpoint();
    if (serverLost) throw serverLost;
    if (hooks.signal?.aborted) {
      log(`stopped at ${state.envSteps} env steps; continue with: game-gym train --resume ${runDir}`);
    } else {
      finalEval = await evaluate();
      await writeCurve(runDir, config);
      // The final evaluation may have moved the best; the checkpoint's trainer state must say so for a later resume.
      const trainerFile = path.join(runDir, 'checkpoint', 'trainer.json');
      await writeFile(`${trainerFile}.tmp`, JSON.stringify({ ...state, seconds: seconds() }));
      await rename(`${trainerFile}.tmp`, trainerFile);
    }
  } finally {
    await vector?.close();
    await remote?.close();
    await ownTcp?.close();
    ownServer?.close();
    for (const p of pool) p.dispose();
    await rm(snapshotDir, { recursive: true, force: true });
    await closeRecordings();
    await tensorboard?.flush();
  }
  const best = state.best ? { dir: path.join(runDir, 'best', 'agent'), ...state.best } : null;
  const result: TrainResult = { runDir, envSteps: state.envSteps, episodes: state.episodes, seconds: round(seconds()), backend: backend.name, finalEval, best };
  agent.dispose();
  return result;
}

/** What the run's learner is made for: the game's spaces, the envs and the seed. */
async function learnerSpec(config: TrainConfig): Promise<LearnerSpec> {
  const probe = makeEnv<Float32Array, number>(config.game, { players: config.players ?? undefined });
  const spec = {
    observationSize: flatDim(probe.observationSpace),
    actionCount: flatDim(probe.actionSpace),
    numEnvs: config.envs,
    seed: deriveSeed(config.seed, 'agent'),
    totalSteps: config.steps,
    symmetries: probe.adapter.symmetries?.() ?? [],
  };
  await probe.close();
  return spec;
}

/** The envs of a run: one learning seat per env, or both seats of self-play sessions. */
export function makeTrainingEnvs(
  config: TrainConfig,
  server: GameFramework | string,
  agent: Learner,
  pool: Learner[],
  prefix: string | null = config.sessionPrefix,
): Array<WrappedGameEnv<Float32Array, number>> {
  const common = { server, players: config.players ?? undefined, illegalAction: 'raise' as const, record: config.record ?? undefined };
  if (config.opponent === 'self') {
    return Array.from({ length: config.envs / 2 }, (_, i) =>
      makeSelfPlayEnvs<Float32Array, number>(config.game, { ...common, seed: deriveSeed(config.seed, 'env', i), ...(prefix ? { session: `${prefix}-${i}` } : {}) }),
    ).flat();
  }
  let opponent: OpponentSpec = config.opponent as OpponentSpec;
  if (config.opponent === 'mix') {
    opponent = { mix: Object.entries(config.opponentMix).map(([bot, weight]) => ({ policy: bot, weight })) };
  }
  if (config.opponent === 'pool') {
    const latest = batchCalls<Float32Array>({ name: 'latest', act: (o, m) => agent.act(o, m) });
    // Pool slots delegate to the snapshot they stand for, or to the latest policy until it exists.
    const slots = Array.from({ length: config.poolSize }, (_, s): Policy<Float32Array> => ({
      name: `pool-${s}`,
      act: (o, m) => (pool[s] ?? pool[pool.length - 1] ?? agent).act(o, m),
    }));
    const share = (1 - config.poolLatestRatio) / config.poolSize;
    opponent = { mix: [{ policy: latest, weight: config.poolLatestRatio }, ...slots.map((p) => ({ policy: batchCalls(p), weight: share }))] };
  }
  return Array.from({ length: config.envs }, (_, i) =>
    makeEnv<Float32Array, number>(config.game, {
      ...common,
      opponents: opponent,
      seed: deriveSeed(config.seed, 'env', i),
      ...(prefix ? { session: `${prefix}-${i}`, name: `learner-${i}` } : {}),
    }),
  );
}

/** TensorBoard tags of a group: `train/meanReturn`. */
function prefixed(group: string, values: Record<string, number | null | undefined>): Record<string, number | null | undefined> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${group}/${k}`, v]));
}

function rates(recent: string[]): Record<string, number> {
  const n = Math.max(1, recent.length);
  const scores = recent.filter((o) => o.startsWith('score:')).map((o) => Number(o.slice(6)));
  if (scores.length) return { meanScore: scores.reduce((a, b) => a + b, 0) / scores.length };
  return {
    winRate: recent.filter((o) => o === 'win').length / n,
    drawRate: recent.filter((o) => o === 'draw').length / n,
    lossRate: recent.filter((o) => o === 'loss').length / n,
  };
}

function summary(recent: string[], stats: Record<string, number> | null): Record<string, string> {
  const r = rates(recent);
  const out: Record<string, string> = {};
  if ('meanScore' in r) out.score = (r.meanScore as number).toFixed(1);
  else out['W/D/L'] = `${pct(r.winRate as number)}/${pct(r.drawRate as number)}/${pct(r.lossRate as number)}`;
  if (stats?.loss !== undefined) out.loss = compact(stats.loss);
  if (stats?.epsilon !== undefined) out.eps = stats.epsilon.toFixed(2);
  if (stats?.policyLag !== undefined) out.lag = stats.policyLag.toFixed(1);
  return out;
}

/** One number per evaluation, higher is better: mean over opponents of win rate minus loss rate, or of the mean score. */
export function evaluationScore(results: EvaluationResult[]): number {
  if (results.length === 0) return -Infinity;
  // Exact rates, where the game has them, instead of the played games' noisy ones.
  return results.reduce((sum, r) => sum + (r.score ? r.score.mean : (r.exact ?? r).winRate - (r.exact ?? r).lossRate), 0) / results.length;
}

function evalLine(step: number, results: EvaluationResult[]): string {
  return `eval @ ${step} steps: ${results
    .map((r) =>
      r.score
        ? `vs ${r.opponent} mean score ${r.score.mean.toFixed(1)}`
        : `vs ${r.opponent} W/D/L ${pct(r.winRate)}/${pct(r.drawRate)}/${pct(r.lossRate)}${r.exact ? ` (exact ${pct(r.exact.winRate)}/${pct(r.exact.drawRate)}/${pct(r.exact.lossRate, 2)})` : ''}`,
    )
    .join(', ')}`;
}

function pct(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Drops metrics written after the checkpoint a resume starts from, so no step is logged twice. */
async function truncateMetrics(file: string, step: number): Promise<void> {
  if (!existsSync(file)) return;
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  const kept = lines.filter((l) => (JSON.parse(l) as { step: number }).step <= step);
  await writeFile(file, kept.map((l) => `${l}\n`).join(''));
  // progress.csv beside it: the header, then rows whose first column (step) is within the checkpoint.
  const csv = path.join(path.dirname(file), 'progress.csv');
  if (!existsSync(csv)) return;
  const [header, ...rows] = (await readFile(csv, 'utf8')).split('\n').filter(Boolean);
  await writeFile(csv, [header, ...rows.filter((r) => Number(r.split(',')[0]) <= step)].map((l) => `${l}\n`).join(''));
}

/** The rates of a two-player evaluation, by outcome, as metrics.jsonl names them. */
const RATES = [
  ['win', 'winRate'],
  ['draw', 'drawRate'],
  ['loss', 'lossRate'],
] as const;

/** Draws the run's learning curve from metrics.jsonl: win, draw and loss rates (or mean scores) against each evaluation opponent. */
async function writeCurve(runDir: string, config: TrainConfig): Promise<void> {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return;
  const rows = (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number | string>);
  const points: CurvePoint[] = [];
  const scoreGame = rows.some((r) => r.type === 'eval' && typeof r.meanScore === 'number');
  for (const r of rows) {
    if (r.type !== 'eval') continue;
    if (scoreGame) points.push({ x: r.step as number, y: r.meanScore as number, series: `vs ${r.opponent}` });
    else for (const [outcome, rate] of RATES) points.push({ x: r.step as number, y: 100 * (r[rate] as number), series: `vs ${r.opponent}`, panel: `${outcome} rate (%)` });
  }
  const optimum = findGame(config.game)?.optimum;
  if (scoreGame && optimum !== undefined && points.length > 0) {
    const end = Math.max(...points.map((p) => p.x));
    const series = `optimum ${optimum.toFixed(1)} (solitaire)`;
    points.push({ x: 0, y: optimum, series }, { x: end, y: optimum, series });
  }
  await writeCurveSvg(path.join(runDir, 'curve.svg'), points, {
    title: `${config.game}: ${config.agent} trained vs ${config.opponent}`,
    subtitle: `greedy evaluation, ${config.evalGames} games per opponent`,
    yTitle: 'mean score per game',
    // Score curves may add the optimum as a series: no longer only opponents.
    ...(scoreGame ? {} : { yDomain: [0, 100] as [number, number], legendTitle: 'evaluation opponent' }),
  });
}
