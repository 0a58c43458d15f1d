import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { createRedis } from '../redis/redis.module';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [PLUGBOARD_CONFIG],
      useFactory: (c: PlugboardConfig) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: c.UNAUTHENTICATED_RATE_LIMIT }],
        storage: new ThrottlerStorageRedisService(createRedis(c, 'throttle')),
      }),
    }),
  ],
})
export class RateLimitModule {}
