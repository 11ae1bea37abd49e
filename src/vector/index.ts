export * from './aec.ts';
export * from './async-vector.ts';
