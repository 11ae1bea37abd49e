import { InvalidOptionError } from '../../src/core/errors.ts';
import { SeededRng } from '../../src/core/rng.ts';

/**
 * Elo ratings fitted to a whole set of games at once: the maximum-likelihood
 * Bradley-Terry model with draws counted as half a win for each side.
 *
 * Model: agent i has strength θ_i (natural log scale) and scores against j
 * with expectation p_ij = 1 / (1 + exp(θ_j - θ_i)); a win scores 1, a draw
 * 1/2, a loss 0. The fit maximises Σ_{pairs} s_ij ln p_ij + s_ji ln p_ji
 * (s_ij = i's points against j) by Newton-Raphson with step halving. It
 * depends only on each pair's totals, so the order of the games cannot
 * matter (unlike sequential Elo updates).
 *
 * Prior: every pair that played gets `priorDraws` extra virtual draws
 * (default 1), so that an agent that never lost a pair (minimax against
 * random) still has a finite rating; with hundreds of games per pair it
 * moves the gaps by little.
 *
 * Scale and anchor: Elo = 400 / ln 10 × θ, i.e. a 400-point gap means 10:1
 * expected points. `anchor: 'auto'` fixes the `random` agent at 0 when it
 * takes part, else the mean at 1500; `'mean'` always fixes the mean at 1500;
 * an agent's name fixes that agent at 0.
 *
 * Uncertainty: `se` is the standard error from the inverse Fisher information
 * relative to the anchor (0 for an anchor agent; for the mean anchor, of the
 * distance from the mean). The 95% interval is a parametric bootstrap when
 * `bootstrap` > 0 (each pair's win/draw/loss counts redrawn from its observed
 * rates, the fit repeated, 2.5% and 97.5% quantiles), else ±1.96 se. The
 * bootstrap is the better interval when draws are common: the half-point
 * model treats a draw like a coin flip and so overstates the variance.
 */

/** One game's result: `score` is a's points (1 win, 0.5 draw, 0 loss). */
export interface GameRecord {
  a: string;
  b: string;
  score: number;
}

/** A pair's totals from a's point of view. */
export interface PairTally {
  a: string;
  b: string;
  wins: number;
  draws: number;
  losses: number;
}

/** Options of `fitElo`. */
export interface EloOptions {
  /** The agents to rate and their order in the result. Default: every agent named in the tallies, sorted by name. */
  agents?: string[];
  /** `'auto'` (random = 0 if present, else mean = 1500), `'mean'` (mean = 1500) or an agent's name (that agent = 0). Default 'auto'. */
  anchor?: string;
  /** Virtual draws added to every pair that played. Default 1. */
  priorDraws?: number;
  /** Bootstrap resamples for the 95% intervals; 0 uses ±1.96 standard errors. Default 1000. */
  bootstrap?: number;
  /** Seeds the bootstrap. Default 0. */
  seed?: number;
}

/** One agent's fitted rating. */
export interface Rating {
  agent: string;
  elo: number;
  /** Standard error in Elo points (relative to the anchor). */
  se: number;
  /** The 95% interval. */
  low: number;
  high: number;
  /** Games played (without the virtual draws). */
  games: number;
  /** Points per game (wins + draws / 2) / games. */
  score: number;
}

/** What `fitElo` returns. */
export interface EloFit {
  ratings: Rating[];
  /** E.g. "random = 0" or "mean = 1500". */
  anchor: string;
  model: string;
  priorDraws: number;
  /** 'bootstrap (1000 resamples)' or '±1.96 se'. */
  interval: string;
  iterations: number;
  logLikelihood: number;
}

/** Elo points per natural-log unit of strength: 400 points = 10:1 odds. */
export const ELO_PER_NAT = 400 / Math.LN10;
/** The mean rating with the mean anchor. */
export const MEAN_ELO = 1500;

/** The expected score of a against b from their Elo ratings. */
export function expectedScore(eloA: number, eloB: number): number {
  return 1 / (1 + 10 ** ((eloB - eloA) / 400));
}

