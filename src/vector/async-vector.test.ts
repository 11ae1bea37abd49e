import { afterEach, describe, expect, it } from 'vitest';
import { randomLegal } from '../env/bots.ts';
import { makeEnv, makeSelfPlayEnvs, type Env, type StepInfo, type StepResult } from '../env/env.ts';
import type { Space } from '../env/spaces.ts';
import { AbortError, ClientStateError, InvalidOptionError, TimeoutError } from '../core/errors.ts';
import { SeededRng } from '../core/rng.ts';
import { AsyncVectorEnv, VectorEnvError, type VectorBatch } from './async-vector.ts';

/**
 * AsyncVectorEnv over real envs on the in-process embedded server (one test
 * over 'embedded-tcp'). A SpyEnv wraps a real env to record what the vector
 * asks of it, to slow or block its steps, or to make them fail.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class SpyEnv implements Env<Float32Array, number> {
  readonly resets: Array<{ seed?: number } | undefined> = [];
  steps = 0;
  closes = 0;
  stepDelayMs = 0;
  gate: Promise<void> | undefined;
  failStep: Error | undefined;

  constructor(readonly inner: Env<Float32Array, number>) {}

  get observationSpace(): Space<Float32Array> {
    return this.inner.observationSpace;
  }

  get actionSpace(): Space<number> {
    return this.inner.actionSpace;
  }

  async reset(options?: { seed?: number }): Promise<{ observation: Float32Array; info: StepInfo }> {
    this.resets.push(options === undefined ? undefined : { ...options });
    return this.inner.reset(options);
  }

  async step(action: number): Promise<StepResult<Float32Array>> {
    this.steps++;
    if (this.failStep) throw this.failStep;
    if (this.stepDelayMs > 0) await sleep(this.stepDelayMs);
    if (this.gate) await this.gate;
    return this.inner.step(action);
  }

  render(): string {
    return this.inner.render();
  }

  async close(): Promise<void> {
    this.closes++;
    return this.inner.close();
  }
}

/** A promise to block on, and the function that opens it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** The first three lines of the TicTacToe adapter's render, rebuilt from an observation. */
function boardOf(obs: Float32Array): string {
  const cell = (i: number): string => (obs[i] ? 'X' : obs[9 + i] ? 'O' : obs[18 + i] ? '.' : '?');
  return [0, 3, 6].map((r) => ` ${cell(r)} ${cell(r + 1)} ${cell(r + 2)}`).join('\n');
}

function renderedBoard(env: Env<Float32Array, number>): string {
  return env.render().split('\n').slice(0, 3).join('\n');
}

function count(obs: Float32Array, from: number): number {
  let n = 0;
  for (let i = from; i < from + 9; i++) n += obs[i] as number;
  return n;
}

const vectors: Array<AsyncVectorEnv<Float32Array, number>> = [];
function track<V extends AsyncVectorEnv<Float32Array, number>>(v: V): V {
  vectors.push(v);
  return v;
}
afterEach(async () => {
  await Promise.all(vectors.splice(0).map((v) => v.close()));
});

function tttSpies(n: number, seed = 0): SpyEnv[] {
  return Array.from({ length: n }, (_, i) => new SpyEnv(makeEnv('TicTacToe', { seed: seed * 100 + i })));
}

