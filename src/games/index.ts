export * from './registry.ts';
export * from './plugins.ts';
export { DEFAULT_GAME } from './builtins.ts';
