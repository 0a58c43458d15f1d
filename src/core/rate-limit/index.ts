export * from './rate-limit.module';
export * from './tier-throttler.guard';
