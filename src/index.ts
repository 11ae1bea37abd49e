export * from './protocol/index.ts';
export * from './client/index.ts';
export * from './server/index.ts';
export * from './env/index.ts';
export * from './vector/index.ts';
export * from './games/index.ts';
