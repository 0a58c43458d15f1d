export * from './simulator-server';
export * from './oauth-server';
