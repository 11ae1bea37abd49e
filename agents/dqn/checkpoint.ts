/**
 * DQN's agent folder (see agents/checkpoint.ts): `policy/` holds the online
 * Q-network (model.json + weights.bin); `learner/` holds the target network
 * (`target/`), Adam's state (optimizer.json + optimizer.bin, the layout of
 * tfjs's AdamOptimizer, which wrote them before Adam moved to JS), the replay
 * buffer (replay.json + replay.bin) and state.json (counters, generator).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { CheckpointError, readJson } from '../checkpoint.ts';
import { restoreFromTfAdamState, toTfAdamState, type Adam, type TfAdamState } from '../tf/adam.ts';
import { loadModel, saveModel } from '../tf/io.ts';
import { bytesOf, concatBytes } from '../tf/tensors.ts';
import { SECTIONS, type ReplayBuffer, type Section } from './replay-buffer.ts';

/** The counters and generator state that resuming needs. */
export interface DqnCounters {
  transitions: number;
  trainTicks: number;
  gradientSteps: number;
  rng: number[];
}

interface ReplayFile {
  capacity: number;
  size: number;
  pos: number;
  observationSize: number;
  actionCount: number;
  sections: Array<{ name: Section; dtype: string; byteOffset: number; byteLength: number }>;
}

export const savePolicy = (dir: string, online: tf.LayersModel): Promise<void> => saveModel(online, dir);
export const loadPolicy = (dir: string): Promise<tf.LayersModel> => loadModel(dir);

/** Writes the learner state into `dir` (the folder's learner/). */
export async function saveLearner(
  dir: string,
  target: tf.LayersModel,
  adam: Adam,
  weights: Array<{ name: string; shape: number[] }>,
  buffer: ReplayBuffer,
  counters: DqnCounters,
): Promise<void> {
  await saveModel(target, path.join(dir, 'target'));
  const saved = toTfAdamState(adam, weights);
  await writeFile(path.join(dir, 'optimizer.bin'), saved.bytes);
  await writeFile(path.join(dir, 'optimizer.json'), JSON.stringify(saved.state));

  // Replay buffer: the filled part of each array, back to back.
  const parts = buffer.parts();
  const sections: ReplayFile['sections'] = [];
  let byteOffset = 0;
  for (const name of SECTIONS) {
    const view = parts[name];
    sections.push({ name, dtype: view.constructor.name, byteOffset, byteLength: view.byteLength });
    byteOffset += view.byteLength;
  }
  const replay: ReplayFile = { capacity: buffer.capacity, size: buffer.size, pos: buffer.pos, observationSize: buffer.observationSize, actionCount: buffer.actionCount, sections };
  await writeFile(path.join(dir, 'replay.bin'), concatBytes(SECTIONS.map((name) => parts[name])));
  await writeFile(path.join(dir, 'replay.json'), JSON.stringify(replay));
  await writeFile(path.join(dir, 'state.json'), JSON.stringify(counters));
}

/** Reads the learner state of `dir` (learner/), filling `buffer` and `adam` in place; the caller owns the returned network. */
export async function loadLearner(dir: string, buffer: ReplayBuffer, adam: Adam): Promise<{ target: tf.LayersModel; counters: DqnCounters }> {
  const replay = await readJson<ReplayFile>(path.join(dir, 'replay.json'));
  if (replay.capacity !== buffer.capacity) {
    throw new CheckpointError(`The checkpoint's replay buffer holds ${replay.capacity} transitions, this agent's ${buffer.capacity}`);
  }
  const adamState = await readJson<TfAdamState>(path.join(dir, 'optimizer.json'));
  const counters = await readJson<DqnCounters>(path.join(dir, 'state.json'));
  const replayBytes = bytesOf(await readFile(path.join(dir, 'replay.bin')));
  const optimizerBytes = await readFile(path.join(dir, 'optimizer.bin'));
  try {
    restoreFromTfAdamState(adam, adamState, optimizerBytes);
  } catch (error) {
    throw new CheckpointError(`optimizer.bin in ${dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const target = await loadModel(path.join(dir, 'target'));
  for (const s of replay.sections) {
    const array = buffer[s.name];
    const Ctor = array.constructor as new (b: ArrayBuffer, o: number, n: number) => typeof array;
    array.set(new Ctor(replayBytes, s.byteOffset, s.byteLength / array.BYTES_PER_ELEMENT) as never);
  }
  buffer.size = replay.size;
  buffer.pos = replay.pos;
  return { target, counters };
}
