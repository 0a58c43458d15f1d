export * from './queue.module';
export * from './tenant-job';
export * from './queue-inspector.service';
