/**
 * PPO's agent folder (see agents/checkpoint.ts): `policy/` holds the
 * actor-critic (model.json + weights.bin); `learner/` holds Adam's moments
 * (adam.bin) and state.json (counters, generator, Adam's step, pending
 * explore results and the rollout buffers).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readJson } from '../checkpoint.ts';

/** One buffered transition as state.json stores it (arrays of floats as base64). */
export interface SavedRollout {
  obs: string;
  masks: string;
  nextObs: string;
  actions: number[];
  rewards: number[];
  logProbs: number[];
  values: number[];
  terminated: number[];
  truncated: number[];
}

/** learner/state.json. */
export interface PpoLearnerState {
  counters: { updates: number; recorded: number; gradientSteps: number };
  rng: number[];
  adam: { step: number; weights: Array<{ name: string; shape: number[] }> };
  pending: Array<{ envId: number; logProbs: string; value: number }>;
  buffers: SavedRollout[];
}

export async function saveLearner(dir: string, adamBytes: Uint8Array, state: PpoLearnerState): Promise<void> {
  await writeFile(path.join(dir, 'adam.bin'), adamBytes);
  await writeFile(path.join(dir, 'state.json'), JSON.stringify(state));
}

export async function loadLearner(dir: string): Promise<{ adamBytes: Buffer; state: PpoLearnerState }> {
  const state = await readJson<PpoLearnerState>(path.join(dir, 'state.json'));
  return { adamBytes: await readFile(path.join(dir, 'adam.bin')), state };
}
