export * from './framework.ts';
export * from './games/index.ts';
export * from '../core/rng.ts';
export * from './server.ts';
export * from './replay.ts';