/** Sums game records into one tally per unordered pair (a < b by name). */
export function tallyGames(games: GameRecord[]): PairTally[] {
  const map = new Map<string, PairTally>();
  for (const g of games) {
    if (!(g.score === 0 || g.score === 0.5 || g.score === 1)) {
      throw new InvalidOptionError(`Expected a game score of 0, 0.5 or 1, got ${String(g.score)} (${g.a} vs ${g.b})`);
    }
    const flip = g.a > g.b;
    const [a, b] = flip ? [g.b, g.a] : [g.a, g.b];
    const score = flip ? 1 - g.score : g.score;
    const key = JSON.stringify([a, b]);
    let t = map.get(key);
    if (!t) map.set(key, (t = { a, b, wins: 0, draws: 0, losses: 0 }));
    if (score === 1) t.wins++;
    else if (score === 0) t.losses++;
    else t.draws++;
  }
  return [...map.values()].sort((x, y) => (x.a === y.a ? cmp(x.b, y.b) : cmp(x.a, y.a)));
}

/** Fits Elo ratings to pair tallies (see the module comment for the model, anchor and intervals). */
export function fitElo(tallies: PairTally[], options: EloOptions = {}): EloFit {
  const priorDraws = options.priorDraws ?? 1;
  const bootstrap = options.bootstrap ?? 1000;
  if (!(Number.isFinite(priorDraws) && priorDraws >= 0)) throw new InvalidOptionError(`Expected priorDraws to be a non-negative number, got ${priorDraws}`);
  if (!(Number.isInteger(bootstrap) && bootstrap >= 0)) throw new InvalidOptionError(`Expected bootstrap to be a non-negative integer, got ${bootstrap}`);
  const names = options.agents ?? [...new Set(tallies.flatMap((t) => [t.a, t.b]))].sort(cmp);
  if (new Set(names).size !== names.length) throw new InvalidOptionError(`Expected distinct agent names, got ${names.join(', ')}`);
  if (names.length < 2) throw new InvalidOptionError(`Expected at least 2 agents to rate, got ${names.length}`);
  const index = new Map(names.map((n, i) => [n, i]));
  const n = names.length;

  // Per ordered pair: games and points of the row agent (observed only; the prior is added in the fit).
  const games = square(n);
  const points = square(n);
  for (const t of tallies) {
    const i = index.get(t.a);
    const j = index.get(t.b);
    if (i === undefined || j === undefined) throw new InvalidOptionError(`Tally ${t.a} vs ${t.b} names an agent not in ${names.join(', ')}`);
    if (i === j) throw new InvalidOptionError(`An agent cannot play itself: ${t.a}`);
    for (const k of [t.wins, t.draws, t.losses]) {
      if (!(Number.isInteger(k) && k >= 0)) throw new InvalidOptionError(`Expected non-negative integer counts for ${t.a} vs ${t.b}, got ${JSON.stringify(t)}`);
    }
    const g = t.wins + t.draws + t.losses;
    games[i]![j]! += g;
    games[j]![i]! += g;
    points[i]![j]! += t.wins + t.draws / 2;
    points[j]![i]! += t.losses + t.draws / 2;
  }
  assertConnected(names, games);
  if (priorDraws === 0) assertFinite(names, points);

  let anchorName = options.anchor ?? 'auto';
  if (anchorName === 'auto') anchorName = index.has('random') ? 'random' : 'mean';
  if (anchorName !== 'mean' && !index.has(anchorName)) {
    throw new InvalidOptionError(`Expected anchor to be auto, mean or one of the agents (${names.join(', ')}), got ${JSON.stringify(options.anchor)}`);
  }
  const anchorIndex = anchorName === 'mean' ? -1 : (index.get(anchorName) as number);
  const toElo = (theta: number[]): number[] => {
    const shift = anchorIndex < 0 ? theta.reduce((a, b) => a + b, 0) / n : (theta[anchorIndex] as number);
    const base = anchorIndex < 0 ? MEAN_ELO : 0;
    return theta.map((t) => base + ELO_PER_NAT * (t - shift));
  };

  const fit = newton(games, points, priorDraws);
  const elo = toElo(fit.theta);
  const se = standardErrors(fisher(games, fit.theta, priorDraws), anchorIndex).map((s) => s * ELO_PER_NAT);

  let low: number[];
  let high: number[];
  if (bootstrap > 0) {
    const rng = new SeededRng(`elo-bootstrap-${options.seed ?? 0}`);
    const samples: number[][] = names.map(() => []);
    for (let r = 0; r < bootstrap; r++) {
      const resampled = resample(n, tallies, index, rng);
      const e = toElo(newton(games, resampled, priorDraws).theta);
      e.forEach((v, i) => samples[i]!.push(v));
    }
    low = samples.map((s) => quantile(s, 0.025));
    high = samples.map((s) => quantile(s, 0.975));
  } else {
    low = elo.map((e, i) => e - 1.96 * (se[i] as number));
    high = elo.map((e, i) => e + 1.96 * (se[i] as number));
  }

  const ratings: Rating[] = names.map((agent, i) => {
    const played = (games[i] as number[]).reduce((a, b) => a + b, 0);
    const scored = (points[i] as number[]).reduce((a, b) => a + b, 0);
    return { agent, elo: elo[i] as number, se: se[i] as number, low: low[i] as number, high: high[i] as number, games: played, score: played ? scored / played : NaN };
  });
  return {
    ratings,
    anchor: anchorIndex < 0 ? `mean = ${MEAN_ELO}` : `${anchorName} = 0`,
    model: 'Bradley-Terry maximum likelihood, draws = half a win each (Newton-Raphson)',
    priorDraws,
    interval: bootstrap > 0 ? `bootstrap (${bootstrap} resamples, 2.5%-97.5%)` : '±1.96 se',
    iterations: fit.iterations,
    logLikelihood: fit.logLikelihood,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function square(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}

function assertConnected(names: string[], games: number[][]): void {
  const seen = new Set<number>([0]);
  const stack = [0];
  while (stack.length) {
    const i = stack.pop() as number;
    games[i]!.forEach((g, j) => {
      if (g > 0 && !seen.has(j)) {
        seen.add(j);
        stack.push(j);
      }
    });
  }
  if (seen.size !== names.length) {
    const apart = names.filter((_, i) => !seen.has(i));
    throw new InvalidOptionError(`Cannot rate agents that are not linked by games to ${names[0]}: ${apart.join(', ')}`);
  }
}

/**
 * Without virtual draws the likelihood has a finite maximum only if every
 * agent can be reached from every other through "scored points against"
 * links; otherwise some gap is infinite.
 */
function assertFinite(names: string[], points: number[][]): void {
  const reach = (forward: boolean): Set<number> => {
    const seen = new Set<number>([0]);
    const stack = [0];
    while (stack.length) {
      const i = stack.pop() as number;
      for (let j = 0; j < names.length; j++) {
        const scored = forward ? points[i]![j]! : points[j]![i]!;
        if (scored > 0 && !seen.has(j)) {
          seen.add(j);
          stack.push(j);
        }
      }
    }
    return seen;
  };
  const forward = reach(true);
  const backward = reach(false);
  if (forward.size !== names.length || backward.size !== names.length) {
    throw new InvalidOptionError('With priorDraws = 0 some Elo gaps are infinite (an agent or group never scored against, or never conceded to, the rest); use priorDraws > 0');
  }
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

function logLikelihood(games: number[][], points: number[][], prior: number, theta: number[]): number {
  let ll = 0;
  const n = theta.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || games[i]![j] === 0) continue;
      ll += (points[i]![j]! + prior / 2) * logSigmoid(theta[i]! - theta[j]!);
    }
  }
  return ll;
}

