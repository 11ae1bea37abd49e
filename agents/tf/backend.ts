import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '../../src/core/errors.ts';

/** The tfjs backends this package can run on, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What `initBackend` chose and why. */
export interface BackendChoice {
  name: BackendName;
  /** Why faster backends were passed over. */
  skipped: string[];
}

let chosen: Promise<BackendChoice> | undefined;

// A variable module name keeps tsc and bundlers from requiring the optional package.
const TFJS_NODE = '@tensorflow/tfjs-node';

/**
 * Picks the tfjs backend once per process: `@tensorflow/tfjs-node` when it is
 * installed and loads (its native addon often cannot be installed), else WASM
 * (with SIMD), else the pure-JS CPU backend. `preferred` forces one. Create no
 * tensors before this resolves.
 */
export function initBackend(preferred?: BackendName | 'auto'): Promise<BackendChoice> {
  if (preferred !== undefined && !['auto', 'tensorflow', 'wasm', 'cpu'].includes(preferred)) {
    throw new InvalidOptionError(`Expected backend to be auto, tensorflow, wasm or cpu, got ${JSON.stringify(preferred)}`);
  }
  chosen ??= choose(preferred ?? 'auto');
  return chosen;
}

async function choose(preferred: BackendName | 'auto'): Promise<BackendChoice> {
  tf.enableProdMode();
  const order: BackendName[] = preferred === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preferred];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      if (name === 'tensorflow') await import(TFJS_NODE);
      if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend(name))) throw new Error('setBackend returned false');
      await tf.ready();
      return { name, skipped };
    } catch (error) {
      skipped.push(`${name}: ${firstLine(error)}`);
    }
  }
  throw new InvalidOptionError(`No tfjs backend could start: ${skipped.join('; ')}`);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.slice(0, 160) ?? text;
}

/** A one-line description of the backend, for the start of a run. */
export function describeBackend(choice: BackendChoice): string {
  const why = choice.skipped.length ? ` (skipped ${choice.skipped.join('; ')})` : '';
  return `tfjs backend: ${choice.name}${why}`;
}
