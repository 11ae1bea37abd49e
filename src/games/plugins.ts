import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { adapterNames, registerAdapter } from '../env/adapter.ts';
import { rawAdapter } from '../env/adapters/raw.ts';
import { simpleAdapter } from '../env/adapters/simple.ts';
import { randomLegal, RandomPolicy } from '../env/bots.ts';
import { Box, Discrete } from '../env/spaces.ts';
import { GameGymError } from '../core/errors.ts';
import { SeededRng } from '../core/rng.ts';
import { listGames, register, registerBot, withSource } from './registry.ts';

/** A plugin file failed to load: it threw, registered a bad spec or a clashing id, or registered nothing. */
export class PluginError extends GameGymError {
  /** The plugin file as given. */
  readonly plugin: string;

  constructor(plugin: string, message: string, options?: { cause?: unknown }) {
    super('E_PLUGIN', `plugin ${plugin}: ${message}`, options);
    this.plugin = plugin;
  }
}

/** What a plugin's default export receives: everything it needs to register games, adapters and bots, without importing the toolkit. */
export const pluginApi = { register, registerBot, registerAdapter, simpleAdapter, rawAdapter, Box, Discrete, RandomPolicy, randomLegal, SeededRng };

/** The type of `pluginApi`, for a plugin's `export default (gym: PluginApi) => ...`. */
export type PluginApi = typeof pluginApi;

const loaded = new Map<string, Promise<void>>();

/**
 * Loads a plugin: a TS or JS module that registers games, adapters or bots,
 * either when imported or in its default export `(api: PluginApi) => void |
 * Promise<void>`. Loading the same file again does nothing. Throws a
 * `PluginError` naming the file and what is wrong.
 */
export function loadPlugin(file: string): Promise<void> {
  const abs = path.resolve(file);
  let promise = loaded.get(abs);
  if (!promise) {
    promise = load(file, abs);
    loaded.set(abs, promise);
  }
  return promise;
}

/** Loads plugins in order (see `loadPlugin`). */
export async function loadPlugins(files: readonly string[]): Promise<void> {
  for (const file of files) await loadPlugin(file);
}

async function load(file: string, abs: string): Promise<void> {
  if (!existsSync(abs)) throw new PluginError(file, 'no such file');
  const before = listGames().length;
  const botsBefore = botCount();
  await withSource(file, async () => {
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(abs).href)) as { default?: unknown };
    } catch (error) {
      throw asPluginError(file, error, 'failed to load');
    }
    if (typeof module.default === 'function') {
      try {
        await (module.default as (api: PluginApi) => unknown)(pluginApi);
      } catch (error) {
        throw asPluginError(file, error, 'its default export threw');
      }
    } else if (module.default !== undefined) {
      throw new PluginError(file, `its default export must be a function (api) => { api.register(spec) }, got ${typeof module.default}`);
    }
  });
  if (listGames().length === before && botCount() === botsBefore) {
    throw new PluginError(file, 'registered no game, adapter or bot: export default (gym) => gym.register(spec), or call register(spec) when imported');
  }
}

function botCount(): number {
  return listGames().reduce((n, g) => n + Object.keys(g.bots).length, 0) + adapterNames().length;
}

function asPluginError(file: string, error: unknown, what: string): PluginError {
  if (error instanceof PluginError) return error;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  // A spec error already says what is wrong; other errors are the plugin's own failure.
  return new PluginError(file, error instanceof GameGymError ? (message as string) : `${what}: ${message}`, { cause: error });
}
