import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { loadModel, saveModel } from './io.ts';

describe('fs model IO', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-io-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('round-trips a model: same outputs, tfjs-node layout on disk', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 16, activation: 'relu', inputShape: [5] }), tf.layers.dense({ units: 3 })],
    });
    const x = tf.tensor2d([
      [0.1, -0.2, 0.3, 0.4, -0.5],
      [1, 2, 3, 4, 5],
    ]);
    const before = (model.predict(x) as tf.Tensor).arraySync();
    await saveModel(model, dir);
    const manifest = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(manifest.weightsManifest[0].paths).toEqual(['./weights.bin']);
    expect((await readFile(path.join(dir, 'weights.bin'))).length).toBe((5 * 16 + 16 + 16 * 3 + 3) * 4);
    const loaded = await loadModel(dir);
    expect((loaded.predict(x) as tf.Tensor).arraySync()).toEqual(before);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('says clearly when there is no model', async () => {
    await expect(loadModel(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT|no such file/);
  });
});
