import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { REDIS } from '../redis';

@Injectable()
export class CoreHealthIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly dataSource: DataSource,
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
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}
