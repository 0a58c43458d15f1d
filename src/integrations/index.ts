export * from './integrations.module';
export * from './connections';
export * from './sync';
