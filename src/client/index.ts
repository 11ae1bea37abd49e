export * from './client.ts';
export * from './in-process.ts';
export * from './tcp.ts';
export * from './transport.ts';
export * from './recording.ts';
