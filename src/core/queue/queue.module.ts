import { Global, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { DEFAULT_JOB_OPTIONS, TenantJobs } from './tenant-job';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [PLUGBOARD_CONFIG],
      useFactory: (c: PlugboardConfig) => ({ redis: c.REDIS_URL, prefix: `${c.REDIS_PREFIX}:bull`, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
    }),
  ],
  providers: [TenantJobs],
  exports: [TenantJobs, BullModule],
})
export class QueueModule {}
