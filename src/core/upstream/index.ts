export * from './upstream-client';
export * from './upstream-errors';
export * from './rate-budget';
export * from './rate-limit-headers';
export * from './base-url';
export * from './upstream-events.observer';
export * from './upstream-observers';
export * from './upstream.module';
