/**
 * Anything that picks actions: bots and learners alike. Batched: one call
 * decides for many observations at once (many sessions, one model call).
 * Each mask marks the legal actions of its observation with 1.
 */
export interface Policy<Obs = Float32Array> {
  readonly name: string;
  act(observations: Obs[], masks: Uint8Array[]): number[] | Promise<number[]>;
}
