export * from './sync.module';