/** The Fisher information of θ (a weighted graph Laplacian). */
function fisher(games: number[][], theta: number[], prior: number): number[][] {
  const n = theta.length;
  const info = square(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || games[i]![j] === 0) continue;
      const p = sigmoid(theta[i]! - theta[j]!);
      const w = (games[i]![j]! + prior) * p * (1 - p);
      info[i]![j]! -= w;
      info[i]![i]! += w;
    }
  }
  return info;
}

/** Maximises the log-likelihood with θ_0 fixed at 0 (the likelihood ignores shifts). */
function newton(games: number[][], points: number[][], prior: number): { theta: number[]; iterations: number; logLikelihood: number } {
  const n = games.length;
  let theta = new Array<number>(n).fill(0);
  let ll = logLikelihood(games, points, prior, theta);
  let iterations = 0;
  for (; iterations < 200; iterations++) {
    const grad = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j || games[i]![j] === 0) continue;
        grad[i]! += points[i]![j]! + prior / 2 - (games[i]![j]! + prior) * sigmoid(theta[i]! - theta[j]!);
      }
    }
    const info = fisher(games, theta, prior);
    const reduced = info.slice(1).map((row) => row.slice(1));
    const step = [0, ...solve(reduced, grad.slice(1))];
    let t = 1;
    let next = theta;
    let nextLl = ll;
    for (let halvings = 0; halvings < 60; halvings++, t /= 2) {
      next = theta.map((v, i) => v + t * (step[i] as number));
      nextLl = logLikelihood(games, points, prior, next);
      if (nextLl >= ll - 1e-12 * Math.abs(ll)) break;
    }
    const moved = Math.max(...next.map((v, i) => Math.abs(v - (theta[i] as number))));
    theta = next;
    ll = nextLl;
    if (moved < 1e-10) {
      iterations++;
      break;
    }
  }
  return { theta, iterations, logLikelihood: ll };
}

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot] as number[], m[c] as number[]];
    const p = m[c]![c]!;
    if (Math.abs(p) < 1e-300) throw new InvalidOptionError('The Elo fit is singular: some agents are not linked by games');
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / p;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

