// Soak of the embedded server under a mixed abusive load (issue 10) while 4 honest sessions play random
// TicTacToe: honest games/s, p99 move latency, and the server's RSS before, at peak and after.
// Run: node --import tsx agents/bench/soak.ts [seconds] [out dir]. Bounded: every attack has a fixed count.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GameClient } from '../../src/client/client.ts';
import { startChildServer } from '../../src/server/child.ts';
import { sleep } from '../../src/core/sleep.ts';

const seconds = Number(process.argv[2] ?? 30);
const outDir = process.argv[3] ?? 'experiments/results';

const child = await startChildServer({ seed: 'soak', maxSessionStateBytes: 16_000_000, requestTimeoutMs: 10_000 });
const port = child.port;
const rssMb = (): number => {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.process.pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
};

function raw(bytes: string, then: 'fin' | 'reset' | 'wait' | 'hold', holdMs = 0): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.write(bytes, () => {
        if (then === 'fin') s.end();
        else if (then === 'reset') setTimeout(() => s.resetAndDestroy(), 20);
        else if (then === 'hold') setTimeout(() => s.destroy(), holdMs);
      });
    });
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.resume();
  });
}
const req = (o: object): string => `${JSON.stringify(o)}EOT\0`;

let stop = false;
const latencies: number[] = [];
let games = 0;
let honestErrors = 0;
const honestErrorSamples = new Set<string>();

async function honest(i: number): Promise<void> {
  // A fresh session per game: join, then the seats alternate, each reading the state (unseen after the other's move).
  for (let g = 0; !stop; g++) {
    try {
      const a = new GameClient({ game: 'TicTacToe', session: `honest-${i}-${g}`, players: 2, name: 'a', port, timeoutMs: 30_000 });
      const b = new GameClient({ game: 'TicTacToe', session: `honest-${i}-${g}`, players: 2, name: 'b', port, timeoutMs: 30_000 });
      await Promise.all([a.join(), b.join()]);
      let state = await a.state();
      let mover = state.current.includes(a.playerId as number) ? a : b;
      while (!state.gameover) {
        const board = (state as unknown as { board: number[] }).board;
        const free = board.flatMap((c, k) => (c === -1 ? [k] : []));
        const t = performance.now();
        await mover.move({ position: free[Math.floor(Math.random() * free.length)] as number });
        latencies.push(performance.now() - t);
        mover = mover === a ? b : a;
        state = await mover.state();
      }
      games++;
    } catch (error) {
      honestErrors++;
      if (honestErrorSamples.size < 5) honestErrorSamples.add(String(error).slice(0, 160));
      await sleep(100);
    }
  }
}

async function attacks(): Promise<Record<string, number>> {
  const sent = { deep: 0, finJoins: 0, ghostJoins: 0, slowloris: 0, bigChatMoves: 0, bigChatRefused: 0, logInjection: 0, idle: 0 };
  const background: Array<Promise<void>> = [];
  const chatter = new GameClient({ game: 'Chat', session: 'soak-chat', players: 1, name: 'x', port, timeoutMs: 30_000 });
  await chatter.join();
  await chatter.move({ name: 'x' });
  const big = 'z'.repeat(990_000);
  const deep = '['.repeat(2500) + ']'.repeat(2500);
  let round = 0;
  while (!stop) {
    round++;
    const batch: Array<Promise<void>> = [];
    for (let i = 0; i < 20; i++, sent.deep++)
      batch.push(raw(`{"type": "move", "game": "Echo", "session": "e", "player_id": 0, "key": "k", "move": {"msg": ${deep}}}EOT\0`, 'wait'));
    for (let i = 0; i < 100; i++, sent.finJoins++) batch.push(raw(req({ type: 'join', game: 'TicTacToe', session: `fin-${round}-${i}`, players: 2, name: 'a' }), 'fin'));
    for (let i = 0; i < 100; i++, sent.ghostJoins++)
      batch.push(raw(req({ type: 'join', game: 'TicTacToe', session: i % 2 ? 'auto' : `ghost-${round}-${i}`, players: 2, name: '' }), 'reset'));
    for (let i = 0; i < 5; i++, sent.logInjection++)
      batch.push(raw(req({ type: 'join', game: 'Echo', session: `x\nforged ${round}-${i} ${'y'.repeat(100_000)}`, players: 1, name: 'a' }), 'wait'));
    for (let i = 0; i < 50; i++, sent.idle++) background.push(raw('', 'hold', 2000));
    if (round % 10 === 1) for (let i = 0; i < 20; i++, sent.slowloris++) background.push(raw('{"type"', 'hold', 12_000));
    for (let i = 0; i < 5; i++) {
      try {
        await chatter.move({ message: big });
        sent.bigChatMoves++;
      } catch {
        sent.bigChatRefused++;
      }
    }
    await Promise.all(batch);
    await sleep(50);
  }
  await Promise.all(background);
  return sent;
}

const before = rssMb();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 200);
const started = performance.now();
const players = [0, 1, 2, 3].map(honest);
const attack = attacks();
await sleep(seconds * 1000);
stop = true;
const sent = await attack;
await Promise.all(players);
const elapsed = (performance.now() - started) / 1000;
await sleep(3000);
clearInterval(sampler);
const after = rssMb();
const alive = child.process.exitCode === null;
await child.stop();

latencies.sort((x, y) => x - y);
const p = (q: number): number => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? NaN) * 10) / 10;
const result = {
  date: new Date().toISOString(),
  machine: `${os.cpus()[0]?.model} x${os.cpus().length}, Node ${process.version}, shared with four other engineers' jobs`,
  command: `node --import tsx agents/bench/soak.ts ${seconds}`,
  seconds: Math.round(elapsed * 10) / 10,
  attacks: sent,
  honest: {
    sessions: 4,
    games,
    gamesPerSecond: Math.round((games / elapsed) * 10) / 10,
    moves: latencies.length,
    moveLatencyMs: { p50: p(0.5), p99: p(0.99), max: p(1) },
    errors: honestErrors,
    errorSamples: [...honestErrorSamples],
  },
  serverRssMb: { before, peak, after },
  serverAlive: alive,
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(outDir, { recursive: true });
const stamp = result.date.replace(/[:.]/g, '-').slice(0, 19);
writeFileSync(path.join(outDir, `soak-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
