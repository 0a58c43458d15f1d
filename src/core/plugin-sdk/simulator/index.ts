export * from './simulator-server';