function invert(a: number[][]): number[][] {
  const n = a.length;
  const columns = Array.from({ length: n }, (_, k) =>
    solve(
      a,
      Array.from({ length: n }, (_, i) => (i === k ? 1 : 0)),
    ),
  );
  return Array.from({ length: n }, (_, i) => columns.map((col) => col[i] as number));
}

/**
 * Standard errors of θ relative to the anchor: with an anchor agent, the
 * inverse of the information without its row and column; with the mean, the
 * pseudo-inverse of the Laplacian, (L + J/n)^-1 - J/n.
 */
function standardErrors(info: number[][], anchorIndex: number): number[] {
  const n = info.length;
  if (anchorIndex < 0) {
    const cov = invert(info.map((row) => row.map((v) => v + 1 / n)));
    return cov.map((row, i) => Math.sqrt(Math.max(0, (row[i] as number) - 1 / n)));
  }
  const keep = info.map((_, i) => i).filter((i) => i !== anchorIndex);
  const cov = invert(keep.map((i) => keep.map((j) => info[i]![j] as number)));
  const se = new Array<number>(n).fill(0);
  keep.forEach((i, k) => (se[i] = Math.sqrt(Math.max(0, cov[k]![k]!))));
  return se;
}

/** Redraws every pair's wins, draws and losses from its observed rates (multinomial); returns the points matrix. */
function resample(n: number, tallies: PairTally[], index: Map<string, number>, rng: SeededRng): number[][] {
  // Merge tallies per unordered pair (a pair may be listed more than once, in either order).
  const merged = new Map<number, { i: number; j: number; w: number; d: number; l: number }>();
  for (const t of tallies) {
    let i = index.get(t.a) as number;
    let j = index.get(t.b) as number;
    let [w, l] = [t.wins, t.losses];
    if (i > j) [i, j, w, l] = [j, i, l, w];
    const key = i * n + j;
    const m = merged.get(key) ?? { i, j, w: 0, d: 0, l: 0 };
    m.w += w;
    m.d += t.draws;
    m.l += l;
    merged.set(key, m);
  }
  const out = square(n);
  for (const { i, j, w, d, l } of merged.values()) {
    const g = w + d + l;
    if (g === 0) continue;
    const win = binomial(g, w / g, rng);
    const draw = binomial(g - win, l + d > 0 ? d / (d + l) : 0, rng);
    out[i]![j] = win + draw / 2;
    out[j]![i] = g - win - draw + draw / 2;
  }
  return out;
}

/** A binomial draw: exact for small n, normal approximation (rounded, clamped) when n p (1 - p) is large. */
function binomial(n: number, p: number, rng: SeededRng): number {
  if (p <= 0) return 0;
  if (p >= 1) return n;
  if (n * p * (1 - p) > 50) {
    const u = 1 - rng.next();
    const v = rng.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.min(n, Math.max(0, Math.round(n * p + z * Math.sqrt(n * p * (1 - p)))));
  }
  let k = 0;
  for (let t = 0; t < n; t++) if (rng.next() < p) k++;
  return k;
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}