describe('AsyncVectorEnv lock-step with independent TicTacToe envs', () => {
  it('returns results in env order, seeds seed+i, and autoresets on the next step exactly as specified', async () => {
    const spies = tttSpies(8, 1);
    const v = track(new AsyncVectorEnv(spies));
    expect(v.numEnvs).toBe(8);
    expect(v.batchSize).toBe(8);
    expect(v.autoreset).toBe('next-step');

    const first = await v.reset({ seed: 100 });
    expect(first.observations).toHaveLength(8);
    expect(first.infos).toHaveLength(8);
    spies.forEach((s, i) => {
      expect(s.resets).toEqual([{ seed: 100 + i }]);
      expect(boardOf(first.observations[i] as Float32Array)).toBe(renderedBoard(s));
      expect(count(first.observations[i] as Float32Array, 0)).toBe(0);
    });

    const rng = new SeededRng('lock-step');
    let masks = first.infos.map((info) => info.actionMask);
    let done = new Array<boolean>(8).fill(false);
    const length = new Array<number>(8).fill(0);
    const ret = new Array<number>(8).fill(0);
    const episodes = new Array<number>(8).fill(0);
    const outcomes = { win: 0, loss: 0, draw: 0 };
    let autoresets = 0;

    for (let t = 0; t < 120; t++) {
      // An env whose episode ended gets an illegal action: it must be ignored, not sent.
      const actions = masks.map((m, i) => (done[i] ? 99 : randomLegal(m, rng)));
      const stepsBefore = spies.map((s) => s.steps);
      const resetsBefore = spies.map((s) => s.resets.length);
      const batch = await v.step(actions);
      expect(batch.envIds).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(batch.observations).toHaveLength(8);
      expect(batch.rewards).toBeInstanceOf(Float32Array);
      expect(batch.terminated).toBeInstanceOf(Uint8Array);
      expect(batch.truncated).toBeInstanceOf(Uint8Array);
      const nextDone = new Array<boolean>(8).fill(false);
      for (let i = 0; i < 8; i++) {
        const obs = batch.observations[i] as Float32Array;
        const info = batch.infos[i] as StepInfo;
        const spy = spies[i] as SpyEnv;
        // Env order: the i-th observation is env i's board.
        expect(boardOf(obs)).toBe(renderedBoard(spy));
        if (done[i]) {
          autoresets++;
          expect(spy.steps).toBe(stepsBefore[i]);
          expect(spy.resets).toHaveLength((resetsBefore[i] as number) + 1);
          expect(spy.resets.at(-1)?.seed).toBeUndefined();
          expect(batch.rewards[i]).toBe(0);
          expect(batch.terminated[i]).toBe(0);
          expect(batch.truncated[i]).toBe(0);
          expect(info.episode).toBeUndefined();
          // A fresh game: nothing of mine, at most the opponent's first mark, and moves to make.
          expect(count(obs, 0)).toBe(0);
          expect(count(obs, 9)).toBeLessThanOrEqual(1);
          expect(info.state?.gameover).toBe(false);
          expect([...info.actionMask]).toEqual([...obs.subarray(18, 27)]);
          expect(info.actionMask.includes(1)).toBe(true);
          length[i] = 0;
          ret[i] = 0;
          continue;
        }
        expect(spy.steps).toBe((stepsBefore[i] as number) + 1);
        expect(spy.resets).toHaveLength(resetsBefore[i] as number);
        length[i] = (length[i] as number) + 1;
        ret[i] = (ret[i] as number) + (batch.rewards[i] as number);
        expect(batch.truncated[i]).toBe(0);
        if (batch.terminated[i]) {
          nextDone[i] = true;
          episodes[i] = (episodes[i] as number) + 1;
          const ep = info.episode;
          expect(ep).toBeDefined();
          expect(ep?.length).toBe(length[i]);
          expect(ep?.return).toBe(ret[i]);
          const outcome = ep?.outcome as 'win' | 'loss' | 'draw';
          expect(batch.rewards[i]).toBe({ win: 1, loss: -1, draw: 0 }[outcome]);
          outcomes[outcome]++;
          expect(info.actionMask.every((m) => m === 0)).toBe(true);
          expect(info.state?.gameover).toBe(true);
        } else {
          expect(batch.rewards[i]).toBe(0);
          expect(info.episode).toBeUndefined();
          expect(info.actionMask.includes(1)).toBe(true);
        }
      }
      masks = batch.infos.map((info) => info.actionMask);
      done = nextDone;
    }
    const total = episodes.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(60);
    expect(outcomes.win + outcomes.loss + outcomes.draw).toBe(total);
    expect(outcomes.win).toBeGreaterThan(0);
    expect(outcomes.loss).toBeGreaterThan(0);
    // Every finished episode but those ending at the last step was followed by exactly one autoreset.
    expect(autoresets).toBe(total - done.filter(Boolean).length);
    for (const e of episodes) expect(e).toBeGreaterThan(0);
  });

  it('autoresets after a truncation too (maxEpisodeSteps)', async () => {
    const spies = [0, 1, 2].map((i) => new SpyEnv(makeEnv('TicTacToe', { seed: 50 + i, maxEpisodeSteps: 2 })));
    const v = track(new AsyncVectorEnv(spies));
    const rng = new SeededRng('trunc');
    let { infos } = await v.reset({ seed: 20 });
    let done = [false, false, false];
    let truncations = 0;
    for (let t = 0; t < 30; t++) {
      const stepsBefore = spies.map((s) => s.steps);
      const batch = await v.step(infos.map((info, i) => (done[i] ? 99 : randomLegal(info.actionMask, rng))));
      for (let i = 0; i < 3; i++) {
        if (done[i]) {
          expect(spies[i]?.steps).toBe(stepsBefore[i]);
          expect([batch.rewards[i], batch.terminated[i], batch.truncated[i]]).toEqual([0, 0, 0]);
          expect(count(batch.observations[i] as Float32Array, 0)).toBe(0);
        } else if (batch.truncated[i]) {
          truncations++;
          expect(batch.terminated[i]).toBe(0);
          expect(batch.infos[i]?.episode).toMatchObject({ length: 2, outcome: 'truncated' });
        }
      }
      done = [0, 1, 2].map((i) => Boolean(batch.terminated[i] || batch.truncated[i]));
      infos = batch.infos;
    }
    expect(truncations).toBeGreaterThan(3);
  });

  it('lock-step step() works with batchSize < numEnvs and asyncReset seeds seed+id', async () => {
    const spies = tttSpies(4, 2);
    const v = track(new AsyncVectorEnv(spies, { batchSize: 2 }));
    v.asyncReset({ seed: 7 });
    const infoOf = new Array<StepInfo | undefined>(4);
    while (infoOf.filter(Boolean).length < 4) {
      const b = await v.recv();
      expect(b.envIds).toHaveLength(2);
      b.envIds.forEach((id, k) => {
        expect(infoOf[id]).toBeUndefined();
        infoOf[id] = b.infos[k];
      });
    }
    spies.forEach((s, i) => expect(s.resets).toEqual([{ seed: 7 + i }]));
    const rng = new SeededRng('b2');
    const batch = await v.step(infoOf.map((info) => randomLegal((info as StepInfo).actionMask, rng)));
    expect(batch.envIds).toEqual([0, 1, 2, 3]);
    batch.observations.forEach((o, i) => expect(boardOf(o)).toBe(renderedBoard(spies[i] as SpyEnv)));
  });
});

