import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type Redis from 'ioredis';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { REDIS } from '../redis';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      // the shared client: every process counts in the same keys, and RedisModule closes it on shutdown
      inject: [PLUGBOARD_CONFIG, REDIS],
      useFactory: (c: PlugboardConfig, redis: Redis) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: c.UNAUTHENTICATED_RATE_LIMIT }],
        storage: new ThrottlerStorageRedisService(redis),
      }),
    }),
  ],
})
export class RateLimitModule {}
