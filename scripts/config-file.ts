import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InvalidOptionError } from '../src/core/errors.ts';

/**
 * Reads a `--config` file: JSON, or YAML for `.yaml`/`.yml`. Keys set to null
 * are left out, so a run's own `config.json` (where null means "the default")
 * is a valid `--config`.
 */
export function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new InvalidOptionError(`Config file not found: ${file}`);
  const yaml = /\.ya?ml$/i.test(file);
  let value: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const first = (error as Error).message.split('\n')[0];
    throw new InvalidOptionError(`Config file ${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${first}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(`Expected config file ${file} to hold an object of options, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}