/** Sends every env a legal action read from its last info. */
function legalActions(infos: StepInfo[], rng: SeededRng): number[] {
  return infos.map((info) => randomLegal(info.actionMask, rng));
}

describe('AsyncVectorEnv send/recv', () => {
  it('recv returns at least batchSize ready envs with the right envIds, until every sent env came back', async () => {
    const spies = tttSpies(8, 3);
    const v = track(new AsyncVectorEnv(spies, { batchSize: 3 }));
    const rng = new SeededRng('recv');
    const { infos } = await v.reset({ seed: 1 });
    const infoOf = [...infos];
    for (let round = 0; round < 5; round++) {
      v.send(legalActions(infoOf, rng));
      const got: number[] = [];
      while (got.length < 8) {
        const pending = 8 - got.length;
        const batch: VectorBatch<Float32Array> = await v.recv();
        expect(batch.envIds.length).toBeGreaterThanOrEqual(Math.min(3, pending));
        expect(batch.observations).toHaveLength(batch.envIds.length);
        expect(batch.rewards).toHaveLength(batch.envIds.length);
        expect(batch.infos).toHaveLength(batch.envIds.length);
        batch.envIds.forEach((id, k) => {
          expect(got).not.toContain(id);
          got.push(id);
          // The k-th entry belongs to env envIds[k].
          expect(boardOf(batch.observations[k] as Float32Array)).toBe(renderedBoard(spies[id] as SpyEnv));
          expect(batch.infos[k]?.playerId).toBe((spies[id]?.inner as ReturnType<typeof makeEnv>).playerId);
          infoOf[id] = batch.infos[k] as StepInfo;
        });
      }
      expect(got.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      await expect(v.recv()).rejects.toThrow(ClientStateError);
    }
  });

  it('a slow env does not stall recv for the others', async () => {
    const spies = tttSpies(8, 4);
    const slow = spies[3] as SpyEnv;
    const v = track(new AsyncVectorEnv(spies, { batchSize: 7 }));
    const rng = new SeededRng('slow');
    const { infos } = await v.reset({ seed: 2 });
    slow.stepDelayMs = 200;
    const t0 = performance.now();
    v.send(legalActions(infos, rng));
    const fast = await v.recv();
    const tFast = performance.now() - t0;
    expect(fast.envIds).toHaveLength(7);
    expect(fast.envIds).not.toContain(3);
    expect([...fast.envIds].sort()).toEqual([0, 1, 2, 4, 5, 6, 7]);
    // Back before the slow env could have finished its 200 ms.
    expect(tFast).toBeLessThan(190);
    const late = await v.recv();
    const tSlow = performance.now() - t0;
    expect(late.envIds).toEqual([3]);
    expect(tSlow).toBeGreaterThanOrEqual(195);
  });

  it('refuses to send an env in flight (also twice in one call) and to recv with nothing in flight', async () => {
    const spies = tttSpies(4, 5);
    const v = track(new AsyncVectorEnv(spies, { batchSize: 1 }));
    await expect(v.recv()).rejects.toThrow(ClientStateError);
    const rng = new SeededRng('busy');
    const { infos } = await v.reset({ seed: 3 });
    await expect(v.recv()).rejects.toThrow(ClientStateError);

    expect(() => v.send([1], [0, 1])).toThrow(InvalidOptionError);
    expect(() => v.send([1], [4])).toThrow(InvalidOptionError);
    expect(() => v.send([1], [-1])).toThrow(InvalidOptionError);
    // The same env twice in one call would run two steps of it at once.
    const a1 = randomLegal((infos[1] as StepInfo).actionMask, rng);
    expect(() => v.send([a1, a1], [1, 1])).toThrow(InvalidOptionError);
    // Nothing was sent by the refused calls.
    await expect(v.recv()).rejects.toThrow(ClientStateError);

    const gated = gate();
    (spies[0] as SpyEnv).gate = gated.promise;
    v.send([randomLegal((infos[0] as StepInfo).actionMask, rng)], [0]);
    expect(() => v.send([0], [0])).toThrow(ClientStateError);
    expect(() => v.send([0, 0, 0, 0])).toThrow(ClientStateError);
    // A refused send leaves the others unsent: env 1 is still free.
    v.send([a1], [1]);
    expect(() => v.send([0], [1])).toThrow(ClientStateError);
    await expect(v.reset()).rejects.toThrow(ClientStateError);
    expect(() => v.asyncReset()).toThrow(ClientStateError);
    await expect(v.step([0, 0, 0, 0])).rejects.toThrow(ClientStateError);
    expect((await v.recv()).envIds).toEqual([1]);
    gated.open();
    expect((await v.recv()).envIds).toEqual([0]);
    await expect(v.recv()).rejects.toThrow(ClientStateError);
    expect(spies.map((s) => s.steps)).toEqual([1, 1, 0, 0]);
  });

  it('recv({timeoutMs}) rejects with a TimeoutError naming the pending envs, and loses nothing', async () => {
    const spies = tttSpies(4, 6);
    const v = track(new AsyncVectorEnv(spies));
    const rng = new SeededRng('timeout');
    const { infos } = await v.reset({ seed: 4 });
    const g = gate();
    (spies[0] as SpyEnv).gate = g.promise;
    (spies[2] as SpyEnv).gate = g.promise;
    v.send(legalActions(infos, rng));
    await sleep(20);
    const t0 = performance.now();
    const error = await v.recv({ timeoutMs: 60 }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('E_TIMEOUT');
    expect((error as Error).message).toMatch(/60 ms/);
    expect((error as Error).message).toMatch(/2 ready/);
    expect((error as Error).message).toMatch(/2 still pending/);
    g.open();
    const batch = await v.recv({ timeoutMs: 5_000 });
    expect([...batch.envIds].sort()).toEqual([0, 1, 2, 3]);
  });

  it('recv with an aborted signal rejects with AbortError (before and while waiting)', async () => {
    const spies = tttSpies(3, 7);
    const v = track(new AsyncVectorEnv(spies, { batchSize: 3 }));
    const rng = new SeededRng('abort');
    const { infos } = await v.reset({ seed: 5 });
    const g = gate();
    (spies[1] as SpyEnv).gate = g.promise;
    v.send(legalActions(infos, rng));

    const reason = new Error('stop');
    const pre = await v.recv({ signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(pre).toBeInstanceOf(AbortError);
    expect((pre as AbortError).cause).toBe(reason);

    const controller = new AbortController();
    const t0 = performance.now();
    setTimeout(() => controller.abort(), 40);
    const during = await v.recv({ signal: controller.signal }).catch((e: unknown) => e);
    expect(during).toBeInstanceOf(AbortError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);

    g.open();
    await sleep(20);
    // Results are ready, but the caller asked to stop: still an AbortError.
    await expect(v.recv({ signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    const batch = await v.recv({ signal: new AbortController().signal });
    expect([...batch.envIds].sort()).toEqual([0, 1, 2]);
  });

  it('an env whose step throws surfaces as VectorEnvError with its envId; other results are kept', async () => {
    const spies = tttSpies(4, 8);
    const v = track(new AsyncVectorEnv(spies));
    const rng = new SeededRng('fail');
    const { infos } = await v.reset({ seed: 6 });
    const g = gate();
    (spies[1] as SpyEnv).gate = g.promise;
    const boom = new Error('boom');
    (spies[2] as SpyEnv).failStep = boom;
    v.send(legalActions(infos, rng));
    // The failure surfaces at once, without waiting for the blocked env 1.
    const error = await v.recv({ timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorEnvError);
    expect((error as VectorEnvError).envId).toBe(2);
    expect((error as VectorEnvError).code).toBe('E_VECTOR_ENV');
    expect((error as VectorEnvError).cause).toBe(boom);
    expect((error as Error).message).toMatch(/Env 2 failed: boom/);
    g.open();
    const rest = await v.recv();
    expect([...rest.envIds].sort()).toEqual([0, 1, 3]);

    // An error already queued when recv() is called is not held back by a slow env either.
    const g2 = gate();
    (spies[0] as SpyEnv).gate = g2.promise;
    (spies[3] as SpyEnv).failStep = new Error('again');
    const infoOf = new Map(rest.envIds.map((id, k) => [id, rest.infos[k] as StepInfo]));
    v.send(
      [0, 3].map((id) => randomLegal((infoOf.get(id) as StepInfo).actionMask, rng)),
      [0, 3],
    );
    await sleep(20);
    const queued = await v.recv({ timeoutMs: 500 }).catch((e: unknown) => e);
    expect(queued).toBeInstanceOf(VectorEnvError);
    expect((queued as VectorEnvError).envId).toBe(3);
    g2.open();
    expect((await v.recv()).envIds).toEqual([0]);

    // A failed env starts a new episode on its next send: the action is ignored.
    (spies[2] as SpyEnv).failStep = undefined;
    const steps = (spies[2] as SpyEnv).steps;
    v.send([99], [2]);
    const after = await v.recv();
    expect(after.envIds).toEqual([2]);
    expect(after.rewards[0]).toBe(0);
    expect(after.terminated[0]).toBe(0);
    expect((spies[2] as SpyEnv).steps).toBe(steps);
    expect((spies[2] as SpyEnv).resets).toHaveLength(2);
  });

  it('refuses a second recv while one waits', async () => {
    const spies = tttSpies(2, 11);
    const v = track(new AsyncVectorEnv(spies, { batchSize: 1 }));
    const rng = new SeededRng('twice');
    const { infos } = await v.reset({ seed: 8 });
    const g = gate();
    (spies[0] as SpyEnv).gate = g.promise;
    (spies[1] as SpyEnv).gate = g.promise;
    v.send(legalActions(infos, rng));
    const first = v.recv({ timeoutMs: 2_000 });
    await expect(v.recv({ timeoutMs: 2_000 })).rejects.toThrow(ClientStateError);
    g.open();
    expect((await first).envIds).toHaveLength(1);
    expect((await v.recv({ timeoutMs: 2_000 })).envIds).toHaveLength(1);
  });

  it('validates its options', () => {
    const envs = tttSpies(2, 9);
    expect(() => new AsyncVectorEnv([])).toThrow(InvalidOptionError);
    expect(() => new AsyncVectorEnv(undefined as never)).toThrow(InvalidOptionError);
    expect(() => new AsyncVectorEnv(envs, { batchSize: 0 })).toThrow(InvalidOptionError);
    expect(() => new AsyncVectorEnv(envs, { batchSize: 3 })).toThrow(InvalidOptionError);
    expect(() => new AsyncVectorEnv(envs, { batchSize: 1.5 })).toThrow(InvalidOptionError);
    expect(() => new AsyncVectorEnv(envs, { batchSize: Number.NaN })).toThrow(InvalidOptionError);
    expect(() => new AsyncVectorEnv(envs, { autoreset: 'same-step' as never })).toThrow(InvalidOptionError);
    expect(() => new AsyncVectorEnv(envs, { autoreset: 'disabled' as never })).toThrow(InvalidOptionError);
    const ok = new AsyncVectorEnv(envs, { batchSize: 2, autoreset: 'next-step' });
    expect(ok.batchSize).toBe(2);
  });
});

type Outcome = 'win' | 'loss' | 'draw';

/**
 * Plays self-play pairs (envs 2p and 2p+1) in one vector with send/recv until
 * `target` games have ended at the leaders, and returns every env's outcomes
 * in order. Games still running are left to `close()`: draining them would
 * need batchSize <= running pairs, as a seat waiting for its partner's move
 * cannot become ready on its own.
 */
async function playSelfPlay(v: AsyncVectorEnv<Float32Array, number>, target: number, rng: SeededRng): Promise<{ games: number; outcomes: Outcome[][] }> {
  const outcomes = Array.from({ length: v.numEnvs }, (): Outcome[] => []);
  let inFlight = v.numEnvs;
  let games = 0;
  v.asyncReset({ seed: 11 });
  while (games < target) {
    const batch = await v.recv({ timeoutMs: 5_000 });
    expect(batch.envIds.length).toBeGreaterThanOrEqual(Math.min(v.batchSize, inFlight));
    inFlight -= batch.envIds.length;
    const actions = batch.envIds.map((id, k) => {
      const info = batch.infos[k] as StepInfo;
      expect(batch.truncated[k]).toBe(0);
      if (!batch.terminated[k]) {
        expect(batch.rewards[k]).toBe(0);
        return randomLegal(info.actionMask, rng);
      }
      const outcome = info.episode?.outcome as Outcome;
      expect(batch.rewards[k]).toBe({ win: 1, loss: -1, draw: 0 }[outcome]);
      outcomes[id]?.push(outcome);
      if (id % 2 === 0) games++;
      return -1; // ignored: the next step resets
    });
    v.send(actions, batch.envIds);
    inFlight += batch.envIds.length;
  }
  return { games, outcomes };
}

/** Seat A's k-th game is seat B's k-th game: a win for one is a loss for the other. */
function expectMirrored(a: Outcome[], b: Outcome[]): void {
  const n = Math.min(a.length, b.length);
  expect(Math.abs(a.length - b.length)).toBeLessThanOrEqual(1);
  const mirror = { win: 'loss', loss: 'win', draw: 'draw' } as const;
  expect(b.slice(0, n)).toEqual(a.slice(0, n).map((o) => mirror[o]));
  const tally = (xs: Outcome[], o: Outcome): number => xs.slice(0, n).filter((x) => x === o).length;
  expect(tally(a, 'win')).toBe(tally(b, 'loss'));
  expect(tally(a, 'loss')).toBe(tally(b, 'win'));
}

describe('AsyncVectorEnv with self-play seats of one session', () => {
  it('plays 500 games of 4 self-play pairs in one vector with batchSize 1..4, without a deadlock', async () => {
    let total = 0;
    for (const batchSize of [1, 2, 3, 4]) {
      const envs = Array.from({ length: 4 }, (_, p) => makeSelfPlayEnvs('TicTacToe', { seed: batchSize * 10 + p })).flat();
      const v = track(new AsyncVectorEnv(envs, { batchSize }));
      const { games, outcomes } = await playSelfPlay(v, 125, new SeededRng(`selfplay-${batchSize}`));
      total += games;
      for (let p = 0; p < 4; p++) {
        const a = outcomes[2 * p] as Outcome[];
        expect(a.length).toBeGreaterThan(10);
        expectMirrored(a, outcomes[2 * p + 1] as Outcome[]);
      }
      const all = outcomes.flat();
      expect(all).toContain('win');
      expect(all).toContain('loss');
      await v.close();
    }
    expect(total).toBeGreaterThanOrEqual(500);
  }, 30_000);

  it('a lock-step reset() of a self-play pair deadlocks; close() ends it', async () => {
    const v = track(new AsyncVectorEnv(makeSelfPlayEnvs('TicTacToe')));
    const reset = v.reset({ seed: 1 });
    const settled = reset.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    const first = await Promise.race([settled, sleep(1_000).then(() => 'pending')]);
    expect(first).toBe('pending');
    await v.close();
    const outcome = await Promise.race([settled, sleep(2_000).then(() => 'still pending')]);
    expect(outcome).toBeInstanceOf(VectorEnvError);
  });

  it("over 'embedded-tcp': self-play pairs in one vector play through TCP", async () => {
    const envs = [0, 1].flatMap((p) => makeSelfPlayEnvs('TicTacToe', { server: 'embedded-tcp', seed: 900 + p }));
    const v = track(new AsyncVectorEnv(envs, { batchSize: 2 }));
    const { games, outcomes } = await playSelfPlay(v, 10, new SeededRng('tcp'));
    expect(games).toBeGreaterThanOrEqual(10);
    for (let p = 0; p < 2; p++) expectMirrored(outcomes[2 * p] as Outcome[], outcomes[2 * p + 1] as Outcome[]);
  }, 20_000);
});

describe('AsyncVectorEnv with different games', () => {
  it('steps TicTacToe and Yahtzee envs together, each with its own spaces', async () => {
    const envs = [makeEnv('TicTacToe', { seed: 1 }), makeEnv('Yahtzee', { seed: 2 }), makeEnv('TicTacToe', { seed: 3 }), makeEnv('Yahtzee', { seed: 4 })];
    const v = track(new AsyncVectorEnv<Float32Array, number>(envs, { batchSize: 2 }));
    expect(v.singleObservationSpace).toBe(envs[0]?.observationSpace);
    expect(v.singleActionSpace).toBe(envs[0]?.actionSpace);
    expect(v.singleObservationSpace.shape).toEqual([27]);
    const sizes = [
      [27, 9],
      [61, 57],
      [27, 9],
      [61, 57],
    ] as const;
    const rng = new SeededRng('mixed');
    const { observations, infos } = await v.reset({ seed: 3 });
    observations.forEach((o, i) => {
      expect(o).toHaveLength(sizes[i]?.[0] as number);
      expect(envs[i]?.observationSpace.contains(o)).toBe(true);
    });
    let masks = infos.map((info) => info.actionMask);
    let done = [false, false, false, false];
    const episodes = [0, 0, 0, 0];
    for (let t = 0; t < 400 && !(episodes[1]! >= 1 && episodes[3]! >= 1); t++) {
      const batch = await v.step(masks.map((m, i) => (done[i] ? -1 : randomLegal(m, rng))));
      expect(batch.envIds).toEqual([0, 1, 2, 3]);
      batch.observations.forEach((o, i) => {
        expect(o).toHaveLength(sizes[i]?.[0] as number);
        expect(envs[i]?.observationSpace.contains(o)).toBe(true);
        expect(batch.infos[i]?.actionMask).toHaveLength(sizes[i]?.[1] as number);
      });
      done = [0, 1, 2, 3].map((i) => Boolean(batch.terminated[i]));
      done.forEach((d, i) => {
        if (!d) return;
        episodes[i]!++;
        const ep = batch.infos[i]?.episode;
        if (i % 2 === 1) {
          // Yahtzee: the episode's return is the final score.
          expect(ep?.outcome).toEqual({ score: ep?.return });
          // Random play can cross out every category: a final score of 0 is a legal game.
          expect(ep?.return).toBeGreaterThanOrEqual(0);
        } else {
          expect(['win', 'loss', 'draw']).toContain(ep?.outcome);
        }
      });
      masks = batch.infos.map((info) => info.actionMask);
    }
    expect(episodes[1]).toBeGreaterThanOrEqual(1);
    expect(episodes[3]).toBeGreaterThanOrEqual(1);
    expect(episodes[0]).toBeGreaterThan(1);
    expect(episodes[2]).toBeGreaterThan(1);
  });
});

describe('AsyncVectorEnv.close()', () => {
  it('rejects a waiting recv with ClientStateError and closes every env', async () => {
    const pair = makeSelfPlayEnvs('TicTacToe').map((e) => new SpyEnv(e));
    const solo = tttSpies(2, 10);
    const spies = [...pair, ...solo];
    const v = new AsyncVectorEnv(spies, { batchSize: 1 });
    v.asyncReset({ seed: 2 });
    // The pair's seat to move and both solo envs come back; the other seat waits for a move that never comes.
    const back = new Map<number, StepInfo>();
    for (let k = 0; k < 3; k++) {
      const b = await v.recv({ timeoutMs: 5_000 });
      b.envIds.forEach((id, j) => back.set(id, b.infos[j] as StepInfo));
    }
    expect([...back.keys()].filter((id) => id < 2)).toHaveLength(1);
    expect(back.has(2) && back.has(3)).toBe(true);
    // A step of a solo env, blocked in flight.
    const g = gate();
    (spies[2] as SpyEnv).gate = g.promise;
    v.send([randomLegal((back.get(2) as StepInfo).actionMask, new SeededRng('close'))], [2]);
    const waiting = v.recv().catch((e: unknown) => e);
    await sleep(20);
    await v.close();
    const error = await waiting;
    expect(error).toBeInstanceOf(ClientStateError);
    expect((error as Error).message).toMatch(/closed/);
    for (const s of spies) {
      expect(s.closes).toBe(1);
      await expect(s.inner.reset()).rejects.toThrow(ClientStateError);
    }
    await expect(v.recv()).rejects.toThrow(ClientStateError);
    expect(() => v.send([0], [0])).toThrow(ClientStateError);
    expect(() => v.asyncReset()).toThrow(ClientStateError);
    await expect(v.reset()).rejects.toThrow(ClientStateError);
    await expect(v.step([0, 0, 0, 0])).rejects.toThrow(ClientStateError);
    await v.close();
    expect(spies.map((s) => s.closes)).toEqual([1, 1, 1, 1]);
    g.open();
  });
});
