import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { ConnectionsModule } from '../connections';
import { MediaFetcher } from './media-fetcher';
import { PUBLISH_QUEUE, PublishingService } from './publishing.service';
import { PublishingProcessor } from './publishing.processor';

/** Cross-platform publishing (issue 6): PublishingService for the API and workflows' publish step. Controllers are mounted by the API root. */
@Module({
  imports: [ConnectionsModule, BullModule.registerQueue({ name: PUBLISH_QUEUE })],
  providers: [PublishingService, MediaFetcher],
  exports: [PublishingService, BullModule],
})
export class PublishingModule {}

/** The publishing queue's consumer: listed in WorkerModule.features(), so API-only processes never take its jobs. */
@Module({ imports: [PublishingModule], providers: [PublishingProcessor] })
export class PublishingWorkerModule {}
