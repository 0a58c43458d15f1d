export * from './upstream-client';
export * from './base-url';
