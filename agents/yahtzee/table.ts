import { constants, existsSync } from 'node:fs';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { solve, stateIndex, STATES, type Solution } from './solver.ts';

/** The game this solver solves (the one `game-gym solve` knows). */
export const SOLVED_GAME = 'Yahtzee';

const MAGIC = 'YZOPTV01';

/** The cache folder: `$GAME_GYM_CACHE_DIR` when set, else the repository's `experiments/cache/`. */
export function defaultCacheDir(): string {
  const fromEnv = process.env.GAME_GYM_CACHE_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'experiments', 'cache');
}

/** The cache file of a solve inside `dir`. */
export function cacheFile(dir: string, yahtzeeBonus: boolean): string {
  return path.join(dir, `yahtzee-optimal-${yahtzeeBonus ? 'bonus150' : 'nobonus'}.bin`);
}

/** Options of `loadOrSolve`. */
export interface LoadOptions {
  /** Folder of the cache file (default `defaultCacheDir()`). */
  cacheDir?: string;
  /** Follow the server's 150-point rule (default true). */
  yahtzeeBonus?: boolean;
  /** Solve even when a cache file exists (and overwrite it). */
  fresh?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** A solution and where it came from. */
export interface LoadedSolution {
  solution: Solution;
  file: string;
  fromCache: boolean;
  /** Seconds the solve took (0 from the cache). */
  seconds: number;
}

/** Reads a cache file; throws InvalidOptionError when it is not one. */
export async function readCache(file: string, yahtzeeBonus: boolean): Promise<Solution> {
  const data = await readFile(file);
  if (data.length !== MAGIC.length + STATES * 8 || data.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) {
    throw new InvalidOptionError(`${file} is not a Yahtzee solution cache (delete it or solve with --fresh)`);
  }
  const values = new Float64Array(STATES);
  Buffer.from(values.buffer).set(data.subarray(MAGIC.length));
  return { yahtzeeBonus, values, expected: values[stateIndex(0, 0, false)] as number };
}

/** Writes a cache file by rename, so an interrupted write leaves no partial file. */
export async function writeCache(file: string, solution: Solution): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, Buffer.concat([Buffer.from(MAGIC, 'latin1'), Buffer.from(solution.values.buffer)]));
  await rename(tmp, file);
}

/** The solution from the cache file, or solved now and cached. */
export async function loadOrSolve(options: LoadOptions = {}): Promise<LoadedSolution> {
  const yahtzeeBonus = options.yahtzeeBonus ?? true;
  const file = cacheFile(options.cacheDir ?? defaultCacheDir(), yahtzeeBonus);
  if (!options.fresh && existsSync(file)) return { solution: await readCache(file, yahtzeeBonus), file, fromCache: true, seconds: 0 };
  // Fail before a minute of solving, not after, when the folder cannot take the file.
  await mkdir(path.dirname(file), { recursive: true });
  await access(path.dirname(file), constants.W_OK);
  const start = performance.now();
  const solution = solve({ yahtzeeBonus, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const seconds = (performance.now() - start) / 1000;
  await writeCache(file, solution);
  return { solution, file, fromCache: false, seconds };
}

const shared = new Map<string, Promise<Solution>>();

/** The server-rules solution for bots, loaded or solved once per process and cache folder. */
export function sharedSolution(cacheDir = defaultCacheDir()): Promise<Solution> {
  let p = shared.get(cacheDir);
  if (!p) {
    p = loadOrSolve({ cacheDir }).then((l) => l.solution);
    shared.set(cacheDir, p);
    p.catch(() => shared.delete(cacheDir));
  }
  return p;
}
