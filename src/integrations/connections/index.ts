export * from './connection-access';
export * from './connections.module';
