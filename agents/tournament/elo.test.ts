import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/core/rng.ts';
import { ELO_PER_NAT, MEAN_ELO, expectedScore, fitElo, tallyGames, type GameRecord } from './elo.ts';

/** Games between agents of known Elo: each pair plays `perPair` games, a draw with probability `drawRate`, else a win drawn so that the expected score matches. */
function synthetic(truth: Record<string, number>, perPair: number, seed: string, drawRate = 0): GameRecord[] {
  const rng = new SeededRng(seed);
  const names = Object.keys(truth);
  const games: GameRecord[] = [];
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      const p = expectedScore(truth[a] as number, truth[b] as number);
      for (let g = 0; g < perPair; g++) {
        // With draws (half a point each) the win probability that keeps the expected score p is (p - d/2) / (1 - d) of the decisive games.
        const d = Math.min(drawRate, 2 * Math.min(p, 1 - p));
        const u = rng.next();
        const score = u < d ? 0.5 : rng.next() < (p - d / 2) / (1 - d) ? 1 : 0;
        games.push(g % 2 ? { a, b, score } : { a: b, b: a, score: 1 - score });
      }
    }
  }
  return games;
}

function shuffled<T>(items: T[], seed: string): T[] {
  const rng = new SeededRng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const byAgent = (fit: ReturnType<typeof fitElo>): Record<string, number> => Object.fromEntries(fit.ratings.map((r) => [r.agent, r.elo]));

describe('fitElo', () => {
  const truth = { weak: 0, mid: 150, strong: 400, best: 700 };

  it('recovers the ordering and the gaps of known strengths', () => {
    const fit = fitElo(tallyGames(synthetic(truth, 2000, 'known')), { anchor: 'weak', bootstrap: 200 });
    const elo = byAgent(fit);
    expect(fit.anchor).toBe('weak = 0');
    expect(elo.weak).toBe(0);
    const order = Object.entries(elo)
      .sort((x, y) => x[1] - y[1])
      .map(([a]) => a);
    expect(order).toEqual(['weak', 'mid', 'strong', 'best']);
    for (const [agent, value] of Object.entries(truth)) expect(Math.abs((elo[agent] as number) - value)).toBeLessThan(40);
    for (const r of fit.ratings) {
      expect(r.low).toBeLessThanOrEqual(r.elo + 1e-9);
      expect(r.high).toBeGreaterThanOrEqual(r.elo - 1e-9);
      if (r.agent !== 'weak') {
        expect(r.se).toBeGreaterThan(0);
        expect(r.se).toBeLessThan(20);
        // The interval covers the truth (the gaps are recovered within their uncertainty, generously).
        expect(truth[r.agent as keyof typeof truth]).toBeGreaterThan(r.low - 2 * r.se);
        expect(truth[r.agent as keyof typeof truth]).toBeLessThan(r.high + 2 * r.se);
      }
    }
  });

  it('recovers the gaps with draws in the games too', () => {
    const elo = byAgent(fitElo(tallyGames(synthetic(truth, 2000, 'draws', 0.3)), { anchor: 'weak', bootstrap: 0 }));
    for (const [agent, value] of Object.entries(truth)) expect(Math.abs((elo[agent] as number) - value)).toBeLessThan(50);
  });

  it('does not depend on the order of the games', () => {
    const games = synthetic(truth, 300, 'order', 0.2);
    const a = fitElo(tallyGames(games), { bootstrap: 100, seed: 3 });
    for (const s of ['s1', 's2', 's3']) {
      const b = fitElo(tallyGames(shuffled(games, s)), { bootstrap: 100, seed: 3 });
      expect(b).toEqual(a);
    }
    // Pairs listed either way round (b vs a) give the same fit.
    const flipped = tallyGames(games).map((t) => ({ a: t.b, b: t.a, wins: t.losses, draws: t.draws, losses: t.wins }));
    expect(byAgent(fitElo(flipped, { bootstrap: 0 }))).toEqual(byAgent(fitElo(tallyGames(games), { bootstrap: 0 })));
  });

  it('counts a draw as half a win for each side', () => {
    const even = fitElo([{ a: 'x', b: 'y', wins: 0, draws: 50, losses: 0 }], { anchor: 'x', bootstrap: 0 });
    expect(byAgent(even).y).toBeCloseTo(0, 9);
    const withDraws = fitElo([{ a: 'x', b: 'y', wins: 30, draws: 20, losses: 10 }], { anchor: 'x', priorDraws: 0, bootstrap: 0 });
    const asHalves = fitElo([{ a: 'x', b: 'y', wins: 40, draws: 0, losses: 20 }], { anchor: 'x', priorDraws: 0, bootstrap: 0 });
    expect(byAgent(withDraws).y).toBeCloseTo(byAgent(asHalves).y as number, 9);
    // 40 of 60 points: y is 400 log10(2) below x.
    expect(byAgent(withDraws).y).toBeCloseTo(-400 * Math.log10(2), 6);
    // tallyGames counts 0.5 as a draw.
    expect(
      tallyGames([
        { a: 'x', b: 'y', score: 0.5 },
        { a: 'y', b: 'x', score: 1 },
      ]),
    ).toEqual([{ a: 'x', b: 'y', wins: 0, draws: 1, losses: 1 }]);
  });

  it('anchors random at 0 when it takes part, else the mean at 1500', () => {
    const games = synthetic({ random: 0, a: 300, b: 500 }, 300, 'anchor');
    const withRandom = fitElo(tallyGames(games), { bootstrap: 0 });
    expect(withRandom.anchor).toBe('random = 0');
    expect(byAgent(withRandom).random).toBe(0);
    expect(withRandom.ratings.find((r) => r.agent === 'random')?.se).toBe(0);
    const mean = fitElo(tallyGames(games), { anchor: 'mean', bootstrap: 50 });
    expect(mean.anchor).toBe(`mean = ${MEAN_ELO}`);
    expect(mean.ratings.reduce((s, r) => s + r.elo, 0) / 3).toBeCloseTo(MEAN_ELO, 9);
    // Same gaps whatever the anchor.
    const e1 = byAgent(withRandom);
    const e2 = byAgent(mean);
    expect((e2.b as number) - (e2.a as number)).toBeCloseTo((e1.b as number) - (e1.a as number), 9);
    const noRandom = fitElo(tallyGames(synthetic({ p: 0, q: 100 }, 100, 'nr')), { bootstrap: 0 });
    expect(noRandom.anchor).toBe('mean = 1500');
  });

  it('keeps an unbeaten agent finite with the virtual draws', () => {
    const fit = fitElo([{ a: 'minimax', b: 'random', wins: 1000, draws: 0, losses: 0 }], { bootstrap: 100 });
    const elo = byAgent(fit);
    // One virtual draw: 1000.5 of 1001 points.
    expect(elo.minimax).toBeCloseTo(ELO_PER_NAT * Math.log(1000.5 / 0.5), 6);
    expect(Number.isFinite(fit.ratings[0]?.high)).toBe(true);
    expect(() => fitElo([{ a: 'minimax', b: 'random', wins: 10, draws: 0, losses: 0 }], { priorDraws: 0 })).toThrow(/infinite/);
  });

  it('rejects what it cannot rate, with a clear message', () => {
    expect(() =>
      fitElo([
        { a: 'a', b: 'b', wins: 1, draws: 0, losses: 1 },
        { a: 'c', b: 'd', wins: 1, draws: 0, losses: 1 },
      ]),
    ).toThrow(/not linked by games.*c, d/);
    expect(() => fitElo([{ a: 'a', b: 'b', wins: 1, draws: 0, losses: 1 }], { anchor: 'zz' })).toThrow(/anchor to be auto, mean or one of the agents \(a, b\)/);
    expect(() => fitElo([{ a: 'a', b: 'b', wins: -1, draws: 0, losses: 1 }])).toThrow(/non-negative integer counts/);
    expect(() => tallyGames([{ a: 'a', b: 'b', score: 0.3 }])).toThrow(/0, 0.5 or 1/);
  });
});
