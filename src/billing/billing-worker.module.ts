import { Module } from '@nestjs/common';
import { BillingTicker } from './billing-ticker.service';

/** The periodic billing sweep: listed in WorkerModule.features(), so only processes that work queues run it. */
@Module({ providers: [BillingTicker] })
export class BillingWorkerModule {}
