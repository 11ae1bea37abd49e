import type { Policy } from '../../src/env/policy.ts';

/**
 * Wraps a policy so that single-observation calls made in the same tick (one
 * per session) are answered by one batched call: one model call for many
 * sessions instead of many small ones.
 */
export function batchCalls<Obs>(policy: Policy<Obs>): Policy<Obs> {
  let queue: Array<{ obs: Obs[]; masks: Uint8Array[]; resolve: (a: number[]) => void; reject: (e: unknown) => void }> = [];
  let scheduled = false;
  const flush = async (): Promise<void> => {
    scheduled = false;
    const batch = queue;
    queue = [];
    try {
      const actions = await policy.act(
        batch.flatMap((q) => q.obs),
        batch.flatMap((q) => q.masks),
      );
      let k = 0;
      for (const q of batch) {
        q.resolve(actions.slice(k, k + q.obs.length));
        k += q.obs.length;
      }
    } catch (error) {
      for (const q of batch) q.reject(error);
    }
  };
  return {
    name: policy.name,
    act(observations: Obs[], masks: Uint8Array[]): Promise<number[]> {
      return new Promise((resolve, reject) => {
        queue.push({ obs: observations, masks, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}
