export * from './upstream-client';
export * from './base-url';
export * from './upstream.module';
