import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { QueueInspector } from '../queue';
import { REDIS } from '../redis';

@Injectable()
export class CoreHealthIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly dataSource: DataSource,
    private readonly queues: QueueInspector,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  async redisPing(key = 'redis') {
    const check = this.health.check(key);
    try {
      await withTimeout(this.redis.ping(), 1000);
      return check.up();
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }

  async migrations(key = 'migrations') {
    const check = this.health.check(key);
    try {
      const pending = await withTimeout(this.dataSource.showMigrations(), 2000);
      return pending ? check.down({ message: 'migrations are pending: run npm run migrate' }) : check.up();
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }

  /** Every queue's waiting jobs under HEALTH_QUEUE_BACKLOG_MAX: a process whose workers cannot keep up is not ready. */
  async queueBacklog(key = 'queues') {
    const check = this.health.check(key);
    const max = this.config.HEALTH_QUEUE_BACKLOG_MAX;
    try {
      const stats = await withTimeout(this.queues.stats(), 2000);
      const waiting = Object.fromEntries(stats.map((q) => [q.name, q.waiting]));
      const over = stats.filter((q) => q.waiting > max).map((q) => `${q.name} has ${q.waiting} waiting jobs (more than ${max})`);
      return over.length ? check.down({ message: over.join('; '), waiting }) : check.up({ waiting });
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}
