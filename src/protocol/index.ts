export * from '../core/errors.ts';
export * from './framing.ts';
export * from './messages.ts';
