import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bull';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { QueueInspector } from './queue-inspector.service';
import { DEFAULT_JOB_OPTIONS, TenantJobs } from './tenant-job';

@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [PLUGBOARD_CONFIG],
      useFactory: (c: PlugboardConfig) => ({ redis: c.REDIS_URL, prefix: `${c.REDIS_PREFIX}:bull`, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
    }),
  ],
  providers: [TenantJobs, QueueInspector],
  exports: [TenantJobs, QueueInspector, BullModule],
})
export class QueueModule {}
