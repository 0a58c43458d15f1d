import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { EventBus } from '../events';
import { REDIS } from '../redis';
import { RequestContext } from '../tenancy';
import { RedisRateBudget } from './rate-budget';
import { DEFAULT_UPSTREAM_POLICY, UpstreamClientFactory, type UpstreamPolicy } from './upstream-client';
import { UpstreamEventsObserver } from './upstream-events.observer';
import { UpstreamObservers } from './upstream-observers';

/** The retry, breaker and budget knobs the process's client uses (tests override them with small values). */
export const UPSTREAM_POLICY = Symbol('UPSTREAM_POLICY');

/**
 * The process's one upstream client factory: budgets, daily quotas and holds in the shared Redis
 * (under REDIS_PREFIX, so every process of a deployment sees the same counts), circuit changes as
 * events, and UpstreamObservers where other areas add their own observers.
 */
@Global()
@Module({
  providers: [
    { provide: UPSTREAM_POLICY, useValue: DEFAULT_UPSTREAM_POLICY },
    {
      provide: UpstreamObservers,
      inject: [EventBus, { token: RequestContext, optional: true }],
      useFactory: (events: EventBus, context?: RequestContext) => {
        const observers = new UpstreamObservers();
        observers.add(new UpstreamEventsObserver(events, context));
        return observers;
      },
    },
    {
      provide: UpstreamClientFactory,
      inject: [UPSTREAM_POLICY, REDIS, UpstreamObservers],
      useFactory: (policy: UpstreamPolicy, redis: Redis, observers: UpstreamObservers) =>
        new UpstreamClientFactory(policy, observers, new RedisRateBudget(redis)),
    },
  ],
  exports: [UpstreamClientFactory, UpstreamObservers],
})
export class UpstreamModule implements OnApplicationShutdown {
  constructor(private readonly factory: UpstreamClientFactory) {}

  async onApplicationShutdown(): Promise<void> {
    await this.factory.close();
  }
}
