import { Module } from '@nestjs/common';
import { SyncModule } from './sync.module';
import { SyncProcessor } from './sync.processor';

/** The sync queue's consumer: listed in WorkerModule.features(), so API-only processes never take jobs. */
@Module({ imports: [SyncModule], providers: [SyncProcessor] })
export class SyncWorkerModule {}
